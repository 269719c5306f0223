// A GDAL user's ten most common gdalwarp / gdal_translate command lines (docs/gdal-compat.md,
// "Ten command lines") run unchanged with cogify in place of the GDAL program, and give what the
// GDAL program gives with -of COG on the same generated input: the grid (size, geotransform),
// the pixels (identical; within GDAL's chunking noise where resampled) and the metadata
// (gdalinfo -json: CRS, band types, nodata, colour interpretation, descriptions, units,
// scale/offset, band and dataset metadata), plus the creation options a line sets.
//
// Lines 2, 3, 4 and 7 need -te/-tap/-te_srs/-ts/-srcnodata/-dstnodata to act (branch grid);
// lines 7, 8 and 9 need -ot/-b (branch types, the translate step).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <gdal.h>
#include <ogr_srs_api.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "demgen.hpp"
#include "test_support.hpp"

namespace cogkit {
namespace {

using nlohmann::json;

// The inputs of the ten lines, generated once (docs/gdal-compat.md names the same files).
class GdalLines : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    demgen::DemSpec s;  // 200x160, 5 m, EPSG:2180, top-left (500000, 500000), nodata -9999
    s.width = 200;
    s.height = 160;
    s.lakes = 1;
    s.lake_radius_min = 10;
    s.lake_radius_max = 15;
    demgen::write_raster(s, *dir_ / "dem.tif");
    s.type = GDT_Int16;  // a legacy Int16 DEM with voids 0 and no nodata declared
    s.nodata = 0;
    demgen::write_raster(s, *dir_ / "dem_int16.tif");
    unset_nodata(*dir_ / "dem_int16.tif");
    s.type = GDT_Float32;  // exported without CRS or nodata
    s.nodata = -9999;
    s.epsg = 0;
    demgen::write_raster(s, *dir_ / "raw.tif");
    unset_nodata(*dir_ / "raw.tif");
    write_rgb(*dir_ / "rgb.tif");
    // A clip polygon inside the DEM, in the DEM's CRS.
    test::write_text(*dir_ / "area.geojson",
                     R"({"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2180"}},)"
                     R"("features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":)"
                     R"([[[500200,499360],[500750,499320],[500850,499700],[500500,499880],[500150,499740],[500200,499360]]]}}]})");
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static void unset_nodata(const std::string& path) {
    GDALAllRegister();
    GDALDatasetH ds = GDALOpen(path.c_str(), GA_Update);
    ASSERT_NE(ds, nullptr) << path;
    GDALDeleteRasterNoDataValue(GDALGetRasterBand(ds, 1));
    GDALClose(ds);
  }

