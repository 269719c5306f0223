// The STAC Item: RFC 3339 check, hrefs (s3:// for /vsis3/), footprint, schema validity.
#include "cogkit/report/stac.hpp"

#include "cogkit/core/error.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace cogkit {
namespace {

using json = nlohmann::json;

// tests/report/validate_stac.py on `path` (the official schemas, offline); skips when absent.
void expect_valid_item(const std::string& path) {
  const auto r = test::run("/usr/bin/python3 " COGKIT_SOURCE_DIR "/tests/report/validate_stac.py '" + path + "'");
  if (r.exit_code == 77 * 256 || r.exit_code == 77) GTEST_SKIP() << "python3-jsonschema missing";
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

Report utm_report() {
  Report r;
  r.input = "/nonexistent/in.tif";
  r.output = "/vsis3/bucket/dir/dem.tif";
  r.width = 100, r.height = 50, r.bands = 1, r.data_type = "Int16";
  r.epsg = 32632;
  r.crs_wkt2 = "EPSG:32632";
  r.geotransform = {500000, 30, 0, 5000000, 0, -30};
  r.bounds = {500000, 4998500, 503000, 5000000};
  r.xres = r.yres = 30;
  r.nodata = -9999;
  r.band_stats = {BandStats{1, 9, 5, 2, 40, 50}};
  r.band_headers = {BandHeader{0.1, 2.0, "metre"}};
  r.output_bytes = 1234;
  r.sha256 = std::string(64, 'a');
  r.tiff_datetime = "2020:01:02 03:04:05";
  return r;
}

TEST(Stac, Rfc3339) {
  EXPECT_TRUE(is_rfc3339("2024-05-01T10:00:00Z"));
  EXPECT_TRUE(is_rfc3339("2024-05-01t10:00:00.123+02:00"));
  EXPECT_FALSE(is_rfc3339("2024-05-01"));
  EXPECT_FALSE(is_rfc3339("2024-05-01 10:00:00Z"));
  EXPECT_FALSE(is_rfc3339("2024-13-01T10:00:00Z"));
  EXPECT_FALSE(is_rfc3339("2024-05-01T10:00:00"));
  EXPECT_FALSE(is_rfc3339("yesterday"));
}

TEST(Stac, Hrefs) {
  EXPECT_EQ(stac_href("/vsis3/bucket/a/b.tif", "/tmp/x.json"), "s3://bucket/a/b.tif");
  EXPECT_EQ(stac_href("/vsigs/bucket/b.tif", ""), "gs://bucket/b.tif");
  EXPECT_EQ(stac_href("/data/out/b.tif", "/data/out/b.json"), "b.tif");
  EXPECT_EQ(stac_href("/data/out/b.tif", "/data/items/b.json"), "../out/b.tif");
}

TEST(Stac, ItemOfAVsis3OutputIsValid) {
  const Report rep = utm_report();
  StacItemOptions o;
  const json item = json::parse(stac_item(rep, o));
  EXPECT_EQ(item["id"], "dem");
  EXPECT_EQ(item["properties"]["datetime"], "2020-01-02T03:04:05Z");  // TIFFTAG_DATETIME
  EXPECT_EQ(item["properties"]["proj:epsg"], 32632);
  EXPECT_EQ(item["properties"]["proj:shape"], json::array({50, 100}));
  const auto& a = item["assets"]["data"];
  EXPECT_EQ(a["href"], "s3://bucket/dir/dem.tif");
  EXPECT_EQ(a["type"], "image/tiff; application=geotiff; profile=cloud-optimized");
  EXPECT_EQ(a["file:checksum"], "1220" + std::string(64, 'a'));
  EXPECT_EQ(a["file:size"], 1234);
  EXPECT_EQ(a["raster:bands"][0]["data_type"], "int16");
  EXPECT_EQ(a["raster:bands"][0]["unit"], "metre");
  EXPECT_DOUBLE_EQ(a["raster:bands"][0]["statistics"]["valid_percent"].get<double>(), 80.0);
  const auto& bbox = item["bbox"];
  EXPECT_NEAR(bbox[0].get<double>(), 9.0, 0.01);  // UTM 32N, x=500000: 9 degrees east
  EXPECT_NEAR(bbox[3].get<double>(), 45.14, 0.05);
  test::TempDir dir;
  test::write_text(dir / "item.json", item.dump());
  expect_valid_item(dir / "item.json");
}

TEST(Stac, GivenDatetimeWinsAndNoCrsGivesNullGeometry) {
  Report rep = utm_report();
  rep.crs_wkt2.clear();
  rep.epsg.reset();
  StacItemOptions o;
  o.datetime = "2001-02-03T04:05:06Z";
  const json item = json::parse(stac_item(rep, o));
  EXPECT_EQ(item["properties"]["datetime"], "2001-02-03T04:05:06Z");
  EXPECT_TRUE(item["geometry"].is_null());
  EXPECT_FALSE(item.contains("bbox"));
  test::TempDir dir;
  test::write_text(dir / "item.json", item.dump());
  expect_valid_item(dir / "item.json");
}

TEST(Stac, DatetimeFallsBackToTheInputsModificationTime) {
  test::TempDir dir;
  test::write_text(dir / "in.tif", "x");
  Report rep = utm_report();
  rep.tiff_datetime.clear();
  rep.input = dir / "in.tif";
  const std::string when = stac_datetime(rep);
  EXPECT_TRUE(is_rfc3339(when)) << when;
  EXPECT_EQ(when.back(), 'Z');
}

TEST(Stac, UnwritablePathIsRefused) {
  EXPECT_THROW(check_stac_writable("/nonexistent-dir/x.json"), error);
  test::TempDir dir;
  EXPECT_THROW(check_stac_writable(dir.path().string()), error);
  EXPECT_NO_THROW(check_stac_writable(dir / "x.json"));
  write_stac_file(dir / "x.json", "{}");
  EXPECT_EQ(test::read_file(dir / "x.json"), "{}\n");
}

}  // namespace
}  // namespace cogkit
