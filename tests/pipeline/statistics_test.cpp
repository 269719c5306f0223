// tests/pipeline/statistics_test.cpp — the band statistics stored in the COG (STATISTICS_*
// band metadata, as GDAL stores them) are those GDAL computes on the output's pixels
// (ComputeStatistics with approx off, what gdalinfo -stats computes), after every step and
// with both writers; they replace the input's; PipelineOptions::write_statistics = false
// leaves them out; the output stays a valid COG.
#include <cmath>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gtest/gtest.h>
#include <ogr_srs_api.h>

#include "cogkit/pipeline/mosaic.hpp"
#include "cogkit/pipeline/pipeline.hpp"
#include "test_support.hpp"

using namespace cogkit;

namespace {

std::map<std::string, std::string> stored(GDALRasterBandH b) {
  std::map<std::string, std::string> md;
  for (char** p = GDALGetMetadata(b, nullptr); p && *p; ++p) {
    char* key = nullptr;
    const char* value = CPLParseNameValue(*p, &key);
    if (key && value) md[key] = value;
    CPLFree(key);
  }
  return md;
}

// The STATISTICS_* stored in every band of `path` equal what GDAL computes on its pixels:
// min/max exactly as printed (%.14g of the same double), mean/stddev within rounding.
void expect_stored_stats_match(const std::string& path) {
  SCOPED_TRACE(path);
  CPLSetConfigOption("GDAL_PAM_ENABLED", "NO");  // computing must not leave a .aux.xml
  GDALDatasetH ds = GDALOpen(path.c_str(), GA_ReadOnly);
  ASSERT_NE(ds, nullptr);
  for (int b = 1; b <= GDALGetRasterCount(ds); ++b) {
    SCOPED_TRACE("band " + std::to_string(b));
    GDALRasterBandH band = GDALGetRasterBand(ds, b);
    const auto md = stored(band);
    double mn = 0, mx = 0, mean = 0, sd = 0;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    const CPLErr err = GDALComputeRasterStatistics(band, FALSE, &mn, &mx, &mean, &sd, nullptr, nullptr);
    CPLPopErrorHandler();
    const auto computed = stored(band);  // GDAL's own STATISTICS_* items, as it formats them
    ASSERT_TRUE(md.count("STATISTICS_VALID_PERCENT"));
    EXPECT_EQ(md.at("STATISTICS_VALID_PERCENT"), computed.at("STATISTICS_VALID_PERCENT"));
    if (err != CE_None) {  // no valid pixel: the valid percent alone, as GDAL leaves it
      EXPECT_EQ(md.size(), 1u);
      continue;
    }
    EXPECT_EQ(md.at("STATISTICS_MINIMUM"), computed.at("STATISTICS_MINIMUM"));
    EXPECT_EQ(md.at("STATISTICS_MAXIMUM"), computed.at("STATISTICS_MAXIMUM"));
    const double scale = std::max(1.0, std::max(std::fabs(mn), std::fabs(mx)));
    EXPECT_NEAR(std::atof(md.at("STATISTICS_MEAN").c_str()), mean, 1e-9 * scale);
    EXPECT_NEAR(std::atof(md.at("STATISTICS_STDDEV").c_str()), sd, 1e-7 * scale);
  }
  GDALClose(ds);
  CPLSetConfigOption("GDAL_PAM_ENABLED", nullptr);
}

void convert_and_check(const std::string& in, const std::string& out, const PipelineOptions& o) {
  convert(in, out, o);
  expect_stored_stats_match(out);
  test::expect_valid_cog(out);
}

PipelineOptions with_writer(Writer w) {
  PipelineOptions o;
  o.cog.writer = w;
  return o;
}

// A 600 x 500 raster of `bands` Int16 bands in EPSG:2180, nodata -1 in a block, a stale
// STATISTICS_MEAN in band 1; band `empty` (if any) all nodata.
std::string make_bands(const test::TempDir& dir, int bands, int empty = 0) {
  GDALAllRegister();
  const std::string path = dir / ("bands" + std::to_string(bands) + ".tif");
  GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), 600, 500, bands, GDT_Int16, nullptr);
  double gt[6] = {500000, 5, 0, 500000, 0, -5};
  GDALSetGeoTransform(ds, gt);
  OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
  OSRImportFromEPSG(srs, 2180);
  GDALSetSpatialRef(ds, srs);
  OSRDestroySpatialReference(srs);
  std::vector<std::int16_t> v(600 * 500);
  for (int b = 1; b <= bands; ++b) {
    for (int y = 0; y < 500; ++y)
      for (int x = 0; x < 600; ++x)
        v[std::size_t(y) * 600 + x] =
            b == empty || (x > 100 && x < 180 && y > 50 && y < 90) ? -1 : std::int16_t((x * 7 + y * 3 * b) % 3001 - 900);
    GDALRasterBandH h = GDALGetRasterBand(ds, b);
    EXPECT_EQ(GDALRasterIO(h, GF_Write, 0, 0, 600, 500, v.data(), 600, 500, GDT_Int16, 0, 0), CE_None);
    GDALSetRasterNoDataValue(h, -1);
  }
  GDALSetMetadataItem(GDALGetRasterBand(ds, 1), "STATISTICS_MEAN", "5", nullptr);
  GDALClose(ds);
  return path;
}

}  // namespace

