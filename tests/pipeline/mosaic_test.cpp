// tests/mosaic_test.cpp — the mosaic source: tiles of a raster give the raster back (a fill
// across tile borders included), types are promoted, and what gdalbuildvrt would silently
// skip is refused.
#include "cogkit/pipeline/mosaic.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gdal_utils.h>
#include <ogr_srs_api.h>
#include <gtest/gtest.h>

#include "cogkit/core/error.hpp"
#include "demgen.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace cogkit;

namespace {

// A 900x700 DEM with lakes crossing the quadrant borders, and its 4 quadrants as GeoTIFFs
// (a.tif b.tif on top, c.tif d.tif below; the split is not on a 512 tile boundary).
struct Quadrants {
  std::string whole;
  std::vector<std::string> tiles;
};

// Cuts window (x, y, w, h) of `src` into the GeoTIFF `out` (gdal_translate -srcwin).
void cut(GDALDatasetH src, const std::string& out, int x, int y, int w, int h) {
  const std::vector<std::string> args = {"-srcwin", std::to_string(x), std::to_string(y), std::to_string(w),
                                         std::to_string(h)};
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  GDALTranslateOptions* o = GDALTranslateOptionsNew(argv.data(), nullptr);
  GDALClose(GDALTranslate(out.c_str(), src, o, nullptr));
  GDALTranslateOptionsFree(o);
}

Quadrants make_quadrants(const test::TempDir& dir, GDALDataType type = GDT_Float32, int epsg = 2180) {
  demgen::DemSpec spec;
  spec.width = 900;
  spec.height = 700;
  spec.lakes = 3;
  spec.lake_radius_min = 50;
  spec.lake_radius_max = 90;
  spec.dropout_fraction = 0.01;
  spec.seed = 11;
  spec.type = type;
  spec.epsg = epsg;
  Quadrants q;
  q.whole = dir / "whole.tif";
  demgen::write_raster(spec, q.whole);
  GDALDatasetH src = GDALOpen(q.whole.c_str(), GA_ReadOnly);
  const int xs[2] = {0, 430}, ys[2] = {0, 330}, ws[2] = {430, 470}, hs[2] = {330, 370};
  const char* names[4] = {"a.tif", "b.tif", "c.tif", "d.tif"};
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 2; ++c) {
      const std::string out = dir / names[r * 2 + c];
      cut(src, out, xs[c], ys[r], ws[c], hs[r]);
      q.tiles.push_back(out);
    }
  GDALClose(src);
  return q;
}

PipelineOptions options() {
  PipelineOptions o;
  o.threads = 2;
  o.staging.memory_budget = 256 << 20;
  return o;
}

}  // namespace

TEST(Mosaic, QuadrantsGiveTheWholeRasterBackWithAFillAcrossTheirBorders) {
  test::TempDir dir;
  const Quadrants q = make_quadrants(dir);
  for (const bool fill : {false, true}) {
    PipelineOptions o = options();
    o.fill.enabled = fill;
    const std::string m = dir / (fill ? "m_fill.tif" : "m.tif"), w = dir / (fill ? "w_fill.tif" : "w.tif");
    // The quadrants in another order: the mosaic does not depend on it when tiles do not overlap.
    const Report r = convert_mosaic({q.tiles[3], q.tiles[1], q.tiles[0], q.tiles[2]}, m, o);
    convert(q.whole, w, o);
    // Same grid, same pixels: byte-identical to converting the raster the tiles came from
    // (with --fill, holes on the borders are filled as in the whole raster: no seams).
    EXPECT_EQ(test::read_file(w), test::read_file(m)) << (fill ? "with fill" : "without fill");
    EXPECT_EQ("mosaic of 4 inputs", r.input);
    EXPECT_EQ("mosaic", r.driver);
    test::expect_valid_cog(m);
  }
}

TEST(Mosaic, AsciiAndIntegerTilesArePromotedToOneType) {
  test::TempDir dir;
  const Quadrants q = make_quadrants(dir);
  // Quadrant d as an integer ESRI ASCII grid (read by cogkit's reader as Int16): values rounded.
  const test::Raster d = test::read_raster(q.tiles[3]);
  {
    std::ofstream f(dir / "d.asc");
    f << "ncols " << d.width << "\nnrows " << d.height << "\nxllcorner " << d.gt[0] << "\nyllcorner "
      << d.gt[3] + d.height * d.gt[5] << "\ncellsize " << d.gt[1] << "\nNODATA_value -9999\n";
    for (int y = 0; y < d.height; ++y) {
      for (int x = 0; x < d.width; ++x) f << std::lround(d.values[std::size_t(y) * d.width + x]) << ' ';
      f << '\n';
    }
  }
  std::ofstream(dir / "d.prj") << "EPSG:2180";  // the old keyword format is not needed: GDAL reads this
  Report r = convert_mosaic({q.tiles[0], q.tiles[1], q.tiles[2], dir / "d.asc"}, dir / "m.tif", options());
  const test::Raster m = test::read_raster(dir / "m.tif");
  EXPECT_EQ(GDT_Float32, m.type);
  const test::Raster whole = test::read_raster(q.whole);
  ASSERT_EQ(whole.width, m.width);
  ASSERT_EQ(whole.height, m.height);
  std::size_t mismatches = 0;
  for (int y = 0; y < m.height; ++y)
    for (int x = 0; x < m.width; ++x) {
      const double want = whole.values[std::size_t(y) * m.width + x];
      const double rounded = (x >= 430 && y >= 330 && want != -9999) ? double(std::lround(want)) : want;
      mismatches += m.values[std::size_t(y) * m.width + x] != rounded;
    }
  EXPECT_EQ(0u, mismatches);
  bool noted = false;
  for (const auto& [k, v] : r.notes) noted |= k == "mosaic" && v.find("1 read by cogkit's readers") != std::string::npos;
  EXPECT_TRUE(noted);
}

