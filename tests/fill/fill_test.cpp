// tests/fill_test.cpp — the tiled, parallel fill equals GDALFillNodata on the whole raster,
// bit for bit; interior-only and nearest behave as documented in docs/fill.md.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <string>
#include <tuple>
#include <vector>

#include <gdal.h>
#include <gdal_alg.h>
#include <gtest/gtest.h>

#include "cogkit/core/error.hpp"
#include "cogkit/fill/fill.hpp"
#include "cogkit/core/gdal_handle.hpp"
#include "cogkit/core/staging.hpp"
#include "demgen.hpp"
#include "fill/driver.hpp"
#include "test_support.hpp"

namespace {

using cogkit::DatasetHandle;
using cogkit::FillMethod;
using cogkit::FillOptions;

const bool kRegistered = (GDALAllRegister(), true);

constexpr int kWidth = 300, kHeight = 260;
constexpr double kNodata = -9999;

// A generated DEM with lakes wider than the max distance, small dropouts, plus holes that
// touch the raster edges and cross many strip boundaries.
std::vector<double> test_dem(std::uint32_t seed = 7) {
  cogkit::demgen::DemSpec spec;
  spec.width = kWidth;
  spec.height = kHeight;
  spec.seed = seed;
  spec.lakes = 7;
  spec.lake_radius_min = 12;
  spec.lake_radius_max = 48;
  spec.dropout_fraction = 0.03;
  spec.nodata = kNodata;
  std::vector<double> v;
  cogkit::demgen::window(spec, 0, 0, kWidth, kHeight, v);
  auto hole = [&](int x0, int y0, int x1, int y1) {
    for (int y = std::max(0, y0); y < std::min(kHeight, y1); ++y)
      for (int x = std::max(0, x0); x < std::min(kWidth, x1); ++x) v[static_cast<std::size_t>(y) * kWidth + x] = kNodata;
  };
  hole(0, 100, 30, 140);       // touches the left edge
  hole(120, 0, 170, 12);       // touches the top edge
  hole(250, 200, 300, 260);    // bottom-right corner
  hole(60, 60, 62, 200);       // thin vertical crack across many strips
  hole(140, 120, 230, 128);    // wide horizontal gap (wider than max distance)
  return v;
}

DatasetHandle make_mem(const std::vector<double>& values, GDALDataType type, double nodata = kNodata) {
  GDALDriverH mem = GDALGetDriverByName("MEM");
  DatasetHandle ds(GDALCreate(mem, "", kWidth, kHeight, 1, type, nullptr));
  GDALRasterBandH band = GDALGetRasterBand(ds.get(), 1);
  GDALSetRasterNoDataValue(band, nodata);
  std::vector<double> copy = values;
  EXPECT_EQ(GDALRasterIO(band, GF_Write, 0, 0, kWidth, kHeight, copy.data(), kWidth, kHeight, GDT_Float64, 0, 0),
            CE_None);
  return ds;
}

GDALRasterBandH band_of(const DatasetHandle& ds) { return GDALGetRasterBand(ds.get(), 1); }

// Raw bytes of band 1 in its own type.
std::vector<unsigned char> raw(GDALRasterBandH band) {
  const GDALDataType type = GDALGetRasterDataType(band);
  const int size = GDALGetDataTypeSizeBytes(type);
  const int w = GDALGetRasterBandXSize(band), h = GDALGetRasterBandYSize(band);
  std::vector<unsigned char> out(static_cast<std::size_t>(w) * h * size);
  EXPECT_EQ(GDALRasterIO(band, GF_Read, 0, 0, w, h, out.data(), w, h, type, 0, 0), CE_None);
  return out;
}

std::size_t differing_pixels(const std::vector<unsigned char>& a, const std::vector<unsigned char>& b, int size) {
  EXPECT_EQ(a.size(), b.size());
  std::size_t diff = 0;
  for (std::size_t i = 0; i + size <= std::min(a.size(), b.size()); i += size)
    if (std::memcmp(&a[i], &b[i], size) != 0) ++diff;
  return diff;
}

std::vector<unsigned char> gdal_reference(const std::vector<double>& values, GDALDataType type, double md,
                                          int smoothing) {
  DatasetHandle ds = make_mem(values, type);
  char* opts[] = {const_cast<char*>("TEMP_FILE_DRIVER=MEM"), nullptr};
  EXPECT_EQ(GDALFillNodata(band_of(ds), nullptr, md, 0, smoothing, opts, nullptr, nullptr), CE_None);
  return raw(band_of(ds));
}

cogkit::FillStats ours(GDALRasterBandH band, double md, int smoothing, int tile_rows, int threads,
                       FillMethod method = FillMethod::invdist, bool interior_only = false) {
  FillOptions o;
  o.enabled = true;
  o.max_distance = md;
  o.smoothing = smoothing;
  o.tile_rows = tile_rows;
  o.threads = threads;
  o.method = method;
  o.interior_only = interior_only;
  return cogkit::detail::fill_band(band, o, 64u << 20, {});
}

std::size_t count_nodata(const std::vector<double>& v) {
  return static_cast<std::size_t>(std::count(v.begin(), v.end(), kNodata));
}

// ---------------------------------------------------------------------------

class FillMatchesGdal : public ::testing::TestWithParam<std::tuple<double, int>> {};

TEST_P(FillMatchesGdal, EveryTileSizeAndThreadCountIsBitIdentical) {
  const auto [md, smoothing] = GetParam();
  const std::vector<double> dem = test_dem();
  ASSERT_GT(count_nodata(dem), 5000u);
  const auto expected = gdal_reference(dem, GDT_Float32, md, smoothing);
  // The reference fills something but not everything (holes wider than 2 × max distance).
  const auto original = raw(band_of(make_mem(dem, GDT_Float32)));
  ASSERT_GT(differing_pixels(original, expected, 4), 1000u);

  for (int tile_rows : {1, 7, 32, 100, 1000}) {
    for (int threads : {1, 2}) {
      DatasetHandle ds = make_mem(dem, GDT_Float32);
      const auto stats = ours(band_of(ds), md, smoothing, tile_rows, threads);
      EXPECT_EQ(stats.halo, static_cast<int>(std::floor(md)) + smoothing);
      EXPECT_GT(stats.filled, 0u);
      EXPECT_EQ(differing_pixels(raw(band_of(ds)), expected, 4), 0u)
          << "md " << md << " smoothing " << smoothing << " tile_rows " << tile_rows << " threads " << threads;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Distances, FillMatchesGdal,
                         ::testing::Values(std::make_tuple(20.0, 0), std::make_tuple(20.0, 3),
                                           std::make_tuple(37.5, 0), std::make_tuple(37.5, 2),
                                           std::make_tuple(6.0, 5)));

TEST(Fill, OtherDataTypesMatchGdal) {
  const std::vector<double> dem = test_dem(11);
  for (GDALDataType type : {GDT_Int16, GDT_Float64, GDT_Int32}) {
    const auto expected = gdal_reference(dem, type, 25, 2);
    DatasetHandle ds = make_mem(dem, type);
    ours(band_of(ds), 25, 2, 19, 2);
    EXPECT_EQ(differing_pixels(raw(band_of(ds)), expected, GDALGetDataTypeSizeBytes(type)), 0u)
        << GDALGetDataTypeName(type);
  }
}

TEST(Fill, ValuesWithinGdalsNodataToleranceAreHoles) {
  // GDAL's nodata mask treats floats within ~2 float epsilons (relative) of the nodata value
  // as nodata; the fill must agree (cogkit computes that mask itself for Float32 bands).
  std::vector<double> dem = test_dem(21);
  for (int i = 0; i < 400; ++i) dem[static_cast<std::size_t>(i) * 97 % dem.size()] = kNodata + 0.001;
  const auto expected = gdal_reference(dem, GDT_Float32, 15, 1);
  DatasetHandle ds = make_mem(dem, GDT_Float32);
  ours(band_of(ds), 15, 1, 33, 2);
  EXPECT_EQ(differing_pixels(raw(band_of(ds)), expected, 4), 0u);
}

TEST(Fill, TinyAndThinRastersMatchGdal) {
  // Single rows/columns and tiny rasters exercise every edge rule at once.
  for (auto [w, h] : {std::pair{1, 40}, std::pair{40, 1}, std::pair{2, 2}, std::pair{3, 7}, std::pair{17, 5}}) {
    std::vector<double> v(static_cast<std::size_t>(w) * h);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = (i * 7919 % 13 < 5) ? kNodata : 100.0 + static_cast<double>(i % 11);
    for (int smoothing : {0, 2}) {
      GDALDriverH mem = GDALGetDriverByName("MEM");
      DatasetHandle ref(GDALCreate(mem, "", w, h, 1, GDT_Float32, nullptr));
      DatasetHandle ds(GDALCreate(mem, "", w, h, 1, GDT_Float32, nullptr));
      for (auto* d : {&ref, &ds}) {
        GDALRasterBandH b = band_of(*d);
        GDALSetRasterNoDataValue(b, kNodata);
        ASSERT_EQ(GDALRasterIO(b, GF_Write, 0, 0, w, h, v.data(), w, h, GDT_Float64, 0, 0), CE_None);
      }
      char* opts[] = {const_cast<char*>("TEMP_FILE_DRIVER=MEM"), nullptr};
      ASSERT_EQ(GDALFillNodata(band_of(ref), nullptr, 3, 0, smoothing, opts, nullptr, nullptr), CE_None);
      ours(band_of(ds), 3, smoothing, 2, 2);
      EXPECT_EQ(differing_pixels(raw(band_of(ds)), raw(band_of(ref)), 4), 0u) << w << "x" << h << " si " << smoothing;
    }
  }
}

TEST(Fill, NanNodataMatchesGdal) {
  std::vector<double> dem = test_dem(23);
  for (double& v : dem)
    if (v == kNodata) v = std::nan("");
  for (int smoothing : {0, 2}) {
    DatasetHandle ref = make_mem(dem, GDT_Float32, std::nan(""));
    char* opts[] = {const_cast<char*>("TEMP_FILE_DRIVER=MEM"), nullptr};
    ASSERT_EQ(GDALFillNodata(band_of(ref), nullptr, 18, 0, smoothing, opts, nullptr, nullptr), CE_None);
    DatasetHandle ds = make_mem(dem, GDT_Float32, std::nan(""));
    const auto stats = ours(band_of(ds), 18, smoothing, 29, 2);
    EXPECT_GT(stats.filled, 1000u);
    EXPECT_EQ(differing_pixels(raw(band_of(ds)), raw(band_of(ref)), 4), 0u);
  }
}

TEST(Fill, TiledGeoTiffBandInPlaceMatchesGdal) {
  cogkit::test::TempDir dir;
  const std::vector<double> dem = test_dem(3);
  const auto expected = gdal_reference(dem, GDT_Float32, 30, 1);
  DatasetHandle mem = make_mem(dem, GDT_Float32);
  char* co[] = {const_cast<char*>("TILED=YES"), const_cast<char*>("BLOCKXSIZE=64"),
                const_cast<char*>("BLOCKYSIZE=64"), const_cast<char*>("COMPRESS=ZSTD"), nullptr};
  const std::string path = dir / "staged.tif";
  DatasetHandle tif(GDALCreateCopy(GDALGetDriverByName("GTiff"), path.c_str(), mem.get(), FALSE, co,
                                   nullptr, nullptr));
  ASSERT_TRUE(tif);
  ours(band_of(tif), 30, 1, 48, 2);
  tif.reset();
  DatasetHandle reopened(GDALOpen(path.c_str(), GA_ReadOnly));
  EXPECT_EQ(differing_pixels(raw(band_of(reopened)), expected, 4), 0u);
}

TEST(Fill, SourceToTargetMatchesGdal) {
  cogkit::test::TempDir dir;
  const std::vector<double> dem = test_dem(12);
  for (int smoothing : {0, 2}) {
    const auto expected = gdal_reference(dem, GDT_Float32, 22, smoothing);
    DatasetHandle src = make_mem(dem, GDT_Float32);
    const std::string path = dir / ("target" + std::to_string(smoothing) + ".tif");
    char* co[] = {const_cast<char*>("TILED=YES"), const_cast<char*>("COMPRESS=ZSTD"), nullptr};
    DatasetHandle dst(GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), kWidth, kHeight, 1, GDT_Float32, co));
    GDALSetRasterNoDataValue(band_of(dst), kNodata);
    FillOptions o;
    o.max_distance = 22;
    o.smoothing = smoothing;
    o.tile_rows = 40;
    o.threads = 2;
    cogkit::detail::fill_band(band_of(src), band_of(dst), o, 1u << 20, {});
    EXPECT_EQ(differing_pixels(raw(band_of(dst)), expected, 4), 0u);
    // The source is untouched.
    EXPECT_EQ(differing_pixels(raw(band_of(src)), raw(band_of(make_mem(dem, GDT_Float32))), 4), 0u);
  }
}

TEST(Fill, PublicEntryPointUsesTheBudget) {
  const std::vector<double> dem = test_dem(5);
  const auto expected = gdal_reference(dem, GDT_Float32, 20, 1);
  DatasetHandle ds = make_mem(dem, GDT_Float32);
  cogkit::StagingOptions so;
  so.memory_budget = 64u << 20;
  cogkit::MemoryBudget budget(so);
  FillOptions o;
  o.enabled = true;
  o.max_distance = 20;
  o.smoothing = 1;
  double last = 0;
  const auto stats = cogkit::fill_nodata_stats(band_of(ds), o, budget, [&](std::string_view step, double f) {
    EXPECT_EQ(step, "fill");
    EXPECT_GE(f, last);
    last = f;
  });
  EXPECT_DOUBLE_EQ(last, 1.0);
  EXPECT_LE(stats.work_bytes, budget.work_memory());
  EXPECT_EQ(differing_pixels(raw(band_of(ds)), expected, 4), 0u);
  EXPECT_EQ(cogkit::fill_halo(o), 21);
  o.max_distance = 37.9;
  o.smoothing = 0;
  EXPECT_EQ(cogkit::fill_halo(o), 37);
  o.interior_only = true;  // global: the window must be the whole raster
  EXPECT_EQ(cogkit::fill_halo(o), cogkit::kUnboundedHalo);
}

TEST(Fill, BandWithoutNodataIsAnError) {
  DatasetHandle ds(GDALCreate(GDALGetDriverByName("MEM"), "", 10, 10, 1, GDT_Float32, nullptr));
  FillOptions o;
  EXPECT_THROW(cogkit::detail::fill_band(band_of(ds), o, 1u << 20, {}), cogkit::error);
}

// Exterior = nodata pixels 8-connected to a nodata pixel on the raster border (flood fill).
std::vector<std::uint8_t> exterior_nodata(const std::vector<double>& v) {
  std::vector<std::uint8_t> ext(v.size(), 0);
  std::deque<std::pair<int, int>> queue;
  auto push = [&](int x, int y) {
    if (x < 0 || y < 0 || x >= kWidth || y >= kHeight) return;
    const std::size_t i = static_cast<std::size_t>(y) * kWidth + x;
    if (v[i] != kNodata || ext[i]) return;
    ext[i] = 1;
    queue.emplace_back(x, y);
  };
  for (int x = 0; x < kWidth; ++x) push(x, 0), push(x, kHeight - 1);
  for (int y = 0; y < kHeight; ++y) push(0, y), push(kWidth - 1, y);
  while (!queue.empty()) {
    const auto [x, y] = queue.front();
    queue.pop_front();
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) push(x + dx, y + dy);
  }
  return ext;
}

