// XYZ reader: generated files in every order/layout against a GeoTIFF of the same grid
// (cogkit::demgen::write_raster), binning, errors, and conformance over ../shared/testdata.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <sstream>

#include <cpl_conv.h>
#include <gdal_alg.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <ogr_srs_api.h>

#include "cogkit/core/error.hpp"
#include "cogkit/read/ascii_grid.hpp"
#include "cogkit/read/xyz.hpp"
#include "demgen.hpp"
#include "read/xyz/grid.hpp"
#include "test_support.hpp"

namespace {

using cogkit::test::Raster;
using cogkit::test::TempDir;

Raster to_raster(GDALDatasetH ds) {
  Raster r;
  r.width = GDALGetRasterXSize(ds);
  r.height = GDALGetRasterYSize(ds);
  r.bands = GDALGetRasterCount(ds);
  GDALGetGeoTransform(ds, r.gt);
  GDALRasterBandH b = GDALGetRasterBand(ds, 1);
  int has = 0;
  const double nd = GDALGetRasterNoDataValue(b, &has);
  if (has) r.nodata = nd;
  r.type = GDALGetRasterDataType(b);
  if (const char* w = GDALGetProjectionRef(ds)) r.wkt = w;
  r.values.resize(std::size_t(r.width) * std::size_t(r.height));
  EXPECT_EQ(GDALRasterIO(b, GF_Read, 0, 0, r.width, r.height, r.values.data(), r.width, r.height, GDT_Float64, 0, 0),
            CE_None);
  return r;
}

struct Read {
  Raster raster;
  cogkit::Report report;
  std::string note(const std::string& key) const {
    for (const auto& [k, v] : report.notes)
      if (k == "xyz." + key) return v;
    return {};
  }
};

Read read(const std::string& path, cogkit::XyzOptions o = {}, cogkit::StagingOptions so = {}) {
  cogkit::MemoryBudget budget(so);
  Read r;
  cogkit::StagedRaster s = cogkit::read_xyz(path, o, budget, r.report);
  r.raster = to_raster(s.get());
  return r;
}

// The grid the tests write: small, with lakes (holes) so nodata matters.
cogkit::demgen::DemSpec spec(int w = 61, int h = 47) {
  cogkit::demgen::DemSpec s;
  s.width = w;
  s.height = h;
  s.res = 5;
  s.origin_x = 500000;
  s.origin_y = 600000;
  s.lakes = 1;
  s.lake_radius_min = 6;
  s.lake_radius_max = 9;
  s.dropout_fraction = 0.01;
  s.seed = 7;
  return s;
}

struct Pt {
  double x, y;
  double z;
  bool hole;
};

std::vector<Pt> points(const cogkit::demgen::DemSpec& s) {
  std::vector<double> v;
  cogkit::demgen::window(s, 0, 0, s.width, s.height, v);
  std::vector<Pt> p;
  for (int r = 0; r < s.height; ++r)
    for (int c = 0; c < s.width; ++c) {
      const double z = v[std::size_t(r) * s.width + c];
      p.push_back({s.origin_x + (c + 0.5) * s.res, s.origin_y - (r + 0.5) * s.res, double(float(z)), z == s.nodata});
    }
  return p;  // rows north to south, X increasing
}

enum class Order { rows_n2s, rows_s2n, columns, shuffled };

struct Layout {
  Order order = Order::rows_n2s;
  bool yxz = false;
  std::string header;        // "" = none
  std::string sep = " ";
  bool decimal_comma = false;
  bool skip_holes = false;   // missing points instead of -9999 values
  bool extra_columns = false;
  bool crlf = false;
  std::string comment;       // a comment line at the top
};

std::string fmt(double v, bool comma) {
  char b[64];
  std::snprintf(b, sizeof b, "%.9g", v);
  std::string s = b;
  if (comma) std::replace(s.begin(), s.end(), '.', ',');
  return s;
}

void write_points(std::vector<Pt> p, const cogkit::demgen::DemSpec& s, const std::string& path, const Layout& l) {
  if (l.order == Order::rows_s2n) {
    std::vector<Pt> q;
    for (int r = s.height - 1; r >= 0; --r)
      for (int c = 0; c < s.width; ++c) q.push_back(p[std::size_t(r) * s.width + c]);
    p.swap(q);
  } else if (l.order == Order::columns) {
    std::vector<Pt> q;
    for (int c = 0; c < s.width; ++c)
      for (int r = 0; r < s.height; ++r) q.push_back(p[std::size_t(r) * s.width + c]);
    p.swap(q);
  } else if (l.order == Order::shuffled) {
    std::mt19937 rng(42);
    std::shuffle(p.begin(), p.end(), rng);
  }
  std::ofstream f(path, std::ios::binary);
  const std::string eol = l.crlf ? "\r\n" : "\n";
  if (!l.comment.empty()) f << l.comment << eol;
  if (!l.header.empty()) f << l.header << eol;
  int id = 0;
  for (const auto& q : p) {
    if (l.skip_holes && q.hole) continue;
    const double a = l.yxz ? q.y : q.x, b = l.yxz ? q.x : q.y;
    if (l.extra_columns) f << ++id << l.sep;
    f << fmt(a, l.decimal_comma) << l.sep << fmt(b, l.decimal_comma) << l.sep << fmt(q.z, l.decimal_comma);
    if (l.extra_columns) f << l.sep << "7";
    f << eol;
  }
}

Raster reference(const cogkit::demgen::DemSpec& s, const TempDir& dir) {
  const std::string path = dir / "reference.tif";
  cogkit::demgen::write_raster(s, path);
  return cogkit::test::read_raster(path);
}

void expect_same_grid(const Raster& got, const Raster& ref) {
  ASSERT_EQ(got.width, ref.width);
  ASSERT_EQ(got.height, ref.height);
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(got.gt[i], ref.gt[i], 1e-9 * std::max(1.0, std::fabs(ref.gt[i]))) << "gt[" << i << "]";
  EXPECT_LT(got.gt[5], 0) << "north-up";
  EXPECT_EQ(cogkit::test::count_differences(got, ref, 0.0), 0u);
}

// ---------------------------------------------------------------------------
// Every order and layout gives the raster of the same grid, pixel for pixel.
struct Case {
  const char* name;
  Layout layout;
  const char* columns = "auto";
};

class XyzLayouts : public ::testing::TestWithParam<Case> {};

TEST_P(XyzLayouts, SameRasterAsGeoTiffOfTheGrid) {
  TempDir dir;
  const auto s = spec();
  const std::string path = dir / "grid.xyz";
  write_points(points(s), s, path, GetParam().layout);
  cogkit::XyzOptions o;
  o.columns = GetParam().columns;
  const Read r = read(path, o);
  const Raster ref = reference(s, dir);
  expect_same_grid(r.raster, ref);
  EXPECT_EQ(r.raster.type, GDT_Float32);
  ASSERT_TRUE(r.raster.nodata.has_value());
  EXPECT_EQ(*r.raster.nodata, -9999);
  EXPECT_EQ(r.note("axis_order").rfind(GetParam().layout.yxz ? "Y-X-Z" : "X-Y-Z", 0), 0u) << r.note("axis_order");
}

INSTANTIATE_TEST_SUITE_P(
    Orders, XyzLayouts,
    ::testing::Values(
        Case{"rows_north_to_south", Layout{Order::rows_n2s}},
        Case{"rows_south_to_north", Layout{Order::rows_s2n}},
        Case{"column_major_with_header", Layout{Order::columns, false, "x y z"}},
        Case{"column_major_columns_option", Layout{Order::columns}, "x,y,z"},
        Case{"shuffled", Layout{Order::shuffled}},
        Case{"yxz_rows_no_header", Layout{Order::rows_n2s, true}},
        Case{"yxz_rows_south_to_north", Layout{Order::rows_s2n, true}},
        Case{"yxz_shuffled_header", Layout{Order::shuffled, true, "northing\teasting\theight", "\t"}},
        Case{"yxz_shuffled_option", Layout{Order::shuffled, true}, "y,x,z"},
        Case{"semicolon_header_extra_columns_missing_decimal_comma",
             Layout{Order::rows_s2n, true, "id;Nord;Ost;Hoehe;quality", ";", true, true, true}},
        Case{"comma_csv_crlf_comment", Layout{Order::shuffled, false, "X,Y,Z", ",", false, false, false, true, "# exported"}},
        Case{"missing_points_shuffled", Layout{Order::shuffled, false, "", " ", false, true}},
        Case{"names_option", Layout{Order::columns, true, "a b c", " "}, "b,a,c"},
        Case{"indices_option", Layout{Order::shuffled, true, "", " ", false, false, true}, "3,2,4"}),
    [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

TEST(Xyz, FileStagingAndSecondPassGiveTheSameRaster) {
  TempDir dir;
  const auto s = spec(300, 260);
  const std::string path = dir / "big.xyz";
  write_points(points(s), s, path, Layout{Order::shuffled});
  cogkit::StagingOptions so;
  so.memory_budget = 1 << 20;  // work memory 8 MB: the points are not kept, the file is parsed twice
  so.force = cogkit::StagingMode::file;  // and the grid is placed strip by strip
  cogkit::XyzOptions o;
  const Read r = read(path, o, so);
  expect_same_grid(r.raster, reference(s, dir));
  EXPECT_NE(r.note("parse").find("two passes"), std::string::npos) << r.note("parse");
  EXPECT_NE(r.note("staging").find("spilled"), std::string::npos) << r.note("staging");
}

TEST(Xyz, BinningInStripsEqualsBinningInMemory) {
  TempDir dir;
  std::vector<std::array<double, 3>> p;
  std::mt19937 rng(4);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const std::string path = dir / "pts.xyz";
  {
    std::ofstream f(path);
    for (int i = 0; i < 120000; ++i) f << fmt(1000 * u(rng), false) << ' ' << fmt(800 * u(rng), false) << ' ' << fmt(50 * u(rng), false) << '\n';
  }
  for (const char* mode : {"mean", "nearest", "idw"}) {
    cogkit::XyzOptions o;
    o.res = 5;
    o.bin = cogkit::parse<cogkit::XyzBin>(mode);
    const Read mem = read(path, o);
    cogkit::StagingOptions so;
    so.memory_budget = 1 << 20;
    so.force = cogkit::StagingMode::file;
    const Read strips = read(path, o, so);
    EXPECT_NE(strips.note("staging").find("spilled"), std::string::npos) << strips.note("staging");
    expect_same_grid(strips.raster, mem.raster);
  }
}

TEST(Xyz, RoundedCoordinates) {
  // A geographic grid of 1/30 degree x 0.025 degree written with 3 decimals: steps
  // alternate 0.033/0.034 (the IGN RAC23 case).
  TempDir dir;
  const std::string path = dir / "rounded.xyz";
  const int w = 40, h = 25;
  const double dx = 1.0 / 30, dy = 0.025, x0 = 8.4, y0 = 43.25;
  std::ofstream f(path);
  for (int r = 0; r < h; ++r)
    for (int c = 0; c < w; ++c) {
      char line[128];
      std::snprintf(line, sizeof line, "%.3f %.3f %d\n", x0 + c * dx, y0 - r * dy, r * 1000 + c);
      f << line;
    }
  f.close();
  const Read r = read(path);
  ASSERT_EQ(r.raster.width, w);
  ASSERT_EQ(r.raster.height, h);
  EXPECT_NEAR(r.raster.gt[1], dx, 1e-4);
  EXPECT_NEAR(r.raster.gt[5], -dy, 1e-9);
  EXPECT_NEAR(r.raster.gt[0], x0 - dx / 2, 1e-3);
  EXPECT_NEAR(r.raster.gt[3], y0 + dy / 2, 1e-9);
  for (int row = 0; row < h; ++row)
    for (int c = 0; c < w; ++c) ASSERT_EQ(r.raster.values[std::size_t(row) * w + c], row * 1000 + c);
  EXPECT_EQ(r.raster.type, GDT_Int16);
  EXPECT_FALSE(r.raster.nodata.has_value()) << "complete integer grid: no nodata needed";
}

TEST(Xyz, AxisOrderFromCrsAreaOfUse) {
  // Y-X-Z, shuffled (no row structure), projected coordinates: only the area of use of
  // UTM 33N tells the order.
  TempDir dir;
  const std::string path = dir / "utm.xyz";
  std::vector<std::array<double, 3>> p;
  for (int r = 0; r < 20; ++r)
    for (int c = 0; c < 30; ++c) p.push_back({5500000.0 - r * 10 - 5, 480000.0 + c * 10 + 5, double(r * 30 + c)});
  std::mt19937 rng(3);
  std::shuffle(p.begin(), p.end(), rng);
  std::ofstream f(path);
  for (const auto& q : p) f << fmt(q[0], false) << ' ' << fmt(q[1], false) << ' ' << q[2] << '\n';
  f.close();
  cogkit::XyzOptions o;
  o.a_srs = "EPSG:32633";
  const Read r = read(path, o);
  EXPECT_EQ(r.raster.width, 30);
  EXPECT_EQ(r.raster.height, 20);
  EXPECT_EQ(r.raster.gt[0], 480000.0);
  EXPECT_EQ(r.raster.gt[3], 5500000.0);
  EXPECT_EQ(r.raster.values[1], 1);
  EXPECT_NE(r.note("axis_order").find("Y-X-Z (CRS area of use"), std::string::npos) << r.note("axis_order");
  EXPECT_FALSE(r.raster.wkt.empty());
}

TEST(Xyz, AxisOrderFromGeographicRanges) {
  TempDir dir;
  const std::string path = dir / "latlon.xyz";
  std::vector<std::array<double, 3>> p;
  for (int r = 0; r < 10; ++r)
    for (int c = 0; c < 12; ++c) p.push_back({35.0 - r * 0.5, 120.0 + c * 0.5, 0.5 + r * 12 + c});
  std::mt19937 rng(5);
  std::shuffle(p.begin(), p.end(), rng);
  std::ofstream f(path);
  for (const auto& q : p) f << q[0] << ' ' << q[1] << ' ' << q[2] << '\n';
  f.close();
  const Read r = read(path);
  EXPECT_EQ(r.raster.width, 12);
  EXPECT_EQ(r.raster.height, 10);
  EXPECT_NE(r.note("axis_order").find("Y-X-Z (geographic ranges"), std::string::npos) << r.note("axis_order");
  EXPECT_EQ(r.raster.values[13], 0.5 + 13);
}

// ---------------------------------------------------------------------------
// Scattered points and binning (PDAL writers.gdal semantics with binmode: a point
// belongs to the cell that contains it).
std::string scattered(const TempDir& dir, std::vector<std::array<double, 3>>& p) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  // The values as written to the file (%.9g).
  auto printed = [](double v) { return std::stod(fmt(v, false)); };
  for (int i = 0; i < 2000; ++i) p.push_back({printed(1000 + 100 * u(rng)), printed(2000 + 80 * u(rng)), printed(100 * u(rng))});
  const std::string path = dir / "scattered.xyz";
  std::ofstream f(path);
  for (const auto& q : p) f << fmt(q[0], false) << ' ' << fmt(q[1], false) << ' ' << fmt(q[2], false) << '\n';
  return path;
}

TEST(Xyz, ScatteredPointsWithoutResolutionSayWhatToDo) {
  TempDir dir;
  std::vector<std::array<double, 3>> p;
  const std::string path = scattered(dir, p);
  try {
    read(path);
    FAIL() << "scattered points were accepted as a grid";
  } catch (const cogkit::error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("not on a regular grid"), std::string::npos) << m;
    EXPECT_NE(m.find("XyzOptions::res"), std::string::npos) << m;
  }
}

class XyzBinning : public ::testing::TestWithParam<std::string> {};

TEST_P(XyzBinning, EveryCellFollowsTheDefinition) {
  TempDir dir;
  std::vector<std::array<double, 3>> p;
  const std::string path = scattered(dir, p);
  cogkit::XyzOptions o;
  o.res = 10;
  o.bin = cogkit::parse<cogkit::XyzBin>(GetParam());
  const Read r = read(path, o);
  // Grid aligned on multiples of 10 covering x 1000..1100, y 2000..2080.
  ASSERT_EQ(r.raster.gt[1], 10);
  ASSERT_EQ(r.raster.gt[5], -10);
  EXPECT_EQ(std::fmod(r.raster.gt[0], 10.0), 0.0);
  EXPECT_EQ(std::fmod(r.raster.gt[3], 10.0), 0.0);
  const int w = r.raster.width, h = r.raster.height;
  std::vector<std::vector<std::array<double, 3>>> cells(std::size_t(w) * h);
  for (const auto& q : p) {
    const int c = int(std::floor((q[0] - r.raster.gt[0]) / 10)), row = int(std::floor((r.raster.gt[3] - q[1]) / 10));
    ASSERT_TRUE(c >= 0 && c < w && row >= 0 && row < h);
    cells[std::size_t(row) * w + c].push_back(q);
  }
  const bool any_empty = std::any_of(cells.begin(), cells.end(), [](const auto& v) { return v.empty(); });
  EXPECT_EQ(r.raster.nodata.has_value(), any_empty || GetParam() != "count");
  for (int row = 0; row < h; ++row)
    for (int c = 0; c < w; ++c) {
      const auto& pts = cells[std::size_t(row) * w + c];
      const double got = r.raster.values[std::size_t(row) * w + c];
      if (pts.empty()) {
        EXPECT_EQ(got, *r.raster.nodata);
        continue;
      }
      const double cx = r.raster.gt[0] + (c + 0.5) * 10, cy = r.raster.gt[3] - (row + 0.5) * 10;
      double want = 0;
      const std::string& m = GetParam();
      if (m == "mean") {
        for (const auto& q : pts) want += q[2];
        want /= double(pts.size());
      } else if (m == "min" || m == "max") {
        want = pts[0][2];
        for (const auto& q : pts) want = m == "min" ? std::min(want, q[2]) : std::max(want, q[2]);
      } else if (m == "count") {
        want = double(pts.size());
      } else if (m == "nearest") {
        double best = INFINITY;
        for (const auto& q : pts) {
          const double d = std::hypot(q[0] - cx, q[1] - cy);
          if (d < best) best = d, want = q[2];
        }
      } else {  // idw, power 1
        double sw = 0, swz = 0;
        for (const auto& q : pts) {
          const double wgt = 1 / std::hypot(q[0] - cx, q[1] - cy);
          sw += wgt;
          swz += wgt * q[2];
        }
        want = swz / sw;
      }
      // 9 significant digits do not fit Float32: the raster is Float64 (sums in another order).
      EXPECT_EQ(GDALDataTypeIsFloating(r.raster.type), m != "count");
      if (m != "count") EXPECT_EQ(r.raster.type, GDT_Float64);
      const double tol = 1e-12 * std::max(1.0, std::fabs(want));
      EXPECT_NEAR(got, want, tol) << m << " cell " << c << "," << row;
    }
}

INSTANTIATE_TEST_SUITE_P(Modes, XyzBinning, ::testing::Values("mean", "min", "max", "count", "nearest", "idw"));

// ---------------------------------------------------------------------------
// Errors carry file:line.
std::string error_of(const std::string& content, const TempDir& dir, cogkit::XyzOptions o = {}) {
  const std::string path = dir / "bad.xyz";
  std::ofstream(path) << content;
  try {
    read(path, o);
  } catch (const cogkit::error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Xyz, ErrorsNameTheLine) {
  TempDir dir;
  const std::string p = dir / "bad.xyz";
  std::string m = error_of("x y z\n0 0 1\n1 0 2\n0 1 abc\n1 1 4\n", dir);
  EXPECT_NE(m.find(p + ":4"), std::string::npos) << m;
  EXPECT_NE(m.find("non-numeric value 'abc'"), std::string::npos) << m;
  m = error_of("0 0 1\n1 0 2\n0 1\n1 1 4\n", dir);
  EXPECT_NE(m.find(p + ":3"), std::string::npos) << m;
  EXPECT_NE(m.find("column count"), std::string::npos) << m;
  m = error_of("0 0 1\n1 0 2\n# comment\nnan 1 3\n1 1 4\n", dir);
  EXPECT_NE(m.find(p + ":4"), std::string::npos) << m;
  EXPECT_NE(m.find("NaN or infinity"), std::string::npos) << m;
  m = error_of("0 0 1\n1 inf 2\n", dir);
  EXPECT_NE(m.find(p + ":2"), std::string::npos) << m;
  // 3 points one unit apart plus one 10^9 units away: a 10^9-column grid, refused
  // before allocating, at the line of the far point.
  m = error_of("0 0 1\n1 0 2\n2 0 3\n1000000000 0 4\n0 1 5\n", dir);
  EXPECT_NE(m.find(p + ":4"), std::string::npos) << m;
  EXPECT_NE(m.find("too large"), std::string::npos) << m;
  m = error_of("# only a comment\nx y z\n", dir);
  EXPECT_NE(m.find("no data lines"), std::string::npos) << m;
}

TEST(Xyz, UnparsablePrjGivesAWarningAndNoCrs) {
  TempDir dir;
  const std::string path = dir / "grid.xyz";
  std::ofstream(path) << "0 0 1\n1 0 2\n0 1 3\n1 1 4\n";
  std::ofstream(dir / "grid.prj") << "PROJCS[\"x\"]";
  const Read r = read(path);
  EXPECT_TRUE(r.raster.wkt.empty()) << r.raster.wkt;
  EXPECT_TRUE(r.note("crs").empty()) << r.note("crs");
  ASSERT_EQ(r.report.warnings.size(), 1u);
  EXPECT_NE(r.report.warnings[0].find(dir / "grid.prj"), std::string::npos) << r.report.warnings[0];
  EXPECT_NE(r.report.warnings[0].find("written without CRS"), std::string::npos) << r.report.warnings[0];
}

TEST(Xyz, ASrsOverridesAPrj) {
  TempDir dir;
  const std::string path = dir / "grid.xyz";
  std::ofstream(path) << "500000 5000000 1\n500010 5000000 2\n500000 5000010 3\n500010 5000010 4\n";
  {
    cogkit::SrsHandle utm(OSRNewSpatialReference(nullptr));
    OSRImportFromEPSG(utm.get(), 32633);
    char* wkt = nullptr;
    OSRExportToWkt(utm.get(), &wkt);
    std::ofstream(dir / "grid.xyz.prj") << wkt;
    CPLFree(wkt);
  }
  EXPECT_NE(read(path).note("crs").find("grid.xyz.prj"), std::string::npos);
  cogkit::XyzOptions o;
  o.a_srs = "EPSG:2180";
  const Read r = read(path, o);
  cogkit::SrsHandle want(OSRNewSpatialReference(nullptr));
  OSRImportFromEPSG(want.get(), 2180);
  cogkit::SrsHandle got(OSRNewSpatialReference(r.raster.wkt.c_str()));
  EXPECT_TRUE(OSRIsSame(want.get(), got.get())) << r.raster.wkt;
  EXPECT_NE(r.note("crs").find("EPSG:2180"), std::string::npos) << r.note("crs");
  EXPECT_NE(r.note("crs").find("overrides " + (dir / "grid.xyz.prj")), std::string::npos) << r.note("crs");
  EXPECT_TRUE(r.report.warnings.empty());
  o.a_srs = "not a crs at all";
  try {
    read(path, o);
    ADD_FAILURE() << "no error";
  } catch (const cogkit::error& e) {
    EXPECT_EQ(e.step(), "options");
    EXPECT_NE(std::string(e.what()).find("XyzOptions::a_srs"), std::string::npos) << e.what();
  }
}

TEST(Xyz, DataTypeRule) {
  TempDir dir;
  auto type_of = [&](const std::string& content, std::optional<double> nodata = {}) {
    const std::string path = dir / "t.xyz";
    std::ofstream(path) << content;
    cogkit::XyzOptions o;
    o.nodata = nodata;
    return read(path, o).raster;
  };
  EXPECT_EQ(type_of("0 0 1\n1 0 2\n0 1 3\n1 1 255\n").type, GDT_Byte);
  EXPECT_EQ(type_of("0 0 -1\n1 0 2\n0 1 3\n1 1 4\n").type, GDT_Int16);
  EXPECT_EQ(type_of("0 0 1\n1 0 2\n0 1 3\n1 1 70000\n").type, GDT_Int32);
  // A missing point: the nodata value (-9999) must fit too.
  const Raster missing = type_of("0 0 1\n1 0 2\n0 1 3\n");
  EXPECT_EQ(missing.type, GDT_Int16);
  ASSERT_TRUE(missing.nodata.has_value());
  EXPECT_EQ(*missing.nodata, -9999);
  EXPECT_EQ(type_of("0 0 1.5\n1 0 2\n0 1 3\n1 1 4\n").type, GDT_Float32);
  // 9 significant digits: Float32 would drop some.
  EXPECT_EQ(type_of("0 0 123456.783\n1 0 2\n0 1 3\n1 1 4\n").type, GDT_Float64);
  // 7 significant digits: Float32 keeps them.
  EXPECT_EQ(type_of("0 0 1234.567\n1 0 2\n0 1 3\n1 1 4\n").type, GDT_Float32);
  // --nodata 0.5 makes an integer grid floating point.
  EXPECT_EQ(type_of("0 0 1\n1 0 2\n0 1 3\n", 0.5).type, GDT_Float32);
}

TEST(Xyz, LooksLikeXyz) {
  TempDir dir;
  auto write = [&](const std::string& name, const std::string& content) {
    std::ofstream(dir / name) << content;
    return dir / name;
  };
  EXPECT_TRUE(cogkit::looks_like_xyz(write("a.xyz", "0 0 1\n1 0 2\n")));
  EXPECT_TRUE(cogkit::looks_like_xyz(write("b.csv", "lat;lon;h;code\n46,5;14,5;48,1;4937\n")));
  EXPECT_TRUE(cogkit::looks_like_xyz(write("c.txt", "# comment\nX,Y,Z\n1,2,3\n")));
  EXPECT_FALSE(cogkit::looks_like_xyz(write("d.asc", "ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2\n3 4\n")));
  EXPECT_FALSE(cogkit::looks_like_xyz(write("e.txt", "1 2\n3 4\n")));
  EXPECT_FALSE(cogkit::looks_like_xyz(write("f.txt", "hello world\nthis is text\n")));
  const auto s = spec(8, 8);
  cogkit::demgen::write_raster(s, dir / "g.tif");
  EXPECT_FALSE(cogkit::looks_like_xyz(dir / "g.tif"));
}

TEST(XyzGrid, FitAxis) {
  using cogkit::detail::fit_axis;
  // Rounded to 3 decimals: 0.033/0.034 steps.
  std::vector<double> u;
  for (int i = 0; i < 30; ++i) u.push_back(std::round((8.4 + i / 30.0) * 1000) / 1000);
  auto f = fit_axis(u);
  ASSERT_TRUE(f.ok) << f.why;
  EXPECT_EQ(f.count, 30);
  EXPECT_NEAR(f.step, 1 / 30.0, 1e-4);
  // Missing rows: steps that are multiples of the base step.
  f = fit_axis({91.5, 92.5, 93.5, 95.5, 98.5, 99.5});
  ASSERT_TRUE(f.ok);
  EXPECT_EQ(f.count, 9);
  EXPECT_EQ(f.step, 1);
  // Print noise: the same column written as 440809.999 and 440810.
  f = fit_axis({440690, 440750.001, 440809.999, 440810, 440870});
  ASSERT_TRUE(f.ok);
  EXPECT_EQ(f.count, 4);
  EXPECT_DOUBLE_EQ(f.step, 60);
  // Not a lattice.
  EXPECT_FALSE(fit_axis({0, 1, 2, 3.4, 4}).ok);
  // One value: step unknown.
  f = fit_axis({5});
  EXPECT_TRUE(f.ok);
  EXPECT_EQ(f.count, 1);
  EXPECT_EQ(f.step, 0);
}

// ---------------------------------------------------------------------------
// Conformance over ../shared/testdata (read from there, never copied).
nlohmann::json load_json(const std::filesystem::path& p) {
  std::ifstream f(p);
  return nlohmann::json::parse(f);
}

// Every point of the file (parsed here independently, with the columns given) lands
// in a cell holding its value (as Float32), and no other cell has data.
void expect_points_in_cells(const std::filesystem::path& path, const Raster& r, int skip_lines, char sep, int xc, int yc,
                            int zc) {
  std::ifstream f(path);
  std::string line;
  for (int i = 0; i < skip_lines; ++i) std::getline(f, line);
  std::size_t n = 0;
  while (std::getline(f, line)) {
    for (auto& c : line)
      if (c == sep || c == '\r') c = ' ';
    std::istringstream ss(line);
    std::vector<double> v;
    double d;
    while (ss >> d) v.push_back(d);
    if (v.size() < 3) continue;
    const double x = v[xc], y = v[yc], z = v[zc];
    const double fc = (x - r.gt[0]) / r.gt[1] - 0.5, fr = (y - r.gt[3]) / r.gt[5] - 0.5;
    const long c = std::lround(fc), row = std::lround(fr);
    ASSERT_NEAR(fc, double(c), 0.3) << line;
    ASSERT_NEAR(fr, double(row), 0.3) << line;
    ASSERT_TRUE(c >= 0 && c < r.width && row >= 0 && row < r.height) << line;
    const double got = r.values[std::size_t(row) * r.width + c];
    EXPECT_EQ(got, r.type == GDT_Float32 ? double(float(z)) : z) << line;
    ++n;
  }
  std::size_t valid = 0;
  for (double v : r.values) valid += !(r.nodata && v == *r.nodata);
  EXPECT_EQ(valid, n);
}

TEST(XyzConformance, GdalAutotest) {
  COGKIT_REQUIRE_SHARED(shared);
  const auto expected = load_json(shared / "gdal-autotest" / "expected.json");
  int checked = 0;
  for (const auto& [key, e] : expected.items()) {
    if (key.rfind("xyz/", 0) != 0) continue;
    const auto path = shared / "gdal-autotest" / key;
    if (!std::filesystem::exists(path)) continue;
    SCOPED_TRACE(key);
    ASSERT_TRUE(cogkit::looks_like_xyz(path.string()));
    const Read got = read(path.string());
    const Raster& r = got.raster;
    int w = e["size"][0], h = e["size"][1];
    std::array<double, 6> gt;
    for (int i = 0; i < 6; ++i) gt[i] = e["geotransform"][i];
    // Upstream opens this headerless file with COLUMN_ORDER=YXZ (GDAL >= 3.10); 3.6.2
    // reads it as X-Y-Z. cogkit detects Y-X-Z from the file structure (docs/gdal-differences-xyz.md).
    const bool transposed = key == "xyz/test_xyz_column_order_basic_yxz.xyz";
    if (transposed) {
      EXPECT_EQ(r.width, h);
      EXPECT_EQ(r.height, w);
      EXPECT_EQ(got.note("axis_order").rfind("Y-X-Z", 0), 0u);
      ++checked;
      continue;
    }
    ASSERT_EQ(r.width, w);
    ASSERT_EQ(r.height, h);
    const double tol = e["upstream_expect"].contains("gt_tol") ? double(e["upstream_expect"]["gt_tol"]) : 1e-9;
    EXPECT_NEAR(r.gt[0], gt[0], tol);
    EXPECT_NEAR(r.gt[1], gt[1], tol);
    EXPECT_LT(r.gt[5], 0);
    EXPECT_NEAR(r.gt[5], -std::fabs(gt[5]), tol);
    const bool south_up = gt[5] > 0;
    EXPECT_NEAR(r.gt[3], south_up ? gt[3] + h * gt[5] : gt[3], tol);
    // Values in GDAL's row order; GDAL's missing cells hold its invented nodata (0).
    const double gdal_nd = e["nodata"].is_null() ? NAN : double(e["nodata"]);
    if (e["upstream_expect"].contains("values")) {
      const auto& vals = e["upstream_expect"]["values"];
      for (int row = 0; row < h; ++row)
        for (int c = 0; c < w; ++c) {
          const double want = vals[std::size_t(row) * w + c];
          const int our_row = south_up ? h - 1 - row : row;
          const double v = r.values[std::size_t(our_row) * w + c];
          if (want == gdal_nd) {
            ASSERT_TRUE(r.nodata.has_value());
            EXPECT_EQ(v, *r.nodata) << c << "," << row;
          } else {
            EXPECT_NEAR(v, want, 1e-5) << c << "," << row;
          }
        }
    }
    if (e.contains("minmax")) {
      double lo = INFINITY, hi = -INFINITY;
      for (double v : r.values)
        if (!(r.nodata && v == *r.nodata)) lo = std::min(lo, v), hi = std::max(hi, v);
      EXPECT_NEAR(lo, double(e["minmax"][0]), 1e-5);
      EXPECT_NEAR(hi, double(e["minmax"][1]), 1e-5);
    }
    if (e["upstream_expect"].contains("checksum") && !south_up) {
      cogkit::MemoryBudget budget(cogkit::StagingOptions{});
      cogkit::Report rep;
      cogkit::StagedRaster s = cogkit::read_xyz(path.string(), {}, budget, rep);
      EXPECT_EQ(GDALChecksumImage(GDALGetRasterBand(s.get(), 1), 0, 0, w, h), int(e["upstream_expect"]["checksum"]));
    }
    ++checked;
  }
  EXPECT_GT(checked, 5);
}

TEST(XyzConformance, BevAustriaLatFirstSemicolonMissingPoints) {
  COGKIT_REQUIRE_SHARED(shared);
  const auto path = shared / "real/xyz/bev_austria_geoid/GEOID_GRS80_Oesterreich.csv";
  const Read got = read(path.string());
  const Raster& r = got.raster;
  EXPECT_EQ(r.width, 187);
  EXPECT_EQ(r.height, 111);
  EXPECT_NEAR(r.gt[1], 0.025 * 5 / 3, 1e-6);
  EXPECT_NEAR(r.gt[5], -0.025, 1e-9);
  ASSERT_TRUE(r.nodata.has_value());
  EXPECT_EQ(r.type, GDT_Float32);
  EXPECT_NE(got.note("axis_order").find("header names"), std::string::npos);
  expect_points_in_cells(path, r, 1, ';', 1, 0, 2);
}

TEST(XyzConformance, GeodPt08SouthToNorthMatchesGdalFlipped) {
  COGKIT_REQUIRE_SHARED(shared);
  const auto path = shared / "real/xyz/dgt_geodpt08_anelas/GeodPT08.dat";
  const Read got = read(path.string());
  const Raster& r = got.raster;
  ASSERT_EQ(r.width, 162);
  ASSERT_EQ(r.height, 230);
  EXPECT_LT(r.gt[5], 0);
  // GDAL reads this file (south-up): the same pixels, rows reversed.
  GDALAllRegister();
  cogkit::DatasetHandle g(GDALOpen(path.string().c_str(), GA_ReadOnly));
  ASSERT_TRUE(g);
  const Raster gr = to_raster(g.get());
  ASSERT_GT(gr.gt[5], 0);
  EXPECT_NEAR(r.gt[0], gr.gt[0], 1e-9);
  EXPECT_NEAR(r.gt[3], gr.gt[3] + gr.height * gr.gt[5], 1e-9);
  std::size_t diff = 0;
  for (int row = 0; row < r.height; ++row)
    for (int c = 0; c < r.width; ++c)
      diff += r.values[std::size_t(row) * r.width + c] != gr.values[std::size_t(r.height - 1 - row) * r.width + c];
  EXPECT_EQ(diff, 0u);
  expect_points_in_cells(path, r, 0, ' ', 0, 1, 2);
}

TEST(XyzConformance, Rac23RoundedCoordinatesAndFreeTextHeader) {
  COGKIT_REQUIRE_SHARED(shared);
  const auto path = shared / "real/xyz/ign_france_rac23/RAC23.mnt";
  // The header line gives the extent and steps: xmin xmax ymin ymax dx dy.
  std::ifstream f(path);
  double xmin, xmax, ymin, ymax, dx, dy;
  f >> xmin >> xmax >> ymin >> ymax >> dx >> dy;
  const Read got = read(path.string());
  const Raster& r = got.raster;
  EXPECT_EQ(r.width, std::lround((xmax - xmin) / dx) + 1);
  EXPECT_EQ(r.height, std::lround((ymax - ymin) / dy) + 1);
  EXPECT_NEAR(r.gt[1], dx, 1e-4);
  EXPECT_NEAR(r.gt[5], -dy, 1e-6);
  EXPECT_NEAR(r.gt[0] + r.gt[1] / 2, xmin, 1e-3);
  EXPECT_NEAR(r.gt[3] + r.gt[5] / 2, ymax, 1e-3);
  expect_points_in_cells(path, r, 1, ' ', 0, 1, 2);
}

}  // namespace

namespace {

TEST(XyzConformance, LooksLikeXyzPicksOnlyXyzFiles) {
  COGKIT_REQUIRE_SHARED(shared);
  int xyz = 0, other = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(shared)) {
    if (!e.is_regular_file()) continue;
    const std::string p = e.path().string();
    const std::string ext = e.path().extension().string();
    if (ext == ".md" || ext == ".json" || ext == ".prj" || ext == ".xml") continue;
    const bool is_xyz = p.find("/xyz/") != std::string::npos;
    EXPECT_EQ(cogkit::looks_like_xyz(p), is_xyz) << p;
    (is_xyz ? xyz : other)++;
  }
  EXPECT_GT(xyz, 10);
  EXPECT_GT(other, 10);
}

}  // namespace

