// cogkit's own COG writer (src/detail/cog_native.cpp) against GDAL's COG driver on the
// same rasters and options: same layout rules (both validators), same tags, the same
// full-resolution tile bytes, the same overview sizes and pixels; deterministic across
// thread counts and memory budgets; GDAL's driver where the writer does not apply.
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>

#include <cpl_string.h>
#include <gdal.h>
#include <gdal_utils.h>
#include <gtest/gtest.h>

#include "cogkit/write/cog.hpp"
#include "cogkit/core/error.hpp"
#include "cogkit/core/gdal_handle.hpp"
#include "test_support.hpp"

namespace cogkit {
namespace {

// A MEM raster: smooth relief per band, plus `holes` nodata discs when nodata is set.
DatasetHandle make_raster(int w, int h, int bands, GDALDataType type, std::optional<double> nodata,
                          int holes = 6, unsigned seed = 7) {
  GDALAllRegister();
  DatasetHandle ds(GDALCreate(GDALGetDriverByName("MEM"), "", w, h, bands, type, nullptr));
  double gt[6] = {500000, 2, 0, 300000, 0, -2};
  GDALSetGeoTransform(ds.get(), gt);
  OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
  OSRImportFromEPSG(srs, 2180);
  GDALSetSpatialRef(ds.get(), srs);
  OSRDestroySpatialReference(srs);
  GDALSetMetadataItem(ds.get(), "SOURCE", "cog_writer_test", nullptr);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> ux(0, w), uy(0, h), ur(3, 25);
  std::vector<std::array<double, 3>> discs;
  if (nodata)
    for (int i = 0; i < holes; ++i) discs.push_back({ux(rng), uy(rng), ur(rng)});
  const bool is_float = GDALDataTypeIsFloating(type);
  double lo = 0, hi = 250;
  if (type == GDT_Int16) lo = -500, hi = 3000;
  if (type == GDT_UInt16) hi = 60000;
  if (is_float) lo = -50, hi = 2500;
  std::vector<double> row(w);
  for (int b = 1; b <= bands; ++b) {
    GDALRasterBandH band = GDALGetRasterBand(ds.get(), b);
    if (nodata) GDALSetRasterNoDataValue(band, *nodata);
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        const double t = 0.5 + 0.25 * std::sin(x * 0.013 * b + y * 0.007) + 0.25 * std::cos(y * 0.011 - x * 0.003);
        double v = lo + (hi - lo) * std::clamp(t, 0.0, 1.0);
        if (!is_float) v = std::round(v);
        else v += 0.001 * ((x * 31 + y * 17) % 97);  // fine detail: full float mantissas
        for (const auto& d : discs)
          if ((x - d[0]) * (x - d[0]) + (y - d[1]) * (y - d[1]) < d[2] * d[2]) v = *nodata;
        row[x] = v;
      }
      EXPECT_EQ(GDALRasterIO(band, GF_Write, 0, y, w, 1, row.data(), w, 1, GDT_Float64, 0, 0), CE_None);
    }
  }
  return ds;
}

CogWriteResult write(GDALDatasetH src, const std::string& path, CogOptions o, Writer writer,
                     int threads = 2, std::uint64_t budget = 256ULL << 20) {
  o.writer = writer;
  StagingOptions so;
  so.memory_budget = budget;
  so.tmpdir = std::filesystem::path(path).parent_path().string();  // temp files where the test looks
  return write_cog(src, path, o, threads, MemoryBudget(so));
}

std::string block_bytes(GDALRasterBandH band, const std::string& file, int bx, int by) {
  const std::string key = "_" + std::to_string(bx) + "_" + std::to_string(by);
  const char* off = GDALGetMetadataItem(band, ("BLOCK_OFFSET" + key).c_str(), "TIFF");
  const char* size = GDALGetMetadataItem(band, ("BLOCK_SIZE" + key).c_str(), "TIFF");
  if (!off || !size) return "";
  std::ifstream f(file, std::ios::binary);
  f.seekg(std::stoll(off));
  std::string s(std::stoull(size), '\0');
  f.read(s.data(), static_cast<std::streamsize>(s.size()));
  return s;
}

