// tests/cli/asc2cog_test.cpp — the asc2cog tool end to end.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <ogr_srs_api.h>

#include "cogkit/write/cog.hpp"
#include "cogkit/validate/validate.hpp"
#include "demgen.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using cogkit::test::run;
using cogkit::test::TempDir;
using cogkit::test::write_text;

namespace {

std::string asc2cog() { return cogkit::test::tool("asc2cog"); }

}  // namespace

TEST(Asc2Cog, ConvertsAGeneratedDemLikeGdalReadsIt) {
  TempDir dir;
  cogkit::demgen::DemSpec spec;
  spec.width = 600;
  spec.height = 400;
  spec.lakes = 1;
  spec.lake_radius_min = 30;
  spec.lake_radius_max = 60;
  spec.dropout_fraction = 0.01;
  const std::string in = dir / "dem.asc", out = dir / "dem.tif";
  cogkit::demgen::write_ascii_grid(spec, in);
  const auto r = run(asc2cog() + " " + in + " " + out + " --a-srs EPSG:2180 --json -q");
  ASSERT_EQ(0, r.exit_code) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ("asc2cog", report["tool"]);
  EXPECT_EQ("AAIGrid", report["source_driver"]);
  EXPECT_EQ("Float32", report["data_type"]);
  EXPECT_TRUE(report["notes"].contains("data_type"));
  EXPECT_TRUE(cogkit::validate_cog(out).valid);
  const auto cog = cogkit::test::read_raster(out);
  const auto gdal = cogkit::test::read_raster(in);  // GDAL's AAIGrid read of the same text
  EXPECT_EQ(gdal.width, cog.width);
  EXPECT_EQ(gdal.height, cog.height);
  for (int i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(gdal.gt[i], cog.gt[i]);
  ASSERT_TRUE(cog.nodata.has_value());
  EXPECT_EQ(*gdal.nodata, *cog.nodata);
  EXPECT_EQ(0u, cogkit::test::count_differences(gdal, cog, 0.0));
  // The report's statistics (taken straight from the reader's pixels) are those of the values.
  double mn = INFINITY, mx = -INFINITY, sum = 0, sumsq = 0;
  std::uint64_t n = 0;
  for (double v : gdal.values)
    if (v != *gdal.nodata) {
      mn = std::min(mn, v), mx = std::max(mx, v), sum += v, sumsq += v * v, ++n;
    }
  const auto& st = report["bands_stats"][0];
  EXPECT_EQ(n, st["valid_pixels"].get<std::uint64_t>());
  EXPECT_DOUBLE_EQ(mn, st["min"].get<double>());
  EXPECT_DOUBLE_EQ(mx, st["max"].get<double>());
  EXPECT_NEAR(sum / double(n), st["mean"].get<double>(), 1e-9 * std::fabs(sum / double(n)));
  const double sd = std::sqrt(sumsq / double(n) - (sum / double(n)) * (sum / double(n)));
  EXPECT_NEAR(sd, st["stddev"].get<double>(), 1e-6 * sd);
  OGRSpatialReferenceH want = OSRNewSpatialReference(nullptr), got = OSRNewSpatialReference(cog.wkt.c_str());
  OSRImportFromEPSG(want, 2180);
  EXPECT_TRUE(OSRIsSame(want, got));
  OSRRelease(want);
  OSRRelease(got);
}

TEST(Asc2Cog, TypeAndNodataOptions) {
  TempDir dir;
  const std::string in = dir / "g.asc";
  // No NODATA_value line: --nodata supplies it.
  write_text(in, "ncols 3\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2 3\n-5 5 6\n");
  auto r = run(asc2cog() + " " + in + " " + (dir / "a.tif") + " --nodata -5 -q");
  ASSERT_EQ(0, r.exit_code) << r.err;
  auto a = cogkit::test::read_raster(dir / "a.tif");
  EXPECT_EQ(GDT_Int16, a.type);
  ASSERT_TRUE(a.nodata.has_value());
  EXPECT_EQ(-5, *a.nodata);
  r = run(asc2cog() + " " + in + " " + (dir / "b.tif") + " --type float64 -q");
  ASSERT_EQ(0, r.exit_code) << r.err;
  auto b = cogkit::test::read_raster(dir / "b.tif");
  EXPECT_EQ(GDT_Float64, b.type);
  EXPECT_FALSE(b.nodata.has_value());
  EXPECT_EQ(1u, cogkit::test::count_differences(a, b, 0.0));  // only the -5, which is nodata in a
  // --nodata over a declared NODATA_value is gdal_translate's -a_nodata: it becomes the nodata,
  // the values stay (the -9999 cell is now data), and the report says so.
  write_text(dir / "d.asc", "ncols 2\nnrows 1\nxllcorner 0\nyllcorner 0\ncellsize 1\nNODATA_value -9999\n1 -9999\n");
  r = run(asc2cog() + " " + (dir / "d.asc") + " " + (dir / "d.tif") + " --nodata 0 --json -q");
  ASSERT_EQ(0, r.exit_code) << r.err;
  auto d = cogkit::test::read_raster(dir / "d.tif");
  ASSERT_TRUE(d.nodata.has_value());
  EXPECT_EQ(0, *d.nodata);
  ASSERT_EQ(2u, d.values.size());
  EXPECT_EQ(1, d.values[0]);
  EXPECT_EQ(-9999, d.values[1]);
  EXPECT_NE(r.out.find("gdal_translate -a_nodata"), std::string::npos) << r.out;
}

TEST(Asc2Cog, ErrorsLeaveNothingAtOutput) {
  TempDir dir;
  const std::string in = dir / "short.asc", out = dir / "out.tif";
  write_text(in, "ncols 3\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2 3\n4 5\n");
  auto r = run(asc2cog() + " -q " + in + " " + out);  // -q: the error line only, no progress lines
  EXPECT_EQ(3, r.exit_code);  // bad input
  EXPECT_EQ(0u, r.err.find("asc2cog: " + in + ":7:3: read: expected 6 values")) << r.err;
  EXPECT_EQ(1, std::count(r.err.begin(), r.err.end(), '\n')) << r.err;
  EXPECT_FALSE(fs::exists(out));
  r = run(asc2cog() + " " + in + " " + out + " --type int8");
  EXPECT_NE(0, r.exit_code);
  EXPECT_FALSE(fs::exists(out));
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(std::string::npos, e.path().string().find("cogkit-")) << "temp file left: " << e.path();
}

TEST(Asc2Cog, ZippedGridWithPrjInside) {
  TempDir dir;
  cogkit::demgen::DemSpec spec;
  spec.width = 120;
  spec.height = 90;
  spec.type = GDT_Int16;
  cogkit::demgen::write_ascii_grid(spec, dir / "tile.asc");
  write_text(dir / "tile.prj",
             "PROJCS[\"ETRS_1989_Poland_CS92\",GEOGCS[\"GCS_ETRS_1989\",DATUM[\"D_ETRS_1989\",SPHEROID[\"GRS_1980\",6378137.0,"
             "298.257222101]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]],PROJECTION[\"Transverse_Mercator\"],"
             "PARAMETER[\"False_Easting\",500000.0],PARAMETER[\"False_Northing\",-5300000.0],PARAMETER[\"Central_Meridian\",19.0],"
             "PARAMETER[\"Scale_Factor\",0.9993],PARAMETER[\"Latitude_Of_Origin\",0.0],UNIT[\"Meter\",1.0]]");
  ASSERT_EQ(0, run("cd " + dir.path().string() +
                   " && python3 -c \"import zipfile; z=zipfile.ZipFile('tile.zip','w',zipfile.ZIP_DEFLATED); "
                   "z.write('tile.asc'); z.write('tile.prj')\"")
                   .exit_code);
  const auto r = run(asc2cog() + " " + (dir / "tile.zip") + " " + (dir / "z.tif") + " -q");
  ASSERT_EQ(0, r.exit_code) << r.err;
  const auto cog = cogkit::test::read_raster(dir / "z.tif");
  const auto gdal = cogkit::test::read_raster(dir / "tile.asc");
  EXPECT_EQ(GDT_Int16, cog.type);
  EXPECT_EQ(0u, cogkit::test::count_differences(gdal, cog, 0.0));
  OGRSpatialReferenceH a = OSRNewSpatialReference(gdal.wkt.c_str()), b = OSRNewSpatialReference(cog.wkt.c_str());
  EXPECT_TRUE(OSRIsSame(a, b)) << cog.wkt;
  OSRRelease(a);
  OSRRelease(b);
}

TEST(Asc2Cog, BatchConvertsEveryInputAndReportsEachFailureOnItsOwnLine) {
  TempDir dir;
  fs::create_directory(dir / "out");
  cogkit::demgen::DemSpec spec;
  spec.width = 300;
  spec.height = 200;
  for (int i = 0; i < 3; ++i) {
    spec.seed = 10 + i;
    cogkit::demgen::write_ascii_grid(spec, dir / ("t" + std::to_string(i) + ".asc"));
  }
  write_text(dir / "bad.asc", "ncols 3\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2 3\n4 5\n");
  write_text(dir / "list.txt", (dir / "t2.asc") + "\n# comment\n");
  const auto r = run(asc2cog() + " -O " + (dir / "out") + " " + (dir / "t0.asc") + " " + (dir / "bad.asc") + " " +
                     (dir / "t1.asc") + " --inputs-from " + (dir / "list.txt") + " --a-srs EPSG:2180 --json -q");
  EXPECT_EQ(5, r.exit_code);  // a partial batch
  // One line for the bad input (file:line:column, step), one summary line.
  EXPECT_EQ(2, std::count(r.err.begin(), r.err.end(), '\n')) << r.err;
  EXPECT_NE(std::string::npos, r.err.find("asc2cog: " + (dir / "bad.asc") + ":7:3: read: expected 6 values")) << r.err;
  EXPECT_NE(std::string::npos, r.err.find("asc2cog: 1 of 4 inputs failed")) << r.err;
  // --json in a batch: one JSON line per input, in the order they ended.
  std::map<std::string, nlohmann::json> reports;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line);
    reports[j["input"].get<std::string>()] = j;
  }
  ASSERT_EQ(4u, reports.size()) << r.out;
  EXPECT_TRUE(reports[dir / "bad.asc"].contains("error"));
  for (const char* name : {"t0", "t1", "t2"}) {
    const std::string out = dir / ("out/" + std::string(name) + ".tif");
    cogkit::test::expect_valid_cog(out);
    const auto cog = cogkit::test::read_raster(out);
    const auto gdal = cogkit::test::read_raster(dir / (std::string(name) + ".asc"));
    EXPECT_EQ(0u, cogkit::test::count_differences(gdal, cog, 0.0)) << name;
  }
  EXPECT_FALSE(fs::exists(dir / "out/bad.tif"));
  EXPECT_EQ("asc2cog", reports[dir / "t1.asc"]["tool"]);
  EXPECT_EQ(dir / "out/t1.tif", reports[dir / "t1.asc"]["output"]);
  // --shard 1/2 of the same four inputs converts the second and the fourth only.
  fs::create_directory(dir / "half");
  const auto h = run(asc2cog() + " -O " + (dir / "half") + " " + (dir / "t0.asc") + " " + (dir / "bad.asc") + " " +
                     (dir / "t1.asc") + " --inputs-from " + (dir / "list.txt") + " --shard 1/2 -q");
  EXPECT_EQ(5, h.exit_code) << h.err;  // bad.asc is in shard 1: a partial batch
  EXPECT_FALSE(fs::exists(dir / "half/t0.tif"));
  EXPECT_FALSE(fs::exists(dir / "half/t1.tif"));
  EXPECT_TRUE(fs::exists(dir / "half/t2.tif"));
  // Without --output-dir, two file arguments are required.
  const auto one = run(asc2cog() + " " + (dir / "t0.asc"));
  EXPECT_NE(0, one.exit_code);
  EXPECT_NE(std::string::npos, one.err.find("expected INPUT OUTPUT")) << one.err;
}

