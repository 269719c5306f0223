// src/report/describe.cpp — see describe.hpp.
#include "report/describe.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <ogr_srs_api.h>

#include "cogkit/core/error.hpp"
#include "cogkit/core/gdal_handle.hpp"
#include "cogkit/core/options.hpp"
#include "core/gdal_env.hpp"
#include "core/text.hpp"

namespace cogkit::detail {

namespace {

// Scale, offset and unit of every band, and the TIFF date, for the STAC Item.
void describe_headers(Report& rep, GDALDatasetH ds) {
  rep.band_headers.clear();
  for (int i = 1; i <= GDALGetRasterCount(ds); ++i) {
    GDALRasterBandH band = GDALGetRasterBand(ds, i);
    BandHeader h;
    int has = 0;
    const double scale = GDALGetRasterScale(band, &has);
    if (has) h.scale = scale;
    const double offset = GDALGetRasterOffset(band, &has);
    if (has) h.offset = offset;
    const char* unit = GDALGetRasterUnitType(band);
    h.unit = unit ? unit : "";
    rep.band_headers.push_back(std::move(h));
  }
  const char* when = GDALGetMetadataItem(ds, "TIFFTAG_DATETIME", nullptr);
  rep.tiff_datetime = when ? when : "";
}

}  // namespace

void describe_output(Report& rep, const std::string& path) {
  DatasetHandle ds(GDALOpenEx(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  if (!ds) throw error("validate", path, "cannot reopen the written COG", CPLGetLastErrorMsg());
  rep.width = GDALGetRasterXSize(ds.get());
  rep.height = GDALGetRasterYSize(ds.get());
  rep.bands = GDALGetRasterCount(ds.get());
  GDALRasterBandH b = GDALGetRasterBand(ds.get(), 1);
  rep.data_type = GDALGetDataTypeName(GDALGetRasterDataType(b));
  double gt[6];
  if (GDALGetGeoTransform(ds.get(), gt) == CE_None) std::copy(gt, gt + 6, rep.geotransform.begin());
  rep.xres = std::fabs(gt[1]);
  rep.yres = std::fabs(gt[5]);
  const double xs[4] = {gt[0], gt[0] + rep.width * gt[1], gt[0] + rep.height * gt[2],
                        gt[0] + rep.width * gt[1] + rep.height * gt[2]};
  const double ys[4] = {gt[3], gt[3] + rep.width * gt[4], gt[3] + rep.height * gt[5],
                        gt[3] + rep.width * gt[4] + rep.height * gt[5]};
  rep.bounds = {*std::min_element(xs, xs + 4), *std::min_element(ys, ys + 4), *std::max_element(xs, xs + 4),
                *std::max_element(ys, ys + 4)};
  int has = 0;
  const double nd = GDALGetRasterNoDataValue(b, &has);
  if (has) rep.nodata = nd;
  if (OGRSpatialReferenceH srs = GDALGetSpatialRef(ds.get())) {
    const char* opts[] = {"FORMAT=WKT2_2019", "MULTILINE=NO", nullptr};
    char* wkt = nullptr;
    OSRExportToWktEx(srs, &wkt, opts);
    rep.crs_wkt2 = wkt ? wkt : "";
    CPLFree(wkt);
    const char* auth = OSRGetAuthorityName(srs, nullptr);
    const char* code = OSRGetAuthorityCode(srs, nullptr);
    if (auth && code && EQUAL(auth, "EPSG")) rep.epsg = std::atoi(code);
    SrsHandle wgs(OSRNewSpatialReference(nullptr));
    OSRImportFromEPSG(wgs.get(), 4326);
    OSRSetAxisMappingStrategy(wgs.get(), OAMS_TRADITIONAL_GIS_ORDER);
    SrsHandle from(OSRClone(srs));
    OSRSetAxisMappingStrategy(from.get(), OAMS_TRADITIONAL_GIS_ORDER);
    detail::GdalErrorCapture quiet;
    TransformHandle ct(OCTNewCoordinateTransformation(from.get(), wgs.get()));
    if (ct) {
      double a, bb, c, d;
      if (OCTTransformBounds(ct.get(), rep.bounds[0], rep.bounds[1],
                             rep.bounds[2], rep.bounds[3], &a, &bb, &c, &d, 21))
        rep.bounds_4326 = std::array<double, 4>{a, bb, c, d};
    }
  }
  const char* comp = GDALGetMetadataItem(ds.get(), "COMPRESSION", "IMAGE_STRUCTURE");
  const std::optional<Compression> codec = comp ? from_gdal<Compression>(comp) : Compression::none;
  rep.compression = codec ? std::string(to_name(*codec)) : detail::lower(comp);
  GDALGetBlockSize(b, &rep.block_width, &rep.block_height);
  rep.overviews.clear();
  for (int i = 0; i < GDALGetOverviewCount(b); ++i) {
    GDALRasterBandH ov = GDALGetOverview(b, i);
    rep.overviews.emplace_back(GDALGetRasterBandXSize(ov), GDALGetRasterBandYSize(ov));
  }
  describe_headers(rep, ds.get());
}

}  // namespace cogkit::detail