std::vector<double> pixels(GDALRasterBandH band) {
  const int w = GDALGetRasterBandXSize(band), h = GDALGetRasterBandYSize(band);
  std::vector<double> v(std::size_t(w) * h);
  EXPECT_EQ(GDALRasterIO(band, GF_Read, 0, 0, w, h, v.data(), w, h, GDT_Float64, 0, 0), CE_None);
  return v;
}

std::string metadata_text(GDALMajorObjectH h, const char* domain) {
  std::string s;
  for (char** md = GDALGetMetadata(h, domain); md && *md; ++md) s += std::string(*md) + "\n";
  return s;
}

// Everything GDAL reads from the two files must agree; full-resolution tiles are
// byte-identical when `same_bytes` (deflate and none: same codec library and level).
void expect_same_as_gdal(GDALDatasetH src, const CogOptions& o, bool same_bytes, const std::string& what,
                         double overview_rel_tol = 0) {
  SCOPED_TRACE(what);
  test::TempDir dir;
  const std::string ours = dir / "cogkit.tif", theirs = dir / "gdal.tif";
  EXPECT_EQ(write(src, ours, o, Writer::cogkit).writer, Writer::cogkit);
  EXPECT_EQ(write(src, theirs, o, Writer::gdal).writer, Writer::gdal);
  test::expect_valid_cog(ours);
  DatasetHandle a(GDALOpen(ours.c_str(), GA_ReadOnly)), b(GDALOpen(theirs.c_str(), GA_ReadOnly));
  ASSERT_TRUE(a && b);
  ASSERT_EQ(GDALGetRasterCount(a.get()), GDALGetRasterCount(b.get()));
  double ga[6], gb[6];
  ASSERT_EQ(GDALGetGeoTransform(a.get(), ga), CE_None);
  ASSERT_EQ(GDALGetGeoTransform(b.get(), gb), CE_None);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(ga[i], gb[i]);
  EXPECT_STREQ(GDALGetProjectionRef(a.get()), GDALGetProjectionRef(b.get()));
  EXPECT_EQ(metadata_text(a.get(), nullptr), metadata_text(b.get(), nullptr));
  EXPECT_EQ(metadata_text(a.get(), "IMAGE_STRUCTURE"), metadata_text(b.get(), "IMAGE_STRUCTURE"));
  for (int i = 1; i <= GDALGetRasterCount(a.get()); ++i) {
    GDALRasterBandH ba = GDALGetRasterBand(a.get(), i), bb = GDALGetRasterBand(b.get(), i);
    int ha = 0, hb = 0;
    const double na = GDALGetRasterNoDataValue(ba, &ha), nb = GDALGetRasterNoDataValue(bb, &hb);
    EXPECT_EQ(ha, hb);
    if (ha && hb && !(std::isnan(na) && std::isnan(nb))) EXPECT_EQ(na, nb);
    EXPECT_EQ(GDALGetRasterDataType(ba), GDALGetRasterDataType(bb));
    const auto pa = pixels(ba), pb = pixels(bb);
    ASSERT_EQ(pa.size(), pb.size());
    EXPECT_EQ(std::memcmp(pa.data(), pb.data(), pa.size() * sizeof(double)), 0) << "band " << i << " pixels";
    ASSERT_EQ(GDALGetOverviewCount(ba), GDALGetOverviewCount(bb));
    for (int k = 0; k < GDALGetOverviewCount(ba); ++k) {
      GDALRasterBandH oa = GDALGetOverview(ba, k), ob = GDALGetOverview(bb, k);
      EXPECT_EQ(GDALGetRasterBandXSize(oa), GDALGetRasterBandXSize(ob));
      EXPECT_EQ(GDALGetRasterBandYSize(oa), GDALGetRasterBandYSize(ob));
      const auto va = pixels(oa), vb = pixels(ob);
      ASSERT_EQ(va.size(), vb.size());
      std::size_t differ = 0;
      for (std::size_t p = 0; p < va.size(); ++p)
        if (!(va[p] == vb[p] || (std::isnan(va[p]) && std::isnan(vb[p])) ||
              std::fabs(va[p] - vb[p]) <= overview_rel_tol * std::fabs(vb[p])))
          ++differ;
      EXPECT_EQ(differ, 0U) << "band " << i << " overview " << k << " differs from GDAL's in " << differ << " of "
                            << va.size() << " pixels";
    }
  }
  if (same_bytes) {
    GDALRasterBandH ba = GDALGetRasterBand(a.get(), 1), bb = GDALGetRasterBand(b.get(), 1);
    int bw = 0, bh = 0;
    GDALGetBlockSize(ba, &bw, &bh);
    const int nx = (GDALGetRasterXSize(a.get()) + bw - 1) / bw, ny = (GDALGetRasterYSize(a.get()) + bh - 1) / bh;
    for (int by = 0; by < ny; ++by)
      for (int bx = 0; bx < nx; ++bx) {
        const std::string ta = block_bytes(ba, ours, bx, by), tb = block_bytes(bb, theirs, bx, by);
        EXPECT_FALSE(ta.empty());
        EXPECT_TRUE(ta == tb) << "tile " << bx << "," << by << ": " << ta.size() << " vs " << tb.size() << " bytes";
      }
  }
}

