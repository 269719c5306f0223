// cogkit/core/staging.hpp — the memory budget and temporary files.
//
// One MemoryBudget decides, per intermediate raster, whether it lives in memory
// (GDAL MEM / /vsimem/) or in a temp GeoTIFF (tiled, ZSTD level 1) under tmpdir.
// Every temporary path is owned by a TempPath guard that deletes it on every
// exit path, including SIGINT/SIGTERM (see install_signal_cleanup()).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cogkit/core/options.hpp"

namespace cogkit {

// Parses "448MB", "2GB", "1GiB", "512k", "1073741824" (bytes). SI units are
// powers of 1000 (MB), IEC units powers of 1024 (MiB); a bare K/M/G is 1024-based.
// Throws cogkit::error(step "options") on anything else.
std::uint64_t parse_size(std::string_view text);

// Memory available to this process: the smallest of physical RAM and the
// cgroup (v2 memory.max, v1 memory.limit_in_bytes) limit, as in a Kubernetes pod.
std::uint64_t available_memory();

// 25 % of available_memory().
std::uint64_t default_memory_budget();

// Peak resident set size of this process so far, bytes.
std::uint64_t peak_rss();

struct StagingOptions {
  std::uint64_t memory_budget = 0;  // bytes; 0 = default_memory_budget()
  std::string tmpdir;               // "" = $TMPDIR or /tmp
  StagingMode force = StagingMode::by_budget;  // memory or file: force it (tests: both paths agree)
};

// Splits a budget into the parts the pipeline uses. The intermediates that are
// staged in memory plus GDAL's block cache plus the warper's buffers stay within
// `total`; what does not fit goes to a temp file.
class MemoryBudget {
 public:
  explicit MemoryBudget(const StagingOptions& options);
  std::uint64_t total() const noexcept { return total_; }
  std::uint64_t block_cache() const noexcept;   // GDAL_CACHEMAX to use
  std::uint64_t warp_memory() const noexcept;   // gdalwarp -wm equivalent
  std::uint64_t work_memory() const noexcept;   // per-step working buffers (all threads)
  // True when an intermediate of `bytes` may be staged in memory.
  bool fits_in_memory(std::uint64_t bytes) const noexcept;
  const std::string& tmpdir() const noexcept { return tmpdir_; }
  // by_budget (decide by size), memory or file: StagingOptions::force.
  StagingMode force() const noexcept { return force_; }
  // The same budget (tmpdir, staging mode) with another total: a share of this one, for a
  // part of the job (a mosaic's inputs, the steps beside a reader's in-memory raster).
  MemoryBudget with_total(std::uint64_t total) const {
    MemoryBudget b = *this;
    b.total_ = total;
    return b;
  }

 private:
  std::uint64_t total_;
  std::string tmpdir_;
  StagingMode force_;
};

// Owns a temporary path (a file, or a GDAL dataset with sidecars): deleted in the
// destructor, and by the signal handler if the process is interrupted.
class TempPath {
 public:
  TempPath() = default;
  // Creates a unique name "<dir>/<stem>.cogkit-<pid>-<n><suffix>" (nothing is created on disk).
  TempPath(const std::string& dir, std::string_view stem, std::string_view suffix);
  ~TempPath();
  TempPath(TempPath&& other) noexcept;
  TempPath& operator=(TempPath&& other) noexcept;
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;

  const std::string& path() const noexcept { return path_; }
  // Stops owning the path (after it has been renamed into place).
  void release() noexcept;
  // Deletes now (file and GDAL sidecars such as .aux.xml, .ovr, .msk).
  void remove() noexcept;

 private:
  std::string path_;
};

// Installs SIGINT/SIGTERM/SIGHUP handlers that delete every live TempPath and then
// re-raise the signal. Idempotent; tools call it at start-up.
void install_signal_cleanup();

}  // namespace cogkit

#include <gdal.h>
#include "cogkit/core/gdal_handle.hpp"

namespace cogkit {

// An intermediate raster: in memory (MEM driver) when it fits the budget, else a
// temp tiled GeoTIFF (ZSTD level 1) owned by `temp`. Both give identical pixels.
struct StagedRaster {
  TempPath temp;        // empty for in-memory rasters; declared first so it outlives `dataset`
  DatasetHandle dataset;
  bool in_memory = true;
  GDALDatasetH get() const noexcept { return dataset.get(); }
  // Bytes of memory its pixels hold: the whole raster in memory, 0 when staged in a file.
  std::uint64_t held_bytes() const noexcept;
};

// Creates a staged raster of width×height×bands of `type`, in memory when
// budget.fits_in_memory() (which honours StagingOptions::force) says so.
StagedRaster create_staged(const MemoryBudget& budget, int width, int height, int bands, GDALDataType type,
                           std::string_view stem);

}  // namespace cogkit
