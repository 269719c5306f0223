// The translate step (-b, -ot, -scale, -unscale) through cogkit::convert, against GDAL's own
// gdal_translate and gdalwarp programs on the same input: same bands, same bytes.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <vector>

#include <cpl_string.h>
#include <gtest/gtest.h>
#include <ogr_srs_api.h>

#include "cogkit/core/error.hpp"
#include "cogkit/pipeline/pipeline.hpp"
#include "test_support.hpp"

namespace cogkit {
namespace {

namespace fs = std::filesystem;

// Values where the conversions differ: .5 fractions, negatives, out of every integer range,
// NaN, beyond Float32.
const std::vector<double> kTricky = {0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 254.5, 255.5, 256, -129, 32767.5, -32768.5,
                                     65535.4, 65535.6, 70000, -70000, 2147483647.5, 4294967296.0, -3e9, 1e20,
                                     -1e20, 1e40, -1e40, std::nan(""), 0, -0.49, 0.49, 127.5};

// A w×h GeoTIFF of `type` in EPSG:32633; band b, pixel i holds value(b, i).
template <class F>
std::string write_source(const std::string& path, int w, int h, int bands, GDALDataType type, F value,
                         std::optional<double> nodata = std::nullopt) {
  GDALAllRegister();
  DatasetHandle ds(GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), w, h, bands, type, nullptr));
  double gt[6] = {500000, 10, 0, 5000000, 0, -10};
  GDALSetGeoTransform(ds.get(), gt);
  SrsHandle srs(OSRNewSpatialReference(nullptr));
  OSRImportFromEPSG(srs.get(), 32633);
  GDALSetSpatialRef(ds.get(), srs.get());
  for (int b = 1; b <= bands; ++b) {
    std::vector<double> v(std::size_t(w) * h);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = value(b, i);
    GDALRasterBandH band = GDALGetRasterBand(ds.get(), b);
    if (nodata) GDALSetRasterNoDataValue(band, *nodata);
    EXPECT_EQ(GDALRasterIO(band, GF_Write, 0, 0, w, h, v.data(), w, h, GDT_Float64, 0, 0), CE_None);
  }
  return path;
}

// The tricky values between a ramp, in Float64.
std::string tricky_source(const test::TempDir& dir, std::optional<double> nodata = std::nullopt) {
  return write_source(dir / "tricky.tif", 61, 47, 1, GDT_Float64, [&](int, std::size_t i) {
    if (nodata && i % 17 == 3) return *nodata;
    return i % 3 == 0 ? kTricky[(i / 3) % kTricky.size()] : std::sin(double(i)) * 40000.0 + double(i % 7) / 2;
  }, nodata);
}

// Every band's pixels as stored (the band's own type), with the type and nodata of band 1.
struct Pixels {
  GDALDataType type = GDT_Unknown;
  int bands = 0, width = 0, height = 0;
  std::optional<double> nodata;
  std::vector<std::vector<unsigned char>> data;
};

Pixels read_pixels(const std::string& path) {
  Pixels p;
  DatasetHandle ds(GDALOpen(path.c_str(), GA_ReadOnly));
  if (!ds) {
    ADD_FAILURE() << "cannot open " << path;
    return p;
  }
  p.width = GDALGetRasterXSize(ds.get());
  p.height = GDALGetRasterYSize(ds.get());
  p.bands = GDALGetRasterCount(ds.get());
  p.type = GDALGetRasterDataType(GDALGetRasterBand(ds.get(), 1));
  int has = 0;
  const double nd = GDALGetRasterNoDataValue(GDALGetRasterBand(ds.get(), 1), &has);
  if (has) p.nodata = nd;
  for (int b = 1; b <= p.bands; ++b) {
    GDALRasterBandH band = GDALGetRasterBand(ds.get(), b);
    const GDALDataType t = GDALGetRasterDataType(band);
    std::vector<unsigned char> v(std::size_t(p.width) * p.height * GDALGetDataTypeSizeBytes(t));
    EXPECT_EQ(GDALRasterIO(band, GF_Read, 0, 0, p.width, p.height, v.data(), p.width, p.height, t, 0, 0), CE_None);
    p.data.push_back(std::move(v));
  }
  return p;
}

