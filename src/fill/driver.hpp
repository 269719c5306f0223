// src/fill/driver.hpp — the strip loop of fill_nodata(), parameterised by a byte
// budget instead of a MemoryBudget (tests call it directly).
#pragma once

#include <cstdint>

#include <gdal.h>

#include "cogkit/fill/fill.hpp"

namespace cogkit::detail {

// Strip height for a band of `width` columns within `work_bytes` (64..2048 rows, at
// least 16 when nothing fits).
int choose_fill_tile_rows(int width, int height, int halo, int smoothing, bool interior_only,
                          std::uint64_t work_bytes);

FillStats fill_band(GDALRasterBandH band, const FillOptions& options, std::uint64_t work_bytes,
                    const ProgressFn& progress);
// Reads original values from `source`, writes filled rows to `target` (same size and type;
// may be the same band).
FillStats fill_band(GDALRasterBandH source, GDALRasterBandH target, const FillOptions& options,
                    std::uint64_t work_bytes, const ProgressFn& progress);

}  // namespace cogkit::detail
