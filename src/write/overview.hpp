// src/write/overview.hpp — overview (pyramid level) resampling for the native COG writer.
//
// One level is computed from the level above it (GDAL's COG driver cascades the same way:
// level k+1 from level k). Level sizes follow GDAL's COG driver: floor(size / 2) per level,
// at least 1; levels are added while the previous level is larger than the block size.
//
// Pixels are pixel-interleaved (`bands` samples per pixel), rows are full width.
// Resampling is nodata-aware: source pixels equal to `nodata` (any NaN when nodata is NaN,
// and NaN always for floating types) do not contribute; an output pixel with no valid
// contribution gets `nodata`. Without nodata every pixel is valid.
// The results aim to equal GDAL 3.6's overview resampling (GDALRegenerateOverviews) for the
// same kernel: see tests/overview_test.cpp for what is compared and to what tolerance.
#pragma once

#include <optional>
#include <string_view>
#include <utility>

#include <gdal.h>

#include "cogkit/core/options.hpp"

namespace cogkit::detail {

// The kernels the native writer implements (a subset of cogkit::OverviewResampling).
enum class OverviewKernel { nearest, average, bilinear, cubic };

// The kernel for CogOptions::overview_resampling: nullopt (GDAL's COG default) is cubic.
// nullopt for kernels the native writer does not implement (GDAL's COG driver is used then).
std::optional<OverviewKernel> overview_kernel(std::optional<OverviewResampling> resampling);

struct LevelSize {
  int src_w = 0, src_h = 0;  // the level above
  int dst_w = 0, dst_h = 0;  // the level being computed
};

// Source rows [first, last) needed to compute destination rows [y0, y1), clamped to [0, src_h).
std::pair<int, int> overview_source_rows(OverviewKernel r, const LevelSize& g, int y0, int y1);

// Computes destination rows [y0, y1) (all columns, all bands) into `dst` (row stride
// dst_w * bands samples; dst points at row y0). `src` points at source row `src_first`, and
// holds at least the rows overview_source_rows() returned (row stride src_w * bands samples).
// Thread-safe: disjoint destination row ranges may be computed concurrently.
void downsample(OverviewKernel r, GDALDataType type, int bands, const LevelSize& g, const void* src,
                int src_first, void* dst, int y0, int y1, std::optional<double> nodata);

}  // namespace cogkit::detail
