// tests/pipeline/metadata_test.cpp — what a raster says about its values (descriptions,
// units, scale/offset, colour interpretation and table, nodata, dataset and band metadata,
// XMP, AREA_OR_POINT) goes through every step and both writers as GDAL's own tools carry
// it: the outputs are compared with what gdal_translate / gdalwarp (GDAL's library calls)
// write for the same job, and with the input where GDAL 3.6 loses something
// (docs/gdal-differences.md).
#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <cpl_conv.h>
#include <gdal_utils.h>
#include <gtest/gtest.h>
#include <ogr_srs_api.h>

#include "cogkit/jobs/batch.hpp"
#include "cogkit/pipeline/mosaic.hpp"
#include "cogkit/pipeline/pipeline.hpp"
#include "test_support.hpp"

using namespace cogkit;

namespace {

const char* kXmp = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><cogkit/></x:xmpmeta>";

// A scaled Int16 DEM: unit, description, band and dataset metadata (a stale STATISTICS_*
// item included), XMP, AREA_OR_POINT=Point, nodata; `x0` columns from the left of the full
// 200 x 150 grid, `w` wide.
std::string make_dem(const test::TempDir& dir, const std::string& name, int x0 = 0, int w = 200,
                     const char* ds_key = "dsval") {
  GDALAllRegister();
  const std::string path = dir / name;
  GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), w, 150, 1, GDT_Int16, nullptr);
  double gt[6] = {500000 + 5.0 * x0, 5, 0, 500000, 0, -5};
  GDALSetGeoTransform(ds, gt);
  OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
  OSRImportFromEPSG(srs, 2180);
  GDALSetSpatialRef(ds, srs);
  OSRDestroySpatialReference(srs);
  std::vector<std::int16_t> v(std::size_t(w) * 150);
  for (int y = 0; y < 150; ++y)
    for (int x = 0; x < w; ++x)
      v[std::size_t(y) * w + x] = (x0 + x > 40 && x0 + x < 55 && y > 30 && y < 45) ? -9999 : std::int16_t((x0 + x) * 3 + y * 2);
  GDALRasterBandH b = GDALGetRasterBand(ds, 1);
  EXPECT_EQ(GDALRasterIO(b, GF_Write, 0, 0, w, 150, v.data(), w, 150, GDT_Int16, 0, 0), CE_None);
  GDALSetRasterNoDataValue(b, -9999);
  GDALSetRasterScale(b, 0.01);
  GDALSetRasterOffset(b, 100);
  GDALSetRasterUnitType(b, "m");
  GDALSetDescription(b, "elevation");
  GDALSetMetadataItem(b, "BAND_KEY", "bandval", nullptr);
  GDALSetMetadataItem(b, "STATISTICS_MEAN", "5", nullptr);
  GDALSetMetadataItem(ds, "DS_KEY", ds_key, nullptr);
  GDALSetMetadataItem(ds, "AREA_OR_POINT", "Point", nullptr);
  GDALSetMetadataItem(ds, "TIFFTAG_IMAGEDESCRIPTION", "hello", nullptr);
  char* xmp[] = {const_cast<char*>(kXmp), nullptr};
  GDALSetMetadata(ds, xmp, "xml:XMP");
  GDALClose(ds);
  return path;
}

