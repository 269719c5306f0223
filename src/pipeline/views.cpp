// src/pipeline/views.cpp — see views.hpp.
#include "pipeline/views.hpp"

#include <cmath>
#include <string>

#include <cpl_string.h>

#include "cogkit/core/error.hpp"
#include "core/gdal_env.hpp"

namespace cogkit::detail {
// A MEM dataset over window `w` of the MEM dataset `ds`, sharing its pixels (no copy), or
// null when `ds` is not a MEM dataset. GDAL's COG driver reads a MEM source ~7 % faster
// than the same window through a VRT (measured on the 8000² benchmark).
DatasetHandle mem_window_view(GDALDatasetH ds, const PixelRect& w) {
  GDALDriverH drv = GDALGetDatasetDriver(ds);
  if (!drv || !EQUAL(GDALGetDriverShortName(drv), "MEM")) return {};
  const int bands = GDALGetRasterCount(ds);
  const GDALDataType type = GDALGetRasterDataType(GDALGetRasterBand(ds, 1));
  const int px = GDALGetDataTypeSizeBytes(type);
  const std::size_t line = std::size_t(GDALGetRasterXSize(ds)) * px;
  DatasetHandle view(GDALCreate(GDALGetDriverByName("MEM"), "", w.w, w.h, 0, type, nullptr));
  if (!view) return {};
  for (int b = 1; b <= bands; ++b) {
    auto* base = static_cast<unsigned char*>(GDALGetInternalHandle(ds, CPLSPrintf("MEMORY%d", b)));
    if (!base) return {};
    CPLStringList opts;
    opts.AddString(CPLSPrintf("DATAPOINTER=%p", static_cast<void*>(base + std::size_t(w.y) * line + std::size_t(w.x) * px)));
    opts.AddString(CPLSPrintf("PIXELOFFSET=%d", px));
    opts.AddString(CPLSPrintf("LINEOFFSET=%llu", static_cast<unsigned long long>(line)));
    if (GDALAddBand(view.get(), type, opts.List()) != CE_None) return {};
    GDALRasterBandH from = GDALGetRasterBand(ds, b), to = GDALGetRasterBand(view.get(), b);
    int has = 0;
    const double nd = GDALGetRasterNoDataValue(from, &has);
    if (has) GDALSetRasterNoDataValue(to, nd);
  }
  copy_metadata(ds, view.get(), {});
  double gt[6];
  if (GDALGetGeoTransform(ds, gt) == CE_None) {
    const double vgt[6] = {gt[0] + w.x * gt[1] + w.y * gt[2], gt[1], gt[2], gt[3] + w.x * gt[4] + w.y * gt[5], gt[4], gt[5]};
    GDALSetGeoTransform(view.get(), const_cast<double*>(vgt));
  }
  if (OGRSpatialReferenceH srs = GDALGetSpatialRef(ds)) GDALSetSpatialRef(view.get(), srs);
  return view;
}

// An in-memory VRT exposing window `w` of `ds` (with an optional nodata override), with
// the metadata of `ds` as `md` says.
DatasetHandle window_view(GDALDatasetH ds, const PixelRect& w, std::optional<double> nodata, bool whole,
                          const MetadataCopy& md) {
  CPLStringList argv;
  if (!whole) {
    argv.AddString("-srcwin");
    for (int v : {w.x, w.y, w.w, w.h}) argv.AddString(std::to_string(v).c_str());
  }
  if (nodata) {
    argv.AddString("-a_nodata");
    argv.AddString(std::isnan(*nodata) ? "nan" : CPLSPrintf("%.17g", *nodata));
  }
  std::string gdal_error;
  DatasetHandle out = translate_to_vrt(ds, argv, gdal_error);
  if (!out) throw error("plan", "", "cannot create a window view", gdal_error);
  copy_metadata(ds, out.get(), md);
  return out;
}

}  // namespace cogkit::detail