TEST(Fill, InteriorOnlyKeepsCollarAndEdgeGapsFillsEnclosedLakes) {
  std::vector<double> dem = test_dem(9);
  // A reprojection-like collar: the corner outside a tilted footprint, plus a lake that
  // touches the collar only through one diagonal pixel (so it is exterior too).
  for (int y = 0; y < kHeight; ++y)
    for (int x = 0; x < kWidth; ++x)
      if (x + y / 2 < 40 || x > kWidth - 12) dem[static_cast<std::size_t>(y) * kWidth + x] = kNodata;
  const auto ext = exterior_nodata(dem);
  std::size_t n_ext = 0, n_int = 0;
  for (std::size_t i = 0; i < dem.size(); ++i)
    if (dem[i] == kNodata) ++(ext[i] ? n_ext : n_int);
  ASSERT_GT(n_ext, 1000u);
  ASSERT_GT(n_int, 500u);

  const auto full = gdal_reference(dem, GDT_Float32, 30, 2);
  for (int tile_rows : {9, 64, 1000}) {
    DatasetHandle ds = make_mem(dem, GDT_Float32);
    ours(band_of(ds), 30, 2, tile_rows, 2, FillMethod::invdist, true);
    const auto got = raw(band_of(ds));
    const auto original = raw(band_of(make_mem(dem, GDT_Float32)));
    std::size_t ext_changed = 0, int_wrong = 0, int_filled = 0, valid_changed = 0;
    for (std::size_t i = 0; i < dem.size(); ++i) {
      const bool same_as_original = std::memcmp(&got[i * 4], &original[i * 4], 4) == 0;
      if (dem[i] != kNodata) {
        valid_changed += same_as_original ? 0 : 1;
      } else if (ext[i]) {
        ext_changed += same_as_original ? 0 : 1;
      } else {
        // Interior holes get exactly the whole-raster GDAL values (their 3x3 neighbourhoods
        // never contain exterior nodata, so smoothing sees the same inputs).
        int_wrong += std::memcmp(&got[i * 4], &full[i * 4], 4) == 0 ? 0 : 1;
        int_filled += same_as_original ? 0 : 1;
      }
    }
    EXPECT_EQ(ext_changed, 0u) << "tile_rows " << tile_rows;
    EXPECT_EQ(valid_changed, 0u);
    EXPECT_EQ(int_wrong, 0u);
    EXPECT_GT(int_filled, n_int / 2);
  }
}

