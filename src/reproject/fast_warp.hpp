// src/reproject/fast_warp.hpp — cogkit's own reprojection kernel (internal).
//
// Nearest and bilinear resampling with source/destination nodata that fills the
// destination with the same pixels as GDAL 3.6's warper (warp_regions): same
// transformer objects (GenImgProj + approximate transformer), same per-pixel
// acceptance test, same 4-sample bilinear arithmetic and nodata handling. It works
// in bands of destination rows with bounded memory, computes rows in parallel with
// TBB and reads/writes with RasterIO. See docs/fast-warp.md for the exact scope.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <gdal.h>

#include "cogkit/core/options.hpp"
#include "cogkit/core/progress.hpp"

namespace cogkit::detail {

struct FastWarpRequest {
  GDALDatasetH source = nullptr;   // any GDAL dataset (GTiff, MEM, VRT...), read with RasterIO
  GDALDatasetH dest = nullptr;     // MEM or GTiff, grid + CRS already set (the pipeline's staged raster)
  Resampling resampling = Resampling::nearest;
  std::optional<double> dst_nodata;
  double error_threshold = 0.125;  // as gdalwarp -et; 0 = exact transformer
  int threads = 1;
  std::uint64_t memory = 64ULL << 20;  // bytes for source windows + buffers (all threads)
};

// "" when fast_warp can do the request, else a short reason (the caller then uses GDAL's warper).
std::string fast_warp_unsupported(const FastWarpRequest& r);

// Fills every pixel of `dest` exactly as warp_regions(source, dest, {resampling, error_threshold},
// {threads, memory, dst_nodata, error_threshold}, {}) would. Throws cogkit::error("reproject", ...) on failure.
void fast_warp(const FastWarpRequest& r, const ProgressFn& progress = {});

}  // namespace cogkit::detail
