// tests/write/cog_test.cpp — COG writing options, and written files checked against GDAL's own validator.
#include <filesystem>
#include <fstream>

#include <cpl_string.h>
#include <gdal_utils.h>
#include <gtest/gtest.h>

#include "cogkit/write/cog.hpp"
#include "cogkit/core/error.hpp"
#include "cogkit/validate/validate.hpp"
#include "demgen.hpp"
#include "test_support.hpp"

namespace cogkit {
namespace {

TEST(CogOptions, PredictorAutoFollowsTheDataType) {
  CogOptions o;
  auto has = [](const std::vector<std::string>& v, const std::string& kv) {
    return std::find(v.begin(), v.end(), kv) != v.end();
  };
  EXPECT_TRUE(has(cog_creation_options(o, GDT_Float32, 2), "PREDICTOR=FLOATING_POINT"));
  EXPECT_TRUE(has(cog_creation_options(o, GDT_Int16, 2), "PREDICTOR=STANDARD"));
  o.compress = Compression::lerc;
  EXPECT_FALSE(has(cog_creation_options(o, GDT_Float32, 2), "PREDICTOR=FLOATING_POINT"));
  o.compress = Compression::zstd;
  o.level = 9;
  o.creation_options = {"BIGTIFF=YES"};
  const auto co = cog_creation_options(o, GDT_Float32, 3);
  EXPECT_TRUE(has(co, "COMPRESS=ZSTD"));
  EXPECT_TRUE(has(co, "LEVEL=9"));
  EXPECT_TRUE(has(co, "NUM_THREADS=3"));
  EXPECT_TRUE(has(co, "BIGTIFF=YES")) << "--co overrides the defaults";
  o.predictor = Predictor::floating_point;
  EXPECT_THROW(cog_creation_options(o, GDT_Int16, 1), error);
}

TEST(CogOptions, BadValuesAreRefusedUpFront) {
  auto bad = [](auto mutate) {
    CogOptions o;
    mutate(o);
    EXPECT_THROW(validate_cog_options(o), error);
  };
  bad([](CogOptions& o) { o.level = 30; });
  bad([](CogOptions& o) { o.compress = Compression::lzw; o.level = 3; });
  bad([](CogOptions& o) { o.compress = Compression::lerc; o.predictor = Predictor::standard; });
  bad([](CogOptions& o) { o.blocksize = 500; });
  bad([](CogOptions& o) { o.creation_options = {"NOEQUALS"}; });
  // Unknown names are refused where the strings are parsed.
  EXPECT_THROW(parse<Compression>("brotli"), error);
  EXPECT_THROW(parse<Predictor>("7"), error);
  EXPECT_THROW(parse<Overviews>("some"), error);
  EXPECT_THROW(parse<OverviewResampling>("fancy"), error);
  CogOptions good;
  EXPECT_NO_THROW(validate_cog_options(good));
}

TEST(WriteCog, OutputIsAValidCogWithOverviewsAndTheSamePixels) {
  test::TempDir dir;
  const std::string src = test::make_test_dem(dir, 1100, 700);
  DatasetHandle ds(GDALOpen(src.c_str(), GA_ReadOnly));
  const std::string out = dir / "out.tif";
  write_cog(ds.get(), out, CogOptions{}, 2);
  const auto v = validate_cog(out);
  EXPECT_TRUE(v.valid) << (v.errors.empty() ? "" : v.errors.front());
  if (auto gdal = test::gdal_validator_says_valid(out)) EXPECT_TRUE(*gdal);
  const auto a = test::read_raster(src), b = test::read_raster(out);
  EXPECT_EQ(test::count_differences(a, b, 0), 0u);
  DatasetHandle o(GDALOpen(out.c_str(), GA_ReadOnly));
  GDALRasterBandH band = GDALGetRasterBand(o.get(), 1);
  // GDAL halves until both sides fit in one 512 block: 1100x700 -> 550x350 -> 275x175.
  ASSERT_EQ(GDALGetOverviewCount(band), 2);
  EXPECT_EQ(GDALGetRasterBandXSize(GDALGetOverview(band, 0)), 550);
  EXPECT_EQ(GDALGetRasterBandYSize(GDALGetOverview(band, 1)), 175);
  EXPECT_STREQ(GDALGetMetadataItem(o.get(), "COMPRESSION", "IMAGE_STRUCTURE"), "DEFLATE");
}

}  // namespace
}  // namespace cogkit
