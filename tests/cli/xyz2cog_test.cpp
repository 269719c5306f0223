// xyz2cog end to end: generated XYZ files → COG, compared with a GeoTIFF of the same
// grid written by cogkit::demgen::write_raster; errors leave nothing at OUTPUT.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <cpl_conv.h>
#include <ogr_srs_api.h>

#include "cogkit/write/cog.hpp"
#include "cogkit/validate/validate.hpp"
#include "demgen.hpp"
#include "test_support.hpp"

namespace {

using cogkit::test::run;
using cogkit::test::TempDir;
namespace fs = std::filesystem;

cogkit::demgen::DemSpec spec() {
  cogkit::demgen::DemSpec s;
  s.width = 300;
  s.height = 200;
  s.res = 2;
  s.origin_x = 400000;
  s.origin_y = 550000;
  s.lakes = 1;
  s.lake_radius_min = 15;
  s.lake_radius_max = 25;
  s.seed = 3;
  return s;
}

enum class Kind { sorted, shuffled, yxz, missing };

// Cell centres with Float32 values printed exactly (%.9g).
void write_xyz(const cogkit::demgen::DemSpec& s, const std::string& path, Kind kind) {
  std::vector<double> v;
  cogkit::demgen::window(s, 0, 0, s.width, s.height, v);
  std::vector<std::string> lines;
  for (int r = 0; r < s.height; ++r)
    for (int c = 0; c < s.width; ++c) {
      const double z = v[std::size_t(r) * s.width + c];
      if (kind == Kind::missing && z == s.nodata) continue;
      const double x = s.origin_x + (c + 0.5) * s.res, y = s.origin_y - (r + 0.5) * s.res;
      char b[128];
      if (kind == Kind::yxz)
        std::snprintf(b, sizeof b, "%.10g %.10g %.9g\n", y, x, double(float(z)));
      else
        std::snprintf(b, sizeof b, "%.10g %.10g %.9g\n", x, y, double(float(z)));
      lines.emplace_back(b);
    }
  if (kind == Kind::shuffled || kind == Kind::missing) {
    std::mt19937 rng(9);
    std::shuffle(lines.begin(), lines.end(), rng);
  }
  std::ofstream f(path);
  for (const auto& l : lines) f << l;
}

std::string xyz2cog() { return cogkit::test::tool("xyz2cog"); }

class Xyz2Cog : public ::testing::TestWithParam<Kind> {};

TEST_P(Xyz2Cog, ValidCogPixelIdenticalToGeoTiffOfTheGrid) {
  TempDir dir;
  const auto s = spec();
  const std::string in = dir / "in.xyz", out = dir / "out.tif", ref = dir / "ref.tif", rep = dir / "report.json";
  write_xyz(s, in, GetParam());
  cogkit::demgen::write_raster(s, ref);
  const auto r = run(xyz2cog() + " -q --report " + rep + " " + in + " " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto got = cogkit::test::read_raster(out), want = cogkit::test::read_raster(ref);
  ASSERT_EQ(got.width, want.width);
  ASSERT_EQ(got.height, want.height);
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(got.gt[i], want.gt[i], 1e-9 * std::max(1.0, std::fabs(want.gt[i])));
  EXPECT_EQ(got.type, GDT_Float32);
  ASSERT_TRUE(got.nodata.has_value());
  EXPECT_EQ(*got.nodata, -9999);
  EXPECT_EQ(cogkit::test::count_differences(got, want, 0.0), 0u);
  EXPECT_TRUE(cogkit::validate_cog(out).valid);
  const auto j = nlohmann::json::parse(cogkit::test::read_file(rep));
  ASSERT_TRUE(j["notes"].contains("xyz.axis_order"));
  const std::string order = j["notes"]["xyz.axis_order"];
  EXPECT_EQ(order.rfind(GetParam() == Kind::yxz ? "Y-X-Z" : "X-Y-Z", 0), 0u) << order;
}

INSTANTIATE_TEST_SUITE_P(Kinds, Xyz2Cog, ::testing::Values(Kind::sorted, Kind::shuffled, Kind::yxz, Kind::missing));

TEST(Xyz2CogCli, MalformedLineFailsWithFileLineAndNoOutput) {
  TempDir dir;
  const std::string in = dir / "bad.xyz", out = dir / "out.tif";
  std::ofstream(in) << "x;y;z\n0;0;1\n1;0;2\n0;1;4,5x\n1;1;3\n";
  const auto r = run(xyz2cog() + " -q " + in + " " + out);
  EXPECT_EQ(r.exit_code, 3);  // bad input
  EXPECT_EQ(r.err, "xyz2cog: " + in + ":4: read: non-numeric value '4,5x' in column 3\n");
  EXPECT_FALSE(fs::exists(out));
  for (const auto& e : fs::directory_iterator(dir.path())) EXPECT_EQ(e.path().filename().string().find("out"), std::string::npos);
}

TEST(Xyz2CogCli, ScatteredPointsNeedGridResThenBinAndFill) {
  TempDir dir;
  const std::string in = dir / "pts.xyz", out = dir / "out.tif";
  {
    std::mt19937 rng(1);
    std::uniform_real_distribution<double> u(0, 1);
    std::ofstream f(in);
    for (int i = 0; i < 3000; ++i) f << 100 + 200 * u(rng) << ' ' << 50 + 100 * u(rng) << ' ' << 10 * u(rng) << '\n';
  }
  auto r = run(xyz2cog() + " -q " + in + " " + out);
  EXPECT_EQ(r.exit_code, 3);  // bad input
  EXPECT_NE(r.err.find("not on a regular grid"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--grid-res"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));

  r = run(xyz2cog() + " -q --grid-res 2 --bin max --fill " + in + " " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto got = cogkit::test::read_raster(out);
  EXPECT_EQ(got.gt[1], 2);
  EXPECT_EQ(got.gt[5], -2);
  EXPECT_EQ(got.width, 100);
  EXPECT_EQ(got.height, 50);
  ASSERT_TRUE(got.nodata.has_value());
  // 3000 points over 5000 cells leave empty cells; --fill fills them all.
  EXPECT_EQ(std::count(got.values.begin(), got.values.end(), *got.nodata), 0);
}

TEST(Xyz2CogCli, NodataAndCrsOptions) {
  TempDir dir;
  const auto s = spec();
  const std::string in = dir / "in.xyz", out = dir / "out.tif";
  write_xyz(s, in, Kind::missing);
  const auto r = run(xyz2cog() + " -q --nodata -32768 --a-srs EPSG:2180 " + in + " " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto got = cogkit::test::read_raster(out);
  ASSERT_TRUE(got.nodata.has_value());
  EXPECT_EQ(*got.nodata, -32768);
  EXPECT_GT(std::count(got.values.begin(), got.values.end(), -32768.0), 0);
  EXPECT_EQ(std::count(got.values.begin(), got.values.end(), -9999.0), 0);
  EXPECT_NE(got.wkt.find("2180"), std::string::npos);
}

// xyz2cog (and cogify) read .xyz.gz, .xyz.zst and .zip as asc2cog reads compressed grids
// (they used to stop at "binary data, not an XYZ text file").
TEST(Xyz2CogCli, CompressedInputsGiveThePlainFilesCog) {
  TempDir dir;
  const auto s = spec();
  write_xyz(s, dir / "t.xyz", Kind::missing);
  ASSERT_EQ(0, run("cd " + dir.path().string() + " && gzip -k t.xyz && zstd -q t.xyz && zip -q t.zip t.xyz").exit_code);
  ASSERT_EQ(0, run(xyz2cog() + " -q " + (dir / "t.xyz") + " " + (dir / "plain.tif")).exit_code);
  const auto plain = cogkit::test::read_raster(dir / "plain.tif");
  for (const std::string n : {"t.xyz.gz", "t.xyz.zst", "t.zip"}) {
    for (const std::string tool : {xyz2cog(), cogkit::test::tool("cogify")}) {
      const std::string out = dir / (n + ".tif");
      const auto r = run(tool + " -q " + (dir / n) + " " + out);
      ASSERT_EQ(0, r.exit_code) << n << ": " << r.err;
      EXPECT_EQ(0u, cogkit::test::count_differences(plain, cogkit::test::read_raster(out), 0.0)) << n;
      std::filesystem::remove(out);
    }
  }
}

// A .prj GDAL cannot parse: a warning in the report, as asc2cog gives (Asc2Cog.UnparsablePrj...),
// also beside a compressed file (t.prj beside t.xyz.gz) and inside a zip; the output has no CRS,
// and a reprojection then fails with the same line as asc2cog's.
TEST(Xyz2CogCli, UnparsablePrjIsAWarningAsInAsc2cog) {
  TempDir dir;
  const auto s = spec();
  write_xyz(s, dir / "t.xyz", Kind::missing);
  cogkit::test::write_text(dir / "t.prj", "PROJCS[\"x\"]");
  ASSERT_EQ(0, run("cd " + dir.path().string() + " && gzip -k t.xyz && zip -q t.zip t.xyz t.prj").exit_code);
  for (const std::string n : {"t.xyz", "t.xyz.gz", "t.zip"}) {
    const auto r = run(xyz2cog() + " -q --json " + (dir / n) + " " + (dir / (n + ".tif")));
    ASSERT_EQ(0, r.exit_code) << n << ": " << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(1u, j["warnings"].size()) << n << ": " << r.out;
    const std::string w = j["warnings"][0];
    EXPECT_NE(std::string::npos, w.find("t.prj: not a CRS GDAL understands")) << n << ": " << w;
    EXPECT_NE(std::string::npos, w.find("written without CRS")) << w;
    EXPECT_TRUE(cogkit::test::read_raster(dir / (n + ".tif")).wkt.empty()) << n;
  }
  // In a mosaic too (the inputs' warnings used to be dropped with their scratch reports).
  const auto m = run(cogkit::test::tool("cogify") + " -q --json --mosaic " + (dir / "t.xyz") + " " + (dir / "t.xyz.gz") +
                     " " + (dir / "m.tif"));
  ASSERT_EQ(0, m.exit_code) << m.err;
  EXPECT_EQ(2u, nlohmann::json::parse(m.out)["warnings"].size()) << m.out;
  const auto warp = run(xyz2cog() + " -q -t EPSG:4326 " + (dir / "t.xyz.gz") + " " + (dir / "w.tif"));
  EXPECT_EQ(3, warp.exit_code);  // bad input
  EXPECT_NE(std::string::npos, warp.err.find("reproject: the source has no CRS")) << warp.err;
}

TEST(Xyz2CogCli, HelpListsXyzOptions) {
  const auto r = run(xyz2cog() + " --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* flag : {"--columns", "--separator", "--a-srs", "--grid-res", "--bin", "--nodata", "--fill", "--t-srs"})
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
}

}  // namespace

// --res is the reprojection's square pixel size (it used to set X only: yres stayed 0 and
// the step refused). As docs/xyz2cog.md writes it: `xyz2cog --t-srs EPSG:3857 --res 10 in.xyz out.tif`.
TEST(Xyz2CogCli, ResSetsASquarePixel) {
  TempDir dir;
  const auto s = spec();
  const std::string in = dir / "in.xyz", out = dir / "out.tif", alone = dir / "alone.tif";
  write_xyz(s, in, Kind::sorted);
  {  // the CRS in a .prj beside the file, as the docs' example assumes
    OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
    OSRImportFromEPSG(srs, 2180);
    char* wkt = nullptr;
    OSRExportToWkt(srs, &wkt);
    std::ofstream(dir / "in.prj") << wkt;
    CPLFree(wkt);
    OSRRelease(srs);
  }
  auto r = run(xyz2cog() + " -q --t-srs EPSG:3857 --res 10 " + in + " " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto got = cogkit::test::read_raster(out);
  EXPECT_DOUBLE_EQ(got.gt[1], 10);
  EXPECT_DOUBLE_EQ(got.gt[5], -10);
  r = run(xyz2cog() + " -q --res 5 " + in + " " + alone);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  got = cogkit::test::read_raster(alone);
  EXPECT_DOUBLE_EQ(got.gt[1], 5);
  EXPECT_DOUBLE_EQ(got.gt[5], -5);
  EXPECT_EQ(got.width, s.width * 2 / 5);
}
