// The pipeline against GDAL's own programs on the same input: same grid, same pixels.
#include <filesystem>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal_alg.h>
#include <gdal_utils.h>
#include <gtest/gtest.h>
#include <ogr_api.h>

#include "cogkit/core/error.hpp"
#include "cogkit/pipeline/pipeline.hpp"
#include "demgen.hpp"
#include "test_support.hpp"

namespace cogkit {
namespace {

namespace fs = std::filesystem;

demgen::DemSpec dem_spec(int w = 420, int h = 360) {
  demgen::DemSpec s;
  s.width = w;
  s.height = h;
  s.res = 5;
  s.epsg = 2180;
  s.lakes = 3;
  s.lake_radius_min = 12;
  s.lake_radius_max = 30;
  s.dropout_fraction = 0.01;
  s.seed = 11;
  return s;
}

std::string make_dem(const test::TempDir& dir, const demgen::DemSpec& s = dem_spec(), const std::string& name = "dem.tif") {
  const std::string path = dir / name;
  demgen::write_raster(s, path);
  return path;
}

// gdalwarp through GDAL's library entry point (the same code as the gdalwarp program).
void gdalwarp(const std::string& src, const std::string& dst, const std::vector<std::string>& args) {
  CPLStringList argv;
  for (const auto& a : args) argv.AddString(a.c_str());
  GDALWarpAppOptions* o = GDALWarpAppOptionsNew(argv.List(), nullptr);
  DatasetHandle in(GDALOpen(src.c_str(), GA_ReadOnly));
  GDALDatasetH srcs[1] = {in.get()};
  int usage = 0;
  DatasetHandle out(GDALWarp(dst.c_str(), nullptr, 1, srcs, o, &usage));
  GDALWarpAppOptionsFree(o);
  ASSERT_TRUE(out) << CPLGetLastErrorMsg();
}

PipelineOptions quiet_options() {
  PipelineOptions o;
  o.threads = 2;
  return o;
}

void expect_same_grid(const test::Raster& a, const test::Raster& b) {
  ASSERT_EQ(a.width, b.width);
  ASSERT_EQ(a.height, b.height);
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(a.gt[i], b.gt[i], 1e-6 * std::max(1.0, std::fabs(a.gt[i]))) << "gt[" << i << "]";
}

TEST(Pipeline, ReprojectionMatchesGdalwarp) {
  test::TempDir dir;
  const std::string src = make_dem(dir);
  for (const std::string kernel : {"nearest", "bilinear", "cubic"}) {
    PipelineOptions o = quiet_options();
    o.reproject.t_srs = "EPSG:3857";
    o.reproject.resampling = parse<Resampling>(kernel);
    const std::string out = dir / ("ours_" + kernel + ".tif"), ref = dir / ("ref_" + kernel + ".tif");
    const Report r = convert(src, out, o);
    test::expect_valid_cog(out);
    gdalwarp(src, ref, {"-t_srs", "EPSG:3857", "-r", kernel == "nearest" ? "near" : kernel, "-multi", "-wo", "NUM_THREADS=2"});
    const auto a = test::read_raster(out), b = test::read_raster(ref);
    expect_same_grid(a, b);
    ASSERT_TRUE(a.nodata.has_value());
    EXPECT_EQ(*a.nodata, -9999);
    // Same warper, same grid: the only freedom is the approximate transformer's
    // chunking, which may move a sample by far less than a pixel.
    EXPECT_LE(test::count_differences(a, b, 1e-3), a.values.size() / 1000) << kernel;
    EXPECT_EQ(r.epsg.value_or(0), 3857);
  }
}

TEST(Pipeline, TargetResolutionAndTapMatchGdalwarp) {
  test::TempDir dir;
  const std::string src = make_dem(dir);
  PipelineOptions o = quiet_options();
  o.reproject.t_srs = "EPSG:3857";
  o.reproject.xres = o.reproject.yres = 10;
  o.reproject.tap = true;
  o.reproject.resampling = Resampling::bilinear;
  const std::string out = dir / "ours.tif", ref = dir / "ref.tif";
  convert(src, out, o);
  gdalwarp(src, ref, {"-t_srs", "EPSG:3857", "-tr", "10", "10", "-tap", "-r", "bilinear"});
  const auto a = test::read_raster(out), b = test::read_raster(ref);
  expect_same_grid(a, b);
  EXPECT_DOUBLE_EQ(std::fmod(a.gt[0], 10.0), 0.0);
  EXPECT_LE(test::count_differences(a, b, 1e-3), a.values.size() / 1000);

  // --res without --tap, on the source CRS: gdalwarp -tr keeps the extent's origin.
  PipelineOptions r = quiet_options();
  r.reproject.xres = r.reproject.yres = 7.5;
  convert(src, dir / "res.tif", r);
  gdalwarp(src, dir / "res_ref.tif", {"-tr", "7.5", "7.5"});
  expect_same_grid(test::read_raster(dir / "res.tif"), test::read_raster(dir / "res_ref.tif"));
}

// GDALFillNodata on a whole copy of the raster: what gdal_fillnodata.py does.
test::Raster gdal_fill(const std::string& src, const std::string& dst, double md, int smoothing) {
  {
    DatasetHandle in(GDALOpen(src.c_str(), GA_ReadOnly));
    DatasetHandle out(GDALCreateCopy(GDALGetDriverByName("GTiff"), dst.c_str(), in.get(), FALSE, nullptr, nullptr, nullptr));
    EXPECT_EQ(GDALFillNodata(GDALGetRasterBand(out.get(), 1), nullptr, md, 0, smoothing, nullptr, nullptr, nullptr), CE_None);
  }
  return test::read_raster(dst);
}

TEST(Pipeline, FillMatchesGdalFillNodataExactly) {
  test::TempDir dir;
  const std::string src = make_dem(dir);
  PipelineOptions o = quiet_options();
  o.fill.enabled = true;
  o.fill.max_distance = 20;
  o.fill.smoothing = 2;
  convert(src, dir / "ours.tif", o);
  const auto ref = gdal_fill(src, dir / "ref.tif", 20, 2);
  const auto ours = test::read_raster(dir / "ours.tif");
  expect_same_grid(ours, ref);
  EXPECT_EQ(test::count_differences(ours, ref, 0), 0u);
  const auto before = test::read_raster(src);
  EXPECT_GT(test::count_differences(before, ours, 0), 0u) << "the DEM has holes: something must have been filled";
}

TEST(Pipeline, FillThenBoxClipEqualsTheWholeRasterFillCropped) {
  test::TempDir dir;
  const std::string src = make_dem(dir);
  const auto ref = gdal_fill(src, dir / "ref.tif", 25, 0);
  PipelineOptions o = quiet_options();
  o.fill.enabled = true;
  o.fill.max_distance = 25;
  // A box on pixel edges of the source grid: columns 100..300, rows 80..260.
  const double x0 = 500000 + 100 * 5, x1 = 500000 + 300 * 5, y1 = 500000 - 80 * 5, y0 = 500000 - 260 * 5;
  o.clip.bbox = std::array<double, 4>{x0, y0, x1, y1};
  const Report r = convert(src, dir / "ours.tif", o);
  test::expect_valid_cog(dir / "ours.tif");
  const auto ours = test::read_raster(dir / "ours.tif");
  ASSERT_EQ(ours.width, 200);
  ASSERT_EQ(ours.height, 180);
  EXPECT_DOUBLE_EQ(ours.gt[0], x0);
  EXPECT_DOUBLE_EQ(ours.gt[3], y1);
  std::size_t diff = 0;
  for (int y = 0; y < 180; ++y)
    for (int x = 0; x < 200; ++x)
      diff += ours.values[std::size_t(y) * 200 + x] != ref.values[std::size_t(y + 80) * ref.width + x + 100];
  EXPECT_EQ(diff, 0u) << "the halo must make a windowed fill equal the whole-raster fill";
  ASSERT_EQ(r.band_stats.size(), 1u);
  EXPECT_EQ(r.band_stats[0].total_pixels, 200u * 180u);
}

TEST(Pipeline, PolygonClipKeepsExactlyThePixelsWhoseCentreIsInside) {
  test::TempDir dir;
  auto spec = dem_spec();
  spec.lakes = 0;
  spec.dropout_fraction = 0;
  const std::string src = make_dem(dir, spec);
  // A triangle in EPSG:4326 over the middle of the raster.
  PipelineOptions o = quiet_options();
  {
    // Corners of the raster in 4326 to build the triangle inside it.
    Report probe = convert(src, dir / "probe.tif", quiet_options());
    ASSERT_TRUE(probe.bounds_4326);
    const auto b = *probe.bounds_4326;
    const double cx = (b[0] + b[2]) / 2, cy = (b[1] + b[3]) / 2, dx = (b[2] - b[0]) * 0.35, dy = (b[3] - b[1]) * 0.35;
    o.clip.geometry = CPLSPrintf("POLYGON((%.9f %.9f,%.9f %.9f,%.9f %.9f,%.9f %.9f))", cx - dx, cy - dy, cx + dx,
                                 cy - dy * 0.6, cx, cy + dy, cx - dx, cy - dy);
    o.clip.bbox_srs = "EPSG:4326";
  }
  convert(src, dir / "clip.tif", o);
  const auto out = test::read_raster(dir / "clip.tif");
  const auto full = test::read_raster(src);
  // Independent check: transform the polygon with OGR and test every pixel centre.
  OGRGeometryH poly = nullptr;
  char* wkt = const_cast<char*>(o.clip.geometry.c_str());
  ASSERT_EQ(OGR_G_CreateFromWkt(&wkt, nullptr, &poly), OGRERR_NONE);
  SrsHandle s4326(OSRNewSpatialReference(nullptr)), s2180(OSRNewSpatialReference(nullptr));
  OSRImportFromEPSG(s4326.get(), 4326);
  OSRImportFromEPSG(s2180.get(), 2180);
  OSRSetAxisMappingStrategy(s4326.get(), OAMS_TRADITIONAL_GIS_ORDER);
  OSRSetAxisMappingStrategy(s2180.get(), OAMS_TRADITIONAL_GIS_ORDER);
  TransformHandle ct(OCTNewCoordinateTransformation(s4326.get(),
                                                    s2180.get()));
  OGR_G_Segmentize(poly, 0.0005);
  OGR_G_Transform(poly, ct.get());
  OGREnvelope env;
  OGR_G_GetEnvelope(poly, &env);
  EXPECT_LE(out.gt[0], env.MinX);
  EXPECT_GT(out.gt[0] + 5, env.MinX);
  const int ox = int(std::lround((out.gt[0] - full.gt[0]) / 5)), oy = int(std::lround((full.gt[3] - out.gt[3]) / 5));
  std::size_t wrong = 0, inside = 0;
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x) {
      OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint);
      OGR_G_SetPoint_2D(pt, 0, out.gt[0] + (x + 0.5) * 5, out.gt[3] - (y + 0.5) * 5);
      const bool in = OGR_G_Contains(poly, pt);
      OGR_G_DestroyGeometry(pt);
      const double v = out.values[std::size_t(y) * out.width + x];
      const double expect = full.values[std::size_t(y + oy) * full.width + x + ox];
      inside += in;
      if (in ? v != expect : v != -9999) ++wrong;
    }
  OGR_G_DestroyGeometry(poly);
  EXPECT_GT(inside, 1000u);
  // Pixel centres within floating-point noise of an edge may go either way.
  EXPECT_LE(wrong, 3u);
}