// -O DIR creates a missing DIR as mkdir -p would (issue 12); INPUT OUTPUT still refuses a
// missing output directory, as GDAL does.
TEST(Asc2Cog, OutputDirIsCreatedWhenMissing) {
  TempDir dir;
  write_text(dir / "t.asc", "ncols 3\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2 3\n4 5 6\n");
  const auto r = run("cd " + dir.path().string() + " && " + asc2cog() + " -O cogs/ t.asc --a-srs EPSG:2180 -q");
  ASSERT_EQ(0, r.exit_code) << r.err;
  cogkit::test::expect_valid_cog(dir / "cogs/t.tif");
  const auto deep = run(asc2cog() + " -O " + (dir / "a/b/c") + " " + (dir / "t.asc") + " -q");
  ASSERT_EQ(0, deep.exit_code) << deep.err;
  EXPECT_TRUE(fs::exists(dir / "a/b/c/t.tif"));
  const auto file = run(asc2cog() + " -O " + (dir / "t.asc/x") + " " + (dir / "t.asc") + " -q");
  EXPECT_EQ(4, file.exit_code);  // -O DIR cannot be created: an output failure
  EXPECT_NE(std::string::npos, file.err.find("not a directory")) << file.err;
  const auto single = run(asc2cog() + " " + (dir / "t.asc") + " " + (dir / "missing/t.tif") + " -q");
  EXPECT_EQ(4, single.exit_code);  // OUTPUT's directory: an output failure
  EXPECT_NE(std::string::npos, single.err.find("the output directory does not exist")) << single.err;
}

