// src/reproject/fast_warp.hpp — cogkit's own reprojection kernel (internal).
//
// Nearest and bilinear resampling with source/destination nodata that fills the
// destination with the same pixels as GDAL 3.6's warper (warp_regions): same
// transformer objects (GenImgProj + approximate transformer), same per-pixel
// acceptance test, same 4-sample bilinear arithmetic and nodata handling. It works
// in bands of destination rows with bounded memory, computes rows in parallel with
// TBB and reads/writes with RasterIO. See docs/fast-warp.md for the exact scope.
#pragma once

#include <string>

#include <gdal.h>

#include "cogkit/core/progress.hpp"
#include "cogkit/reproject/reproject.hpp"

namespace cogkit::detail {

// "" when fast_warp can warp `source` into `dest` with `settings`, else a short reason (the
// caller then uses GDAL's warper). `source`: any GDAL dataset (GTiff, MEM, VRT...), read with
// RasterIO; `dest`: MEM or GTiff, grid + CRS already set (the pipeline's staged raster).
std::string fast_warp_unsupported(GDALDatasetH source, GDALDatasetH dest, const WarpSettings& settings);

// Fills every pixel of `dest` exactly as warp_regions(source, dest, settings) would.
// Throws cogkit::error("reproject", ...) on failure.
void fast_warp(GDALDatasetH source, GDALDatasetH dest, const WarpSettings& settings, const ProgressFn& progress = {});

}  // namespace cogkit::detail
