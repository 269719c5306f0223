// cogify end to end: one-line errors, exit codes, nothing at OUTPUT, --check, --json, signals.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "demgen.hpp"
#include "test_support.hpp"

namespace cogkit {
namespace {

namespace fs = std::filesystem;
using test::run;
using test::tool;

std::string make_dem(const test::TempDir& dir, int w = 300, int h = 240) {
  demgen::DemSpec s;
  s.width = w;
  s.height = h;
  s.lakes = 2;
  s.lake_radius_min = 10;
  s.lake_radius_max = 20;
  const std::string p = dir / "dem.tif";
  demgen::write_raster(s, p);
  return p;
}

std::size_t leftovers(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().filename().string().find(".cogkit-") != std::string::npos;
  return n;
}

int count_lines(const std::string& s) { return int(std::count(s.begin(), s.end(), '\n')); }

TEST(CogifyCli, ConvertsAndPrintsTheReport) {
  test::TempDir dir;
  const std::string src = make_dem(dir);
  const auto r = run(tool("cogify") + " " + src + " " + (dir / "out.tif") + " --json --report " + (dir / "r.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << "no bar when stderr is not a TTY (plain lines): " << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["width"], 300);
  EXPECT_EQ(j["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(nlohmann::json::parse(test::read_file(dir / "r.json")), j);
  EXPECT_EQ(run(tool("cogify") + " --check " + (dir / "out.tif")).exit_code, 0);
}

// -O DIR creates a missing DIR as mkdir -p would (issue 12).
TEST(CogifyCli, OutputDirIsCreatedWhenMissing) {
  test::TempDir dir;
  make_dem(dir);
  const auto r = run("cd " + dir.path().string() + " && " + tool("cogify") + " -O out/ dem.tif -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  test::expect_valid_cog(dir / "out/dem.tif");
}

// --res is the square pixel size, alone or with -t (it used to set X only: yres stayed 0).
TEST(CogifyCli, ResSetsASquarePixel) {
  test::TempDir dir;
  const std::string src = make_dem(dir);
  auto r = run(tool("cogify") + " -q --res 7 " + src + " " + (dir / "res.tif"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto got = test::read_raster(dir / "res.tif");
  EXPECT_DOUBLE_EQ(got.gt[1], 7);
  EXPECT_DOUBLE_EQ(got.gt[5], -7);
  r = run(tool("cogify") + " -q -t EPSG:3857 --res 30 " + src + " " + (dir / "warped.tif"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  got = test::read_raster(dir / "warped.tif");
  EXPECT_DOUBLE_EQ(got.gt[1], 30);
  EXPECT_DOUBLE_EQ(got.gt[5], -30);
}

TEST(CogifyCli, BadInputGivesOneLineNamingToolFileAndStep) {
  test::TempDir dir;
  const std::string src = make_dem(dir);
  const std::string out = dir / "out.tif";
  const auto r = run(tool("cogify") + " " + src + " " + out + " -t EPSG:999999");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_EQ(r.err.rfind("cogify: " + src + ": reproject: unknown CRS 'EPSG:999999'", 0), 0u) << r.err;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(leftovers(dir.path()), 0u);

  const std::string text = dir / "garbage.tif";
  std::ofstream(text) << "this is not a raster\n";
  const auto g = run(tool("cogify") + " " + text + " " + out);
  EXPECT_NE(g.exit_code, 0);
  EXPECT_EQ(count_lines(g.err), 1) << g.err;
  EXPECT_NE(g.err.find("cogify: " + text + ": read: "), std::string::npos) << g.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(CogifyCli, BadOptionsAreRefusedBeforeAnyWork) {
  test::TempDir dir;
  const std::string src = make_dem(dir);
  const std::string out = dir / "out.tif";
  for (const std::string& opt : {"--compress brotli", "--memory-budget lots", "--resampling fancy", "--blocksize 100",
                                 "--bbox 1,2,3", "--predictor 9", "--no-such-flag"}) {
    const auto r = run(tool("cogify") + " " + src + " " + out + " " + opt);
    EXPECT_NE(r.exit_code, 0) << opt;
    EXPECT_EQ(count_lines(r.err), 1) << opt << ": " << r.err;
    EXPECT_EQ(r.err.rfind("cogify: ", 0), 0u) << r.err;
    EXPECT_FALSE(fs::exists(out)) << opt;
  }
}

TEST(CogifyCli, CheckReportsInvalidFiles) {
  test::TempDir dir;
  demgen::DemSpec s;
  s.width = 1300;
  s.height = 600;
  const std::string src = dir / "striped.tif";
  demgen::write_raster(s, src, "GTiff", {});  // one strip per row, wider than 1024: not a COG
  const auto r = run(tool("cogify") + " --check " + src);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("NOT a valid COG"), std::string::npos) << r.out;
}

TEST(CogifyCli, ExistingOutputIsReplacedOnlyBySuccess) {
  test::TempDir dir;
  const std::string src = make_dem(dir);
  const std::string out = dir / "out.tif";
  std::ofstream(out) << "previous version";
  const auto bad = run(tool("cogify") + " " + src + " " + out + " --clip 'POLYGON((0 0,1 0,1 1,0 0))'");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_EQ(test::read_file(out), "previous version") << "a failed run must not touch the existing output";
  ASSERT_EQ(run(tool("cogify") + " " + src + " " + out).exit_code, 0);
  EXPECT_NE(test::read_file(out), "previous version");
}

TEST(CogifyCli, InterruptRemovesTemporaryFiles) {
  test::TempDir dir;
  const std::string src = make_dem(dir, 3000, 3000);
  const std::string out = dir / "out.tif";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string t = tool("cogify");
    const std::string tmp = dir.path().string();
    execl(t.c_str(), t.c_str(), src.c_str(), out.c_str(), "-q", "-t", "EPSG:3857", "-r", "cubic", "--fill", "--staging",
          "file", "--tmpdir", tmp.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait until the run has created its temporary files, then interrupt it.
  for (int i = 0; i < 400 && leftovers(dir.path()) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const bool saw_temp = leftovers(dir.path()) > 0;
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!saw_temp && WIFEXITED(status) && WEXITSTATUS(status) == 0) GTEST_SKIP() << "the run finished before it could be interrupted";
  EXPECT_TRUE(WIFSIGNALED(status)) << "status " << status;
  EXPECT_EQ(leftovers(dir.path()), 0u);
  EXPECT_FALSE(fs::exists(out));
}

TEST(CogifyCli, PicksCogkitsOwnReaderForXyzText) {
  test::TempDir dir;
  demgen::DemSpec s;
  s.width = 60;
  s.height = 40;
  s.lakes = 1;
  s.lake_radius_min = 5;
  s.lake_radius_max = 8;
  demgen::write_xyz(s, dir / "grid.txt", 9);
  demgen::write_raster(s, dir / "ref.tif");
  const auto r = run(tool("cogify") + " " + (dir / "grid.txt") + " " + (dir / "out.tif") + " --json -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["source_driver"], "XYZ");
  const auto a = test::read_raster(dir / "out.tif"), b = test::read_raster(dir / "ref.tif");
  EXPECT_EQ(a.width, 60);
  EXPECT_EQ(test::count_differences(a, b, 0), 0u);
  for (int i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(a.gt[i], b.gt[i]);
}

TEST(CogifyCli, PicksCogkitsOwnReaderForAsciiGridsWhateverTheExtension) {
  test::TempDir dir;
  demgen::DemSpec s;
  s.width = 70;
  s.height = 50;
  s.type = GDT_Int16;
  s.lakes = 1;
  s.lake_radius_min = 5;
  s.lake_radius_max = 8;
  demgen::write_ascii_grid(s, dir / "grid.dat");
  demgen::write_raster(s, dir / "ref.tif");
  const auto r = run(tool("cogify") + " " + (dir / "grid.dat") + " " + (dir / "out.tif") + " --json -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["data_type"], "Int16") << "integers stay integers";
  const auto a = test::read_raster(dir / "out.tif"), b = test::read_raster(dir / "ref.tif");
  EXPECT_EQ(test::count_differences(a, b, 0), 0u);
  for (int i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(a.gt[i], b.gt[i]);
}

TEST(CogifyCli, ReaderRastersAreFilledAndClippedInPlaceWithTheSameResult) {
  // asc2cog fills/clips the reader's own raster in place (no copy); cogify on the same grid
  // as a GeoTIFF copies the clip window + halo first. Both must give the same pixels.
  test::TempDir dir;
  demgen::DemSpec s;
  s.width = 300;
  s.height = 220;
  s.type = GDT_Int16;
  s.lakes = 3;
  s.lake_radius_min = 8;
  s.lake_radius_max = 25;
  s.dropout_fraction = 0.01;
  demgen::write_ascii_grid(s, dir / "grid.asc");
  demgen::write_raster(s, dir / "grid.tif");
  const std::string opts = " --fill --fill-max-distance 20 --fill-smoothing 1 --bbox 500250,499300,501200,499900 -q --json";
  const auto a = run(tool("asc2cog") + " " + (dir / "grid.asc") + " " + (dir / "a.tif") + opts);
  const auto b = run(tool("cogify") + " " + (dir / "grid.tif") + " " + (dir / "b.tif") + opts);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(nlohmann::json::parse(a.out)["staging"].get<std::string>().rfind("in place", 0), 0u);
  EXPECT_EQ(nlohmann::json::parse(b.out)["staging"], "memory");
  const auto ra = test::read_raster(dir / "a.tif"), rb = test::read_raster(dir / "b.tif");
  ASSERT_EQ(ra.width, rb.width);
  EXPECT_EQ(test::count_differences(ra, rb, 0), 0u);
  for (int i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(ra.gt[i], rb.gt[i]);
}

TEST(CogifyCli, WriterChoiceKeepsThePixelsAndIsReported) {
  test::TempDir dir;
  const std::string src = make_dem(dir, 1100, 700);
  const std::string common = " -t EPSG:3857 -r bilinear --fill --json ";
  const auto a = run(tool("cogify") + " " + src + " " + (dir / "a.tif") + common + "--writer cogkit");
  const auto b = run(tool("cogify") + " " + src + " " + (dir / "b.tif") + common + "--writer gdal");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(nlohmann::json::parse(a.out)["notes"]["writer"], "cogkit");
  EXPECT_EQ(nlohmann::json::parse(b.out)["notes"]["writer"], "gdal");
  EXPECT_EQ(test::count_differences(test::read_raster(dir / "a.tif"), test::read_raster(dir / "b.tif"), 0), 0u);
  test::expect_valid_cog(dir / "a.tif");
  // A codec the writer does not cover: GDAL's driver, and the report says why.
  const auto c = run(tool("cogify") + " " + src + " " + (dir / "c.tif") + " --compress lzw --json");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  const std::string why = nlohmann::json::parse(c.out)["notes"]["writer"];
  EXPECT_EQ(why.rfind("gdal", 0), 0u) << why;
  EXPECT_NE(why.find("lzw"), std::string::npos) << why;
  const auto d = run(tool("cogify") + " " + src + " " + (dir / "d.tif") + " --compress lzw --writer cogkit");
  EXPECT_NE(d.exit_code, 0);
  EXPECT_EQ(count_lines(d.err), 1) << d.err;
  EXPECT_FALSE(fs::exists(dir / "d.tif"));
}

TEST(CogifyCli, HelpMarkdownListsEveryFlag) {
  const auto r = run(tool("cogify") + " --help-markdown");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* flag : {"--t-srs", "--fill-max-distance", "--clip", "--bbox-srs", "--compress", "--memory-budget",
                           "--overview-resampling", "--report", "--writer"})
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
}

}  // namespace
}  // namespace cogkit