// A .prj GDAL cannot parse: a warning in the report (as xyz2cog gives, Xyz2CogCli.UnparsablePrj...),
// beside a plain or compressed grid and inside a zip; no CRS; a reprojection fails the same way.
TEST(Asc2Cog, UnparsablePrjIsAWarningAsInXyz2cog) {
  TempDir dir;
  write_text(dir / "t.asc", "ncols 3\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2 3\n4 5 6\n");
  write_text(dir / "t.prj", "PROJCS[\"x\"]");
  ASSERT_EQ(0, run("cd " + dir.path().string() + " && gzip -k t.asc && zip -q t.zip t.asc t.prj").exit_code);
  for (const std::string n : {"t.asc", "t.asc.gz", "t.zip"}) {
    const auto r = run(asc2cog() + " -q --json " + (dir / n) + " " + (dir / (n + ".tif")));
    ASSERT_EQ(0, r.exit_code) << n << ": " << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(1u, j["warnings"].size()) << n << ": " << r.out;
    const std::string w = j["warnings"][0];
    EXPECT_NE(std::string::npos, w.find("t.prj: not a CRS GDAL understands")) << n << ": " << w;
    EXPECT_NE(std::string::npos, w.find("written without CRS")) << w;
    EXPECT_TRUE(cogkit::test::read_raster(dir / (n + ".tif")).wkt.empty()) << n;
  }
  const auto warp = run(asc2cog() + " -q -t EPSG:4326 " + (dir / "t.asc.gz") + " " + (dir / "w.tif"));
  EXPECT_EQ(3, warp.exit_code);  // bad input
  EXPECT_NE(std::string::npos, warp.err.find("reproject: the source has no CRS")) << warp.err;
}

