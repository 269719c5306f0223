// tests/support/test_support.hpp — helpers shared by the test binaries.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cogkit/core/gdal_handle.hpp"

namespace cogkit::test {

// A fresh directory under the build tree, removed when the test ends.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// ../shared/testdata beside the source tree, or COGKIT_SHARED_DIR; nullopt when absent.
std::optional<std::filesystem::path> shared_testdata();

// Skips the current test with a message when ../shared is absent.
#define COGKIT_REQUIRE_SHARED(var)                                                         \
  auto var##_opt = ::cogkit::test::shared_testdata();                                      \
  if (!var##_opt) GTEST_SKIP() << "../shared/testdata not found: shared conformance test skipped"; \
  const std::filesystem::path var = *var##_opt

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};
// Runs a shell command, capturing stdout and stderr.
CommandResult run(const std::string& command);
// Path of a built tool (cogify, asc2cog, xyz2cog).
std::string tool(const std::string& name);
// Python with GDAL bindings (for reference checks), or "" if not present.
std::string python_with_gdal();

struct Raster {
  int width = 0, height = 0, bands = 0;
  double gt[6] = {};
  std::optional<double> nodata;
  GDALDataType type = GDT_Unknown;
  std::string wkt;
  std::vector<double> values;  // band 1, row-major
};
// Reads a whole (small) raster's first band.
Raster read_raster(const std::string& path);

// Number of pixels differing by more than `tol` (nodata must match nodata).
std::size_t count_differences(const Raster& a, const Raster& b, double tol);

std::string read_file(const std::string& path);
// Writes `text` to `path` as is (binary).
void write_text(const std::string& path, const std::string& text);

// Asserts `path` is a valid COG for cogkit's validator and, when python3-gdal is
// present, for GDAL's validate_cloud_optimized_geotiff.py.
void expect_valid_cog(const std::string& path);

// GDAL's validate_cloud_optimized_geotiff.py on `path`; nullopt when python3-gdal is absent.
std::optional<bool> gdal_validator_says_valid(const std::string& path);

// A generated DEM (demgen: fractal terrain with one lake) at dir/dem.tif; returns its path.
std::string make_test_dem(const TempDir& dir, int width, int height, GDALDataType type = GDT_Float32);

}  // namespace cogkit::test