// Same type, size, bands, nodata and bytes in every band.
void expect_same_pixels(const std::string& ours, const std::string& gdal) {
  const Pixels a = read_pixels(ours), b = read_pixels(gdal);
  ASSERT_EQ(GDALGetDataTypeName(a.type), std::string(GDALGetDataTypeName(b.type)));
  ASSERT_EQ(a.bands, b.bands);
  ASSERT_EQ(a.width, b.width);
  ASSERT_EQ(a.height, b.height);
  EXPECT_EQ(a.nodata.has_value(), b.nodata.has_value());
  if (a.nodata && b.nodata) EXPECT_EQ(*a.nodata, *b.nodata);
  for (int i = 0; i < a.bands; ++i) {
    std::size_t differ = 0;
    const std::size_t size = GDALGetDataTypeSizeBytes(a.type);
    for (std::size_t k = 0; k < a.data[i].size(); k += size)
      differ += std::memcmp(&a.data[i][k], &b.data[i][k], size) != 0;
    EXPECT_EQ(differ, 0u) << "band " << i + 1 << " of " << ours << " vs " << gdal;
  }
}

std::string quote(const std::string& s) { return "'" + s + "'"; }

// Runs a GDAL program; the test fails if it does.
void gdal(const std::string& command) {
  const auto r = test::run(command);
  ASSERT_EQ(r.exit_code, 0) << command << "\n" << r.err;
}

std::string note(const Report& r, const std::string& key) {
  for (const auto& [k, v] : r.notes)
    if (k == key) return v;
  return "";
}

PipelineOptions with_type(DataType t, Writer w = Writer::automatic) {
  PipelineOptions o;
  o.translate.output_type = t;
  o.cog.writer = w;
  return o;
}

// -ot T without reprojection is gdal_translate -ot T, for every type and both writers (cogkit's
// writer takes all but the 64-bit integers; those go to GDAL's COG driver).
TEST(TranslateType, EveryOutputTypeEqualsGdalTranslatePixelForPixel) {
  test::TempDir dir;
  const std::string src = tricky_source(dir);
  for (const auto& e : table<DataType>().entries) {
    const std::string gdal_name(e.gdal);
    SCOPED_TRACE(gdal_name);
    const std::string ref = dir / ("ref_" + gdal_name + ".tif");
    gdal("gdal_translate -q -ot " + gdal_name + " " + quote(src) + " " + quote(ref));
    const bool wide = e.value == DataType::int64 || e.value == DataType::uint64;
    for (Writer w : {Writer::automatic, Writer::gdal, Writer::cogkit}) {
      if (w == Writer::cogkit && wide) continue;
      const std::string out = dir / (gdal_name + "_" + std::string(to_name(w)) + ".tif");
      const Report r = convert(src, out, with_type(e.value, w));
      expect_same_pixels(out, ref);
      test::expect_valid_cog(out);
      if (w == Writer::automatic) EXPECT_EQ(note(r, "writer").rfind(wide ? "gdal" : "cogkit", 0), 0u) << note(r, "writer");
    }
  }
}

