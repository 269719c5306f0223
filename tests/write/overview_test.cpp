// tests/overview_test.cpp — the native writer's overview kernels against GDAL 3.6's COG driver.
//
// For every kernel x data set x size, a raster is generated in the test, written with GDAL's COG
// driver (COMPRESS=NONE, BLOCKSIZE=128 so there are three overview levels), and each overview
// level GDAL wrote is compared with the cascade computed by detail::downsample (level k+1 from
// our own level k, as the native writer does).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <tuple>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>

#include "demgen.hpp"
#include "write/overview.hpp"

namespace {

using cogkit::detail::downsample;
using cogkit::detail::LevelSize;
using cogkit::detail::overview_source_rows;
using cogkit::detail::OverviewKernel;

struct DataSpec {
  std::string name;
  GDALDataType type;
  int bands;
  std::optional<double> nodata;  // NaN for NaN nodata
};

const DataSpec kFloatNodata{"f32_nodata", GDT_Float32, 1, -9999.0};
const DataSpec kFloatNan{"f32_nan", GDT_Float32, 1, std::numeric_limits<double>::quiet_NaN()};
const DataSpec kInt16Nodata{"i16_nodata", GDT_Int16, 1, -9999.0};
const DataSpec kByte{"byte", GDT_Byte, 1, std::nullopt};
const DataSpec kByte3{"byte3", GDT_Byte, 3, std::nullopt};
// Beyond the brief's five: the no-nodata float path (GDAL's float ratio-2 average shortcut) and
// UInt16 (GDAL's other native work type, SSE summation order).
const DataSpec kFloat{"f32", GDT_Float32, 1, std::nullopt};
const DataSpec kUInt16{"u16", GDT_UInt16, 1, std::nullopt};
const DataSpec kInt32Nodata{"i32_nodata", GDT_Int32, 1, -9999.0};
// Float64 is computed in double (GDAL 3.6 rounds it through Float32): compared with a tolerance.
const DataSpec kFloat64Nodata{"f64_nodata", GDT_Float64, 1, -9999.0};

std::vector<double> generate_uncached(const DataSpec& d, int w, int h);

// Pixel-interleaved samples (as doubles) of a generated raster (generated once per test binary).
const std::vector<double>& generate(const DataSpec& d, int w, int h) {
  static std::map<std::tuple<std::string, int, int>, std::vector<double>> cache;
  auto [it, added] = cache.try_emplace({d.name, w, h});
  if (added) it->second = generate_uncached(d, w, h);
  return it->second;
}

std::vector<double> generate_uncached(const DataSpec& d, int w, int h) {
  cogkit::demgen::DemSpec s;
  s.width = w;
  s.height = h;
  s.seed = 7;
  s.res = 2.0;
  std::vector<double> v;
  std::vector<double> out(static_cast<std::size_t>(w) * h * d.bands);
  if (!d.nodata && d.type != GDT_Byte) {
    s.lakes = 0;
    s.dropout_fraction = 0;
    s.relief = 3000;  // UInt16: values up to ~3200
    cogkit::demgen::window(s, 0, 0, w, h, v);
    for (std::size_t i = 0; i < v.size(); ++i)
      out[i] = d.type == GDT_UInt16 ? std::round(v[i]) : static_cast<double>(static_cast<float>(v[i]));
    return out;
  }
  if (d.type == GDT_Byte) {
    s.lakes = 0;
    s.dropout_fraction = 0;
    cogkit::demgen::window(s, 0, 0, w, h, v);
    for (int r = 0; r < h; ++r)
      for (int c = 0; c < w; ++c) {
        const std::size_t i = static_cast<std::size_t>(r) * w + c;
        // Saturated plateaus (0 and 255) and sharp edges make cubic overshoot and clamp.
        const double a = std::clamp(std::round((v[i] - s.base) / s.relief * 400 - 70), 0.0, 255.0);
        out[i * d.bands] = a;
        if (d.bands == 3) {
          out[i * 3 + 1] = 255 - a;
          out[i * 3 + 2] = (c * 7 + r * 3) % 256;
        }
      }
    return out;
  }
  s.lakes = 6;
  s.lake_radius_min = 15;
  s.lake_radius_max = 60;
  s.dropout_fraction = 0.02;
  s.nodata = -9999;
  if (d.type == GDT_Float64) s.type = GDT_Float64;  // full double precision (demgen rounds to Float32 by default)
  if (d.type == GDT_Int16 || d.type == GDT_Int32) {
    s.base = -150;  // negative heights: rounding of negative halves
    s.relief = 600;
  }
  cogkit::demgen::window(s, 0, 0, w, h, v);
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == -9999) {
      out[i] = *d.nodata;
    } else {
      out[i] = GDALDataTypeIsInteger(d.type) ? std::round(v[i])
               : d.type == GDT_Float32     ? static_cast<double>(static_cast<float>(v[i]))
                                           : v[i];
    }
  }
  return out;
}

