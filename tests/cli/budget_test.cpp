// The memory budget holds: peak RSS within budget + 64 MB on an input 4x the budget.
#include <cmath>
#include <filesystem>
#include <sstream>

#include <cpl_string.h>
#include <gdal.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <ogr_srs_api.h>

#include "cogkit/core/gdal_handle.hpp"
#include "demgen.hpp"
#include "test_support.hpp"

namespace cogkit {
namespace {

// A cheap analytic DEM (the fractal generator is too slow for 64 M pixels in a unit
// test): smooth hills, a round lake of nodata and scattered dropouts.
void write_big_dem(const std::string& path, int size) {
  GDALAllRegister();
  const char* co[] = {"TILED=YES", "COMPRESS=ZSTD", "ZSTD_LEVEL=1", nullptr};
  DatasetHandle ds(GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), size, size, 1, GDT_Float32,
                              const_cast<char**>(co)));
  ASSERT_TRUE(ds);
  double gt[6] = {500000, 5, 0, 500000, 0, -5};
  GDALSetGeoTransform(ds.get(), gt);
  SrsHandle srs(OSRNewSpatialReference(nullptr));
  OSRImportFromEPSG(srs.get(), 2180);
  GDALSetSpatialRef(ds.get(), srs.get());
  GDALRasterBandH b = GDALGetRasterBand(ds.get(), 1);
  GDALSetRasterNoDataValue(b, -9999);
  std::vector<float> row(static_cast<std::size_t>(size) * 64);
  for (int y0 = 0; y0 < size; y0 += 64) {
    for (int r = 0; r < 64; ++r)
      for (int x = 0; x < size; ++x) {
        const int y = y0 + r;
        const double dx = x - size * 0.4, dy = y - size * 0.6;
        const bool hole = dx * dx + dy * dy < 150.0 * 150.0 || ((x * 7919 + y * 104729) % 997 == 0);
        row[std::size_t(r) * size + x] =
            hole ? -9999.f : float(300 + 80 * std::sin(x * 0.003) * std::cos(y * 0.002) + 0.01 * ((x ^ y) & 255));
      }
    ASSERT_EQ(GDALRasterIO(b, GF_Write, 0, y0, size, 64, row.data(), size, 64, GDT_Float32, 0, 0), CE_None);
  }
}

TEST(MemoryBudget, PeakRssStaysWithinBudgetPlus64MBOnAnInputFourTimesLarger) {
  test::TempDir dir;
  const std::string src = dir / "big.tif";
  write_big_dem(src, 8192);  // 8192^2 float32 = 256 MiB = 4 x 64 MiB
  const auto r = test::run(test::tool("cogify") + " " + src + " " + (dir / "out.tif") +
                           " -q --json --memory-budget 64MiB -t EPSG:3857 -r bilinear --fill --fill-max-distance 50 --tmpdir " +
                           dir.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["staging"], "file") << "an input 4x the budget cannot be staged in memory";
  const double peak_mb = j["peak_rss_bytes"].get<double>() / (1 << 20);
  RecordProperty("peak_rss_mb", std::to_string(peak_mb));
  EXPECT_LE(peak_mb, 64 + 64) << "peak RSS " << peak_mb << " MiB";
  EXPECT_EQ(test::run(test::tool("cogify") + " --check " + (dir / "out.tif")).exit_code, 0);
}

TEST(MemoryBudget, ABatchStaysWithinOneBudgetWhateverItsJobs) {
  // Four 2000x2000 ASCII tiles, two jobs at once in a 64 MiB budget: each job gets 32 MiB, so
  // the 16 MB Float32 parse of each tile is staged in a file, and the process stays in budget.
  // Tiles 0 and 1 are decimals (Float32); 2 and 3 integers, converted to Int16 after the parse.
  test::TempDir dir;
  std::string inputs;
  for (int i = 0; i < 4; ++i) {
    demgen::DemSpec spec;
    spec.width = spec.height = 2000;
    spec.seed = 30 + i;
    spec.lakes = 1;
    spec.dropout_fraction = 0.01;
    demgen::write_ascii_grid(spec, dir / ("t" + std::to_string(i) + ".asc"), i < 2 ? 6 : 3);
    inputs += " " + (dir / ("t" + std::to_string(i) + ".asc"));
  }
  std::filesystem::create_directory(dir / "out");
  const auto r = test::run(test::tool("asc2cog") + " -O " + (dir / "out") + inputs +
                           " -q --json --jobs 2 --memory-budget 64MiB --tmpdir " + dir.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  double peak_mb = 0;
  int lines = 0;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line); ++lines) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["memory_budget_bytes"].get<std::uint64_t>(), std::uint64_t(32) << 20) << "half the budget per job";
    const bool integers = j["data_type"] == "Int16";
    EXPECT_EQ(integers, j["input"].get<std::string>().find("t2.asc") != std::string::npos ||
                            j["input"].get<std::string>().find("t3.asc") != std::string::npos)
        << j["input"] << " " << j["data_type"];
    if (!integers)  // the Int16 result (8 MB) may be held in memory after the file-staged parse
      EXPECT_NE(j["notes"]["parse"].get<std::string>().find("(file)"), std::string::npos) << j["notes"]["parse"];
    peak_mb = std::max(peak_mb, j["peak_rss_bytes"].get<double>() / (1 << 20));
    test::expect_valid_cog(j["output"].get<std::string>());
  }
  EXPECT_EQ(lines, 4);
  RecordProperty("peak_rss_mb", std::to_string(peak_mb));
  EXPECT_LE(peak_mb, 64 + 64) << "peak RSS " << peak_mb << " MiB";
}

}  // namespace
}  // namespace cogkit
