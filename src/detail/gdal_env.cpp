#include "detail/gdal_env.hpp"

#include "cogkit/error.hpp"

#include <algorithm>
#include <mutex>

#include <cpl_conv.h>
#include <cpl_error.h>

namespace cogkit::detail {
namespace {

struct Entry {
  CPLErr level;
  std::string message;
};

std::mutex g_mutex;
std::vector<Entry> g_entries;

void CPL_STDCALL sink(CPLErr level, CPLErrorNum, const char* msg) {
  if (level == CE_Debug || level == CE_None) return;
  std::lock_guard lock(g_mutex);
  if (g_entries.size() > 10000) return;  // a runaway warning loop must not eat memory
  g_entries.push_back({level, msg ? msg : ""});
}

}  // namespace

GdalErrorCapture::GdalErrorCapture() {
  {
    std::lock_guard lock(g_mutex);
    start_ = g_entries.size();
  }
  CPLPushErrorHandler(sink);
}

GdalErrorCapture::~GdalErrorCapture() { CPLPopErrorHandler(); }

std::string GdalErrorCapture::last_error() const {
  std::lock_guard lock(g_mutex);
  for (std::size_t i = g_entries.size(); i > start_; --i)
    if (g_entries[i - 1].level >= CE_Failure) return g_entries[i - 1].message;
  return {};
}

std::vector<std::string> GdalErrorCapture::warnings() const {
  std::lock_guard lock(g_mutex);
  std::vector<std::string> out;
  for (std::size_t i = start_; i < g_entries.size(); ++i)
    if (g_entries[i].level == CE_Warning && std::find(out.begin(), out.end(), g_entries[i].message) == out.end())
      out.push_back(g_entries[i].message);
  return out;
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
