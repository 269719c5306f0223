// cogkit/fill/fill.hpp — nodata filling (step "fill").
//
// fill_nodata() reproduces GDALFillNodata (GDAL 3.6, hMaskBand = the band's own mask) bit for
// bit, but tiled, parallel and in bounded memory:
//
//   * The band is processed in strips of `S` rows spanning the full width, top to bottom.
//     A strip reads the ORIGINAL values and mask of rows [y0 - halo, y1 + halo); the rows
//     it shares with the previous strip are kept from that strip's buffer (they may already
//     be overwritten in the band), so the fill is in place with no extra dataset.
//   * halo = fill_halo(options) = floor(max_distance) + smoothing. GDAL's search never
//     counts a source farther than max_distance, and each smoothing pass reaches one pixel
//     further, so the core rows of a strip are exact (docs/fill.md has the argument).
//   * Inside a strip, TBB threads split the columns (source search) and rows
//     (interpolation, smoothing); only one strip is in flight. A reader thread reads up to
//     4 strips ahead and a writer thread writes the previous strip meanwhile (in place they
//     take turns on the dataset).
//
// Memory (bytes), W = band width, S = strip rows, h = halo, n = smoothing:
//
//     W × [ (5S + 2h) × (5 + i)  +  (S + 2n) × (14 + 4·[n > 0])  +  4S ]
//
// (a ring of S + 2h original rows plus up to 4 strips of S rows read ahead: value, mask,
// interior flag; the kernel's candidate rows, output and masks; S rows written behind),
// with i = 1 for interior_only (else 0). interior_only adds
// the hole labelling of the whole raster: 13 bytes per horizontal run of nodata pixels +
// 8 bytes per row (docs/fill.md). S is the largest of 64, 128, ..., 2048 rows that fits
// budget.work_memory() (else the largest of 60, 56, ..., 20, else 16), or
// FillOptions::tile_rows when set.
// Example: W = 8000, max_distance 100, no smoothing, S = 64: 30 MB. GDAL's block cache
// comes on top (set by the caller).
#pragma once

#include <cstdint>
#include <limits>

#include <gdal.h>

#include "cogkit/core/options.hpp"
#include "cogkit/core/progress.hpp"

namespace cogkit {

class MemoryBudget;

struct FillOptions {
  bool enabled = false;
  // Pixels to search for valid values (GDAL's dfMaxSearchDist). 0 = unlimited, as in GDAL
  // (max(width, height) + 1), which makes the halo the whole raster.
  double max_distance = 100;
  int smoothing = 0;           // 3x3 smoothing iterations over the filled pixels
  // invdist = GDALFillNodata's algorithm; nearest = value of the nearest valid pixel
  // (Euclidean) within max_distance; ties: smaller |dx|, then left of the pixel before
  // right, then above (or same row) before below. Smoothing applies to both.
  FillMethod method = FillMethod::invdist;
  // Fill only interior holes: 8-connected components of nodata pixels none of whose
  // pixels lies on the raster's first/last row or column. Holes connected to the border
  // (the collar outside a reprojected footprint, gaps reaching the edge) stay nodata.
  bool interior_only = false;
  int threads = 0;             // 0 = all cores
  int tile_rows = 0;           // strip height S; 0 = chosen from the memory budget
};

// Pixels of context the fill needs on each side of a window to produce the same
// values as a whole-raster fill: floor(max_distance) + smoothing. With max_distance 0
// (unlimited) or interior_only (a hole's class depends on the whole raster) it returns a
// value larger than any raster (kUnboundedHalo), i.e. "fill the whole raster".
inline constexpr int kUnboundedHalo = std::numeric_limits<int>::max() / 4;
int fill_halo(const FillOptions& options);

// Fills the nodata pixels of `band` in place. The band must have a nodata value.
// The result equals GDALFillNodata(band, nullptr, max_distance, 0, smoothing, nullptr)
// run on the whole band (for invdist; interior_only restricts it to interior holes),
// for every tile_rows and thread count. Throws cogkit::error (step "fill").
void fill_nodata(GDALRasterBandH band, const FillOptions& options, const MemoryBudget& budget,
                 const ProgressFn& progress = {});

// Same, reading the original values from `source` and writing the filled band to `target`
// (same size and data type; equals copying source to target, then fill_nodata(target)).
// With distinct bands the next strip is read while the current one is computed.
void fill_nodata_copy(GDALRasterBandH source, GDALRasterBandH target, const FillOptions& options,
                      const MemoryBudget& budget, const ProgressFn& progress = {});

// What fill_nodata() did (for reports and tests).
struct FillStats {
  std::uint64_t filled = 0;       // pixels given a value
  int tile_rows = 0;              // strip height used
  int halo = 0;                   // rows of context per side
  std::uint64_t work_bytes = 0;   // strip buffers (formula above) + hole labels
  double compute_seconds = 0;     // wall time in the kernel
  double read_wait_seconds = 0;   // wall time reading (or waiting for the read-ahead)
  double write_seconds = 0;       // wall time writing the target
};
FillStats fill_nodata_stats(GDALRasterBandH band, const FillOptions& options, const MemoryBudget& budget,
                            const ProgressFn& progress = {});
FillStats fill_nodata_copy_stats(GDALRasterBandH source, GDALRasterBandH target, const FillOptions& options,
                                 const MemoryBudget& budget, const ProgressFn& progress = {});

}  // namespace cogkit
