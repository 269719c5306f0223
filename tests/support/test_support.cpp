#include "test_support.hpp"

#include "demgen.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <cpl_conv.h>
#include <gdal.h>

#include "cogkit/write/cog.hpp"
#include "cogkit/validate/validate.hpp"

namespace fs = std::filesystem;

namespace cogkit::test {

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "tmp";
  for (auto& c : name)
    if (c == '/') c = '_';
  path_ = fs::path(COGKIT_BINARY_DIR) / "test-tmp" / (name + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!std::getenv("COGKIT_KEEP_TEST_FILES")) fs::remove_all(path_, ec);
}

std::optional<fs::path> shared_testdata() {
  if (const char* env = std::getenv("COGKIT_SHARED_DIR")) {
    fs::path p = fs::path(env) / "testdata";
    if (fs::is_directory(p)) return p;
  }
  fs::path p = fs::path(COGKIT_SOURCE_DIR).parent_path() / "shared" / "testdata";
  if (fs::is_directory(p)) return p;
  return std::nullopt;
}

CommandResult run(const std::string& command) {
  static std::atomic<int> counter{0};
  const std::string base = (fs::path(COGKIT_BINARY_DIR) / "test-tmp").string();
  fs::create_directories(base);
  const std::string tag = base + "/cmd-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  const std::string full = "(" + command + ") >" + tag + ".out 2>" + tag + ".err";
  const int status = std::system(full.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(tag + ".out");
  r.err = read_file(tag + ".err");
  fs::remove(tag + ".out");
  fs::remove(tag + ".err");
  return r;
}

std::string tool(const std::string& name) { return std::string(COGKIT_TOOLS_DIR) + "/" + name; }

std::string python_with_gdal() {
  static const std::string py = [] {
    const auto r = run("/usr/bin/python3 -c 'from osgeo import gdal'");
    return r.exit_code == 0 ? std::string("/usr/bin/python3") : std::string();
  }();
  return py;
}

Raster read_raster(const std::string& path) {
  GDALAllRegister();
  Raster r;
  DatasetHandle ds(GDALOpenEx(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  if (!ds) {
    ADD_FAILURE() << "cannot open " << path << ": " << CPLGetLastErrorMsg();
    return r;
  }
  r.width = GDALGetRasterXSize(ds.get());
  r.height = GDALGetRasterYSize(ds.get());
  r.bands = GDALGetRasterCount(ds.get());
  GDALGetGeoTransform(ds.get(), r.gt);
  if (auto* srs = GDALGetSpatialRef(ds.get())) {
    char* wkt = nullptr;
    OSRExportToWkt(srs, &wkt);
    r.wkt = wkt ? wkt : "";
    CPLFree(wkt);
  }
  GDALRasterBandH b = GDALGetRasterBand(ds.get(), 1);
  r.type = GDALGetRasterDataType(b);
  int has = 0;
  const double nd = GDALGetRasterNoDataValue(b, &has);
  if (has) r.nodata = nd;
  r.values.resize(static_cast<size_t>(r.width) * r.height);
  if (GDALRasterIO(b, GF_Read, 0, 0, r.width, r.height, r.values.data(), r.width, r.height, GDT_Float64, 0, 0) != CE_None)
    ADD_FAILURE() << "cannot read " << path;
  return r;
}

std::size_t count_differences(const Raster& a, const Raster& b, double tol) {
  if (a.values.size() != b.values.size()) return std::max(a.values.size(), b.values.size());
  auto is_nd = [](const Raster& r, double v) {
    return std::isnan(v) || (r.nodata && (v == *r.nodata || (std::isnan(*r.nodata) && std::isnan(v))));
  };
  std::size_t n = 0;
  for (std::size_t i = 0; i < a.values.size(); ++i) {
    const bool na = is_nd(a, a.values[i]), nb = is_nd(b, b.values[i]);
    if (na != nb || (!na && std::fabs(a.values[i] - b.values[i]) > tol)) ++n;
  }
  return n;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void expect_valid_cog(const std::string& path) {
  const auto v = validate_cog(path);
  EXPECT_TRUE(v.valid) << path << ": " << (v.errors.empty() ? "" : v.errors.front());
  if (!python_with_gdal().empty()) {
    const auto r = run(python_with_gdal() + " -m osgeo_utils.samples.validate_cloud_optimized_geotiff '" + path + "'");
    EXPECT_EQ(r.exit_code, 0) << "GDAL's validator: " << r.out << r.err;
  }
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

std::optional<bool> gdal_validator_says_valid(const std::string& path) {
  if (python_with_gdal().empty()) return std::nullopt;
  const auto r = run(python_with_gdal() + " -m osgeo_utils.samples.validate_cloud_optimized_geotiff -q '" + path + "'");
  return r.exit_code == 0;
}

std::string make_test_dem(const TempDir& dir, int width, int height, GDALDataType type) {
  demgen::DemSpec s;
  s.width = width;
  s.height = height;
  s.type = type;
  s.lakes = 1;
  s.lake_radius_min = 20;
  s.lake_radius_max = 30;
  const std::string path = dir / "dem.tif";
  demgen::write_raster(s, path);
  return path;
}

}  // namespace cogkit::test
