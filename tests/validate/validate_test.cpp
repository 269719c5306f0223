// tests/validate/validate_test.cpp — the COG layout check, against GDAL's own validator.
#include <filesystem>
#include <fstream>

#include <cpl_string.h>
#include <gtest/gtest.h>

#include "cogkit/core/error.hpp"
#include "cogkit/core/gdal_handle.hpp"
#include "cogkit/validate/validate.hpp"
#include "test_support.hpp"

namespace cogkit {
namespace {

TEST(ValidateCog, RejectsATiledGeoTiffWithOverviewsAddedAfterTheData) {
  test::TempDir dir;
  const std::string src = test::make_test_dem(dir, 1100, 700);
  const std::string path = dir / "not_cog.tif";
  {
    DatasetHandle in(GDALOpen(src.c_str(), GA_ReadOnly));
    const char* co[] = {"TILED=YES", "COMPRESS=DEFLATE", nullptr};
    DatasetHandle out(GDALCreateCopy(GDALGetDriverByName("GTiff"), path.c_str(), in.get(), FALSE,
                                     const_cast<char**>(co), nullptr, nullptr));
    int levels[] = {2, 4};
    ASSERT_EQ(GDALBuildOverviews(out.get(), "AVERAGE", 2, levels, 0, nullptr, nullptr, nullptr), CE_None);
  }
  const auto v = validate_cog(path);
  EXPECT_FALSE(v.valid);
  EXPECT_FALSE(v.errors.empty());
  if (auto gdal = test::gdal_validator_says_valid(path)) EXPECT_FALSE(*gdal) << "GDAL's validator must agree";
}

TEST(ValidateCog, RejectsAStripedLargeImageAndNonTiff) {
  test::TempDir dir;
  const std::string src = test::make_test_dem(dir, 1300, 600);
  const std::string path = dir / "striped.tif";
  {
    DatasetHandle in(GDALOpen(src.c_str(), GA_ReadOnly));
    DatasetHandle out(
        GDALCreateCopy(GDALGetDriverByName("GTiff"), path.c_str(), in.get(), FALSE, nullptr, nullptr, nullptr));
  }
  EXPECT_FALSE(validate_cog(path).valid);
  if (auto gdal = test::gdal_validator_says_valid(path)) EXPECT_FALSE(*gdal);
  const std::string text = dir / "text.tif";
  std::ofstream(text) << "hello, not a tiff";
  EXPECT_FALSE(validate_cog(text).valid);
  EXPECT_FALSE(validate_cog(dir / "missing.tif").valid);
}

TEST(ValidateCog, AgreesWithGdalOnTheSharedGeoTiffs) {
  COGKIT_REQUIRE_SHARED(shared);
  const auto dir = shared / "gdal-autotest" / "gtiff";
  int checked = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.path().extension() != ".tif") continue;
    const auto ours = validate_cog(entry.path().string());
    if (auto gdal = test::gdal_validator_says_valid(entry.path().string())) {
      EXPECT_EQ(ours.valid, *gdal) << entry.path() << (ours.errors.empty() ? "" : ": " + ours.errors.front());
      ++checked;
    }
  }
  if (checked == 0) GTEST_SKIP() << "python3-gdal not available: nothing to compare with";
}

}  // namespace
}  // namespace cogkit