std::vector<unsigned char> to_raw(const std::vector<double>& v, GDALDataType t) {
  std::vector<unsigned char> raw(v.size() * GDALGetDataTypeSizeBytes(t));
  GDALCopyWords64(v.data(), GDT_Float64, 8, raw.data(), t, GDALGetDataTypeSizeBytes(t), static_cast<GPtrDiff_t>(v.size()));
  return raw;
}

std::vector<double> to_double(const std::vector<unsigned char>& raw, GDALDataType t) {
  const int sz = GDALGetDataTypeSizeBytes(t);
  std::vector<double> v(raw.size() / sz);
  GDALCopyWords64(raw.data(), t, sz, v.data(), GDT_Float64, 8, static_cast<GPtrDiff_t>(v.size()));
  return v;
}

const char* gdal_name(OverviewKernel r) {
  switch (r) {
    case OverviewKernel::nearest: return "NEAREST";
    case OverviewKernel::average: return "AVERAGE";
    case OverviewKernel::bilinear: return "BILINEAR";
    case OverviewKernel::cubic: return "CUBIC";
  }
  return "";
}

struct GdalLevel {
  int w = 0, h = 0;
  std::vector<unsigned char> raw;  // pixel-interleaved
};

// Writes the raster with GDAL's COG driver and reads back every overview level.
std::vector<GdalLevel> gdal_cog_overviews(const DataSpec& d, int w, int h, const std::vector<unsigned char>& raw,
                                          OverviewKernel r) {
  const int sz = GDALGetDataTypeSizeBytes(d.type);
  GDALDriverH mem = GDALGetDriverByName("MEM");
  GDALDatasetH src = GDALCreate(mem, "", w, h, d.bands, d.type, nullptr);
  EXPECT_EQ(CE_None, GDALDatasetRasterIO(src, GF_Write, 0, 0, w, h, const_cast<unsigned char*>(raw.data()), w, h, d.type,
                                         d.bands, nullptr, sz * d.bands, static_cast<GSpacing>(sz) * d.bands * w, sz));
  if (d.nodata)
    for (int b = 1; b <= d.bands; ++b) GDALSetRasterNoDataValue(GDALGetRasterBand(src, b), *d.nodata);
  const std::string path = "/vsimem/overview_test_" + d.name + ".tif";
  char** opts = nullptr;
  opts = CSLSetNameValue(opts, "COMPRESS", "NONE");
  opts = CSLSetNameValue(opts, "BLOCKSIZE", "128");
  opts = CSLSetNameValue(opts, "OVERVIEW_RESAMPLING", gdal_name(r));
  GDALDatasetH cog = GDALCreateCopy(GDALGetDriverByName("COG"), path.c_str(), src, FALSE, opts, nullptr, nullptr);
  CSLDestroy(opts);
  GDALClose(src);
  std::vector<GdalLevel> levels;
  if (cog == nullptr) {
    ADD_FAILURE() << "COG driver failed: " << CPLGetLastErrorMsg();
    return levels;
  }
  GDALClose(cog);
  GDALDatasetH ds = GDALOpen(path.c_str(), GA_ReadOnly);
  const int n = GDALGetOverviewCount(GDALGetRasterBand(ds, 1));
  for (int k = 0; k < n; ++k) {
    GdalLevel lv;
    GDALRasterBandH o1 = GDALGetOverview(GDALGetRasterBand(ds, 1), k);
    lv.w = GDALGetRasterBandXSize(o1);
    lv.h = GDALGetRasterBandYSize(o1);
    lv.raw.resize(static_cast<std::size_t>(lv.w) * lv.h * d.bands * sz);
    for (int b = 0; b < d.bands; ++b) {
      GDALRasterBandH ob = GDALGetOverview(GDALGetRasterBand(ds, b + 1), k);
      EXPECT_EQ(CE_None, GDALRasterIOEx(ob, GF_Read, 0, 0, lv.w, lv.h, lv.raw.data() + static_cast<std::size_t>(b) * sz, lv.w,
                                        lv.h, d.type, static_cast<GSpacing>(sz) * d.bands,
                                        static_cast<GSpacing>(sz) * d.bands * lv.w, nullptr));
    }
    levels.push_back(std::move(lv));
  }
  GDALClose(ds);
  VSIUnlink(path.c_str());
  return levels;
}

