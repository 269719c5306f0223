// cogkit/reproject/reproject.hpp — reprojection and resampling (step "reproject").
//
// Runs GDAL's warper (multi-threaded, warp memory from the budget) into a staged
// raster covering only the output window the later steps need.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gdal.h>

#include "cogkit/core/options.hpp"
#include "cogkit/core/grid.hpp"
#include "cogkit/core/progress.hpp"

namespace cogkit {

struct ReprojectOptions {
  std::string t_srs;                 // target CRS: EPSG code, WKT, PROJ string; "" = keep source CRS
  double xres = 0, yres = 0;         // target resolution (positive), 0 = derived
  bool tap = false;                  // align the output extent on multiples of the resolution
  double error_threshold = 0.125;    // pixels, as gdalwarp -et; 0 = exact transformation of every pixel
  Resampling resampling = Resampling::nearest;  // any GDAL warp kernel
  // True when the step changes the grid at all.
  bool active() const { return !t_srs.empty() || xres > 0 || yres > 0 || tap; }
};

struct WarpSettings {
  int threads = 1;
  std::uint64_t warp_memory = 64ULL << 20;  // bytes, as gdalwarp -wm
  std::optional<double> dst_nodata;
  double error_threshold = 0.125;            // pixels, as gdalwarp -et (0 = exact transformer)
};

// Warps `source` into the existing `dest` (its grid and CRS already set), computing only
// the destination pixels inside `regions` (all of `dest` when empty) — GDAL's warper,
// multi-threaded. Pixels outside the regions are left untouched. Throws cogkit::error("reproject").
void warp_regions(GDALDatasetH source, GDALDatasetH dest, const ReprojectOptions& options, const WarpSettings& settings,
                  const std::vector<PixelRect>& regions, const ProgressFn& progress = {});

}  // namespace cogkit
