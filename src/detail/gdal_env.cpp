#include "detail/gdal_env.hpp"

#include "cogkit/error.hpp"

#include <algorithm>
#include <mutex>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>

namespace cogkit::detail {
namespace {

struct Entry {
  CPLErr level;
  std::string message;
  std::uint64_t owner;  // capture that was active on the raising thread; 0: a thread without one
};

std::mutex g_mutex;
std::vector<Entry> g_entries;
std::uint64_t g_next_owner = 1;
thread_local std::uint64_t t_owner = 0;

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
    start_ = g_entries.size();
    if (outermost_) t_owner = g_next_owner++;
  }
  owner_ = t_owner;
  CPLPushErrorHandler(sink);
}

GdalErrorCapture::~GdalErrorCapture() {
  CPLPopErrorHandler();
  if (outermost_) t_owner = 0;
}

// Entries raised on this capture's thread, or on threads without a capture of their own
// (GDAL's and TBB's workers).
std::string GdalErrorCapture::last_error() const {
  std::lock_guard lock(g_mutex);
  for (std::size_t i = g_entries.size(); i > start_; --i) {
    const Entry& e = g_entries[i - 1];
    if (e.level >= CE_Failure && (e.owner == owner_ || e.owner == 0)) return e.message;
  }
  return {};
}

std::vector<std::string> GdalErrorCapture::warnings() const {
  std::lock_guard lock(g_mutex);
  std::vector<std::string> out;
  for (std::size_t i = start_; i < g_entries.size(); ++i) {
    const Entry& e = g_entries[i];
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
  start_ = g_entries.size();
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

}  // namespace cogkit::detail

namespace cogkit {
void capture_gdal_diagnostics() { detail::install_global_error_sink(); }
}  // namespace cogkit