// A text tile first, then a GeoTIFF tile that needs a wrapper (another colour
// interpretation and type): closing the mosaic used to close the GeoTIFF before its wrapper,
// which then flushed a freed dataset (a segfault at the end of a successful run).
TEST(Mosaic, TextTileFirstThenAWrappedGdalTileClosesCleanly) {
  test::TempDir dir;
  test::write_text(dir / "a.asc", "ncols 3\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2 3\n4 5 6\n");
  test::write_text(dir / "b.asc", "ncols 3\nnrows 2\nxllcorner 3\nyllcorner 0\ncellsize 1\n7 8 9\n10 11 12\n");
  GDALAllRegister();
  GDALDatasetH b = GDALOpen((dir / "b.asc").c_str(), GA_ReadOnly);  // GDAL's AAIGrid: Int32, Gray
  GDALClose(GDALCreateCopy(GDALGetDriverByName("GTiff"), (dir / "b.tif").c_str(), b, FALSE, nullptr, nullptr, nullptr));
  GDALClose(b);
  convert_mosaic({dir / "a.asc", dir / "b.tif"}, dir / "m.tif", options());
  const test::Raster m = test::read_raster(dir / "m.tif");
  ASSERT_EQ(6, m.width);
  EXPECT_EQ((std::vector<double>{1, 2, 3, 7, 8, 9, 4, 5, 6, 10, 11, 12}), m.values);
}

// SourceOptions::a_srs (--a-srs) applies to every input of a mosaic, as gdalbuildvrt -a_srs:
// text tiles without a .prj get a CRS, and GDAL tiles' own CRS (none, or another) is replaced.
TEST(Mosaic, ASrsAppliesToEveryInput) {
  test::TempDir dir;
  test::write_text(dir / "a.asc", "ncols 3\nnrows 2\nxllcorner 500000\nyllcorner 300000\ncellsize 1\n1 2 3\n4 5 6\n");
  test::write_text(dir / "b.asc", "ncols 3\nnrows 2\nxllcorner 500003\nyllcorner 300000\ncellsize 1\n7 8 9\n10 11 12\n");
  GDALAllRegister();
  const char* to_4326[] = {"-a_srs", "EPSG:4326", nullptr};
  GDALDatasetH b = GDALOpen((dir / "b.asc").c_str(), GA_ReadOnly);
  GDALTranslateOptions* t = GDALTranslateOptionsNew(const_cast<char**>(to_4326), nullptr);
  GDALClose(GDALTranslate((dir / "b4326.tif").c_str(), b, t, nullptr));
  GDALTranslateOptionsFree(t);
  GDALClose(GDALCreateCopy(GDALGetDriverByName("GTiff"), (dir / "bnone.tif").c_str(), b, FALSE, nullptr, nullptr, nullptr));
  GDALClose(b);
  const auto epsg_of = [](const std::string& path) {
    GDALDatasetH ds = GDALOpen(path.c_str(), GA_ReadOnly);
    OGRSpatialReferenceH s = ds ? GDALGetSpatialRef(ds) : nullptr;
    const char* code = s ? OSRGetAuthorityCode(s, nullptr) : nullptr;
    const std::string out = code ? code : "none";
    if (ds) GDALClose(ds);
    return out;
  };
  PipelineOptions o = options();
  o.read.a_srs = "EPSG:2180";
  const std::vector<std::vector<std::string>> sets = {
      {dir / "a.asc", dir / "b.asc"}, {dir / "a.asc", dir / "bnone.tif"}, {dir / "a.asc", dir / "b4326.tif"},
      {dir / "bnone.tif", dir / "a.asc"}};
  for (std::size_t i = 0; i < sets.size(); ++i) {
    const std::string out = dir / ("m" + std::to_string(i) + ".tif");
    const Report r = convert_mosaic(sets[i], out, o);
    EXPECT_EQ("2180", epsg_of(out)) << sets[i][1];
    EXPECT_EQ(6, test::read_raster(out).width) << sets[i][1];
  }
  // The CLI: two ASCII tiles without .prj.
  const auto cli = test::run(test::tool("cogify") + " --mosaic " + (dir / "a.asc") + " " + (dir / "b.asc") + " " +
                             (dir / "cli.tif") + " --a-srs EPSG:2180 -q");
  ASSERT_EQ(0, cli.exit_code) << cli.err;
  EXPECT_EQ("2180", epsg_of(dir / "cli.tif"));
  // Without a_srs, GDAL tiles in two CRSs are still refused.
  EXPECT_THROW(convert_mosaic({dir / "bnone.tif", dir / "b4326.tif"}, dir / "x.tif", options()), error);
}

