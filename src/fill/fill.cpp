// src/fill/fill.cpp — public entry points of the fill step (the work is in detail/fill_*.cpp).
#include "cogkit/fill/fill.hpp"

#include <cmath>

#include "cogkit/core/staging.hpp"
#include "fill/driver.hpp"
#include "fill/kernel.hpp"

namespace cogkit {

int fill_halo(const FillOptions& options) {
  // Unlimited search, or interior-only (whether a hole is interior depends on the whole
  // raster): a window needs the whole raster around it.
  if (options.max_distance <= 0 || options.interior_only) return kUnboundedHalo;
  return detail::fill_kernel_halo(options.max_distance, options.smoothing);
}

FillStats fill_nodata_stats(GDALRasterBandH band, const FillOptions& options, const MemoryBudget& budget,
                            const ProgressFn& progress) {
  return detail::fill_band(band, options, budget.work_memory(), progress);
}

FillStats fill_nodata_copy_stats(GDALRasterBandH source, GDALRasterBandH target, const FillOptions& options,
                                 const MemoryBudget& budget, const ProgressFn& progress) {
  return detail::fill_band(source, target, options, budget.work_memory(), progress);
}

void fill_nodata_copy(GDALRasterBandH source, GDALRasterBandH target, const FillOptions& options,
                      const MemoryBudget& budget, const ProgressFn& progress) {
  (void)fill_nodata_copy_stats(source, target, options, budget, progress);
}

void fill_nodata(GDALRasterBandH band, const FillOptions& options, const MemoryBudget& budget,
                 const ProgressFn& progress) {
  (void)fill_nodata_stats(band, options, budget, progress);
}

}  // namespace cogkit
