// tests/cli/one_reader_test.cpp — one reader set-up for all three tools: asc2cog, xyz2cog and
// cogify give byte-identical outputs for the same input and flags, and --nodata means what
// gdal_translate's -a_nodata means (the output's nodata value; pixel values unchanged).
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "test_support.hpp"

using cogkit::test::run;
using cogkit::test::TempDir;
using cogkit::test::write_text;

namespace {

// A 40×30 integer grid (values 0..199), a few cells at `nodata_value` when one is declared.
std::string ascii_grid(bool declare_nodata) {
  std::ostringstream s;
  s << "ncols 40\nnrows 30\nxllcorner 500000\nyllcorner 400000\ncellsize 10\n";
  if (declare_nodata) s << "NODATA_value -9999\n";
  for (int y = 0; y < 30; ++y) {
    for (int x = 0; x < 40; ++x) {
      const bool hole = declare_nodata && (x * 7 + y * 3) % 23 == 0;
      s << (hole ? -9999 : (x * 5 + y * 11) % 200) << (x + 1 < 40 ? " " : "\n");
    }
  }
  return s.str();
}

std::string xyz_points() {
  std::ostringstream s;
  s << "x y z\n";
  for (int y = 0; y < 25; ++y)
    for (int x = 0; x < 20; ++x)
      if ((x + y) % 9 != 4) s << 500005 + 10 * x << " " << 400245 - 10 * y << " " << 0.5 * (x * y % 37) << "\n";
  return s.str();
}

std::string sha256(const std::string& path) {
  const auto r = run("sha256sum '" + path + "'");
  return r.exit_code == 0 ? r.out.substr(0, 64) : "missing " + path;
}

// Runs `tool INPUT OUTPUT FLAGS` and returns the output's SHA-256.
std::string convert(const std::string& tool, const std::string& in, const std::string& out, const std::string& flags) {
  const auto r = run(cogkit::test::tool(tool) + " '" + in + "' '" + out + "' " + flags + " -q");
  EXPECT_EQ(0, r.exit_code) << tool << ": " << r.err;
  return sha256(out);
}

}  // namespace

TEST(OneReader, AsciiGridWithDeclaredNodataAndNodataFlag) {
  TempDir dir;
  write_text(dir / "g.asc", ascii_grid(true));
  for (const std::string flags : {"--nodata -1", "--nodata -1 --a-srs EPSG:2180", "--a-srs EPSG:2180 -t EPSG:4326"}) {
    SCOPED_TRACE(flags);
    EXPECT_EQ(convert("asc2cog", dir / "g.asc", dir / "a.tif", flags), convert("cogify", dir / "g.asc", dir / "c.tif", flags));
  }
}

TEST(OneReader, AsciiGridWithoutNodataTakesTheFlagAsItsNodata) {
  TempDir dir;
  write_text(dir / "g.asc", ascii_grid(false));
  const std::string a = convert("asc2cog", dir / "g.asc", dir / "a.tif", "--nodata -1");
  EXPECT_EQ(a, convert("cogify", dir / "g.asc", dir / "c.tif", "--nodata -1"));
  const auto r = cogkit::test::read_raster(dir / "a.tif");
  ASSERT_TRUE(r.nodata.has_value());
  EXPECT_EQ(-1.0, *r.nodata);
  EXPECT_EQ(GDT_Int16, r.type);  // the smallest type holding the values (0..199) and the nodata -1
}

TEST(OneReader, XyzFileGivesTheSameBytesThroughXyz2cogAndCogify) {
  TempDir dir;
  write_text(dir / "p.xyz", xyz_points());
  for (const std::string flags : {"", "--nodata -5 --a-srs EPSG:2180", "--a-srs EPSG:2180 --fill --fill-max-distance 3"}) {
    SCOPED_TRACE(flags);
    EXPECT_EQ(convert("xyz2cog", dir / "p.xyz", dir / "x.tif", flags), convert("cogify", dir / "p.xyz", dir / "c.tif", flags));
  }
}

// gdal_translate -a_nodata -1 on a grid declaring -9999: the output says nodata -1 and the
// cells that held -9999 keep that value (now valid data). Both tools do the same.
TEST(OneReader, NodataFlagOverADeclaredNodataIsGdalsANodata) {
  TempDir dir;
  write_text(dir / "g.asc", ascii_grid(true));
  const auto t = run("gdal_translate -q -a_nodata -1 '" + (dir / "g.asc") + "' '" + (dir / "gdal.tif") + "'");
  ASSERT_EQ(0, t.exit_code) << t.err;
  const auto gdal = cogkit::test::read_raster(dir / "gdal.tif");
  for (const std::string tool : {"asc2cog", "cogify"}) {
    SCOPED_TRACE(tool);
    convert(tool, dir / "g.asc", dir / (tool + ".tif"), "--nodata -1");
    const auto ours = cogkit::test::read_raster(dir / (tool + ".tif"));
    ASSERT_TRUE(ours.nodata.has_value());
    EXPECT_EQ(-1.0, *ours.nodata);
    ASSERT_EQ(gdal.values.size(), ours.values.size());
    std::size_t kept = 0;
    for (std::size_t i = 0; i < ours.values.size(); ++i) {
      EXPECT_EQ(gdal.values[i], ours.values[i]) << "pixel " << i;
      kept += ours.values[i] == -9999;
    }
    EXPECT_GT(kept, 0u);  // the declared nodata cells are still there, as values
  }
}