TEST(Pipeline, ReprojectFillPolygonClipMatchesTheGdalChain) {
  // gdalwarp -> gdal_fillnodata (whole raster) -> mask by polygon, against one cogify call
  // that warps and fills only what the polygon can see.
  test::TempDir dir;
  const std::string src = make_dem(dir, dem_spec(500, 420));
  const std::string wkt = "POLYGON((500200 498400,502200 498300,502000 499700,501000 499900,500200 498400))";
  PipelineOptions o = quiet_options();
  o.reproject.t_srs = "EPSG:3857";
  o.reproject.resampling = Resampling::bilinear;
  o.fill.enabled = true;
  o.fill.max_distance = 30;
  o.fill.smoothing = 1;
  o.clip.geometry = wkt;
  o.clip.bbox_srs = "EPSG:2180";
  // Exact transformation on both sides: with gdalwarp's default approximate transformer
  // (-et 0.125) sample positions depend on how the warp is chunked (up to 1/8 pixel).
  o.reproject.error_threshold = 0;
  convert(src, dir / "ours.tif", o);
  gdalwarp(src, dir / "warped.tif", {"-t_srs", "EPSG:3857", "-r", "bilinear", "-et", "0"});
  const auto ref = gdal_fill(dir / "warped.tif", dir / "filled.tif", 30, 1);
  const auto ours = test::read_raster(dir / "ours.tif");
  const int ox = int(std::lround((ours.gt[0] - ref.gt[0]) / ref.gt[1]));
  const int oy = int(std::lround((ours.gt[3] - ref.gt[3]) / ref.gt[5]));
  ASSERT_GE(ox, 0);
  ASSERT_GE(oy, 0);
  EXPECT_NEAR(ours.gt[0], ref.gt[0] + ox * ref.gt[1], 1e-6);
  std::size_t inside = 0, differ = 0;
  for (int y = 0; y < ours.height; ++y)
    for (int x = 0; x < ours.width; ++x) {
      const double v = ours.values[std::size_t(y) * ours.width + x];
      if (v == -9999) continue;  // outside the polygon (checked by PolygonClip...)
      ++inside;
      const double r = ref.values[std::size_t(y + oy) * ref.width + x + ox];
      differ += v != r;
    }
  EXPECT_GT(inside, 10000u);
  EXPECT_EQ(differ, 0u) << differ << " of " << inside << " pixels differ";
}

