// The output grid and nodata of the reproject step against the gdalwarp program on the same
// input: -t_srs, -tr, -tap, -te, -te_srs, -ts, -r, -srcnodata, -dstnodata and combinations give
// the same size and geotransform, pixels within the approximate transformer's chunking noise;
// bad requests are refused at plan time.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>
#include <vector>

#include <gtest/gtest.h>
#include <ogr_srs_api.h>

#include "cogkit/core/error.hpp"
#include "cogkit/pipeline/pipeline.hpp"
#include "demgen.hpp"
#include "test_support.hpp"

namespace cogkit {
namespace {

namespace fs = std::filesystem;

std::string make_dem(const test::TempDir& dir, GDALDataType type = GDT_Float32, const std::string& name = "dem.tif") {
  demgen::DemSpec s;
  s.width = 300;
  s.height = 250;
  s.type = type;
  s.lakes = 2;
  s.lake_radius_min = 10;
  s.lake_radius_max = 25;
  s.seed = 7;
  const std::string path = dir / name;
  demgen::write_raster(s, path);
  return path;
}

// The gdalwarp program on `src` into `ref` (a GeoTIFF).
test::Raster gdalwarp(const std::string& src, const std::string& ref, const std::string& args) {
  const auto r = test::run("gdalwarp -q -overwrite " + args + " '" + src + "' '" + ref + "'");
  EXPECT_EQ(r.exit_code, 0) << "gdalwarp " << args << ": " << r.out << r.err;
  return test::read_raster(ref);
}

test::Raster cogkit_convert(const std::string& src, const std::string& out, const PipelineOptions& o) {
  convert(src, out, o);
  return test::read_raster(out);
}

PipelineOptions options_with(const ReprojectOptions& r) {
  PipelineOptions o;
  o.threads = 2;
  o.reproject = r;
  return o;
}

void expect_same_grid(const test::Raster& a, const test::Raster& b) {
  ASSERT_EQ(a.width, b.width);
  ASSERT_EQ(a.height, b.height);
  for (int i = 0; i < 6; ++i)
    EXPECT_NEAR(a.gt[i], b.gt[i], 1e-9 * std::max(1.0, std::fabs(b.gt[i]))) << "gt[" << i << "]";
}

// Same grid, same nodata, pixels equal but for at most 1/1000 of them (the default approximate
// transformer: its interpolation lines depend on how the warp is chunked).
void expect_like_gdalwarp(const test::Raster& ours, const test::Raster& ref, double tol = 1e-3) {
  expect_same_grid(ours, ref);
  ASSERT_EQ(ours.nodata.has_value(), ref.nodata.has_value());
  if (ref.nodata) EXPECT_EQ(*ours.nodata, *ref.nodata);
  EXPECT_EQ(ours.type, ref.type);
  EXPECT_LE(test::count_differences(ours, ref, tol), ours.values.size() / 1000);
}

// One request through cogkit::convert and the gdalwarp program.
void check_request(const ReprojectOptions& r, const std::string& args, GDALDataType type = GDT_Float32) {
  test::TempDir dir;
  const std::string src = make_dem(dir, type);
  const auto ours = cogkit_convert(src, dir / "ours.tif", options_with(r));
  const auto ref = gdalwarp(src, dir / "ref.tif", args);
  SCOPED_TRACE(args);
  expect_like_gdalwarp(ours, ref);
}

// The source's centre in EPSG:4326 (longitude, latitude).
std::array<double, 2> centre_lonlat() {
  SrsHandle from(OSRNewSpatialReference(nullptr)), to(OSRNewSpatialReference(nullptr));
  OSRImportFromEPSG(from.get(), 2180);
  OSRImportFromEPSG(to.get(), 4326);
  OSRSetAxisMappingStrategy(from.get(), OAMS_TRADITIONAL_GIS_ORDER);
  OSRSetAxisMappingStrategy(to.get(), OAMS_TRADITIONAL_GIS_ORDER);
  OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(from.get(), to.get());
  double x = 500000 + 150 * 5, y = 500000 - 125 * 5;
  OCTTransform(ct, 1, &x, &y, nullptr);
  OCTDestroyCoordinateTransformation(ct);
  return {x, y};
}

std::string join(const std::array<double, 4>& v) {
  std::ostringstream s;
  s.precision(17);
  s << v[0] << ' ' << v[1] << ' ' << v[2] << ' ' << v[3];
  return s.str();
}

TEST(Grid, TargetSrs) {
  ReprojectOptions r;
  r.t_srs = "EPSG:3857";
  check_request(r, "-t_srs EPSG:3857");
}

TEST(Grid, TargetResolutionOnTheSourceCrs) {
  ReprojectOptions r;
  r.xres = 7.5;
  r.yres = 4;
  check_request(r, "-tr 7.5 4");
}

TEST(Grid, TargetSrsResolutionAndTap) {
  ReprojectOptions r;
  r.t_srs = "EPSG:3857";
  r.xres = r.yres = 9;
  r.tap = true;
  check_request(r, "-t_srs EPSG:3857 -tr 9 9 -tap");
}

TEST(Grid, ExtentAloneWithoutTargetSrs) {
  // Part inside the source, part outside it (those pixels are nodata on both sides).
  ReprojectOptions r;
  r.te = std::array<double, 4>{500333.3, 498800, 501777.7, 499900};
  check_request(r, "-te " + join(*r.te));
}

TEST(Grid, TargetSize) {
  ReprojectOptions r;
  r.ts_width = 200;
  r.ts_height = 170;
  check_request(r, "-ts 200 170");
}

TEST(Grid, TargetSizeWithOneZeroKeepsTheAspectRatio) {
  ReprojectOptions w, h;
  w.ts_width = 123;
  h.ts_height = 77;
  h.t_srs = "EPSG:3857";
  check_request(w, "-ts 123 0");
  check_request(h, "-t_srs EPSG:3857 -ts 0 77");
}

TEST(Grid, ExtentAndSize) {
  ReprojectOptions r;
  r.t_srs = "EPSG:3857";
  r.te = std::array<double, 4>{2115500, 6866000, 2117100, 6867300};
  r.ts_width = 160;
  r.ts_height = 100;
  check_request(r, "-t_srs EPSG:3857 -te " + join(*r.te) + " -ts 160 100");
}

TEST(Grid, ExtentResolutionAndTap) {
  ReprojectOptions r;
  r.te = std::array<double, 4>{500101, 498501, 501203, 499703};
  r.xres = r.yres = 10;
  r.tap = true;
  check_request(r, "-te " + join(*r.te) + " -tr 10 10 -tap");
}

TEST(Grid, ExtentInGeographicCoordinatesForAMercatorTarget) {
  const auto c = centre_lonlat();
  ReprojectOptions r;
  r.t_srs = "EPSG:3857";
  r.te = std::array<double, 4>{c[0] - 0.006, c[1] - 0.004, c[0] + 0.005, c[1] + 0.003};
  r.te_srs = "EPSG:4326";
  check_request(r, "-t_srs EPSG:3857 -te " + join(*r.te) + " -te_srs EPSG:4326");
  r.xres = r.yres = 6;  // with a resolution too
  check_request(r, "-t_srs EPSG:3857 -te " + join(*r.te) + " -te_srs EPSG:4326 -tr 6 6");
}

TEST(Grid, ResamplingKernelsWithAResolution) {
  for (const auto& [kernel, name] : {std::pair{Resampling::bilinear, "bilinear"}, {Resampling::cubic, "cubic"}}) {
    ReprojectOptions r;
    r.t_srs = "EPSG:3857";
    r.xres = r.yres = 6.5;
    r.resampling = kernel;
    check_request(r, std::string("-t_srs EPSG:3857 -tr 6.5 6.5 -r ") + name);
  }
  ReprojectOptions down;  // downsampling on the source CRS
  down.xres = down.yres = 12;
  down.resampling = Resampling::average;
  check_request(down, "-tr 12 12 -r average");
}

// A value many pixels of the Int16 DEM have: the mode of its first rows.
double common_value(const std::string& src) {
  const auto r = test::read_raster(src);
  std::map<double, int> count;
  for (std::size_t i = 0; i < r.values.size() / 4; ++i) ++count[r.values[i]];
  return std::max_element(count.begin(), count.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
}

TEST(GridNodata, SrcNodataMasksTheSourceAndBecomesTheOutputNodata) {
  test::TempDir dir;
  const std::string src = make_dem(dir, GDT_Int16);
  const double v = common_value(src);
  const std::string nd = std::to_string(int(v));
  for (const bool reproject : {true, false}) {
    ReprojectOptions r;
    r.src_nodata = v;
    if (reproject) r.t_srs = "EPSG:3857";
    const auto ours = cogkit_convert(src, dir / "ours.tif", options_with(r));
    const auto ref = gdalwarp(src, dir / "ref.tif", std::string(reproject ? "-t_srs EPSG:3857 " : "") + "-srcnodata " + nd);
    SCOPED_TRACE(reproject ? "with -t_srs" : "without -t_srs");
    expect_like_gdalwarp(ours, ref);
    ASSERT_TRUE(ours.nodata);
    EXPECT_EQ(*ours.nodata, v);
  }
}

TEST(GridNodata, DstNodataWithAndWithoutTargetSrs) {
  test::TempDir dir;
  const std::string src = make_dem(dir);
  for (const bool reproject : {true, false}) {
    ReprojectOptions r;
    r.dst_nodata = -5555;
    if (reproject) r.t_srs = "EPSG:3857";
    const auto ours = cogkit_convert(src, dir / "ours.tif", options_with(r));
    const auto ref = gdalwarp(src, dir / "ref.tif", std::string(reproject ? "-t_srs EPSG:3857 " : "") + "-dstnodata -5555");
    SCOPED_TRACE(reproject ? "with -t_srs" : "without -t_srs");
    expect_like_gdalwarp(ours, ref);
    ASSERT_TRUE(ours.nodata);
    EXPECT_EQ(*ours.nodata, -5555);
    std::size_t lake = 0;
    for (double p : ours.values) lake += p == -5555;
    EXPECT_GT(lake, 100u);  // the lakes (the source's nodata -9999) became -5555
    for (double p : ours.values) ASSERT_NE(p, -9999);
  }
}

TEST(GridNodata, SrcAndDstNodataTogether) {
  test::TempDir dir;
  const std::string src = make_dem(dir, GDT_Int16);
  const double v = common_value(src);
  ReprojectOptions r;
  r.src_nodata = v;
  r.dst_nodata = -1;
  r.xres = r.yres = 5;
  const auto ours = cogkit_convert(src, dir / "ours.tif", options_with(r));
  const auto ref = gdalwarp(src, dir / "ref.tif", "-tr 5 5 -srcnodata " + std::to_string(int(v)) + " -dstnodata -1");
  expect_like_gdalwarp(ours, ref);
}

// A 3-band Byte raster whose bands have value 7 at different places.
std::string make_rgb(const test::TempDir& dir) {
  GDALAllRegister();
  const std::string path = dir / "rgb.tif";
  DatasetHandle d(GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), 120, 90, 3, GDT_Byte, nullptr));
  double gt[6] = {500000, 5, 0, 500000, 0, -5};
  GDALSetGeoTransform(d.get(), gt);
  SrsHandle srs(OSRNewSpatialReference(nullptr));
  OSRImportFromEPSG(srs.get(), 2180);
  GDALSetSpatialRef(d.get(), srs.get());
  std::vector<std::uint8_t> v(120 * 90);
  for (int b = 1; b <= 3; ++b) {
    for (int i = 0; i < 120 * 90; ++i) v[i] = std::uint8_t((i % 120 + i / 120 * b) % 9 == 0 ? 7 : 20 + (i * b) % 200);
    EXPECT_EQ(GDALRasterIO(GDALGetRasterBand(d.get(), b), GF_Write, 0, 0, 120, 90, v.data(), 120, 90, GDT_Byte, 0, 0),
              CE_None);
  }
  return path;
}

TEST(GridNodata, SrcNodataOnSeveralBands) {
  test::TempDir dir;
  const std::string src = make_rgb(dir);
  // gdalwarp 3.6 masks a pixel only where every band has the -srcnodata value (UNIFIED_SRC_NODATA).
  for (const std::string extra : {"", "-dstnodata 3", "-r bilinear"}) {
    ReprojectOptions r;
    r.t_srs = "EPSG:3857";
    r.src_nodata = 7;
    if (extra == "-dstnodata 3") r.dst_nodata = 3;
    if (extra == "-r bilinear") r.resampling = Resampling::bilinear;
    convert(src, dir / "ours.tif", options_with(r));
    gdalwarp(src, dir / "ref.tif", "-t_srs EPSG:3857 -srcnodata 7 " + extra);
    SCOPED_TRACE(extra);
    for (int b = 1; b <= 3; ++b) {
      // read_raster reads band 1: compare every band through a one-band VRT of each.
      const auto band = [&](const std::string& f) {
        const std::string one = dir / ("b" + std::to_string(b) + "_" + fs::path(f).filename().string() + ".vrt");
        EXPECT_EQ(test::run("gdal_translate -q -of VRT -b " + std::to_string(b) + " '" + f + "' '" + one + "'").exit_code, 0);
        return test::read_raster(one);
      };
      expect_like_gdalwarp(band(dir / "ours.tif"), band(dir / "ref.tif"));
    }
  }
}

TEST(GridNodata, CogNodataWithSrcNodataIsTheDestinationNodata) {
  // No grid option: CogOptions::nodata B with src_nodata A is gdalwarp -srcnodata A -dstnodata B.
  test::TempDir dir;
  const std::string src = make_dem(dir, GDT_Int16);
  const double v = common_value(src);
  ReprojectOptions r;
  r.src_nodata = v;
  PipelineOptions o = options_with(r);
  o.cog.nodata = -2;
  const auto ours = cogkit_convert(src, dir / "ours.tif", o);
  const auto ref = gdalwarp(src, dir / "ref.tif", "-srcnodata " + std::to_string(int(v)) + " -dstnodata -2");
  expect_like_gdalwarp(ours, ref);
}

TEST(Grid, StagedSourcesFromTheTextReadersGetTheSameGrid) {
  // An ESRI ASCII grid: cogkit's reader stages it (memory or a temp GeoTIFF); gdalwarp reads
  // it with GDAL's AAIGrid driver.
  test::TempDir dir;
  std::ostringstream asc;
  asc << "ncols 60\nnrows 40\nxllcorner 500000\nyllcorner 499000\ncellsize 5\nNODATA_value -9999\n";
  for (int y = 0; y < 40; ++y) {
    for (int x = 0; x < 60; ++x) asc << ((x + y) % 17 == 0 ? -9999.0 : 100.5 + x * 0.25 + y) << ' ';
    asc << '\n';
  }
  test::write_text(dir / "grid.asc", asc.str());
  for (const StagingMode mode : {StagingMode::memory, StagingMode::file}) {
    ReprojectOptions r;
    r.te = std::array<double, 4>{500012, 499031, 500260, 499190};
    r.ts_width = 50;
    PipelineOptions o = options_with(r);
    o.staging.force = mode;
    o.cog.nodata = -9999;  // gdalwarp copies the AAIGrid nodata; the reader may too
    const auto ours = cogkit_convert(dir / "grid.asc", dir / "ours.tif", o);
    const auto ref = gdalwarp(dir / "grid.asc", dir / "ref.tif", "-te " + join(*r.te) + " -ts 50 0 -ot Float32");
    SCOPED_TRACE(to_name(mode));
    expect_same_grid(ours, ref);
    EXPECT_LE(test::count_differences(ours, ref, 1e-3), ours.values.size() / 1000);
  }
}

// Refused at plan time: one cogkit::error of the reproject step naming the field, no output.
void expect_refused(const PipelineOptions& o, const std::string& field) {
  test::TempDir dir;
  const std::string src = make_dem(dir);
  const std::string out = dir / "out.tif";
  try {
    convert(src, out, o);
    ADD_FAILURE() << "accepted; expected an error naming " << field;
  } catch (const error& e) {
    EXPECT_EQ(e.step(), "reproject") << e.what();
    EXPECT_NE(e.message().find(field), std::string::npos) << e.message();
  }
  EXPECT_FALSE(fs::exists(out));
  for (const auto& f : fs::directory_iterator(dir.path())) EXPECT_EQ(f.path().filename(), "dem.tif");
}

TEST(GridErrors, BadRequestsAreRefusedAtPlanTime) {
  const auto with = [](auto set) {
    ReprojectOptions r;
    set(r);
    return options_with(r);
  };
  expect_refused(with([](ReprojectOptions& r) { r.xres = -5, r.yres = 5; }), "ReprojectOptions::xres/yres");
  expect_refused(with([](ReprojectOptions& r) { r.xres = 5, r.yres = 0; }), "ReprojectOptions::xres/yres");
  expect_refused(with([](ReprojectOptions& r) { r.te = std::array<double, 4>{500500, 498500, 500500, 499000}; }),
                 "ReprojectOptions::te");
  expect_refused(with([](ReprojectOptions& r) { r.te = std::array<double, 4>{500000, 499000, 500500, 498500}; }),
                 "ReprojectOptions::te");
  expect_refused(with([](ReprojectOptions& r) { r.ts_width = -10; }), "ReprojectOptions::ts_width");
  expect_refused(with([](ReprojectOptions& r) { r.ts_width = 10, r.xres = r.yres = 5; }), "ReprojectOptions::ts_width");
  expect_refused(with([](ReprojectOptions& r) { r.t_srs = "EPSG:3857", r.te_srs = "EPSG:4326"; }),
                 "ReprojectOptions::te_srs");
  expect_refused(with([](ReprojectOptions& r) {
                   r.te = std::array<double, 4>{0, 0, 1, 1};
                   r.te_srs = "EPSG:999999";
                 }),
                 "ReprojectOptions::te_srs");
  expect_refused(with([](ReprojectOptions& r) { r.t_srs = "EPSG:3857", r.tap = true; }), "ReprojectOptions::tap");
  PipelineOptions both = with([](ReprojectOptions& r) { r.dst_nodata = -1; });
  both.cog.nodata = -2;
  expect_refused(both, "ReprojectOptions::dst_nodata");
  expect_refused(with([](ReprojectOptions& r) { r.dst_nodata = 1e300; }), "ReprojectOptions::dst_nodata");
}

TEST(GridNodata, SameCogAndDstNodataAreAccepted) {
  test::TempDir dir;
  const std::string src = make_dem(dir);
  ReprojectOptions r;
  r.dst_nodata = -7;
  PipelineOptions o = options_with(r);
  o.cog.nodata = -7;
  const auto ours = cogkit_convert(src, dir / "ours.tif", o);
  ASSERT_TRUE(ours.nodata);
  EXPECT_EQ(*ours.nodata, -7);
}

}  // namespace
}  // namespace cogkit
