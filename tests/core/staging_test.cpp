// Memory budget parsing and splitting, temp-path ownership, staged rasters.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "cogkit/core/error.hpp"
#include "cogkit/core/staging.hpp"
#include "test_support.hpp"

namespace cogkit {
namespace {

TEST(ParseSize, AcceptsSiAndIecUnits) {
  EXPECT_EQ(parse_size("448MB"), 448000000ULL);
  EXPECT_EQ(parse_size("2GB"), 2000000000ULL);
  EXPECT_EQ(parse_size("1GiB"), 1073741824ULL);
  EXPECT_EQ(parse_size("512M"), 512ULL << 20);
  EXPECT_EQ(parse_size("64k"), 64ULL << 10);
  EXPECT_EQ(parse_size("1.5GiB"), 3ULL << 29);
  EXPECT_EQ(parse_size("1073741824"), 1073741824ULL);
  EXPECT_EQ(parse_size(" 100 mb "), 100000000ULL);
}

TEST(ParseSize, RejectsGarbage) {
  for (const char* bad : {"", "abc", "12XB", "-5MB", "0", "MB", "1e999GB"}) {
    EXPECT_THROW(parse_size(bad), error) << bad;
  }
  try {
    parse_size("lots");
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(e.step(), "options");
    EXPECT_NE(std::string(e.what()).find("lots"), std::string::npos);
  }
}

TEST(MemoryBudget, DefaultIsAQuarterOfAvailableMemory) {
  EXPECT_GT(available_memory(), 0u);
  EXPECT_EQ(default_memory_budget(), available_memory() / 4);
  MemoryBudget b(StagingOptions{});
  EXPECT_EQ(b.total(), default_memory_budget());
}

TEST(MemoryBudget, PartsStayWithinTheTotal) {
  StagingOptions o;
  o.memory_budget = parse_size("448MB");
  MemoryBudget b(o);
  EXPECT_LE(b.block_cache() + b.warp_memory() + b.work_memory(), b.total());
  EXPECT_TRUE(b.fits_in_memory(100ULL << 20));
  EXPECT_FALSE(b.fits_in_memory(400ULL << 20));
  o.force = StagingMode::file;
  EXPECT_FALSE(MemoryBudget(o).fits_in_memory(1));
  o.force = StagingMode::memory;
  EXPECT_TRUE(MemoryBudget(o).fits_in_memory(1ULL << 40));
}

TEST(TempPath, RemovesItsFileAndSidecarsOnScopeExit) {
  test::TempDir dir;
  std::string path;
  {
    TempPath t(dir.path().string(), "x", ".tif");
    path = t.path();
    EXPECT_EQ(std::filesystem::path(path).parent_path(), dir.path());
    std::ofstream(path) << "data";
    std::ofstream(path + ".aux.xml") << "<x/>";
    ASSERT_TRUE(std::filesystem::exists(path));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".aux.xml"));
}

TEST(TempPath, ReleaseKeepsTheFileAndNamesAreUnique) {
  test::TempDir dir;
  TempPath a(dir.path().string(), "x", ".tif"), b(dir.path().string(), "x", ".tif");
  EXPECT_NE(a.path(), b.path());
  std::ofstream(a.path()) << "keep";
  const std::string kept = a.path();
  a.release();
  EXPECT_TRUE(a.path().empty());
  EXPECT_TRUE(std::filesystem::exists(kept));
}

TEST(Staging, MemoryAndFileStagingHoldTheSamePixels) {
  test::TempDir dir;
  StagingOptions o;
  o.tmpdir = dir.path().string();
  o.force = StagingMode::memory;
  StagedRaster mem = create_staged(MemoryBudget(o), 300, 200, 1, GDT_Float32, "m");
  o.force = StagingMode::file;
  StagedRaster file = create_staged(MemoryBudget(o), 300, 200, 1, GDT_Float32, "f");
  EXPECT_TRUE(mem.in_memory);
  EXPECT_FALSE(file.in_memory);
  ASSERT_FALSE(file.temp.path().empty());
  EXPECT_TRUE(std::filesystem::exists(file.temp.path()));
  std::vector<float> v(300 * 200);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = float(i) * 0.25f;
  for (auto* s : {&mem, &file}) {
    ASSERT_EQ(GDALRasterIO(GDALGetRasterBand(s->get(), 1), GF_Write, 0, 0, 300, 200, v.data(), 300, 200, GDT_Float32, 0, 0),
              CE_None);
  }
  std::vector<float> a(v.size()), b(v.size());
  ASSERT_EQ(GDALRasterIO(GDALGetRasterBand(mem.get(), 1), GF_Read, 0, 0, 300, 200, a.data(), 300, 200, GDT_Float32, 0, 0), CE_None);
  ASSERT_EQ(GDALRasterIO(GDALGetRasterBand(file.get(), 1), GF_Read, 0, 0, 300, 200, b.data(), 300, 200, GDT_Float32, 0, 0), CE_None);
  EXPECT_EQ(a, v);
  EXPECT_EQ(b, v);
  const std::string path = file.temp.path();
  file = StagedRaster{};
  EXPECT_FALSE(std::filesystem::exists(path)) << "the temp staging file must be removed";
}

}  // namespace
}  // namespace cogkit