TEST(Pipeline, MemoryAndFileStagingGiveByteIdenticalOutput) {
  test::TempDir dir;
  const std::string src = make_dem(dir);
  PipelineOptions o = quiet_options();
  o.reproject.t_srs = "EPSG:3857";
  o.reproject.resampling = Resampling::bilinear;
  o.fill.enabled = true;
  o.fill.max_distance = 20;
  // A triangle: the warp skips the corners of its bounding box on both paths.
  o.clip.geometry = "POLYGON((500300 498500,501900 498700,501000 499800,500300 498500))";
  o.clip.bbox_srs = "EPSG:2180";
  o.staging.force = StagingMode::memory;
  o.staging.tmpdir = dir.path().string();
  const Report m = convert(src, dir / "mem.tif", o);
  o.staging.force = StagingMode::file;
  const Report f = convert(src, dir / "file.tif", o);
  EXPECT_EQ(m.staging, "memory");
  EXPECT_EQ(f.staging, "file");
  EXPECT_EQ(m.sha256, f.sha256);
  EXPECT_EQ(m.sha256, sha256_file(dir / "mem.tif"));
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().string().find(".cogkit-"), std::string::npos) << "left behind: " << e.path();
}

TEST(Pipeline, SameInputAndOptionsGiveTheSameBytesWhateverTheThreadCount) {
  test::TempDir dir;
  const std::string src = make_dem(dir);
  PipelineOptions o = quiet_options();
  o.reproject.t_srs = "EPSG:3857";
  o.fill.enabled = true;
  o.fill.max_distance = 15;
  o.threads = 1;
  const Report a = convert(src, dir / "a.tif", o);
  const Report b = convert(src, dir / "b.tif", o);
  o.threads = 2;
  const Report c = convert(src, dir / "c.tif", o);
  EXPECT_EQ(a.sha256, b.sha256);
  EXPECT_EQ(a.sha256, c.sha256);
}