  // Three Byte bands (R, G, B) of the same grid as dem.tif.
  static void write_rgb(const std::string& path) {
    GDALAllRegister();
    GDALDatasetH src = GDALOpen((*dir_ / "dem.tif").c_str(), GA_ReadOnly);
    ASSERT_NE(src, nullptr);
    const int w = GDALGetRasterXSize(src), h = GDALGetRasterYSize(src);
    std::vector<float> z(static_cast<std::size_t>(w) * h);
    ASSERT_EQ(GDALRasterIO(GDALGetRasterBand(src, 1), GF_Read, 0, 0, w, h, z.data(), w, h, GDT_Float32, 0, 0), CE_None);
    const char* co[] = {"TILED=YES", "COMPRESS=DEFLATE", nullptr};
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), w, h, 3, GDT_Byte, const_cast<char**>(co));
    double gt[6];
    GDALGetGeoTransform(src, gt);
    GDALSetGeoTransform(ds, gt);
    GDALSetProjection(ds, GDALGetProjectionRef(src));
    const GDALColorInterp ci[] = {GCI_RedBand, GCI_GreenBand, GCI_BlueBand};
    for (int b = 0; b < 3; ++b) {
      std::vector<unsigned char> v(z.size());
      for (std::size_t i = 0; i < z.size(); ++i) v[i] = z[i] < -9000 ? 0 : static_cast<unsigned char>(int(z[i] * (0.6 + 0.2 * b)) % 256);
      GDALRasterBandH band = GDALGetRasterBand(ds, b + 1);
      ASSERT_EQ(GDALRasterIO(band, GF_Write, 0, 0, w, h, v.data(), w, h, GDT_Byte, 0, 0), CE_None);
      GDALSetRasterColorInterpretation(band, ci[b]);
    }
    GDALClose(ds);
    GDALClose(src);
  }

  // Runs `program args input out` (GDAL, with -of COG unless the line has it) and
  // `cogify args input out` in a fresh directory; returns {GDAL's output, cogify's}.
  struct Outputs {
    std::string gdal, cogify;
  };
  Outputs run_both(const std::string& program, const std::string& args, const std::string& input) {
    const std::string in = *dir_ / input;
    const std::string of = args.find("-of COG") == std::string::npos ? "-of COG " : "";
    Outputs o{out_ / "gdal.tif", out_ / "cogify.tif"};
    const auto g = test::run("cd " + dir_->path().string() + " && " + program + " -q " + of + args + " " + in + " " + o.gdal);
    EXPECT_EQ(g.exit_code, 0) << program << ": " << g.err;
    const auto c = test::run("cd " + dir_->path().string() + " && " + test::tool("cogify") + " " + args + " " + in + " " + o.cogify);
    EXPECT_EQ(c.exit_code, 0) << "cogify: " << c.err;
    return o;
  }

  static json info(const std::string& path) {
    const auto r = test::run("gdalinfo -json " + path);
    if (r.exit_code != 0) {
      ADD_FAILURE() << "gdalinfo " << path << ": " << r.err;
      return json::object();
    }
    return json::parse(r.out);
  }

  // The grid and metadata of cogify's output are GDAL's; returns both gdalinfo -json.
  std::pair<json, json> expect_same_grid_and_metadata(const Outputs& o) {
    const json g = info(o.gdal), c = info(o.cogify);
    if (g.empty() || c.empty()) return {g, c};
    EXPECT_EQ(c["size"], g["size"]);
    const auto& gt = g["geoTransform"];
    for (int i = 0; i < 6; ++i)
      EXPECT_NEAR(c["geoTransform"][i].get<double>(), gt[i].get<double>(), 1e-6 * std::max(1.0, std::fabs(gt[i].get<double>())))
          << "geotransform[" << i << "]";
    const std::string gw = g.value("/coordinateSystem/wkt"_json_pointer, ""), cw = c.value("/coordinateSystem/wkt"_json_pointer, "");
    EXPECT_EQ(gw.empty(), cw.empty()) << "CRS: GDAL " << (gw.empty() ? "none" : "set") << ", cogify " << (cw.empty() ? "none" : "set");
    if (!gw.empty() && !cw.empty()) {
      OGRSpatialReferenceH a = OSRNewSpatialReference(gw.c_str()), b = OSRNewSpatialReference(cw.c_str());
      EXPECT_TRUE(OSRIsSame(a, b)) << "CRS differs:\nGDAL " << gw << "\ncogify " << cw;
      OSRDestroySpatialReference(a);
      OSRDestroySpatialReference(b);
    }
    auto dataset_md = [](const json& j) {
      json m = j.value("/metadata/"_json_pointer, json::object());
      return m;
    };
    EXPECT_EQ(dataset_md(c), dataset_md(g)) << "dataset metadata (default domain)";
    EXPECT_EQ(c["bands"].size(), g["bands"].size());
    for (std::size_t b = 0; b < std::min(c["bands"].size(), g["bands"].size()); ++b) {
      for (const char* key : {"type", "noDataValue", "colorInterpretation", "description", "unit", "scale", "offset", "metadata"}) {
        json gv = g["bands"][b].value(key, json()), cv = c["bands"][b].value(key, json());
        // cogify stores the output's own statistics (tests/pipeline/statistics_test.cpp).
        for (json* m : {&gv, &cv})
          if (std::string(key) == "metadata" && m->contains(""))
            for (auto it = (*m)[""].begin(); it != (*m)[""].end();)
              it = it.key().rfind("STATISTICS_", 0) == 0 ? (*m)[""].erase(it) : std::next(it);
        for (json* m : {&gv, &cv})
          if (std::string(key) == "metadata" && m->contains("") && (*m)[""].empty()) m->erase("");
        EXPECT_EQ(cv, gv) << "band " << b + 1 << " " << key;
      }
    }
    return {g, c};
  }

  // Every band's pixels: at most `max_differing` beyond `tol` (nodata must match nodata).
  void expect_same_pixels(const Outputs& o, double tol = 0, std::size_t max_differing = 0) {
    GDALAllRegister();
    GDALDatasetH g = GDALOpen(o.gdal.c_str(), GA_ReadOnly), c = GDALOpen(o.cogify.c_str(), GA_ReadOnly);
    ASSERT_TRUE(g && c);
    const int w = GDALGetRasterXSize(g), h = GDALGetRasterYSize(g);
    ASSERT_EQ(w, GDALGetRasterXSize(c));
    ASSERT_EQ(h, GDALGetRasterYSize(c));
    ASSERT_EQ(GDALGetRasterCount(g), GDALGetRasterCount(c));
    for (int b = 1; b <= GDALGetRasterCount(g); ++b) {
      test::Raster rg, rc;
      for (auto [ds, r] : {std::pair{g, &rg}, std::pair{c, &rc}}) {
        GDALRasterBandH band = GDALGetRasterBand(ds, b);
        int has = 0;
        const double nd = GDALGetRasterNoDataValue(band, &has);
        if (has) r->nodata = nd;
        r->values.resize(static_cast<std::size_t>(w) * h);
        ASSERT_EQ(GDALRasterIO(band, GF_Read, 0, 0, w, h, r->values.data(), w, h, GDT_Float64, 0, 0), CE_None);
      }
      EXPECT_LE(test::count_differences(rg, rc, tol), max_differing) << "band " << b << " of " << w * h << " pixels";
    }
    GDALClose(g);
    GDALClose(c);
  }

  std::string structure(const json& j, const char* key) {
    return j.value("/metadata/IMAGE_STRUCTURE"_json_pointer, json::object()).value(key, "");
  }

  static test::TempDir* dir_;
  test::TempDir out_;
};

