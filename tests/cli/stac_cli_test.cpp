// --stac / --stac-dir / --datetime end to end: valid Items (official schemas, offline), the
// footprint of a reprojected output, batch, and the refusals before any pixel moves.
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace cogkit {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using test::run;
using test::tool;

void expect_valid_item(const std::string& path) {
  const auto r = run("/usr/bin/python3 " COGKIT_SOURCE_DIR "/tests/report/validate_stac.py '" + path + "'");
  if (r.exit_code == 77) GTEST_SKIP() << "python3-jsonschema missing";
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

json load(const std::string& path) { return json::parse(test::read_file(path)); }

TEST(StacCli, PlainConversionWritesAValidItem) {
  test::TempDir dir;
  const std::string dem = test::make_test_dem(dir, 200, 150);
  const auto r = run(tool("cogify") + " -q '" + dem + "' '" + (dir / "out.tif") + "' --stac '" + (dir / "out.json") +
                     "' --report '" + (dir / "report.json") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_valid_item(dir / "out.json");
  const json item = load(dir / "out.json"), rep = load(dir / "report.json");
  EXPECT_EQ(item["id"], "out");
  EXPECT_EQ(item["properties"]["proj:epsg"], 2180);
  EXPECT_EQ(item["properties"]["proj:shape"], json::array({150, 200}));
  const auto& a = item["assets"]["data"];
  EXPECT_EQ(a["href"], "out.tif");
  EXPECT_EQ(a["file:size"], fs::file_size(dir / "out.tif"));
  EXPECT_EQ(a["file:checksum"], "1220" + rep["sha256"].get<std::string>());
  EXPECT_EQ(a["raster:bands"][0]["data_type"], "float32");
  EXPECT_TRUE(test::run("ls '" + dir.path().string() + "' | grep -q tmp-").exit_code != 0) << "temp file left";
}

TEST(StacCli, ReprojectedFootprintIsDensifiedAndMatchesTheReport) {
  test::TempDir dir;
  const std::string dem = test::make_test_dem(dir, 200, 150);
  const auto r = run(tool("cogify") + " -q '" + dem + "' '" + (dir / "out.tif") + "' -t EPSG:3035 --datetime " +
                     "2024-05-01T10:00:00Z --stac '" + (dir / "out.json") + "' --report '" + (dir / "r.json") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_valid_item(dir / "out.json");
  const json item = load(dir / "out.json"), rep = load(dir / "r.json");
  EXPECT_EQ(item["properties"]["datetime"], "2024-05-01T10:00:00Z");
  EXPECT_EQ(item["properties"]["proj:epsg"], 3035);
  const auto& ring = item["geometry"]["coordinates"][0];
  EXPECT_EQ(ring.size(), 4u * 21 + 1);
  EXPECT_EQ(ring.front(), ring.back());
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(item["bbox"][i].get<double>(), rep["bounds_epsg4326"][i].get<double>(), 1e-7) << i;
}

TEST(StacCli, BatchWritesOneItemPerOutput) {
  test::TempDir dir;
  const std::string dem = test::make_test_dem(dir, 120, 100);
  fs::copy_file(dem, dir / "b.tif");
  const auto r = run(tool("cogify") + " -q -O '" + (dir / "out") + "' '" + dem + "' '" + (dir / "b.tif") +
                     "' --stac-dir '" + (dir / "items") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"dem", "b"}) {
    const std::string p = (dir / "items/") + name + ".json";
    ASSERT_TRUE(fs::exists(p)) << p;
    expect_valid_item(p);
    EXPECT_EQ(load(p)["assets"]["data"]["href"], std::string("../out/") + name + ".tif");
  }
  const auto again = run(tool("cogify") + " -q -O '" + (dir / "o2") + "' '" + dem + "' --stac x.json");
  EXPECT_EQ(again.exit_code, 2) << again.err;
  EXPECT_NE(again.err.find("--stac-dir"), std::string::npos) << again.err;
}

TEST(StacCli, BadDatetimeAndUnwritablePathAreRefusedBeforeAnyWork) {
  test::TempDir dir;
  const std::string dem = test::make_test_dem(dir, 64, 64);
  const std::string out = dir / "out.tif";
  auto r = run(tool("cogify") + " -q '" + dem + "' '" + out + "' --stac '" + (dir / "o.json") + "' --datetime 2024-05-01");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("RFC 3339"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
  r = run(tool("cogify") + " -q '" + dem + "' '" + out + "' --stac '" + (dir / "missing/o.json") + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("cannot write the STAC Item"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().rfind("dem", 0), 0u) << "left at " << e.path();
}

}  // namespace
}  // namespace cogkit
