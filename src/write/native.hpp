// src/write/native.hpp — cogkit's own COG writer.
//
// Writes the same file layout as GDAL's COG driver (ghost header, all IFDs first, tiles
// from the smallest overview to full resolution, row-major, size leader and repeated-last-
// 4-bytes trailer) with GDAL's own georeferencing tags, but:
//  * the overview pyramid is computed in one streaming pass over the source (each level
//    from the level above, as GDAL does), in parallel, without an intermediate file;
//  * every tile, of every level, is predicted and compressed in parallel (libdeflate/zstd).
// Memory: about one tile row of each level (≈ 2 × blocksize × width × bands × sample size)
// + the compressed overview tiles (spilled to a temp file beyond budget.work_memory() / 2)
// + one tile per thread.
#pragma once

#include <string>

#include <gdal.h>

#include "cogkit/write/cog.hpp"
#include "cogkit/core/progress.hpp"
#include "cogkit/core/staging.hpp"

namespace cogkit::detail {

// The codecs the native writer encodes (the others go to GDAL's COG driver).
bool native_codec(Compression c);

// Why the native writer cannot write `source` with `options` ("" when it can): other
// codecs, a colour table, a mask or alpha band, RGB(A) photometry, extra creation options,
// an overview kernel it does not implement. The caller then uses GDAL's COG driver.
std::string native_cog_unsupported(GDALDatasetH source, const CogOptions& options, const MemoryBudget& budget);

// Writes `source` to the local `path`. Throws cogkit::error("write").
// Sets on `target` the metadata items `md` (the source band's) with `stats` in place of its
// STATISTICS_* items (all of `md` when `stats` is null).
void set_band_metadata(GDALRasterBandH target, char** md,
                       const std::vector<std::pair<std::string, std::string>>* stats);

// Returns true when `observer` (if any) saw every full-resolution row (the overview pass ran).
bool write_cog_native(GDALDatasetH source, const std::string& path, const CogOptions& options, int threads,
                      const MemoryBudget& budget, const ProgressFn& progress, const RowObserver& observer = {},
                      const StatisticsFn& statistics = {});

}  // namespace cogkit::detail