struct Diff {
  std::size_t differing = 0, mask_differing = 0;
  double max_abs = 0;
  std::string first;
};

Diff compare(const std::vector<double>& ours, const std::vector<double>& ref, const std::optional<double>& nodata, int w,
             int bands) {
  Diff d;
  auto is_nd = [&](double v) { return std::isnan(v) || (nodata && v == *nodata); };
  for (std::size_t i = 0; i < ours.size(); ++i) {
    const double a = ours[i], b = ref[i];
    if (a == b || (std::isnan(a) && std::isnan(b))) continue;
    ++d.differing;
    if (is_nd(a) != is_nd(b)) {
      ++d.mask_differing;
    } else {
      d.max_abs = std::max(d.max_abs, std::fabs(a - b));
    }
    if (d.first.empty()) {
      std::ostringstream os;
      os.precision(17);
      const std::size_t px = i / bands;
      os << "first at col " << px % w << " row " << px / w << " band " << i % bands << ": ours " << a << " gdal " << b;
      d.first = os.str();
    }
  }
  return d;
}

// Our level computed in one call from `src`.
std::vector<unsigned char> our_level(OverviewKernel r, const DataSpec& d, const LevelSize& g,
                                     const std::vector<unsigned char>& src) {
  std::vector<unsigned char> dst(static_cast<std::size_t>(g.dst_w) * g.dst_h * d.bands * GDALGetDataTypeSizeBytes(d.type));
  downsample(r, d.type, d.bands, g, src.data(), 0, dst.data(), 0, g.dst_h, d.nodata);
  return dst;
}

