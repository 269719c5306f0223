// src/core/gdal_env.hpp — GDAL error capture and scoped configuration (internal).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <cpl_string.h>
#include <gdal.h>

#include "cogkit/core/gdal_handle.hpp"

namespace cogkit::detail {

// Routes GDAL's diagnostics raised on this thread (and, once install_global_error_sink()
// was called, on GDAL's worker threads) into a buffer instead of stderr.
class GdalErrorCapture {
 public:
  GdalErrorCapture();
  ~GdalErrorCapture();
  GdalErrorCapture(const GdalErrorCapture&) = delete;
  GdalErrorCapture& operator=(const GdalErrorCapture&) = delete;

  // Message of the last CE_Failure/CE_Fatal since construction (or clear()), "" if none.
  std::string last_error() const;
  // Warnings since construction, deduplicated, in order.
  std::vector<std::string> warnings() const;
  void clear();

 private:
  std::uint64_t start_;   // number of the first entry this capture sees
  std::uint64_t owner_;   // the outermost capture of this thread: jobs on other threads do not see ours
  bool outermost_;
};

// GDAL's block cache is one process-wide setting. Each running conversion holds a share
// of it (its budget's block-cache part); the cache is set to the sum of the shares held
// and restored to its previous value when the last share is released, so conversions
// running at once (the batch runner) do not undo each other's settings.
class CacheShare {
 public:
  explicit CacheShare(std::uint64_t bytes);
  ~CacheShare();
  CacheShare(const CacheShare&) = delete;
  CacheShare& operator=(const CacheShare&) = delete;

 private:
  std::uint64_t bytes_;
};

// `ds` through GDALTranslate with gdal_translate's `args` ("-of VRT" is added) into an unnamed
// in-memory VRT: a lazy view, no pixel is read. Null when GDAL refuses, with its message in
// `gdal_error`.
DatasetHandle translate_to_vrt(GDALDatasetH ds, const CPLStringList& args, std::string& gdal_error);

// Installs a process-wide handler so diagnostics from GDAL's worker threads are
// captured too (tools call it once at start-up).
void install_global_error_sink();

// Sets GDAL configuration options for the current thread; restores them on exit.
class ConfigScope {
 public:
  ConfigScope() = default;
  ~ConfigScope();
  ConfigScope(const ConfigScope&) = delete;
  ConfigScope& operator=(const ConfigScope&) = delete;
  void set(const std::string& key, const std::string& value);

 private:
  std::vector<std::pair<std::string, std::pair<bool, std::string>>> saved_;
};

}  // namespace cogkit::detail
