// cogkit/fill.hpp — nodata filling (step "fill").
#pragma once

#include <cstdint>

#include <gdal.h>

#include "cogkit/progress.hpp"

namespace cogkit {

class MemoryBudget;

enum class FillMethod { invdist, nearest };

struct FillOptions {
  bool enabled = false;
  double max_distance = 100;   // pixels to search for valid values
  int smoothing = 0;           // 3x3 smoothing iterations over the filled pixels
  FillMethod method = FillMethod::invdist;  // invdist = GDALFillNodata's algorithm
  bool interior_only = false;  // fill only holes that touch neither the raster edge nor the nodata collar
  int threads = 0;             // 0 = all cores
};

// Pixels of context the fill needs on each side of a window to produce the same
// values as a whole-raster fill.
int fill_halo(const FillOptions& options);

// Fills the nodata pixels of `band` in place. The band must have a nodata value.
// The result equals GDALFillNodata run on the whole band with the same options.
void fill_nodata(GDALRasterBandH band, const FillOptions& options, const MemoryBudget& budget,
                 const ProgressFn& progress = {});

}  // namespace cogkit