// A Byte raster with a 4-entry colour table (palette interpretation), a description and metadata.
std::string make_classes(const test::TempDir& dir) {
  GDALAllRegister();
  const std::string path = dir / "classes.tif";
  GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), 100, 80, 1, GDT_Byte, nullptr);
  double gt[6] = {500000, 5, 0, 500000, 0, -5};
  GDALSetGeoTransform(ds, gt);
  OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
  OSRImportFromEPSG(srs, 2180);
  GDALSetSpatialRef(ds, srs);
  OSRDestroySpatialReference(srs);
  std::vector<std::uint8_t> v(100 * 80);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::uint8_t(1 + (i / 7) % 3);
  GDALRasterBandH b = GDALGetRasterBand(ds, 1);
  EXPECT_EQ(GDALRasterIO(b, GF_Write, 0, 0, 100, 80, v.data(), 100, 80, GDT_Byte, 0, 0), CE_None);
  GDALSetRasterNoDataValue(b, 0);
  GDALColorTableH ct = GDALCreateColorTable(GPI_RGB);
  for (int i = 0; i < 4; ++i) {
    const GDALColorEntry e{short(i * 60), short(255 - i * 60), short(i * 10), 255};
    GDALSetColorEntry(ct, i, &e);
  }
  GDALSetRasterColorTable(b, ct);
  GDALDestroyColorTable(ct);
  GDALSetRasterColorInterpretation(b, GCI_PaletteIndex);
  GDALSetDescription(b, "classes");
  GDALSetMetadataItem(b, "CLASS_KEY", "c", nullptr);
  GDALSetMetadataItem(ds, "DS", "ct", nullptr);
  GDALClose(ds);
  return path;
}

void list(std::ostringstream& s, const char* what, char** md) {
  s << what << ":";
  for (char** p = md; p && *p; ++p) s << " [" << *p << "]";
  s << "\n";
}

// Everything the file says about its values, one item a line (the geotransform apart).
std::string metadata_of(const std::string& path) {
  GDALDatasetH ds = GDALOpen(path.c_str(), GA_ReadOnly);
  if (!ds) return "cannot open " + path;
  std::ostringstream s;
  list(s, "dataset", GDALGetMetadata(ds, nullptr));
  list(s, "xmp", GDALGetMetadata(ds, "xml:XMP"));
  GDALRasterBandH b = GDALGetRasterBand(ds, 1);
  int ok = 0;
  const double nd = GDALGetRasterNoDataValue(b, &ok);
  s << "nodata: " << (ok ? std::to_string(nd) : "none") << "\n";
  const double scale = GDALGetRasterScale(b, &ok);
  s << "scale: " << (ok ? std::to_string(scale) : "none");
  const double offset = GDALGetRasterOffset(b, &ok);
  s << " offset: " << (ok ? std::to_string(offset) : "none") << "\n";
  s << "description: '" << GDALGetDescription(b) << "' unit: '" << GDALGetRasterUnitType(b) << "'\n";
  s << "interp: " << GDALGetColorInterpretationName(GDALGetRasterColorInterpretation(b)) << "\n";
  if (GDALColorTableH ct = GDALGetRasterColorTable(b))
    for (int i = 0; i < 4; ++i) {
      const GDALColorEntry* e = GDALGetColorEntry(ct, i);
      s << "colour " << i << ": " << e->c1 << "," << e->c2 << "," << e->c3 << "," << e->c4 << "\n";
    }
  list(s, "band", GDALGetMetadata(b, nullptr));
  GDALClose(ds);
  return s.str();
}

std::vector<double> geotransform_of(const std::string& path) {
  std::vector<double> gt(6, 0.0);
  GDALDatasetH ds = GDALOpen(path.c_str(), GA_ReadOnly);
  if (ds) GDALGetGeoTransform(ds, gt.data());
  if (ds) GDALClose(ds);
  return gt;
}

std::vector<char*> argv_of(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  return argv;
}

// gdal_translate `args` `input` `out` (GDAL's library call).
std::string gdal_translate(const std::string& input, const std::string& out, const std::vector<std::string>& args) {
  auto argv = argv_of(args);
  GDALTranslateOptions* o = GDALTranslateOptionsNew(argv.data(), nullptr);
  GDALDatasetH src = GDALOpen(input.c_str(), GA_ReadOnly);
  GDALClose(GDALTranslate(out.c_str(), src, o, nullptr));
  GDALClose(src);
  GDALTranslateOptionsFree(o);
  return out;
}