test::TempDir* GdalLines::dir_ = nullptr;

// Resampled lines: GDAL's warper works in chunks, and the chunking changes the source window a
// destination pixel's kernel sees at chunk borders; allow a few pixels by a little.
constexpr double kResampleTol = 1e-3;
constexpr std::size_t kChunkNoise = 50;

// 1. gdalwarp -t_srs EPSG:3857 -tr 10 10 -r bilinear dem.tif dem_3857.tif
TEST_F(GdalLines, ReprojectWithResolutionAndBilinear) {
  const auto o = run_both("gdalwarp", "-t_srs EPSG:3857 -tr 10 10 -r bilinear", "dem.tif");
  expect_same_grid_and_metadata(o);
  expect_same_pixels(o, kResampleTol, kChunkNoise);
}

// 2. gdalwarp -te 500103 499307 500897 499893 -tr 10 10 -tap dem.tif dem_box.tif  (branch grid)
TEST_F(GdalLines, ExtentResolutionAlignedPixels) {
  const auto o = run_both("gdalwarp", "-te 500103 499307 500897 499893 -tr 10 10 -tap", "dem.tif");
  expect_same_grid_and_metadata(o);
  expect_same_pixels(o);
}

// 3. gdalwarp -t_srs EPSG:3857 -te_srs EPSG:4326 -te 19.002 52.36 19.0125 52.3645 dem.tif dem_lonlat.tif
//    (branch grid)
TEST_F(GdalLines, LonLatExtentInWebMercator) {
  const auto o = run_both("gdalwarp", "-t_srs EPSG:3857 -te_srs EPSG:4326 -te 19.002 52.36 19.0125 52.3645", "dem.tif");
  expect_same_grid_and_metadata(o);
  expect_same_pixels(o, kResampleTol, kChunkNoise);
}

// 4. gdalwarp -ts 100 0 -r average dem.tif dem_small.tif  (branch grid)
TEST_F(GdalLines, OutputSizeWithAverage) {
  const auto o = run_both("gdalwarp", "-ts 100 0 -r average", "dem.tif");
  expect_same_grid_and_metadata(o);
  expect_same_pixels(o, kResampleTol, kChunkNoise);
}

// 5. gdal_translate -of COG -co COMPRESS=ZSTD -co PREDICTOR=2 -co BLOCKSIZE=256 dem_int16.tif dem_zstd.tif
TEST_F(GdalLines, CogCreationOptions) {
  const auto o = run_both("gdal_translate", "-of COG -co COMPRESS=ZSTD -co PREDICTOR=2 -co BLOCKSIZE=256", "dem_int16.tif");
  const auto [g, c] = expect_same_grid_and_metadata(o);
  expect_same_pixels(o);
  EXPECT_EQ(structure(c, "COMPRESSION"), "ZSTD");
  EXPECT_EQ(structure(c, "PREDICTOR"), structure(g, "PREDICTOR"));
  EXPECT_EQ(structure(c, "LAYOUT"), "COG");
  if (!c.empty() && !g.empty()) EXPECT_EQ(c["bands"][0]["block"], g["bands"][0]["block"]);
}

// 6. gdal_translate -a_srs EPSG:2180 -a_nodata -9999 raw.tif dem_fixed.tif
TEST_F(GdalLines, AssignCrsAndNodata) {
  const auto o = run_both("gdal_translate", "-a_srs EPSG:2180 -a_nodata -9999", "raw.tif");
  expect_same_grid_and_metadata(o);
  expect_same_pixels(o);
}

// 7. gdalwarp -srcnodata 0 -dstnodata -9999 -ot Float32 dem_int16.tif dem_voids.tif
//    (branches grid and types)
TEST_F(GdalLines, SourceAndDestinationNodataToFloat32) {
  const auto o = run_both("gdalwarp", "-srcnodata 0 -dstnodata -9999 -ot Float32", "dem_int16.tif");
  expect_same_grid_and_metadata(o);
  expect_same_pixels(o);
}

// 8. gdal_translate -ot Int16 dem.tif dem_i16.tif  (branch types)
TEST_F(GdalLines, OutputTypeInt16) {
  const auto o = run_both("gdal_translate", "-ot Int16", "dem.tif");
  expect_same_grid_and_metadata(o);
  expect_same_pixels(o);
}

// 9. gdal_translate -b 3 -b 2 -b 1 rgb.tif bgr.tif  (branch types)
TEST_F(GdalLines, BandSelection) {
  const auto o = run_both("gdal_translate", "-b 3 -b 2 -b 1", "rgb.tif");
  expect_same_grid_and_metadata(o);
  expect_same_pixels(o);
}

// 10. gdalwarp -cutline area.geojson -crop_to_cutline dem.tif dem_area.tif
TEST_F(GdalLines, CutlineCroppedToIt) {
  const auto o = run_both("gdalwarp", "-cutline area.geojson -crop_to_cutline", "dem.tif");
  expect_same_grid_and_metadata(o);
  expect_same_pixels(o);
}

}  // namespace
}  // namespace cogkit
