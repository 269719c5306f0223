#include "cogkit/reproject/reproject.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdalwarper.h>

#include "cogkit/core/error.hpp"
#include "core/gdal_env.hpp"

namespace cogkit {

namespace {

GDALResampleAlg resample_alg(Resampling r) {
  switch (r) {
    case Resampling::nearest: return GRA_NearestNeighbour;
    case Resampling::bilinear: return GRA_Bilinear;
    case Resampling::cubic: return GRA_Cubic;
    case Resampling::cubicspline: return GRA_CubicSpline;
    case Resampling::lanczos: return GRA_Lanczos;
    case Resampling::average: return GRA_Average;
    case Resampling::rms: return GRA_RMS;
    case Resampling::mode: return GRA_Mode;
    case Resampling::max: return GRA_Max;
    case Resampling::min: return GRA_Min;
    case Resampling::med: return GRA_Med;
    case Resampling::q1: return GRA_Q1;
    case Resampling::q3: return GRA_Q3;
    case Resampling::sum: return GRA_Sum;
  }
  return GRA_NearestNeighbour;
}

struct WarpOptionsDeleter {
  void operator()(GDALWarpOptions* o) const noexcept {
    if (!o) return;
    if (o->pTransformerArg) GDALDestroyTransformer(o->pTransformerArg);
    GDALDestroyWarpOptions(o);
  }
};

struct ProgressScale {
  const ProgressFn* fn;
  double done, share;
  bool stopped = false;  // the callback cancelled: GDAL was told to stop
};

int CPL_STDCALL scaled_progress(double complete, const char*, void* data) {
  auto* s = static_cast<ProgressScale*>(data);
  if (s->fn && *s->fn && !(*s->fn)("reproject", std::min(1.0, s->done + s->share * complete))) s->stopped = true;
  return s->stopped ? FALSE : TRUE;
}

}  // namespace

WarpSettings warp_settings(const ReprojectOptions& options, std::optional<double> dst_nodata, int threads,
                           std::uint64_t warp_memory) {
  WarpSettings s;
  s.resampling = options.resampling;
  s.error_threshold = options.error_threshold;
  s.src_nodata = options.src_nodata;
  s.dst_nodata = dst_nodata;
  s.threads = threads;
  s.warp_memory = warp_memory;
  return s;
}

void warp_regions(GDALDatasetH source, GDALDatasetH dest, const WarpSettings& settings,
                  const std::vector<PixelRect>& regions, const ProgressFn& progress) {
  detail::GdalErrorCapture capture;
  std::unique_ptr<GDALWarpOptions, WarpOptionsDeleter> wo(GDALCreateWarpOptions());
  wo->hSrcDS = source;
  wo->hDstDS = dest;
  const int bands = GDALGetRasterCount(source);
  wo->nBandCount = bands;
  wo->panSrcBands = static_cast<int*>(CPLMalloc(sizeof(int) * bands));
  wo->panDstBands = static_cast<int*>(CPLMalloc(sizeof(int) * bands));
  for (int b = 0; b < bands; ++b) wo->panSrcBands[b] = wo->panDstBands[b] = b + 1;
  wo->eResampleAlg = resample_alg(settings.resampling);
  wo->dfWarpMemoryLimit = static_cast<double>(settings.warp_memory);
  // Source nodata as gdalwarp takes it: -srcnodata for every band, else each band's own.
  bool any_src_nodata = settings.src_nodata.has_value();
  std::vector<double> src_nd(bands, settings.src_nodata.value_or(0));
  for (int b = 0; b < bands && !settings.src_nodata; ++b) {
    int has = 0;
    src_nd[b] = GDALGetRasterNoDataValue(GDALGetRasterBand(source, b + 1), &has);
    any_src_nodata |= has != 0;
  }
  if (any_src_nodata) {
    wo->padfSrcNoDataReal = static_cast<double*>(CPLMalloc(sizeof(double) * bands));
    for (int b = 0; b < bands; ++b) wo->padfSrcNoDataReal[b] = src_nd[b];
  }
  if (settings.dst_nodata) {
    wo->padfDstNoDataReal = static_cast<double*>(CPLMalloc(sizeof(double) * bands));
    for (int b = 0; b < bands; ++b) wo->padfDstNoDataReal[b] = *settings.dst_nodata;
  }
  wo->papszWarpOptions = CSLSetNameValue(wo->papszWarpOptions, "NUM_THREADS", std::to_string(settings.threads).c_str());
  // gdalwarp 3.6 with -srcnodata: a pixel is masked only when every band has the value (measured:
  // per-band masking with the bands' own nodata, unified with -srcnodata).
  if (settings.src_nodata) wo->papszWarpOptions = CSLSetNameValue(wo->papszWarpOptions, "UNIFIED_SRC_NODATA", "YES");
  wo->papszWarpOptions = CSLSetNameValue(wo->papszWarpOptions, "INIT_DEST", settings.dst_nodata ? "NO_DATA" : "0");
  void* tr = GDALCreateGenImgProjTransformer2(source, dest, nullptr);
  if (!tr) throw error("reproject", "", "cannot transform from the source CRS to the target CRS", capture.last_error());
  if (settings.error_threshold > 0) {
    void* approx = GDALCreateApproxTransformer(GDALGenImgProjTransform, tr, settings.error_threshold);
    GDALApproxTransformerOwnsSubtransformer(approx, TRUE);
    wo->pfnTransformer = GDALApproxTransform;
    wo->pTransformerArg = approx;
  } else {
    wo->pfnTransformer = GDALGenImgProjTransform;
    wo->pTransformerArg = tr;
  }
  ProgressScale scale{&progress, 0, 0};
  wo->pfnProgress = scaled_progress;
  wo->pProgressArg = &scale;  // the operation keeps the pointer: updated per region below
  GDALWarpOperationH op = GDALCreateWarpOperation(wo.get());
  if (!op) throw error("reproject", "", "cannot set up the warper", capture.last_error());
  std::vector<PixelRect> rects = regions;
  if (rects.empty()) rects.push_back({0, 0, GDALGetRasterXSize(dest), GDALGetRasterYSize(dest)});
  double total = 0;
  for (const auto& r : rects) total += double(r.w) * r.h;
  double done = 0;
  CPLErr err = CE_None;
  for (const auto& r : rects) {
    if (r.empty()) continue;
    scale.done = total > 0 ? done / total : 0;
    scale.share = total > 0 ? double(r.w) * r.h / total : 0;
    err = GDALChunkAndWarpMulti(op, r.x, r.y, r.w, r.h);
    if (err != CE_None) break;
    done += double(r.w) * r.h;
  }
  GDALDestroyWarpOperation(op);
  if (scale.stopped) throw cancelled("reproject");
  if (err != CE_None) throw error("reproject", "", "warping failed", capture.last_error());
}

}  // namespace cogkit