TEST(Pipeline, ReportDescribesTheOutput) {
  test::TempDir dir;
  const std::string src = make_dem(dir, dem_spec(1100, 600));
  PipelineOptions o = quiet_options();
  o.cog.compress = Compression::zstd;
  o.cog.blocksize = 256;
  const Report r = convert(src, dir / "out.tif", o);
  EXPECT_EQ(r.width, 1100);
  EXPECT_EQ(r.height, 600);
  EXPECT_EQ(r.data_type, "Float32");
  EXPECT_EQ(r.epsg.value_or(0), 2180);
  EXPECT_EQ(r.compression, "zstd");
  EXPECT_EQ(r.block_width, 256);
  ASSERT_EQ(r.overviews.size(), 3u);  // halved until it fits one 256 block: 550x300, 275x150, 137x75
  EXPECT_EQ(r.overviews[0], std::make_pair(550, 300));
  EXPECT_EQ(r.overviews[2], std::make_pair(137, 75));
  EXPECT_EQ(r.output_bytes, fs::file_size(dir / "out.tif"));
  ASSERT_TRUE(r.bounds_4326);
  EXPECT_NEAR((*r.bounds_4326)[1], 52.3, 0.3);
  EXPECT_DOUBLE_EQ(r.bounds[0], 500000);
  EXPECT_DOUBLE_EQ(r.bounds[3], 500000);
  EXPECT_DOUBLE_EQ(r.bounds[2], 500000 + 1100 * 5);
  ASSERT_EQ(r.band_stats.size(), 1u);
  // Independent statistics from the written file.
  const auto px = test::read_raster(dir / "out.tif");
  double mn = 1e300, mx = -1e300, sum = 0;
  std::size_t n = 0;
  for (double v : px.values)
    if (v != -9999) {
      mn = std::min(mn, v);
      mx = std::max(mx, v);
      sum += v;
      ++n;
    }
  EXPECT_EQ(r.band_stats[0].valid_pixels, n);
  EXPECT_DOUBLE_EQ(r.band_stats[0].min, mn);
  EXPECT_DOUBLE_EQ(r.band_stats[0].max, mx);
  EXPECT_NEAR(r.band_stats[0].mean, sum / double(n), 1e-6);
  EXPECT_LT(r.band_stats[0].valid_percent(), 100.0);
  EXPECT_NE(r.to_json().find("\"sha256\": \"" + r.sha256 + "\""), std::string::npos);
}

