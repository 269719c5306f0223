#include "core/gdal_env.hpp"

#include "cogkit/core/error.hpp"

#include <algorithm>
#include <deque>
#include <mutex>
#include <set>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <gdal_utils.h>

namespace cogkit::detail {
namespace {

struct Entry {
  CPLErr level;
  std::string message;
  std::uint64_t owner;  // capture that was active on the raising thread; 0: a thread without one
};

// The diagnostics since the oldest live capture began: g_entries[i] is entry number
// g_first + i. Entries no live capture can see are dropped when a capture ends, so a
// process converting thousands of inputs keeps only what its running conversions need.
std::mutex g_mutex;
std::deque<Entry> g_entries;
std::uint64_t g_first = 0;
std::multiset<std::uint64_t> g_live;  // start of every live capture
std::uint64_t g_next_owner = 1;
thread_local std::uint64_t t_owner = 0;

std::uint64_t g_end() { return g_first + g_entries.size(); }

void CPL_STDCALL sink(CPLErr level, CPLErrorNum, const char* msg) {
  if (level == CE_Debug || level == CE_None) return;
  std::lock_guard lock(g_mutex);
  if (g_entries.size() > 10000) return;  // a runaway warning loop must not eat memory
  g_entries.push_back({level, msg ? msg : "", t_owner});
}

std::mutex g_cache_mutex;
std::uint64_t g_cache_shares = 0;
int g_cache_holders = 0;
GIntBig g_cache_before = 0;

}  // namespace

GdalErrorCapture::GdalErrorCapture() : outermost_(t_owner == 0) {
  {
    std::lock_guard lock(g_mutex);
    if (g_live.empty()) {  // nobody can see the old entries
      g_first = g_end();
      g_entries.clear();
    }
    start_ = g_end();
    g_live.insert(start_);
    if (outermost_) t_owner = g_next_owner++;
  }
  owner_ = t_owner;
  CPLPushErrorHandler(sink);
}

GdalErrorCapture::~GdalErrorCapture() {
  CPLPopErrorHandler();
  if (outermost_) t_owner = 0;
  std::lock_guard lock(g_mutex);
  g_live.erase(g_live.find(start_));
  const std::uint64_t keep_from = g_live.empty() ? g_end() : *g_live.begin();
  while (g_first < keep_from && !g_entries.empty()) {
    g_entries.pop_front();
    ++g_first;
  }
}

// Entries raised on this capture's thread, or on threads without a capture of their own
// (GDAL's and TBB's workers).
std::string GdalErrorCapture::last_error() const {
  std::lock_guard lock(g_mutex);
  for (std::uint64_t i = g_end(); i > std::max(start_, g_first); --i) {
    const Entry& e = g_entries[i - 1 - g_first];
    if (e.level >= CE_Failure && (e.owner == owner_ || e.owner == 0)) return e.message;
  }
  return {};
}

std::vector<std::string> GdalErrorCapture::warnings() const {
  std::lock_guard lock(g_mutex);
  std::vector<std::string> out;
  for (std::uint64_t i = std::max(start_, g_first); i < g_end(); ++i) {
    const Entry& e = g_entries[i - g_first];
    if (e.level == CE_Warning && (e.owner == owner_ || e.owner == 0) &&
        std::find(out.begin(), out.end(), e.message) == out.end())
      out.push_back(e.message);
  }
  return out;
}

CacheShare::CacheShare(std::uint64_t bytes) : bytes_(bytes) {
  std::lock_guard lock(g_cache_mutex);
  if (g_cache_holders++ == 0) g_cache_before = GDALGetCacheMax64();
  g_cache_shares += bytes_;
  GDALSetCacheMax64(static_cast<GIntBig>(g_cache_shares));
}

CacheShare::~CacheShare() {
  std::lock_guard lock(g_cache_mutex);
  g_cache_shares -= bytes_;
  GDALSetCacheMax64(--g_cache_holders == 0 ? g_cache_before : static_cast<GIntBig>(g_cache_shares));
}

void GdalErrorCapture::clear() {
  std::lock_guard lock(g_mutex);
  g_live.erase(g_live.find(start_));
  start_ = g_end();
  g_live.insert(start_);
}

void install_global_error_sink() { CPLSetErrorHandler(sink); }

ConfigScope::~ConfigScope() {
  for (auto it = saved_.rbegin(); it != saved_.rend(); ++it)
    CPLSetThreadLocalConfigOption(it->first.c_str(), it->second.first ? it->second.second.c_str() : nullptr);
}

void ConfigScope::set(const std::string& key, const std::string& value) {
  const char* old = CPLGetThreadLocalConfigOption(key.c_str(), nullptr);
  saved_.push_back({key, {old != nullptr, old ? old : ""}});
  CPLSetThreadLocalConfigOption(key.c_str(), value.c_str());
}

DatasetHandle translate_to_vrt(GDALDatasetH ds, const CPLStringList& args, std::string& gdal_error) {
  CPLStringList argv;
  argv.AddString("-of");
  argv.AddString("VRT");
  for (int i = 0; i < args.size(); ++i) argv.AddString(args[i]);
  GdalErrorCapture capture;
  GDALTranslateOptions* to = GDALTranslateOptionsNew(argv.List(), nullptr);
  DatasetHandle out(to ? GDALTranslate("", ds, to, nullptr) : nullptr);
  GDALTranslateOptionsFree(to);
  if (!out) gdal_error = capture.last_error();
  return out;
}

}  // namespace cogkit::detail

namespace cogkit {
void capture_gdal_diagnostics() { detail::install_global_error_sink(); }
}  // namespace cogkit