namespace {

TEST(Xyz, GdalVirtualFileSystemPaths) {
  TempDir dir;
  const auto s = spec();
  const std::string path = dir / "grid.xyz";
  write_points(points(s), s, path, Layout{Order::shuffled});
  ASSERT_EQ(cogkit::test::run("gzip -k " + path).exit_code, 0);
  const Read plain = read(path), gz = read("/vsigzip/" + path + ".gz");
  expect_same_grid(gz.raster, plain.raster);
}

// Compressed XYZ (gzip, zstd, zip) reads like the plain file, through the ASCII grid
// reader's decompression; in memory or spilled to a temp file (StagingMode::file).
TEST(Xyz, CompressedFilesReadLikeThePlainFile) {
  TempDir dir;
  const auto s = spec();
  const std::string path = dir / "grid.xyz";
  write_points(points(s), s, path, Layout{Order::shuffled});
  const std::string cd = "cd " + dir.path().string() + " && ";
  ASSERT_EQ(0, cogkit::test::run(cd + "gzip -k grid.xyz && zstd -q grid.xyz && zip -q grid.zip grid.xyz").exit_code);
  cogkit::test::write_text(dir / "notes.txt", "not points\n");
  ASSERT_EQ(0, cogkit::test::run(cd + "cp grid.zip two.zip && zip -q two.zip notes.txt").exit_code);
  const Read plain = read(path);
  cogkit::StagingOptions to_file;
  to_file.force = cogkit::StagingMode::file;
  for (const char* n : {"grid.xyz.gz", "grid.xyz.zst", "grid.zip", "two.zip"}) {
    SCOPED_TRACE(n);
    EXPECT_TRUE(cogkit::looks_like_xyz(dir / n));
    EXPECT_FALSE(cogkit::looks_like_ascii_grid(dir / n));
    const Read r = read(dir / n);
    expect_same_grid(r.raster, plain.raster);
    EXPECT_NE(std::string::npos, r.note("input").find("decompressed in memory")) << r.note("input");
    EXPECT_EQ(std::filesystem::file_size(dir / n), r.report.input_bytes);
    const Read f = read(dir / n, {}, to_file);
    expect_same_grid(f.raster, plain.raster);
    EXPECT_NE(std::string::npos, f.note("input").find("temp file")) << f.note("input");
  }
  // An error names the line of the decompressed text.
  cogkit::test::write_text(dir / "bad.xyz", "0 0 1\n1 0 2\n2 0 x\n");
  ASSERT_EQ(0, cogkit::test::run(cd + "gzip bad.xyz").exit_code);
  try {
    read(dir / "bad.xyz.gz");
    ADD_FAILURE() << "a bad value must fail";
  } catch (const cogkit::error& e) {
    EXPECT_EQ(dir / "bad.xyz.gz:3", e.path());
  }
}

}  // namespace

namespace {

TEST(Xyz, QuotedFieldsAndEmptyZ) {
  TempDir dir;
  const std::string path = dir / "q.csv";
  std::ofstream(path) << "\"lon\",\"lat\",\"elev\"\n\"10.5\",\"50.5\",\"7\"\n\"11.5\",\"50.5\",\n\"10.5\",\"49.5\",\"9\"\n\"11.5\",\"49.5\",\"10\"\n";
  const Read r = read(path);
  ASSERT_EQ(r.raster.width, 2);
  ASSERT_EQ(r.raster.height, 2);
  ASSERT_TRUE(r.raster.nodata.has_value());
  EXPECT_EQ(r.raster.values[0], 7);
  EXPECT_EQ(r.raster.values[1], *r.raster.nodata);
  EXPECT_EQ(r.raster.values[2], 9);
  EXPECT_EQ(r.raster.values[3], 10);
  EXPECT_EQ(r.raster.gt[0], 10);
  EXPECT_EQ(r.raster.gt[3], 51);
}

}  // namespace