TEST(Pipeline, StatisticsOfStagedRastersAgreeInMemoryAndInFiles) {
  test::TempDir dir;
  const std::string src = make_dem(dir, dem_spec(700, 500));
  std::vector<Report> reports;
  for (const char* force : {"memory", "file"}) {
    PipelineOptions o = quiet_options();
    o.fill.enabled = true;
    o.fill.max_distance = 5;  // leaves the largest holes partly unfilled
    o.staging.force = parse<StagingMode>(force);
    reports.push_back(convert(src, dir / (std::string(force) + ".tif"), o));
  }
  const auto px = test::read_raster(dir / "memory.tif");
  double mn = 1e300, mx = -1e300, sum = 0;
  std::uint64_t n = 0;
  for (double v : px.values)
    if (!px.nodata || v != *px.nodata) {
      mn = std::min(mn, v);
      mx = std::max(mx, v);
      sum += v;
      ++n;
    }
  for (const Report& r : reports) {
    ASSERT_EQ(r.band_stats.size(), 1u);
    EXPECT_EQ(r.band_stats[0].valid_pixels, n) << r.staging;
    EXPECT_LT(n, std::uint64_t(700) * 500) << "some holes stay unfilled";
    EXPECT_DOUBLE_EQ(r.band_stats[0].min, mn) << r.staging;
    EXPECT_DOUBLE_EQ(r.band_stats[0].max, mx) << r.staging;
    EXPECT_NEAR(r.band_stats[0].mean, sum / double(n), 1e-9 * std::fabs(sum / double(n))) << r.staging;
  }
  EXPECT_NEAR(reports[0].band_stats[0].stddev, reports[1].band_stats[0].stddev, 1e-9);
}

