// A progress callback that returns false stops the run: convert() throws cogkit::cancelled,
// nothing is at the output and no temporary file is left (output directory, tmpdir).
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "cogkit/core/error.hpp"
#include "cogkit/pipeline/pipeline.hpp"
#include "demgen.hpp"
#include "test_support.hpp"

namespace cogkit {
namespace {

namespace fs = std::filesystem;

std::string make_dem(const test::TempDir& dir) {
  demgen::DemSpec s;
  s.width = 1800;
  s.height = 1600;
  s.res = 5;
  s.epsg = 2180;
  s.lakes = 6;
  s.dropout_fraction = 0.01;
  s.seed = 5;
  const std::string path = dir / "in/dem.tif";
  fs::create_directories(dir.path() / "in");
  demgen::write_raster(s, path);
  return path;
}

struct Case {
  const char* step;  // the step whose progress reaches 30 % when the callback says stop
  bool reproject, fill, gdal_writer, file_staging;
};

class Cancel : public ::testing::TestWithParam<Case> {};

TEST_P(Cancel, StopsAt30PercentAndLeavesNothing) {
  const Case c = GetParam();
  test::TempDir dir;
  const std::string input = make_dem(dir);
  fs::create_directories(dir.path() / "out");
  fs::create_directories(dir.path() / "tmp");
  const std::string output = dir / "out/dem_cog.tif";
  PipelineOptions o;
  if (c.reproject) o.reproject.t_srs = "EPSG:3857";
  o.fill.enabled = c.fill;
  o.cog.writer = c.gdal_writer ? Writer::gdal : Writer::automatic;
  o.staging.tmpdir = (dir.path() / "tmp").string();
  if (c.file_staging) o.staging.force = StagingMode::file;
  bool stopped = false;
  o.progress = [&](std::string_view step, double f) {
    if (step == c.step && f >= 0.3) stopped = true;
    return !stopped;
  };
  try {
    convert(input, output, o);
    FAIL() << "convert() finished despite the cancel";
  } catch (const cancelled& e) {
    EXPECT_EQ(e.step(), "cancelled");
    EXPECT_EQ(e.stopped_step(), c.step);
  }
  EXPECT_TRUE(stopped);
  EXPECT_TRUE(fs::is_empty(dir.path() / "out")) << "something left in the output directory";
  EXPECT_TRUE(fs::is_empty(dir.path() / "tmp")) << "a temporary file left in tmpdir";
}

INSTANTIATE_TEST_SUITE_P(Steps, Cancel,
                         ::testing::Values(Case{"reproject", true, false, false, true},
                                           Case{"read", false, true, false, true},
                                           Case{"fill", false, true, false, true},
                                           Case{"write", true, false, false, true},
                                           Case{"write", false, false, true, false}),
                         [](const auto& info) {
                           return std::string(info.param.step) + (info.param.gdal_writer ? "_gdal" : "") + "_" +
                                  std::to_string(info.index);
                         });

TEST(Cancel, VoidAndTrueCallbacksRunToTheEnd) {
  test::TempDir dir;
  const std::string input = make_dem(dir);
  PipelineOptions o;
  double last = 0;
  o.progress = [&](std::string_view, double f) { last = f; };  // void: reports only, as before
  convert(input, dir / "a.tif", o);
  EXPECT_EQ(last, 1.0);
  int calls = 0;
  o.progress = [&](std::string_view, double) { return ++calls > 0; };
  convert(input, dir / "b.tif", o);
  EXPECT_GT(calls, 0);
  EXPECT_TRUE(fs::exists(dir / "a.tif") && fs::exists(dir / "b.tif"));
}

}  // namespace
}  // namespace cogkit
