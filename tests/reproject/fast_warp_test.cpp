// reproject/fast_warp.hpp: cogkit's reprojection kernel gives GDAL's warper's pixels.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <cpl_conv.h>
#include <gdal_alg.h>
#include <gtest/gtest.h>
#include <ogr_srs_api.h>

#include "cogkit/core/error.hpp"
#include "cogkit/core/gdal_handle.hpp"
#include "cogkit/reproject/reproject.hpp"
#include "demgen.hpp"
#include "reproject/fast_warp.hpp"
#include "test_support.hpp"

namespace cogkit {
namespace {

// One warp: the settings both warpers take, and the datasets.
struct Request : WarpSettings {
  GDALDatasetH source = nullptr, dest = nullptr;
};

constexpr double kNodata = -9999;

// A Float32 DEM (EPSG:2180) with lakes, dropouts and nodata runs along every edge
// and in the corners.
std::string make_source(const test::TempDir& dir, const std::string& name, bool nodata = true, int w = 420,
                        int h = 330, GDALDataType type = GDT_Float32) {
  demgen::DemSpec s;
  s.width = w;
  s.height = h;
  s.seed = 7;
  s.type = type;
  if (nodata) {
    s.lakes = 3;
    s.lake_radius_min = 12;
    s.lake_radius_max = 30;
    s.dropout_fraction = 0.02;
  }
  const std::string path = dir / name;
  demgen::write_raster(s, path, "GTiff", {});
  DatasetHandle ds(GDALOpen(path.c_str(), GA_Update));
  GDALRasterBandH b = GDALGetRasterBand(ds.get(), 1);
  if (!nodata) {
    GDALDeleteRasterNoDataValue(b);
    return path;
  }
  auto hole = [&](int x, int y, int hw, int hh) {
    std::vector<double> v(std::size_t(hw) * hh, kNodata);
    EXPECT_EQ(GDALRasterIO(b, GF_Write, x, y, hw, hh, v.data(), hw, hh, GDT_Float64, 0, 0), CE_None);
  };
  hole(0, 0, 6, 6);            // top-left corner
  hole(w - 9, h - 4, 9, 4);    // bottom-right corner
  hole(0, 40, 1, 35);          // left edge, one column
  hole(w - 2, 90, 2, 20);      // right edge
  hole(120, 0, 70, 1);         // top edge, one row
  hole(200, h - 3, 50, 3);     // bottom edge
  hole(w * 3 / 4, h * 2 / 3, 1, 1);  // isolated pixel
  return path;
}

// A MEM destination on GDAL's suggested grid for `srs` ("" = the source's CRS),
// resolution multiplied by `res_factor`, extent grown by `grow` of its size on each side.
DatasetHandle make_dest(GDALDatasetH src, const std::string& srs, double res_factor = 1, double grow = 0,
                        GDALDataType type = GDT_Float32, int bands = 1) {
  const char* wkt_src = GDALGetProjectionRef(src);
  std::string wkt = wkt_src;
  if (!srs.empty()) {
    SrsHandle s(OSRNewSpatialReference(nullptr));
    EXPECT_EQ(OSRSetFromUserInput(s.get(), srs.c_str()), OGRERR_NONE);
    OSRSetAxisMappingStrategy(s.get(), OAMS_TRADITIONAL_GIS_ORDER);
    char* w = nullptr;
    OSRExportToWkt(s.get(), &w);
    wkt = w;
    CPLFree(w);
  }
  void* tr = GDALCreateGenImgProjTransformer(src, wkt_src, nullptr, wkt.c_str(), FALSE, 0, 1);
  double gt[6];
  int w = 0, h = 0;
  EXPECT_EQ(GDALSuggestedWarpOutput(src, GDALGenImgProjTransform, tr, gt, &w, &h), CE_None);
  GDALDestroyGenImgProjTransformer(tr);
  const double W = w * gt[1], H = h * -gt[5];
  gt[0] -= grow * W;
  gt[3] += grow * H;
  gt[1] *= res_factor;
  gt[5] *= res_factor;
  w = int(std::ceil(W * (1 + 2 * grow) / gt[1]));
  h = int(std::ceil(H * (1 + 2 * grow) / -gt[5]));
  DatasetHandle d(GDALCreate(GDALGetDriverByName("MEM"), "", w, h, bands, type, nullptr));
  GDALSetGeoTransform(d.get(), gt);
  GDALSetProjection(d.get(), wkt.c_str());
  return d;
}

DatasetHandle clone_grid(GDALDatasetH like) {
  const int bands = GDALGetRasterCount(like);
  DatasetHandle d(GDALCreate(GDALGetDriverByName("MEM"), "", GDALGetRasterXSize(like), GDALGetRasterYSize(like), bands,
                             GDALGetRasterDataType(GDALGetRasterBand(like, 1)), nullptr));
  double gt[6];
  GDALGetGeoTransform(like, gt);
  GDALSetGeoTransform(d.get(), gt);
  GDALSetProjection(d.get(), GDALGetProjectionRef(like));
  return d;
}

std::vector<double> pixels(GDALDatasetH d, int band = 1) {
  const int w = GDALGetRasterXSize(d), h = GDALGetRasterYSize(d);
  std::vector<double> v(std::size_t(w) * h);
  EXPECT_EQ(GDALRasterIO(GDALGetRasterBand(d, band), GF_Read, 0, 0, w, h, v.data(), w, h, GDT_Float64, 0, 0), CE_None);
  return v;
}

struct Diff {
  std::size_t total = 0, differing = 0, beyond_tol = 0, mask = 0, valid = 0;
};
Diff compare(GDALDatasetH a, GDALDatasetH b, std::optional<double> nodata, double tol = 1e-3) {
  Diff d;
  for (int band = 1; band <= GDALGetRasterCount(a); ++band) {
    const auto va = pixels(a, band), vb = pixels(b, band);
    d.total += va.size();
    for (std::size_t i = 0; i < va.size(); ++i) {
      const bool na = nodata && va[i] == *nodata, nb = nodata && vb[i] == *nodata;
      d.valid += !na;
      if (std::memcmp(&va[i], &vb[i], sizeof(double)) != 0) ++d.differing;
      if (na != nb)
        ++d.mask;
      else if (!na && std::abs(va[i] - vb[i]) > tol)
        ++d.beyond_tol;
    }
  }
  return d;
}

void gdal_warp(GDALDatasetH src, GDALDatasetH dst, const Request& r) { warp_regions(src, dst, r, {}); }

// Runs GDAL's warper and fast_warp on copies of `like`; returns the differences.
Diff run_both(GDALDatasetH src, GDALDatasetH like, Request r) {
  DatasetHandle a = clone_grid(like), b = clone_grid(like);
  r.source = src;
  r.dest = b.get();
  EXPECT_EQ(detail::fast_warp_unsupported(r.source, r.dest, r), "");
  gdal_warp(src, a.get(), r);
  detail::fast_warp(r.source, r.dest, r);
  return compare(a.get(), b.get(), r.dst_nodata);
}

Request request(const std::string& kernel, double et = 0, std::optional<double> dst_nodata = kNodata) {
  Request r;
  r.resampling = parse<Resampling>(kernel);
  r.error_threshold = et;
  r.dst_nodata = dst_nodata;
  r.threads = 2;
  return r;
}

// With the exact transformer, GDAL in one chunk (64 MB) and in many (512 KB).
void expect_identical(GDALDatasetH src, GDALDatasetH like, Request r) {
  for (std::uint64_t memory : {64ULL << 20, 512ULL << 10}) {
    r.warp_memory = memory;
    const Diff d = run_both(src, like, r);
    EXPECT_GT(d.valid, d.total / 3) << "too few valid pixels to be a meaningful test";
    EXPECT_EQ(d.differing, 0u) << to_name(r.resampling) << " memory " << memory << ": " << d.differing << " of " << d.total
                               << " pixels differ (" << d.mask << " in the nodata mask)";
  }
}

class Exact : public ::testing::TestWithParam<std::string> {};

TEST_P(Exact, To3857WithHolesIncludingEdgesAndAnOversizedDestination) {
  test::TempDir dir;
  DatasetHandle src(GDALOpen(make_source(dir, "dem.tif").c_str(), GA_ReadOnly));
  DatasetHandle dst = make_dest(src.get(), "EPSG:3857");
  expect_identical(src.get(), dst.get(), request(GetParam()));
  DatasetHandle big = make_dest(src.get(), "EPSG:3857", 1, 0.15);
  expect_identical(src.get(), big.get(), request(GetParam()));
}

TEST_P(Exact, SameCrsFinerResolution) {
  test::TempDir dir;
  DatasetHandle src(GDALOpen(make_source(dir, "dem.tif").c_str(), GA_ReadOnly));
  DatasetHandle dst = make_dest(src.get(), "", 0.63, 0.02);
  expect_identical(src.get(), dst.get(), request(GetParam()));
}

TEST_P(Exact, WithoutSourceNodata) {
  test::TempDir dir;
  DatasetHandle src(GDALOpen(make_source(dir, "dem.tif", false).c_str(), GA_ReadOnly));
  DatasetHandle dst = make_dest(src.get(), "EPSG:3857", 1, 0.1);
  expect_identical(src.get(), dst.get(), request(GetParam()));                // destination nodata only
  expect_identical(src.get(), dst.get(), request(GetParam(), 0, std::nullopt));  // no nodata at all
}

INSTANTIATE_TEST_SUITE_P(Kernels, Exact, ::testing::Values("near", "bilinear"));

// EPSG:4326 on GDAL's suggested grid has square pixels in degrees: X is upsampled and Y
// downsampled (scale ~0.78), where GDAL's bilinear is its chunk-dependent general kernel.
TEST(ExactNearest, To4326) {
  test::TempDir dir;
  DatasetHandle src(GDALOpen(make_source(dir, "dem.tif").c_str(), GA_ReadOnly));
  DatasetHandle dst = make_dest(src.get(), "EPSG:4326", 1, 0.05);
  expect_identical(src.get(), dst.get(), request("near"));
  Request r = request("bilinear");
  r.source = src.get();
  r.dest = dst.get();
  EXPECT_NE(detail::fast_warp_unsupported(r.source, r.dest, r), "");
}

TEST(ExactNearest, RotatedDestination) {
  test::TempDir dir;
  DatasetHandle src(GDALOpen(make_source(dir, "dem.tif").c_str(), GA_ReadOnly));
  DatasetHandle dst = make_dest(src.get(), "", 0.8, 0.1);
  double gt[6];
  GDALGetGeoTransform(dst.get(), gt);
  const double c = std::cos(0.3) * gt[1], sn = std::sin(0.3) * gt[1];
  const double rgt[6] = {gt[0] - 0.2 * GDALGetRasterXSize(dst.get()) * gt[1], c, sn, gt[3], sn, -c};
  GDALSetGeoTransform(dst.get(), const_cast<double*>(rgt));
  const Diff d = run_both(src.get(), dst.get(), request("near"));
  EXPECT_GT(d.valid, d.total / 5);
  EXPECT_EQ(d.differing, 0u);
}

TEST(ExactNearest, SameCrsCoarserResolution) {
  test::TempDir dir;
  DatasetHandle src(GDALOpen(make_source(dir, "dem.tif").c_str(), GA_ReadOnly));
  DatasetHandle dst = make_dest(src.get(), "", 1.7, 0.05);
  expect_identical(src.get(), dst.get(), request("near"));
}

TEST(ExactNearest, Int16Source) {
  test::TempDir dir;
  DatasetHandle src(GDALOpen(make_source(dir, "dem.tif", true, 300, 200, GDT_Int16).c_str(), GA_ReadOnly));
  DatasetHandle dst = make_dest(src.get(), "EPSG:3857", 1, 0.05, GDT_Int16);
  expect_identical(src.get(), dst.get(), request("near"));
}

// A MEM source (read through the caller's handle, no reopened readers) into a tiled
// GTiff destination (the pipeline's file staging).
TEST(Exact, MemSourceIntoGtiffDestination) {
  test::TempDir dir;
  DatasetHandle file(GDALOpen(make_source(dir, "dem.tif").c_str(), GA_ReadOnly));
  DatasetHandle src(GDALCreateCopy(GDALGetDriverByName("MEM"), "", file.get(), FALSE, nullptr, nullptr, nullptr));
  DatasetHandle like = make_dest(src.get(), "EPSG:3857", 1, 0.05);
  // 1 MB: two output buffers (writing overlaps computing); 600 KB: one.
  for (const char* k : {"near", "bilinear"})
  for (std::uint64_t memory : {1ULL << 20, 600ULL << 10}) {
    DatasetHandle a = clone_grid(like.get());
    const char* opts[] = {"TILED=YES", "BLOCKXSIZE=128", "BLOCKYSIZE=128", "COMPRESS=ZSTD", nullptr};
    DatasetHandle b(GDALCreate(GDALGetDriverByName("GTiff"), (dir / (k + std::to_string(memory) + ".tif")).c_str(),
                               GDALGetRasterXSize(like.get()), GDALGetRasterYSize(like.get()), 1, GDT_Float32,
                               const_cast<char**>(opts)));
    double gt[6];
    GDALGetGeoTransform(like.get(), gt);
    GDALSetGeoTransform(b.get(), gt);
    GDALSetProjection(b.get(), GDALGetProjectionRef(like.get()));
    Request r = request(k);
    r.source = src.get();
    r.dest = b.get();
    r.warp_memory = memory;
    ASSERT_EQ(detail::fast_warp_unsupported(r.source, r.dest, r), "");
    gdal_warp(src.get(), a.get(), r);
    detail::fast_warp(r.source, r.dest, r);
    GDALFlushCache(b.get());
    const Diff d = compare(a.get(), b.get(), kNodata);
    EXPECT_GT(d.valid, d.total / 3);
    EXPECT_EQ(d.differing, 0u) << k;
  }
}

// NaN as source and destination nodata.
TEST_P(Exact, NanNodata) {
  test::TempDir dir;
  const std::string path = make_source(dir, "dem.tif");
  {
    // Turn the -9999 holes into NaN holes.
    DatasetHandle ds(GDALOpen(path.c_str(), GA_Update));
    GDALRasterBandH b = GDALGetRasterBand(ds.get(), 1);
    const int w = GDALGetRasterXSize(ds.get()), h = GDALGetRasterYSize(ds.get());
    std::vector<float> v(std::size_t(w) * h);
    ASSERT_EQ(GDALRasterIO(b, GF_Read, 0, 0, w, h, v.data(), w, h, GDT_Float32, 0, 0), CE_None);
    for (float& x : v)
      if (x == float(kNodata)) x = std::nanf("");
    ASSERT_EQ(GDALRasterIO(b, GF_Write, 0, 0, w, h, v.data(), w, h, GDT_Float32, 0, 0), CE_None);
    GDALSetRasterNoDataValue(b, std::nan(""));
  }
  DatasetHandle src(GDALOpen(path.c_str(), GA_ReadOnly));
  DatasetHandle dst = make_dest(src.get(), "EPSG:3857", 1, 0.1);
  Request r = request(GetParam(), 0, std::nan(""));
  DatasetHandle a = clone_grid(dst.get()), b = clone_grid(dst.get());
  r.source = src.get();
  r.dest = b.get();
  ASSERT_EQ(detail::fast_warp_unsupported(r.source, r.dest, r), "");
  gdal_warp(src.get(), a.get(), r);
  detail::fast_warp(r.source, r.dest, r);
  const Diff d = compare(a.get(), b.get(), std::nullopt);  // bitwise, NaN included
  EXPECT_EQ(d.differing, 0u);
  std::size_t nan = 0;
  for (double v : pixels(b.get())) nan += std::isnan(v);
  EXPECT_GT(nan, d.total / 50);
  EXPECT_LT(nan, d.total / 2);
}

// Three bands, no source nodata (GDAL's mask-free kernel without destination nodata,
// its masked kernel with one), Float64 destination.
TEST_P(Exact, ThreeBandsFloat64) {
  test::TempDir dir;
  DatasetHandle one(GDALOpen(make_source(dir, "dem.tif", false).c_str(), GA_ReadOnly));
  const int w = GDALGetRasterXSize(one.get()), h = GDALGetRasterYSize(one.get());
  DatasetHandle src(GDALCreate(GDALGetDriverByName("MEM"), "", w, h, 3, GDT_Float64, nullptr));
  double gt[6];
  GDALGetGeoTransform(one.get(), gt);
  GDALSetGeoTransform(src.get(), gt);
  GDALSetProjection(src.get(), GDALGetProjectionRef(one.get()));
  std::vector<double> v(std::size_t(w) * h);
  ASSERT_EQ(GDALRasterIO(GDALGetRasterBand(one.get(), 1), GF_Read, 0, 0, w, h, v.data(), w, h, GDT_Float64, 0, 0), CE_None);
  for (int b = 1; b <= 3; ++b) {
    for (double& x : v) x = x * 1.001 + b;
    ASSERT_EQ(GDALRasterIO(GDALGetRasterBand(src.get(), b), GF_Write, 0, 0, w, h, v.data(), w, h, GDT_Float64, 0, 0),
              CE_None);
  }
  DatasetHandle dst = make_dest(src.get(), "EPSG:3857", 1, 0.05, GDT_Float64, 3);
  expect_identical(src.get(), dst.get(), request(GetParam(), 0, std::nullopt));
  expect_identical(src.get(), dst.get(), request(GetParam(), 0, kNodata));
}

TEST(Unsupported, RequestsOutsideTheScopeGiveAReason) {
  test::TempDir dir;
  DatasetHandle src(GDALOpen(make_source(dir, "dem.tif").c_str(), GA_ReadOnly));
  DatasetHandle dst = make_dest(src.get(), "", 1.7);
  Request r = request("bilinear");
  r.source = src.get();
  r.dest = dst.get();
  EXPECT_NE(detail::fast_warp_unsupported(r.source, r.dest, r), "");  // downsampling: GDAL's chunk-dependent kernel
  EXPECT_THROW(detail::fast_warp(r.source, r.dest, r), error);
  DatasetHandle same = make_dest(src.get(), "EPSG:3857");
  r.dest = same.get();
  EXPECT_EQ(detail::fast_warp_unsupported(r.source, r.dest, r), "");
  r.resampling = Resampling::cubic;
  EXPECT_NE(detail::fast_warp_unsupported(r.source, r.dest, r), "");
  r.resampling = Resampling::bilinear;
  r.dst_nodata.reset();  // source nodata, no destination nodata: GDAL's kernel depends on its chunks
  EXPECT_NE(detail::fast_warp_unsupported(r.source, r.dest, r), "");
  DatasetHandle f64 = make_dest(src.get(), "EPSG:3857", 1, 0, GDT_Float64);
  r = request("bilinear");
  r.source = src.get();
  r.dest = f64.get();  // GDAL works in Float64: so does fast_warp
  EXPECT_EQ(detail::fast_warp_unsupported(r.source, r.dest, r), "");
  DatasetHandle rotated = make_dest(src.get(), "", 1);
  {
    double gt[6];
    GDALGetGeoTransform(rotated.get(), gt);
    const double c = std::sqrt(0.5) * gt[1];
    const double rgt[6] = {gt[0], c, -c, gt[3], -c, -c};  // 45 degrees
    GDALSetGeoTransform(rotated.get(), const_cast<double*>(rgt));
  }
  r.dest = rotated.get();  // bilinear: GDAL's chunks of a rotated grid downsample (bounding boxes)
  EXPECT_NE(detail::fast_warp_unsupported(r.source, r.dest, r), "");
  r.resampling = Resampling::nearest;
  EXPECT_EQ(detail::fast_warp_unsupported(r.source, r.dest, r), "");  // all rows in one band
  r.warp_memory = 300 << 10;  // bands of ~12 rows would each read a window ~25 times their height
  EXPECT_NE(detail::fast_warp_unsupported(r.source, r.dest, r), "");
  r.resampling = Resampling::bilinear;
  r.warp_memory = 64 << 20;
  DatasetHandle i16 = make_dest(src.get(), "EPSG:3857", 1, 0, GDT_Int16);
  r.dest = i16.get();  // GDAL would work in Float32 and convert on writing
  EXPECT_NE(detail::fast_warp_unsupported(r.source, r.dest, r), "");
}

// With the approximate transformer (-et 0.125) the source positions depend on the row
// segments the transformer is called with: fast_warp always passes whole destination
// rows, GDAL passes the rows of its chunks. When GDAL warps in one chunk the results
// are bit-identical.
TEST(Approximate, IdenticalToGdalInOneChunk) {
  test::TempDir dir;
  DatasetHandle src(GDALOpen(make_source(dir, "dem.tif", true, 600, 500).c_str(), GA_ReadOnly));
  for (const char* srs : {"EPSG:3857", "EPSG:4326"})
    for (const char* k : {"near", "bilinear"}) {
      DatasetHandle dst = make_dest(src.get(), srs, 1, 0.05);
      Request r = request(k, 0.125);
      r.source = src.get();
      r.dest = dst.get();
      if (!detail::fast_warp_unsupported(r.source, r.dest, r).empty()) continue;  // 4326 bilinear
      r.warp_memory = 256 << 20;
      const Diff d = run_both(src.get(), dst.get(), r);
      EXPECT_GT(d.valid, d.total / 3);
      EXPECT_EQ(d.differing, 0u) << srs << " " << k;
    }
}

// GDAL in several chunks (8 MB for a 2000x1600 source): within tolerance. Measured:
// nearest 226 of 3883000 pixels beyond 1e-3 and 1 in the nodata mask, bilinear 1181934
// differing in bits but none beyond 1e-3, 1 in the nodata mask.
TEST(Approximate, ChunkedGdalIsWithinTolerance) {
  test::TempDir dir;
  DatasetHandle src(GDALOpen(make_source(dir, "dem.tif", true, 2000, 1600).c_str(), GA_ReadOnly));
  DatasetHandle dst = make_dest(src.get(), "EPSG:3857", 1, 0.05);
  for (const char* k : {"near", "bilinear"}) {
    Request r = request(k, 0.125);
    r.warp_memory = 8 << 20;
    const Diff d = run_both(src.get(), dst.get(), r);
    std::printf("%s: %zu/%zu differ in bits, %zu beyond 1e-3, %zu in the nodata mask\n", k, d.differing, d.total,
                d.beyond_tol, d.mask);
    EXPECT_GT(d.valid, d.total / 3);
    EXPECT_LE(d.beyond_tol, 0.001 * double(d.total)) << k;
    EXPECT_LE(d.mask, 0.001 * double(d.total)) << k;
  }
}

TEST(Determinism, ThreadsAndMemoryDoNotChangeTheResult) {
  test::TempDir dir;
  DatasetHandle src(GDALOpen(make_source(dir, "dem.tif").c_str(), GA_ReadOnly));
  DatasetHandle like = make_dest(src.get(), "EPSG:3857", 1, 0.1);
  for (const char* k : {"near", "bilinear"}) {
    DatasetHandle ref = clone_grid(like.get());
    Request r = request(k, 0.125);
    r.source = src.get();
    r.threads = 1;
    r.dest = ref.get();
    detail::fast_warp(r.source, r.dest, r);
    for (int threads : {2, 4})
      for (std::uint64_t memory : {64ULL << 20, 300ULL << 10}) {
        DatasetHandle out = clone_grid(like.get());
        r.threads = threads;
        r.warp_memory = memory;
        r.dest = out.get();
        detail::fast_warp(r.source, r.dest, r);
        EXPECT_EQ(compare(ref.get(), out.get(), kNodata).differing, 0u) << k << " threads " << threads << " memory "
                                                                       << memory;
      }
  }
}

TEST(Progress, ReachesOne) {
  test::TempDir dir;
  DatasetHandle src(GDALOpen(make_source(dir, "dem.tif").c_str(), GA_ReadOnly));
  DatasetHandle dst = make_dest(src.get(), "EPSG:3857");
  Request r = request("bilinear", 0.125);
  r.source = src.get();
  r.dest = dst.get();
  r.warp_memory = 300 << 10;
  double last = 0;
  int calls = 0;
  detail::fast_warp(r.source, r.dest, r, [&](std::string_view step, double f) {
    EXPECT_EQ(step, "reproject");
    EXPECT_GE(f, last);
    last = f;
    ++calls;
  });
  EXPECT_GT(calls, 1);
  EXPECT_DOUBLE_EQ(last, 1.0);
}

}  // namespace
}  // namespace cogkit