TEST(CogWriter, Float32WithNodataEqualsGdalsCogDriver) {
  auto src = make_raster(1100, 700, 1, GDT_Float32, -9999.0);
  expect_same_as_gdal(src.get(), CogOptions{}, true, "float32 deflate, predictor 3, cubic overviews");
}

TEST(CogWriter, OddSizesAndEveryOverviewKernel) {
  auto src = make_raster(1001, 1299, 1, GDT_Float32, -9999.0, 10);
  for (const char* r : {"nearest", "average", "bilinear", "cubic"}) {
    CogOptions o;
    o.overview_resampling = parse<OverviewResampling>(r);
    o.blocksize = 256;
    expect_same_as_gdal(src.get(), o, true, std::string("1001x1299 blocks 256, ") + r);
  }
}

TEST(CogWriter, IntegerTypesUseHorizontalDifferencing) {
  auto i16 = make_raster(800, 600, 1, GDT_Int16, -32768.0);
  expect_same_as_gdal(i16.get(), CogOptions{}, true, "int16 predictor 2");
  auto u8 = make_raster(700, 530, 1, GDT_Byte, std::nullopt);
  CogOptions o;
  o.overview_resampling = OverviewResampling::average;
  expect_same_as_gdal(u8.get(), o, true, "byte, no nodata, average");
  auto u16 = make_raster(600, 520, 2, GDT_UInt16, 0.0);
  expect_same_as_gdal(u16.get(), CogOptions{}, true, "two uint16 bands, pixel-interleaved");
}

TEST(CogWriter, OtherCodecsAndLevels) {
  auto src = make_raster(900, 650, 1, GDT_Float32, -9999.0);
  CogOptions o;
  o.level = 9;
  expect_same_as_gdal(src.get(), o, true, "deflate level 9");
  o.level = 1;
  o.predictor = Predictor::none;
  expect_same_as_gdal(src.get(), o, true, "deflate level 1, no predictor");
  CogOptions z;
  z.compress = Compression::zstd;
  expect_same_as_gdal(src.get(), z, false, "zstd");
  CogOptions n;
  n.compress = Compression::none;
  n.overviews = Overviews::none;
  expect_same_as_gdal(src.get(), n, true, "uncompressed, no overviews");
  // Float64: GDAL 3.6 rounds Float64 overviews through Float32 (every kernel, nearest too),
  // cogkit keeps double (docs/overview-resampling.md): equal within Float32 rounding.
  auto f64 = make_raster(530, 520, 1, GDT_Float64, -9999.0);
  expect_same_as_gdal(f64.get(), CogOptions{}, true, "float64", 1e-6);
  CogOptions nearest;
  nearest.overview_resampling = OverviewResampling::nearest;
  expect_same_as_gdal(f64.get(), nearest, true, "float64 nearest", 1e-6);
}

