// cogkit/reproject/reproject.hpp — reprojection and resampling (step "reproject").
//
// Runs GDAL's warper (multi-threaded, warp memory from the budget) into a staged
// raster covering only the output window the later steps need.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gdal.h>

#include "cogkit/core/grid.hpp"
#include "cogkit/core/options.hpp"
#include "cogkit/core/progress.hpp"

namespace cogkit {

struct ReprojectOptions {
  std::string t_srs;                 // target CRS: EPSG code, WKT, PROJ string; "" = keep source CRS
  double xres = 0, yres = 0;         // target resolution (positive), 0 = derived
  bool tap = false;                  // align the output extent on multiples of the resolution
  double error_threshold = 0.125;    // pixels, as gdalwarp -et; 0 = exact transformation of every pixel
  Resampling resampling = Resampling::nearest;  // any GDAL warp kernel
  std::optional<std::array<double, 4>> te;   // gdalwarp -te: output extent xmin, ymin, xmax, ymax
  std::string te_srs;                        // gdalwarp -te_srs: CRS of te ("" = the target CRS)
  int ts_width = 0, ts_height = 0;           // gdalwarp -ts: output size (one 0: kept aspect ratio)
  std::optional<double> src_nodata;          // gdalwarp -srcnodata: the source's nodata for masking
  std::optional<double> dst_nodata;          // gdalwarp -dstnodata: masked pixels get it; the output's nodata
  // True when the step changes the grid or the pixels at all (gdalwarp warps whenever any of
  // these is given).
  bool active() const {
    return !t_srs.empty() || xres > 0 || yres > 0 || tap || te || ts_width > 0 || ts_height > 0 || dst_nodata;
  }
};

// How one warp runs — the kernel, its accuracy, the destination nodata and the resources — for
// GDAL's warper (warp_regions) and cogkit's own kernel alike: built once per warp, by
// warp_settings() from the options and the job's budget.
struct WarpSettings {
  Resampling resampling = Resampling::nearest;
  double error_threshold = 0.125;            // pixels, as gdalwarp -et (0 = exact transformer)
  std::optional<double> src_nodata;          // masks the source instead of its bands' nodata (-srcnodata)
  std::optional<double> dst_nodata;
  int threads = 1;
  std::uint64_t warp_memory = 64ULL << 20;  // bytes, as gdalwarp -wm (source windows + buffers, all threads)
};

// The settings that warp with `options`' kernel, error threshold and source nodata into a destination whose
// nodata is `dst_nodata`, on `threads` threads within `warp_memory` bytes.
WarpSettings warp_settings(const ReprojectOptions& options, std::optional<double> dst_nodata, int threads,
                           std::uint64_t warp_memory);

// Warps `source` into the existing `dest` (its grid and CRS already set), computing only
// the destination pixels inside `regions` (all of `dest` when empty) — GDAL's warper,
// multi-threaded. Pixels outside the regions are left untouched. Throws cogkit::error("reproject").
void warp_regions(GDALDatasetH source, GDALDatasetH dest, const WarpSettings& settings,
                  const std::vector<PixelRect>& regions = {}, const ProgressFn& progress = {});

}  // namespace cogkit
