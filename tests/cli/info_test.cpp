// tests/cli/info_test.cpp — `cogify info FILE [--json]`: validity, layout, overviews, codec,
// statistics and CRS of an existing file, as GDAL reads them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

using namespace cogkit::test;

TEST(CogifyInfo, DescribesACogAsGdalReadsIt) {
  TempDir dir;
  const std::string in = make_test_dem(dir, 1200, 900), out = dir / "out.tif";
  ASSERT_EQ(run(tool("cogify") + " " + in + " " + out + " -q --compress zstd").exit_code, 0);
  const auto r = run(tool("cogify") + " info " + out + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto g = nlohmann::json::parse(run("gdalinfo -json -stats " + out).out);
  EXPECT_TRUE(j["cog"]["valid"]);
  EXPECT_EQ(j["width"], g["size"][0]);
  EXPECT_EQ(j["height"], g["size"][1]);
  EXPECT_EQ(j["compression"], "zstd");
  EXPECT_EQ(j["image_structure"]["layout"], "COG");
  EXPECT_EQ(j["overviews"].size(), g["bands"][0]["overviews"].size());
  EXPECT_EQ(j["block_size"], g["bands"][0]["block"]);
  EXPECT_EQ(j["nodata"], g["bands"][0]["noDataValue"]);
  EXPECT_NEAR(j["statistics"][0]["minimum"].get<double>(), g["bands"][0]["minimum"].get<double>(), 1e-3);  // gdalinfo -json prints 3 decimals
  EXPECT_NEAR(j["statistics"][0]["maximum"].get<double>(), g["bands"][0]["maximum"].get<double>(), 1e-3);
  const auto text = run(tool("cogify") + " info " + out);
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("COG:          valid"), std::string::npos) << text.out;
}

TEST(CogifyInfo, ANonCogIsSaidSoWithExit1) {
  TempDir dir;
  const std::string plain = dir / "strips.tif";
  ASSERT_EQ(run("gdal_create -of GTiff -outsize 2000 1500 -bands 1 -ot Byte " + plain).exit_code, 0);
  const auto r = run(tool("cogify") + " info " + plain + " --json");
  EXPECT_EQ(r.exit_code, 1);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_FALSE(j["cog"]["valid"]);
  EXPECT_FALSE(j["cog"]["errors"].empty());
}

TEST(CogifyInfo, NotARasterIsOneLineAndExit3) {
  TempDir dir;
  write_text(dir / "x.tif", "not a tiff");
  const auto r = run(tool("cogify") + " info " + (dir / "x.tif"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err.rfind("cogify: " + (dir / "x.tif") + ": info: ", 0), 0u) << r.err;
  EXPECT_EQ(run(tool("cogify") + " info").exit_code, 2);
}