// Tolerance for bilinear/cubic (0 = exact). See the report in docs/overview-resampling.md.
void check_against_gdal(OverviewKernel r, const DataSpec& d, int w, int h, double rel_tol = 0) {
  SCOPED_TRACE(d.name + " " + gdal_name(r) + " " + std::to_string(w) + "x" + std::to_string(h));
  const std::vector<double>& full = generate(d, w, h);
  const std::vector<unsigned char> raw = to_raw(full, d.type);
  const std::vector<GdalLevel> levels = gdal_cog_overviews(d, w, h, raw, r);
  ASSERT_EQ(levels.size(), 3u);
  std::vector<unsigned char> cur = raw;
  int cw = w, ch = h;
  for (std::size_t k = 0; k < levels.size(); ++k) {
    SCOPED_TRACE("level " + std::to_string(k + 1));
    const LevelSize g{cw, ch, std::max(1, cw / 2), std::max(1, ch / 2)};
    ASSERT_EQ(g.dst_w, levels[k].w);
    ASSERT_EQ(g.dst_h, levels[k].h);
    std::vector<unsigned char> next = our_level(r, d, g, cur);
    const Diff cascade = compare(to_double(next, d.type), to_double(levels[k].raw, d.type), d.nodata, g.dst_w, d.bands);
    const bool nan_nodata = d.nodata && std::isnan(*d.nodata);
    if (nan_nodata && (r == OverviewKernel::bilinear || r == OverviewKernel::cubic)) {
      // GDAL 3.6 multiplies NaN samples by a zero weight, so its NaN holes grow by the kernel
      // support; we keep the valid neighbours. Where GDAL has a value, ours must equal it.
      const std::vector<double> a = to_double(next, d.type), b = to_double(levels[k].raw, d.type);
      std::size_t gdal_valid_differs = 0, ours_nan_gdal_valid = 0, gdal_nan_ours_valid = 0;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::isnan(b[i])) {
          gdal_nan_ours_valid += !std::isnan(a[i]);
        } else if (std::isnan(a[i])) {
          ++ours_nan_gdal_valid;
        } else if (a[i] != b[i]) {
          ++gdal_valid_differs;
        }
      }
      EXPECT_EQ(ours_nan_gdal_valid, 0u);
      if (k == 0) EXPECT_EQ(gdal_valid_differs, 0u);  // deeper levels inherit the different holes
      EXPECT_GT(gdal_nan_ours_valid, 0u) << "expected GDAL's hole growth on NaN nodata";
    } else if (rel_tol > 0) {
      const std::vector<double> a = to_double(next, d.type), b = to_double(levels[k].raw, d.type);
      std::size_t beyond = 0;
      for (std::size_t i = 0; i < a.size(); ++i)
        beyond += std::fabs(a[i] - b[i]) > rel_tol * std::max(1.0, std::fabs(b[i]));
      EXPECT_EQ(beyond, 0u) << cascade.first;
      EXPECT_EQ(cascade.mask_differing, 0u) << cascade.first;
    } else {
      EXPECT_EQ(cascade.differing, 0u) << cascade.first << " (max abs diff " << cascade.max_abs << ", nodata-mask diffs "
                                       << cascade.mask_differing << ")";
    }
    cur = std::move(next);
    cw = g.dst_w;
    ch = g.dst_h;
  }
}

// One test per data set and size (each generates its raster once), all four kernels inside.
class OverviewVsGdal : public ::testing::TestWithParam<int> {};

const DataSpec* const kSpecs[] = {&kFloatNodata, &kFloatNan, &kInt16Nodata, &kByte, &kByte3, &kFloat, &kUInt16};
constexpr OverviewKernel kKernels[] = {OverviewKernel::nearest, OverviewKernel::average,
                                           OverviewKernel::bilinear, OverviewKernel::cubic};

TEST_P(OverviewVsGdal, EvenSize) {
  for (const auto r : kKernels) check_against_gdal(r, *kSpecs[GetParam()], 1024, 768);
}

TEST_P(OverviewVsGdal, OddSize) {
  for (const auto r : kKernels) check_against_gdal(r, *kSpecs[GetParam()], 1001, 999);
}

INSTANTIATE_TEST_SUITE_P(AllKernels, OverviewVsGdal, ::testing::Range(0, 7),
                         [](const ::testing::TestParamInfo<int>& info) { return kSpecs[info.param]->name; });

TEST(Overview, Int32EqualsGdal) {
  for (const auto r : kKernels) check_against_gdal(r, kInt32Nodata, 1001, 999);
}

// GDAL 3.6 rounds Float64 results of every kernel, nearest included, through Float32 (its work
// type; measured: up to 3.4e-5 on values ~355); we keep double. Each level may differ
// by GDAL's float rounding (relative 2^-24 per level, compounded over the cascade): 1e-6.
TEST(Overview, Float64WithinFloatRoundingOfGdal) {
  for (const auto r : kKernels) check_against_gdal(r, kFloat64Nodata, 1001, 999, 1e-6);
}

