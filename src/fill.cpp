// Whole-band fill through GDALFillNodata. Issue #3 replaces this with a tiled,
// parallel implementation that gives bit-identical results.
#include "cogkit/fill.hpp"

#include <cmath>

#include <cpl_string.h>
#include <gdal_alg.h>

#include "cogkit/error.hpp"
#include "cogkit/staging.hpp"
#include "detail/gdal_env.hpp"

namespace cogkit {

int fill_halo(const FillOptions& options) {
  return static_cast<int>(std::ceil(options.max_distance)) + options.smoothing + 1;
}

namespace {
int CPL_STDCALL fill_progress(double complete, const char*, void* data) {
  const auto* fn = static_cast<const ProgressFn*>(data);
  if (fn && *fn) (*fn)("fill", complete);
  return TRUE;
}
}  // namespace

void fill_nodata(GDALRasterBandH band, const FillOptions& options, const MemoryBudget& budget,
                 const ProgressFn& progress) {
  if (options.method != FillMethod::invdist || options.interior_only)
    throw error("fill", "", "this fill implementation supports only --fill-method invdist");
  int has = 0;
  GDALGetRasterNoDataValue(band, &has);
  if (!has) throw error("fill", "", "the raster has no nodata value to fill");
  const std::uint64_t w = GDALGetRasterBandXSize(band), h = GDALGetRasterBandYSize(band);
  CPLStringList opts;
  opts.AddNameValue("TEMP_FILE_DRIVER", budget.fits_in_memory(w * h * 8) ? "MEM" : "GTiff");
  detail::GdalErrorCapture capture;
  if (GDALFillNodata(band, nullptr, options.max_distance, 0, options.smoothing, opts.List(), fill_progress,
                     const_cast<ProgressFn*>(&progress)) != CE_None)
    throw error("fill", "", "filling nodata failed", capture.last_error());
}

}  // namespace cogkit