TEST(Pipeline, StatisticsTakenWhileWritingEqualThoseOfTheirOwnPass) {
  // A two-band UInt16 source (pixel-interleaved rows reach the observer) and a Float32 one.
  test::TempDir dir;
  for (const GDALDataType type : {GDT_UInt16, GDT_Float32}) {
    demgen::DemSpec spec = dem_spec(900, 700);
    spec.type = type;
    const std::string one = dir / "one.tif", src = dir / (std::string(GDALGetDataTypeName(type)) + ".tif");
    demgen::write_raster(spec, one);
    if (type == GDT_UInt16) {  // bands 1 and 2: the DEM and the DEM again
      GDALDatasetH in = GDALOpen(one.c_str(), GA_ReadOnly);
      const char* args[] = {"-b", "1", "-b", "1", "-co", "INTERLEAVE=PIXEL", nullptr};
      GDALTranslateOptions* to = GDALTranslateOptionsNew(const_cast<char**>(args), nullptr);
      GDALClose(GDALTranslate(src.c_str(), in, to, nullptr));
      GDALTranslateOptionsFree(to);
      GDALClose(in);
    } else {
      fs::copy_file(one, src, fs::copy_options::overwrite_existing);
    }
    std::vector<Report> reports;
    for (const char* writer : {"cogkit", "gdal"}) {
      PipelineOptions o = quiet_options();
      o.cog.writer = parse<Writer>(writer);
      reports.push_back(convert(src, dir / (std::string(writer) + ".tif"), o));
    }
    const auto note = [](const Report& r) {
      for (const auto& [k, v] : r.notes)
        if (k == "stats") return v;
      return std::string();
    };
    EXPECT_NE(note(reports[0]).find("rows the COG writer read"), std::string::npos) << "cogkit's writer measured them";
    EXPECT_EQ(note(reports[1]), "") << "GDAL's driver: a pass of their own";
    ASSERT_EQ(reports[0].band_stats.size(), type == GDT_UInt16 ? 2u : 1u);
    ASSERT_EQ(reports[0].band_stats.size(), reports[1].band_stats.size());
    for (std::size_t b = 0; b < reports[0].band_stats.size(); ++b) {
      const BandStats &a = reports[0].band_stats[b], &g = reports[1].band_stats[b];
      EXPECT_EQ(a.valid_pixels, g.valid_pixels);
      EXPECT_EQ(a.total_pixels, g.total_pixels);
      EXPECT_DOUBLE_EQ(a.min, g.min);
      EXPECT_DOUBLE_EQ(a.max, g.max);
      EXPECT_NEAR(a.mean, g.mean, 1e-9 * std::fabs(g.mean));
      EXPECT_NEAR(a.stddev, g.stddev, 1e-6 * g.stddev);
      EXPECT_LT(a.valid_pixels, a.total_pixels) << "the DEM has holes";
    }
  }
}

TEST(Pipeline, GdalWarningsGoToTheReportNotToStderr) {
  test::TempDir dir;
  const std::string src = make_dem(dir, dem_spec(120, 100));
  PipelineOptions o = quiet_options();
  o.cog.creation_options = {"NOT_A_COG_OPTION=1"};
  testing::internal::CaptureStderr();
  const Report r = convert(src, dir / "out.tif", o);
  const std::string err = testing::internal::GetCapturedStderr();
  bool found = false;
  for (const auto& w : r.warnings) found |= w.find("NOT_A_COG_OPTION") != std::string::npos;
  EXPECT_TRUE(found) << "GDAL's warning about the unknown creation option is kept in the report";
  EXPECT_EQ(err.find("NOT_A_COG_OPTION"), std::string::npos) << err;
}