TEST(Statistics, PlainConversionBothWriters) {
  test::TempDir dir;
  const std::string dem = test::make_test_dem(dir, 700, 600);
  convert_and_check(dem, dir / "cogkit.tif", with_writer(Writer::cogkit));
  convert_and_check(dem, dir / "gdal.tif", with_writer(Writer::gdal));
  PipelineOptions no_ovr = with_writer(Writer::cogkit);
  no_ovr.cog.overviews = Overviews::none;
  convert_and_check(dem, dir / "no_ovr.tif", no_ovr);
}

TEST(Statistics, InputStatisticsReplaced) {
  test::TempDir dir;
  const std::string in = make_bands(dir, 1);
  for (Writer w : {Writer::cogkit, Writer::gdal}) {
    const std::string out = dir / (std::string(to_name(w)) + ".tif");
    convert_and_check(in, out, with_writer(w));
    GDALDatasetH ds = GDALOpen(out.c_str(), GA_ReadOnly);
    EXPECT_NE(stored(GDALGetRasterBand(ds, 1)).at("STATISTICS_MEAN"), "5");
    GDALClose(ds);
  }
}

TEST(Statistics, Off) {
  test::TempDir dir;
  const std::string dem = test::make_test_dem(dir, 300, 200);
  for (Writer w : {Writer::cogkit, Writer::gdal}) {
    PipelineOptions o = with_writer(w);
    o.write_statistics = false;
    const std::string out = dir / (std::string(to_name(w)) + ".tif");
    const Report r = convert(dem, out, o);
    EXPECT_FALSE(r.band_stats.empty());  // still in the report
    GDALDatasetH ds = GDALOpen(out.c_str(), GA_ReadOnly);
    EXPECT_EQ(stored(GDALGetRasterBand(ds, 1)).count("STATISTICS_MEAN"), 0u);
    GDALClose(ds);
  }
}

TEST(Statistics, Reprojection) {
  test::TempDir dir;
  const std::string dem = test::make_test_dem(dir, 500, 400);
  for (Writer w : {Writer::cogkit, Writer::gdal}) {
    PipelineOptions o = with_writer(w);
    o.reproject.t_srs = "EPSG:3857";
    o.reproject.resampling = Resampling::bilinear;
    convert_and_check(dem, dir / (std::string(to_name(w)) + ".tif"), o);
  }
}

TEST(Statistics, FillClipAndType) {
  test::TempDir dir;
  const std::string in = make_bands(dir, 1);
  PipelineOptions fill;
  fill.fill.enabled = true;
  convert_and_check(in, dir / "fill.tif", fill);
  PipelineOptions clip;
  clip.clip.bbox = std::array<double, 4>{500300, 498700, 502200, 499900};
  convert_and_check(in, dir / "clip.tif", clip);
  clip.clip.bbox.reset();
  clip.clip.geometry = "POLYGON((500100 498000,502900 499900,501000 499950,500100 498000))";
  convert_and_check(in, dir / "polygon.tif", clip);
  for (Writer w : {Writer::cogkit, Writer::gdal}) {
    PipelineOptions ot = with_writer(w);
    ot.translate.output_type = DataType::float32;
    convert_and_check(in, dir / ("float32_" + std::string(to_name(w)) + ".tif"), ot);
    ot.translate.output_type = DataType::byte;
    ot.cog.nodata = 0;  // -1 is no Byte
    convert_and_check(in, dir / ("byte_" + std::string(to_name(w)) + ".tif"), ot);
  }
}

TEST(Statistics, MultiBandAndEmptyBand) {
  test::TempDir dir;
  const std::string in = make_bands(dir, 3, 2);
  for (Writer w : {Writer::cogkit, Writer::gdal}) {
    convert_and_check(in, dir / (std::string(to_name(w)) + ".tif"), with_writer(w));
    PipelineOptions clip = with_writer(w);
    clip.clip.bbox = std::array<double, 4>{500300, 498700, 502200, 499900};
    convert_and_check(in, dir / ("clip_" + std::string(to_name(w)) + ".tif"), clip);
  }
}

TEST(Statistics, Mosaic) {
  test::TempDir dir;
  const std::string a = make_bands(dir, 1);
  const std::string b = dir / "shifted.tif";
  ASSERT_EQ(test::run("gdal_translate -q -a_ullr 502000 499000 505000 496500 " + a + " " + b).exit_code, 0);
  for (Writer w : {Writer::cogkit, Writer::gdal}) {
    const std::string out = dir / ("mosaic_" + std::string(to_name(w)) + ".tif");
    convert_mosaic({a, b}, out, with_writer(w));
    expect_stored_stats_match(out);
    test::expect_valid_cog(out);
  }
}