// gdalwarp `args` `inputs` `out` (GDAL's library call).
std::string gdalwarp(const std::vector<std::string>& inputs, const std::string& out, std::vector<std::string> args) {
  auto argv = argv_of(args);
  GDALWarpAppOptions* o = GDALWarpAppOptionsNew(argv.data(), nullptr);
  std::vector<GDALDatasetH> src;
  for (const auto& i : inputs) src.push_back(GDALOpen(i.c_str(), GA_ReadOnly));
  GDALClose(GDALWarp(out.c_str(), nullptr, int(src.size()), src.data(), o, nullptr));
  for (auto* h : src) GDALClose(h);
  GDALWarpAppOptionsFree(o);
  return out;
}

// `md` with its xml:XMP line replaced by the input's (cogkit keeps XMP where gdalwarp drops
// it without resampling: gdal_translate keeps it, docs/gdal-differences.md).
std::string with_xmp_of(std::string md, const std::string& from) {
  auto line = [](const std::string& s) {
    const auto a = s.find("xmp:");
    return std::make_pair(a, s.find('\n', a) - a);
  };
  const auto [at, n] = line(md);
  const auto [fat, fn] = line(from);
  return md.replace(at, n, from.substr(fat, fn));
}

// GDAL's tools compute no statistics: the outputs are compared without cogkit's
// (tests/pipeline/statistics_test.cpp checks those).
PipelineOptions options_for(Writer writer) {
  PipelineOptions o;
  o.write_statistics = false;
  o.cog.writer = writer;
  o.cog.blocksize = 64;
  return o;
}

class MetadataTest : public ::testing::TestWithParam<Writer> {
 protected:
  test::TempDir dir;
  std::string dem = make_dem(dir, "dem.tif");
  std::string out = dir / "out.tif";
  PipelineOptions o = options_for(GetParam());
};

std::string writer_name(const ::testing::TestParamInfo<Writer>& p) {
  return p.param == Writer::cogkit ? "cogkit" : "gdal";
}

INSTANTIATE_TEST_SUITE_P(Writers, MetadataTest, ::testing::Values(Writer::cogkit, Writer::gdal), writer_name);

TEST_P(MetadataTest, PlainConversionKeepsAllAsGdalTranslate) {
  convert(dem, out, o);
  EXPECT_EQ(metadata_of(out), metadata_of(gdal_translate(dem, dir / "ref.tif", {"-of", "COG"})));
  EXPECT_EQ(geotransform_of(out), geotransform_of(dem));  // Point read back as written
}

TEST_P(MetadataTest, PixelIsPointIsWrittenAsGdalWritesIt) {
  convert(dem, out, o);
  const std::string ref = gdal_translate(dem, dir / "ref.tif", {"-of", "COG"});
  // The raw tie point (no half-pixel shift on reading) is GDAL's too.
  CPLSetThreadLocalConfigOption("GTIFF_POINT_GEO_IGNORE", "TRUE");
  const auto raw = geotransform_of(out), raw_ref = geotransform_of(ref);
  CPLSetThreadLocalConfigOption("GTIFF_POINT_GEO_IGNORE", nullptr);
  EXPECT_EQ(raw, raw_ref);
  EXPECT_NE(raw, geotransform_of(dem));
}

TEST_P(MetadataTest, ReprojectionKeepsWhatGdalwarpKeeps) {
  o.reproject.t_srs = "EPSG:3857";
  convert(dem, out, o);
  const std::string ref = gdalwarp({dem}, dir / "ref.tif", {"-t_srs", "EPSG:3857"});
  EXPECT_EQ(metadata_of(out), metadata_of(ref));
  EXPECT_EQ(metadata_of(ref).find("STATISTICS_"), std::string::npos);
  EXPECT_NE(metadata_of(out).find("AREA_OR_POINT=Point"), std::string::npos);
}

