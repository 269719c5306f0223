// cogkit/reproject.hpp — reprojection and resampling (step "reproject").
//
// Runs GDAL's warper (multi-threaded, warp memory from the budget) into a staged
// raster covering only the output window the later steps need.
#pragma once

#include <string>

namespace cogkit {

struct ReprojectOptions {
  std::string t_srs;                 // target CRS: EPSG code, WKT, PROJ string; "" = keep source CRS
  double xres = 0, yres = 0;         // target resolution (positive), 0 = derived
  bool tap = false;                  // align the output extent on multiples of the resolution
  std::string resampling = "nearest";  // any GDAL warp kernel (nearest, bilinear, cubic, cubicspline,
                                       // lanczos, average, rms, mode, max, min, med, q1, q3, sum)
  // True when the step changes the grid at all.
  bool active() const { return !t_srs.empty() || xres > 0 || yres > 0 || tap; }
};

// Canonical GDAL name for a resampling kernel; throws cogkit::error("options") if unknown.
std::string normalize_resampling(const std::string& name);

}  // namespace cogkit