// Disjoint destination row ranges, each computed from its own slice of source rows, equal one call.
TEST(Overview, RowRangesEqualOneCall) {
  for (const DataSpec* d : {&kFloatNodata, &kFloatNan, &kInt16Nodata, &kByte3, &kUInt16, &kFloat64Nodata}) {
    for (const auto r : {OverviewKernel::nearest, OverviewKernel::average, OverviewKernel::bilinear,
                         OverviewKernel::cubic}) {
      for (const auto [w, h] : {std::pair{1001, 999}, std::pair{512, 384}}) {
        SCOPED_TRACE(d->name + " " + gdal_name(r) + " " + std::to_string(w));
        const std::vector<unsigned char> raw = to_raw(generate(*d, w, h), d->type);
        const LevelSize g{w, h, w / 2, h / 2};
        const std::vector<unsigned char> whole = our_level(r, *d, g, raw);
        const std::size_t src_row = static_cast<std::size_t>(w) * d->bands * GDALGetDataTypeSizeBytes(d->type);
        const std::size_t dst_row = static_cast<std::size_t>(g.dst_w) * d->bands * GDALGetDataTypeSizeBytes(d->type);
        std::vector<unsigned char> pieces(whole.size(), 0xAB);
        const int cuts[] = {0, 1, 37, 38, g.dst_h / 2 + 3, g.dst_h - 1, g.dst_h};
        for (std::size_t i = 0; i + 1 < std::size(cuts); ++i) {
          const int y0 = cuts[i], y1 = cuts[i + 1];
          const auto [first, last] = overview_source_rows(r, g, y0, y1);
          ASSERT_LE(0, first);
          ASSERT_LE(last, h);
          ASSERT_LT(first, last);
          // A slice holding exactly the rows the kernel asked for.
          std::vector<unsigned char> slice(raw.begin() + static_cast<std::ptrdiff_t>(first * src_row),
                                           raw.begin() + static_cast<std::ptrdiff_t>(last * src_row));
          downsample(r, d->type, d->bands, g, slice.data(), first, pieces.data() + y0 * dst_row, y0, y1, d->nodata);
        }
        EXPECT_EQ(0, std::memcmp(whole.data(), pieces.data(), whole.size()));
      }
    }
  }
}

TEST(Overview, ParseResampling) {
  using cogkit::OverviewResampling;
  using cogkit::detail::overview_kernel;
  EXPECT_EQ(overview_kernel(std::nullopt), OverviewKernel::cubic);
  EXPECT_EQ(overview_kernel(OverviewResampling::cubic), OverviewKernel::cubic);
  EXPECT_EQ(overview_kernel(OverviewResampling::nearest), OverviewKernel::nearest);
  EXPECT_EQ(overview_kernel(OverviewResampling::average), OverviewKernel::average);
  EXPECT_EQ(overview_kernel(OverviewResampling::bilinear), OverviewKernel::bilinear);
  EXPECT_FALSE(overview_kernel(OverviewResampling::lanczos));
  EXPECT_FALSE(overview_kernel(OverviewResampling::mode));
}

// Tiny levels (1-pixel rows/columns) and the min-1 size rule.
TEST(Overview, DegenerateSizes) {
  for (const auto r : {OverviewKernel::nearest, OverviewKernel::average, OverviewKernel::bilinear,
                       OverviewKernel::cubic}) {
    const std::vector<float> src = {1, 2, 3, 4, 5, 6};  // 3x2
    LevelSize g{3, 2, 1, 1};
    float out = -1;
    downsample(r, GDT_Float32, 1, g, src.data(), 0, &out, 0, 1, std::nullopt);
    EXPECT_GE(out, 1.0f);
    EXPECT_LE(out, 6.0f);
    // All nodata -> nodata.
    const std::vector<float> holes(6, -9999.0f);
    downsample(r, GDT_Float32, 1, g, holes.data(), 0, &out, 0, 1, -9999.0);
    EXPECT_EQ(out, -9999.0f);
  }
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  GDALAllRegister();
  return RUN_ALL_TESTS();
}