TEST_P(MetadataTest, FillKeepsAllButStatistics) {
  o.fill.enabled = true;
  convert(dem, out, o);
  const std::string ref = gdalwarp({dem}, dir / "ref.tif", {});
  EXPECT_EQ(metadata_of(out), with_xmp_of(metadata_of(ref), metadata_of(dem)));
  EXPECT_EQ(geotransform_of(out), geotransform_of(dem));
}

TEST_P(MetadataTest, ClipBoxKeepsWhatGdalwarpTeKeeps) {
  o.clip.bbox = std::array<double, 4>{500100, 499500, 500400, 499800};
  convert(dem, out, o);
  const std::string ref = gdalwarp({dem}, dir / "ref.tif", {"-te", "500100", "499500", "500400", "499800"});
  EXPECT_EQ(metadata_of(out), with_xmp_of(metadata_of(ref), metadata_of(dem)));
  EXPECT_EQ(geotransform_of(out), geotransform_of(ref));
}

TEST_P(MetadataTest, ClipPolygonKeepsWhatGdalwarpCutlineKeeps) {
  const std::string clip = dir / "clip.geojson";
  test::write_text(clip,
                   R"({"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2180"}},)"
                   R"("features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":)"
                   R"([[[500100,499400],[500700,499450],[500500,499900],[500100,499400]]]}}]})");
  o.clip.geometry = clip;
  convert(dem, out, o);
  const std::string ref = gdalwarp({dem}, dir / "ref.tif", {"-cutline", clip, "-crop_to_cutline"});
  EXPECT_EQ(metadata_of(out), with_xmp_of(metadata_of(ref), metadata_of(dem)));
}

TEST_P(MetadataTest, ReprojectFillAndClipTogether) {
  o.reproject.t_srs = "EPSG:3857";
  o.fill.enabled = true;
  o.clip.bbox = std::array<double, 4>{500100, 499500, 500700, 499900};
  o.clip.bbox_srs = "EPSG:2180";
  convert(dem, out, o);
  EXPECT_EQ(metadata_of(out), metadata_of(gdalwarp({dem}, dir / "ref.tif", {"-t_srs", "EPSG:3857"})));
}

TEST_P(MetadataTest, NoMetadataAsGdalwarpNomdButPointStaysPoint) {
  o.copy_metadata = false;
  for (bool reproject : {false, true}) {
    o.reproject.t_srs = reproject ? "EPSG:3857" : "";
    convert(dem, out, o);
    std::vector<std::string> args = {"-nomd"};
    if (reproject) args.insert(args.end(), {"-t_srs", "EPSG:3857"});
    std::string expected = metadata_of(gdalwarp({dem}, dir / "ref.tif", args));
    // gdalwarp -nomd also drops AREA_OR_POINT=Point, moving every value by half a cell.
    const auto at = expected.find("AREA_OR_POINT=Area");
    ASSERT_NE(at, std::string::npos);
    expected.replace(at, 18, "AREA_OR_POINT=Point");
    EXPECT_EQ(metadata_of(out), expected) << (reproject ? "reprojected" : "plain");
    if (!reproject) EXPECT_EQ(geotransform_of(out), geotransform_of(dem));
    std::filesystem::remove(out);
    std::filesystem::remove(dir / "ref.tif");
  }
}

TEST_P(MetadataTest, BatchKeepsAll) {
  const std::string second = make_dem(dir, "second.tif");
  std::filesystem::create_directories(dir / "batch");
  const auto items = plan_batch({dem, second}, dir / "batch");
  for (const auto& r : run_batch(items, o)) ASSERT_TRUE(r.report) << r.failure->what();
  const std::string ref = metadata_of(gdal_translate(dem, dir / "ref.tif", {"-of", "COG"}));
  for (const auto& i : items) EXPECT_EQ(metadata_of(i.output), ref);
}