TEST(CogWriter, SameBytesForAnyThreadCountAndBudget) {
  auto src = make_raster(3000, 2100, 1, GDT_Float32, -9999.0);
  test::TempDir dir;
  CogOptions o;
  o.blocksize = 256;  // many overview tiles
  write(src.get(), dir / "t1.tif", o, Writer::cogkit, 1);
  write(src.get(), dir / "t2.tif", o, Writer::cogkit, 2);
  write(src.get(), dir / "t3.tif", o, Writer::cogkit, 3);
  // 16 MB budget: 8 MB work memory, so the pyramid reads the source in 16-row chunks, the
  // full resolution is read a few tiles at a time, and the encoded overview tiles (~9 MB)
  // spill to a temp file beyond 4 MB.
  write(src.get(), dir / "small.tif", o, Writer::cogkit, 2, 16ULL << 20);
  const std::string ref = test::read_file(dir / "t1.tif");
  EXPECT_EQ(ref, test::read_file(dir / "t2.tif"));
  EXPECT_EQ(ref, test::read_file(dir / "t3.tif"));
  EXPECT_EQ(ref, test::read_file(dir / "small.tif"));
  int left = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    left += e.path().filename().string().find("cogkit-") != std::string::npos;
  EXPECT_EQ(left, 0) << "temp files left behind";
}

TEST(CogWriter, BigTiffOnRequest) {
  auto src = make_raster(700, 600, 1, GDT_Int16, -32768.0);
  test::TempDir dir;
  CogOptions o;
  o.creation_options = {"BIGTIFF=YES"};
  EXPECT_EQ(write(src.get(), dir / "big.tif", o, Writer::automatic).writer, Writer::cogkit);
  test::expect_valid_cog(dir / "big.tif");
  const std::string head = test::read_file(dir / "big.tif").substr(0, 4);
  EXPECT_EQ(head, std::string("II\x2B\0", 4));
  expect_same_as_gdal(src.get(), o, true, "BigTIFF");
}

TEST(CogWriter, AReadErrorMidWayLeavesNothingAtThePath) {
  test::TempDir dir;
  // A VRT whose pixels come from a file that does not exist: opens fine, fails on reading.
  const std::string vrt = dir / "broken.vrt";
  {
    std::ofstream f(vrt);
    f << "<VRTDataset rasterXSize=\"1200\" rasterYSize=\"900\">"
         "<GeoTransform>500000, 2, 0, 300000, 0, -2</GeoTransform>"
         "<VRTRasterBand dataType=\"Float32\" band=\"1\"><NoDataValue>-9999</NoDataValue>"
         "<SimpleSource><SourceFilename relativeToVRT=\"1\">missing.tif</SourceFilename>"
         "<SourceBand>1</SourceBand></SimpleSource></VRTRasterBand></VRTDataset>";
  }
  GDALAllRegister();
  DatasetHandle src(GDALOpen(vrt.c_str(), GA_ReadOnly));
  ASSERT_TRUE(src);
  CPLPushErrorHandler(CPLQuietErrorHandler);
  EXPECT_THROW(write(src.get(), dir / "out.tif", CogOptions{}, Writer::cogkit), error);
  EXPECT_FALSE(std::filesystem::exists(dir / "out.tif"));
  // Without overviews the first read comes after the file is created.
  CogOptions flat;
  flat.overviews = Overviews::none;
  EXPECT_THROW(write(src.get(), dir / "flat.tif", flat, Writer::cogkit), error);
  EXPECT_FALSE(std::filesystem::exists(dir / "flat.tif"));
  CPLPopErrorHandler();
}

TEST(CogWriter, GdalsDriverWhereTheWriterDoesNotApply) {
  test::TempDir dir;
  auto rgb = make_raster(600, 600, 3, GDT_Byte, std::nullopt);
  const auto r = write(rgb.get(), dir / "rgb.tif", CogOptions{}, Writer::automatic);
  EXPECT_EQ(r.writer, Writer::gdal);
  EXPECT_NE(r.reason.find("RGB"), std::string::npos) << r.reason;
  test::expect_valid_cog(dir / "rgb.tif");
  auto dem = make_raster(600, 600, 1, GDT_Float32, -9999.0);
  CogOptions lerc;
  lerc.compress = Compression::lerc;
  EXPECT_EQ(write(dem.get(), dir / "lerc.tif", lerc, Writer::automatic).writer, Writer::gdal);
  EXPECT_THROW(write(dem.get(), dir / "lerc2.tif", lerc, Writer::cogkit), error);
  CogOptions mode;
  mode.overview_resampling = OverviewResampling::mode;
  EXPECT_EQ(write(dem.get(), dir / "mode.tif", mode, Writer::automatic).writer, Writer::gdal);
  EXPECT_THROW(parse<Writer>("fast"), error);
}

}  // namespace
}  // namespace cogkit