TEST(Pipeline, NodataOverrideIsWritten) {
  test::TempDir dir;
  auto spec = dem_spec(200, 150);
  spec.type = GDT_Int16;
  spec.nodata = -32768;
  const std::string src = make_dem(dir, spec);
  PipelineOptions o = quiet_options();
  o.cog.nodata = -32767;
  const Report r = convert(src, dir / "out.tif", o);
  EXPECT_EQ(r.nodata.value_or(0), -32767);
  EXPECT_EQ(r.data_type, "Int16");
  o.cog.nodata = 1e6;  // does not fit Int16
  EXPECT_THROW(convert(src, dir / "bad.tif", o), error);
  EXPECT_FALSE(fs::exists(dir / "bad.tif"));
}

TEST(Pipeline, ErrorsNameTheStepAndLeaveNothingBehind) {
  test::TempDir dir;
  const std::string src = make_dem(dir, dem_spec(100, 80));
  auto expect_error = [&](PipelineOptions o, const std::string& step, const std::string& needle) {
    const std::string out = dir / "out.tif";
    try {
      convert(src, out, o);
      ADD_FAILURE() << "no error for " << step;
    } catch (const error& e) {
      EXPECT_EQ(e.step(), step) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(out));
    for (const auto& e : fs::directory_iterator(dir.path()))
      EXPECT_EQ(e.path().string().find(".cogkit-"), std::string::npos) << "left behind: " << e.path();
  };
  PipelineOptions o = quiet_options();
  o.reproject.t_srs = "EPSG:999999";
  expect_error(o, "reproject", "unknown CRS 'EPSG:999999'");
  o = quiet_options();
  o.clip.bbox = std::array<double, 4>{0, 0, 10, 10};
  expect_error(o, "clip", "does not overlap");
  o = quiet_options();
  o.clip.geometry = "POLYGON((nonsense";
  expect_error(o, "clip", "neither a readable file nor valid WKT");
  EXPECT_THROW(parse<Compression>("brotli"), error);
  o = quiet_options();
  o.cog.compress = Compression::jpeg;
  expect_error(o, "write", "8-bit");
  try {
    convert(dir / "missing.tif", dir / "out.tif", quiet_options());
    ADD_FAILURE();
  } catch (const error& e) {
    EXPECT_EQ(e.step(), "read");
  }
}

TEST(Pipeline, SharedGeoTiffsConvertToValidCogsWithTheSamePixels) {
  COGKIT_REQUIRE_SHARED(shared);
  test::TempDir dir;
  int n = 0;
  for (const auto& entry : fs::directory_iterator(shared / "gdal-autotest" / "gtiff")) {
    if (entry.path().extension() != ".tif") continue;
    const std::string out = dir / entry.path().filename().string();
    PipelineOptions o = quiet_options();
    if (entry.path().filename() == "rgbsmall.tif" || entry.path().filename() == "stefan_full_rgba.tif")
      o.cog.compress = Compression::deflate;
    Report r;
    try {
      r = convert(entry.path().string(), out, o);
    } catch (const error& e) {
      ADD_FAILURE() << entry.path() << ": " << e.what();
      continue;
    }
    ++n;
    test::expect_valid_cog(out);
    const auto a = test::read_raster(entry.path().string()), b = test::read_raster(out);
    EXPECT_EQ(a.width, b.width);
    EXPECT_EQ(test::count_differences(a, b, 0), 0u) << entry.path();
    for (int i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(a.gt[i], b.gt[i]) << entry.path();
  }
  EXPECT_GT(n, 5);
}

}  // namespace
}  // namespace cogkit