TEST(Mosaic, RefusesWhatGdalbuildvrtWouldSilentlySkip) {
  test::TempDir dir;
  const Quadrants q = make_quadrants(dir);
  // Quadrant b in another CRS (same numbers, EPSG:2177).
  {
    GDALDatasetH b = GDALOpen(q.tiles[1].c_str(), GA_Update);
    OGRSpatialReferenceH s = OSRNewSpatialReference(nullptr);
    OSRImportFromEPSG(s, 2177);
    GDALSetSpatialRef(b, s);
    OSRRelease(s);
    GDALClose(b);
  }
  const std::string out = dir / "m.tif";
  try {
    convert_mosaic(q.tiles, out, options());
    FAIL() << "a tile in another CRS must be refused";
  } catch (const error& e) {
    EXPECT_EQ("plan", e.step());
    EXPECT_EQ(q.tiles[1], e.path());
    EXPECT_NE(std::string::npos, e.message().find("one CRS")) << e.message();
  }
  EXPECT_FALSE(fs::exists(out));
  // Another band count.
  {
    demgen::DemSpec two;
    two.width = 50;
    two.height = 40;
    demgen::write_raster(two, dir / "one_band.tif");
    GDALDatasetH src = GDALOpen((dir / "one_band.tif").c_str(), GA_ReadOnly);
    const char* args[] = {"-b", "1", "-b", "1", nullptr};
    GDALTranslateOptions* o = GDALTranslateOptionsNew(const_cast<char**>(args), nullptr);
    GDALClose(GDALTranslate((dir / "two_bands.tif").c_str(), src, o, nullptr));
    GDALTranslateOptionsFree(o);
    GDALClose(src);
  }
  try {
    convert_mosaic({q.tiles[0], dir / "two_bands.tif"}, out, options());
    FAIL() << "a tile with another band count must be refused";
  } catch (const error& e) {
    EXPECT_EQ(dir / "two_bands.tif", e.path());
  }
  EXPECT_THROW(convert_mosaic({q.tiles[0], dir / "missing.tif"}, out, options()), error);
  EXPECT_FALSE(fs::exists(out));
}

TEST(Mosaic, CliTakesInputsThenOutputAndAnInputList) {
  test::TempDir dir;
  const Quadrants q = make_quadrants(dir);
  std::ofstream(dir / "list.txt") << q.tiles[2] << "\n" << q.tiles[3] << "\n";
  const auto r = test::run(test::tool("cogify") + " --mosaic " + q.tiles[0] + " " + q.tiles[1] + " " + (dir / "m.tif") +
                           " --inputs-from " + (dir / "list.txt") + " -q");
  ASSERT_EQ(0, r.exit_code) << r.err;
  convert(q.whole, dir / "w.tif", options());
  EXPECT_EQ(0u, test::count_differences(test::read_raster(dir / "w.tif"), test::read_raster(dir / "m.tif"), 0.0));
  const auto bad = test::run(test::tool("cogify") + " --mosaic " + q.tiles[0] + " " + (dir / "nope.tif") + " " +
                             (dir / "m2.tif"));
  EXPECT_EQ(3, bad.exit_code);  // bad input
  EXPECT_EQ(0u, bad.err.find("cogify: " + (dir / "nope.tif") + ": read: ")) << bad.err;
  EXPECT_FALSE(fs::exists(dir / "m2.tif"));
}

TEST(Mosaic, ManyTilesDoNotHoldAFileOpenEach) {
  test::TempDir dir;
  demgen::DemSpec spec;
  spec.width = 300;
  spec.height = 200;
  spec.lakes = 1;
  spec.lake_radius_min = 20;
  spec.lake_radius_max = 40;
  demgen::write_raster(spec, dir / "whole.tif");
  GDALDatasetH src = GDALOpen((dir / "whole.tif").c_str(), GA_ReadOnly);
  std::ofstream list(dir / "list.txt");
  for (int ty = 0; ty < 20; ++ty)
    for (int tx = 0; tx < 15; ++tx) {  // 300 tiles of 20x10
      const std::string out = dir / ("t" + std::to_string(ty) + "_" + std::to_string(tx) + ".tif");
      cut(src, out, tx * 20, ty * 10, 20, 10);
      list << out << "\n";
    }
  list.close();
  GDALClose(src);
  // 160 open files at most: 300 tiles are read through GDAL's pool of open datasets (100).
  const auto r = test::run("ulimit -n 160 && " + test::tool("cogify") + " --mosaic " + (dir / "m.tif") +
                           " --inputs-from " + (dir / "list.txt") + " -q");
  ASSERT_EQ(0, r.exit_code) << r.err;
  convert(dir / "whole.tif", dir / "w.tif", options());
  EXPECT_EQ(0u, test::count_differences(test::read_raster(dir / "w.tif"), test::read_raster(dir / "m.tif"), 0.0));
}