TEST_P(MetadataTest, MosaicKeepsWhatAllInputsShare) {
  const std::string west = make_dem(dir, "west.tif", 0, 100), east = make_dem(dir, "east.tif", 100, 100, "other");
  o.fill.enabled = GetParam() == Writer::gdal;  // staged and pass-through mosaics
  convert_mosaic({west, east}, out, o);
  // gdalwarp's rule for the dataset and band metadata ('*' where inputs differ) ...
  const std::string warped = metadata_of(gdalwarp({west, east}, dir / "warped.tif", {}));
  EXPECT_NE(warped.find("DS_KEY=*"), std::string::npos);
  EXPECT_NE(warped.find("scale: none offset: none"), std::string::npos);
  // ... but gdalwarp 3.6 drops the scale and offset of several inputs even where all have the
  // same (and gdalbuildvrt all metadata, descriptions and units): the input's are right.
  // XMP describes one image: a mosaic has none, as with gdalwarp and gdalbuildvrt.
  std::string expected = with_xmp_of(metadata_of(dem), "xmp:\n");
  expected.replace(expected.find("DS_KEY=dsval"), 12, "DS_KEY=*");
  expected.replace(expected.find(" [STATISTICS_MEAN=5]"), 20, "");
  EXPECT_EQ(metadata_of(out), expected);
  EXPECT_EQ(geotransform_of(out), geotransform_of(dem));
}

TEST(Metadata, ColourTableThroughTheSteps) {
  test::TempDir dir;
  const std::string classes = make_classes(dir);
  const std::string out = dir / "out.tif";
  PipelineOptions o = options_for(Writer::automatic);  // GDAL's writer: cogkit's writes no colour table
  convert(classes, out, o);
  EXPECT_EQ(metadata_of(out), metadata_of(gdal_translate(classes, dir / "ref.tif", {"-of", "COG"})));
  o.reproject.t_srs = "EPSG:3857";
  o.reproject.resampling = Resampling::nearest;
  o.clip.bbox = std::array<double, 4>{500050, 499700, 500300, 499900};
  o.clip.bbox_srs = "EPSG:2180";
  const std::string out2 = dir / "out2.tif";
  convert(classes, out2, o);
  const std::string warped = metadata_of(gdalwarp({classes}, dir / "warped.tif", {"-t_srs", "EPSG:3857"}));
  EXPECT_EQ(metadata_of(out2), warped);
  EXPECT_NE(warped.find("colour 3: 180,75,30,255"), std::string::npos);
}

TEST(Metadata, AsciiGridSideFileAsGdalReportsIt) {
  test::TempDir dir;
  const std::string asc = dir / "grid.asc";
  std::string text = "ncols 4\nnrows 3\nxllcorner 100\nyllcorner 200\ncellsize 10\nNODATA_value -9999\n";
  for (int r = 0; r < 3; ++r) text += "1 2 3 -9999\n";
  test::write_text(asc, text);
  test::write_text(asc + ".aux.xml",
                   "<PAMDataset><Metadata><MDI key=\"SOURCE\">survey</MDI></Metadata>"
                   "<PAMRasterBand band=\"1\"><Description>height</Description><UnitType>m</UnitType>"
                   "<Metadata><MDI key=\"STATISTICS_MAXIMUM\">3</MDI></Metadata></PAMRasterBand></PAMDataset>");
  const std::string out = dir / "out.tif";
  PipelineOptions o = options_for(Writer::automatic);
  convert(asc, out, o);
  const std::string md = metadata_of(out);
  const std::string ref = metadata_of(gdal_translate(asc, dir / "ref.tif", {"-of", "COG"}));
  for (const char* item : {"[SOURCE=survey]", "description: 'height' unit: 'm'", "[STATISTICS_MAXIMUM=3]"}) {
    EXPECT_NE(md.find(item), std::string::npos) << item << " in\n" << md;
    EXPECT_NE(ref.find(item), std::string::npos) << item << " in GDAL's\n" << ref;
  }
}

}  // namespace