// Nearest: brute force over the documented rule (smallest distance, then smaller |dx|,
// then left before right, then above before below; within max distance).
TEST(Fill, NearestMatchesBruteForce) {
  const std::vector<double> dem = test_dem(4);
  const double md = 15.5;
  std::vector<float> expected(dem.begin(), dem.end());
  const int r = static_cast<int>(md);
  for (int y = 0; y < kHeight; ++y)
    for (int x = 0; x < kWidth; ++x) {
      if (dem[static_cast<std::size_t>(y) * kWidth + x] != kNodata) continue;
      std::tuple<long, int, int, int> best{-1, 0, 0, 0};
      float value = 0;
      bool found = false;
      for (int yy = std::max(0, y - r); yy <= std::min(kHeight - 1, y + r); ++yy)
        for (int xx = std::max(0, x - r); xx <= std::min(kWidth - 1, x + r); ++xx) {
          const double v = dem[static_cast<std::size_t>(yy) * kWidth + xx];
          if (v == kNodata) continue;
          const long d2 = static_cast<long>(xx - x) * (xx - x) + static_cast<long>(yy - y) * (yy - y);
          if (static_cast<double>(d2) > md * md) continue;
          const std::tuple<long, int, int, int> key{d2, std::abs(xx - x), xx > x ? 1 : 0, yy > y ? 1 : 0};
          if (!found || key < best) {
            best = key;
            value = static_cast<float>(v);
            found = true;
          }
        }
      if (found) expected[static_cast<std::size_t>(y) * kWidth + x] = value;
    }
  for (int tile_rows : {5, 77}) {
    DatasetHandle ds = make_mem(dem, GDT_Float32);
    ours(band_of(ds), md, 0, tile_rows, 2, FillMethod::nearest);
    const auto got = raw(band_of(ds));
    std::vector<unsigned char> want(expected.size() * 4);
    std::memcpy(want.data(), expected.data(), want.size());
    EXPECT_EQ(differing_pixels(got, want, 4), 0u) << "tile_rows " << tile_rows;
  }
}

TEST(Fill, NearestWithSmoothingIsTileIndependent) {
  const std::vector<double> dem = test_dem(8);
  DatasetHandle whole = make_mem(dem, GDT_Float32);
  ours(band_of(whole), 25, 3, kHeight, 1, FillMethod::nearest);
  const auto expected = raw(band_of(whole));
  for (int tile_rows : {3, 40}) {
    DatasetHandle ds = make_mem(dem, GDT_Float32);
    ours(band_of(ds), 25, 3, tile_rows, 2, FillMethod::nearest);
    EXPECT_EQ(differing_pixels(raw(band_of(ds)), expected, 4), 0u);
  }
}

}  // namespace