TEST(TranslateType, CogkitsWriterRefusesTheSixtyFourBitIntegersClearly) {
  test::TempDir dir;
  const std::string out = dir / "out.tif";
  try {
    convert(tricky_source(dir), out, with_type(DataType::int64, Writer::cogkit));
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.step(), "write");
    EXPECT_NE(e.message().find("Int64"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(out));
}

// A nodata value the output type holds is kept (pixels and value as gdal_translate's).
TEST(TranslateType, ARepresentableNodataIsKept) {
  test::TempDir dir;
  const std::string src = tricky_source(dir, -9999);
  for (const char* t : {"Int16", "Int32", "Float32", "Int64"}) {
    const std::string ref = dir / (std::string("ref_") + t + ".tif"), out = dir / (std::string(t) + ".tif");
    gdal("gdal_translate -q -ot " + std::string(t) + " " + quote(src) + " " + quote(ref));
    convert(src, out, with_type(*from_gdal<DataType>(t)));
    expect_same_pixels(out, ref);
    EXPECT_EQ(read_pixels(out).nodata, std::optional<double>(-9999));
  }
}

// gdal_translate clamps nodata -9999 to 0 for Byte (with a warning), making every pixel
// clamped to 0 nodata; cogkit refuses unless a new nodata is given, which then is -a_nodata.
TEST(TranslateType, ANodataTheTypeCannotHoldIsRefusedUnlessOneIsGiven) {
  test::TempDir dir;
  const std::string src = tricky_source(dir, -9999);
  for (DataType t : {DataType::byte, DataType::uint16, DataType::uint32, DataType::uint64}) {
    const std::string out = dir / "refused.tif";
    try {
      convert(src, out, with_type(t));
      ADD_FAILURE() << "no error for " << to_name(t);
    } catch (const error& e) {
      EXPECT_EQ(e.step(), "translate");
      EXPECT_NE(e.message().find("-9999"), std::string::npos) << e.what();
      EXPECT_NE(e.message().find("CogOptions::nodata"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(out));
  }
  PipelineOptions o = with_type(DataType::byte);
  o.cog.nodata = 255;
  convert(src, dir / "byte.tif", o);
  gdal("gdal_translate -q -ot Byte -a_nodata 255 " + quote(src) + " " + quote(dir / "ref.tif"));
  expect_same_pixels(dir / "byte.tif", dir / "ref.tif");
}

// A 4-band raster keeps 3, in the order asked (gdal_translate -b 3 -b 2 -b 1).
TEST(TranslateBands, SelectionAndReorderingEqualGdalTranslate) {
  test::TempDir dir;
  const std::string src = write_source(dir / "four.tif", 50, 40, 4, GDT_UInt16,
                                       [](int b, std::size_t i) { return double(b * 1000 + i % 977); });
  const std::vector<std::vector<int>> selections = {{3, 2, 1}, {1, 2, 3}, {4}, {2, 2}};
  for (const auto& sel : selections) {
    std::string args, tag;
    for (int b : sel) {
      args += " -b " + std::to_string(b);
      tag += std::to_string(b);
    }
    gdal("gdal_translate -q" + args + " " + quote(src) + " " + quote(dir / ("ref" + tag + ".tif")));
    PipelineOptions o;
    o.translate.bands = sel;
    convert(src, dir / ("out" + tag + ".tif"), o);
    expect_same_pixels(dir / ("out" + tag + ".tif"), dir / ("ref" + tag + ".tif"));
  }
}

// -scale with no values (the source's min/max to 0..255), two (to 0..255) and four.
TEST(TranslateScale, ZeroTwoAndFourValuesEqualGdalTranslate) {
  test::TempDir dir;
  const std::string src = write_source(dir / "dem.tif", 64, 48, 1, GDT_Float64,
                                       [](int, std::size_t i) { return std::sin(double(i) / 50) * 300 + 100; });
  const std::vector<std::vector<double>> scales = {{}, {-100, 300}, {-200, 400, 10, 20}, {0, 100, 0, 1000}};
  int n = 0;
  for (const auto& s : scales) {
    std::string args;
    for (double v : s) args += " " + std::string(CPLSPrintf("%.17g", v));
    for (const char* t : {"Byte", "Float32", ""}) {
      SCOPED_TRACE(args + " -ot " + t);
      const std::string ref = dir / ("ref" + std::to_string(n) + ".tif"), out = dir / ("out" + std::to_string(n) + ".tif");
      ++n;
      gdal("gdal_translate -q -scale" + args + (*t ? std::string(" -ot ") + t : "") + " " + quote(src) + " " + quote(ref));
      PipelineOptions o;
      o.translate.scale = s;
      if (*t) o.translate.output_type = from_gdal<DataType>(t);
      convert(src, out, o);
      expect_same_pixels(out, ref);
    }
  }
}

// -unscale applies each band's scale/offset and drops them, as gdal_translate does; the
// nodata value is kept, not unscaled.
TEST(TranslateScale, UnscaleOnAScaledInt16EqualsGdalTranslate) {
  test::TempDir dir;
  const std::string src = write_source(dir / "scaled.tif", 40, 30, 1, GDT_Int16,
                                       [](int, std::size_t i) { return i % 11 == 0 ? -32768.0 : double(i) - 600; }, -32768);
  {
    DatasetHandle ds(GDALOpen(src.c_str(), GA_Update));
    GDALSetRasterScale(GDALGetRasterBand(ds.get(), 1), 0.25);
    GDALSetRasterOffset(GDALGetRasterBand(ds.get(), 1), 100);
  }
  for (const char* t : {"Float32", "Int16", ""}) {
    SCOPED_TRACE(t);
    const std::string ref = dir / (std::string("ref") + t + ".tif"), out = dir / (std::string("out") + t + ".tif");
    gdal("gdal_translate -q -unscale" + (*t ? std::string(" -ot ") + t : "") + " " + quote(src) + " " + quote(ref));
    PipelineOptions o;
    o.translate.unscale = true;
    if (*t) o.translate.output_type = from_gdal<DataType>(t);
    convert(src, out, o);
    expect_same_pixels(out, ref);
    DatasetHandle ds(GDALOpen(out.c_str(), GA_ReadOnly));
    int has_scale = 0, has_offset = 0;
    GDALGetRasterScale(GDALGetRasterBand(ds.get(), 1), &has_scale);
    GDALGetRasterOffset(GDALGetRasterBand(ds.get(), 1), &has_offset);
    EXPECT_FALSE(has_scale);
    EXPECT_FALSE(has_offset);
  }
}

// With a warp, -ot is gdalwarp -ot: the Float64 source warped into a destination of type T.
TEST(TranslateType, WithReprojectionEqualsGdalwarpOt) {
  test::TempDir dir;
  const std::string src = test::make_test_dem(dir, 120, 90, GDT_Float64);
  for (const char* t : {"Int16", "Byte", "Float32"}) {
    for (Resampling r : {Resampling::bilinear, Resampling::nearest}) {
      SCOPED_TRACE(std::string(t) + " " + std::string(to_name(r)));
      const std::string ref = dir / "ref.tif", out = dir / "out.tif";
      fs::remove(ref);
      PipelineOptions o = with_type(*from_gdal<DataType>(t));
      o.reproject.t_srs = "EPSG:3857";
      o.reproject.resampling = r;
      o.reproject.error_threshold = 0;
      std::string nd;
      if (std::string(t) == "Byte") {  // the DEM's -9999 does not fit a Byte
        o.cog.nodata = 0;
        nd = " -dstnodata 0";
      }
      convert(src, out, o);
      gdal("gdalwarp -q -ot " + std::string(t) + nd + " -t_srs EPSG:3857 -et 0 -r " + std::string(to_gdal(r)) + " " +
           quote(src) + " " + quote(ref));
      expect_same_pixels(out, ref);
    }
  }
}

// With a warp, -scale computes the new values in the wider type before the warp and -ot is
// the warp's: gdal_translate -scale -ot Float64 to a VRT, then gdalwarp -ot Byte.
TEST(TranslateScale, WithReprojectionScalesBeforeTheWarpInTheWiderType) {
  test::TempDir dir;
  const std::string src = test::make_test_dem(dir, 120, 90, GDT_Float64);
  const std::string vrt = dir / "scaled.vrt", ref = dir / "ref.tif", out = dir / "out.tif";
  gdal("gdal_translate -q -of VRT -ot Float64 -scale 0 1000 0 100 " + quote(src) + " " + quote(vrt));
  gdal("gdalwarp -q -ot Byte -dstnodata 0 -t_srs EPSG:3857 -et 0 -r bilinear " + quote(vrt) + " " + quote(ref));
  PipelineOptions o = with_type(DataType::byte);
  o.translate.scale = std::vector<double>{0, 1000, 0, 100};
  o.cog.nodata = 0;
  o.reproject.t_srs = "EPSG:3857";
  o.reproject.resampling = Resampling::bilinear;
  o.reproject.error_threshold = 0;
  convert(src, out, o);
  expect_same_pixels(out, ref);
}

// -ot then --fill: the fill works on the converted raster, as filling gdal_translate's output.
TEST(TranslateType, FillRunsOnTheConvertedRaster) {
  test::TempDir dir;
  const std::string src = test::make_test_dem(dir, 150, 110, GDT_Float64);
  gdal("gdal_translate -q -ot Int16 " + quote(src) + " " + quote(dir / "int16.tif"));
  PipelineOptions o = with_type(DataType::int16);
  o.fill.enabled = true;
  convert(src, dir / "ours.tif", o);
  PipelineOptions f;
  f.fill.enabled = true;
  convert(dir / "int16.tif", dir / "ref.tif", f);
  expect_same_pixels(dir / "ours.tif", dir / "ref.tif");
}

// A reader's staged raster (an ASCII grid) goes through the view too (copied, not changed in place).
TEST(TranslateType, AnAsciiGridIsConvertedAsGdalTranslateDoes) {
  test::TempDir dir;
  std::string text = "ncols 6\nnrows 3\nxllcorner 0\nyllcorner 0\ncellsize 1\nNODATA_value -9999\n";
  text += "0.5 1.5 -0.5 -2.5 40000.25 -9999\n2.5 3.5 -1.5 -40000 7.49 7.51\n-9999 1 2 3 4 5\n";
  test::write_text(dir / "g.asc", text);
  for (bool fill : {false, true}) {
    const std::string ref = dir / "ref.tif", out = dir / "out.tif";
    gdal("gdal_translate -q -ot Int16 " + quote(dir / "g.asc") + " " + quote(dir / "int16.tif"));
    PipelineOptions o = with_type(DataType::int16);
    o.fill.enabled = fill;
    const Report r = convert(dir / "g.asc", out, o);
    if (fill) EXPECT_EQ(r.staging.find("in place"), std::string::npos) << r.staging;  // read through the view
    PipelineOptions f;
    f.fill.enabled = fill;
    convert(dir / "int16.tif", ref, f);
    expect_same_pixels(out, ref);
  }
}

void expect_refused(const PipelineOptions& o, const std::string& field, int bands = 4) {
  test::TempDir dir;
  const std::string src = write_source(dir / "src.tif", 20, 10, bands, GDT_Float32,
                                       [](int b, std::size_t i) { return double(b + i); });
  const std::string out = dir / "out.tif";
  try {
    convert(src, out, o);
    ADD_FAILURE() << "no error, expected one naming " << field;
  } catch (const error& e) {
    EXPECT_EQ(e.step(), "translate") << e.what();
    EXPECT_NE(e.message().find(field), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(out));
}

TEST(TranslateRefused, BadBandsAndScalesNothingWritten) {
  PipelineOptions o;
  o.translate.bands = {1, 5};
  expect_refused(o, "TranslateOptions::bands: band 5 does not exist (the source has 4 bands)");
  o.translate.bands = {0};
  expect_refused(o, "TranslateOptions::bands: band 0");
  o.translate.bands = {};
  for (std::size_t n : {1u, 3u, 5u}) {
    o.translate.scale = std::vector<double>(n, 1.0);
    expect_refused(o, "TranslateOptions::scale takes 0, 2 or 4 values");
  }
  o.translate.scale = std::vector<double>{0, std::numeric_limits<double>::infinity()};
  expect_refused(o, "not a finite number");
  o.translate.scale = std::vector<double>{5, 5};
  expect_refused(o, "src_min and src_max");
  o.translate.scale = std::vector<double>{};
  o.translate.unscale = true;
  expect_refused(o, "cannot be combined");
}

}  // namespace
}  // namespace cogkit