// --res is the reprojection's square pixel size, alone or with -t (it used to set X only).
TEST(Asc2Cog, ResSetsASquarePixel) {
  TempDir dir;
  const std::string in = dir / "g.asc", out = dir / "out.tif", warped = dir / "warped.tif";
  std::string text = "ncols 40\nnrows 30\nxllcorner 500000\nyllcorner 300000\ncellsize 10\nNODATA_value -9999\n";
  for (int r = 0; r < 30; ++r)
    for (int c = 0; c < 40; ++c) text += std::to_string(r * 40 + c) + (c == 39 ? "\n" : " ");
  write_text(in, text);
  auto r = run(asc2cog() + " -q --a-srs EPSG:2180 --res 20 " + in + " " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto got = cogkit::test::read_raster(out);
  EXPECT_DOUBLE_EQ(got.gt[1], 20);
  EXPECT_DOUBLE_EQ(got.gt[5], -20);
  EXPECT_EQ(got.width, 20);
  EXPECT_EQ(got.height, 15);
  r = run(asc2cog() + " -q --a-srs EPSG:2180 -t EPSG:3857 --res 25 " + in + " " + warped);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  got = cogkit::test::read_raster(warped);
  EXPECT_DOUBLE_EQ(got.gt[1], 25);
  EXPECT_DOUBLE_EQ(got.gt[5], -25);
}
