// Progress a log can read (--progress): plain GDAL-style lines when stderr is no TTY (as here),
// JSON lines, none / -q, batch lines, warnings on stderr.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace cogkit {
namespace {

using test::run;
using test::tool;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(ProgressCli, PlainLinesWhenStderrIsNoTty) {
  test::TempDir dir;
  const std::string src = test::make_test_dem(dir, 400, 300);
  const auto r = run(tool("cogify") + " " + src + " " + (dir / "out.tif") + " -t EPSG:3857 --fill");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::regex line("[a-z_]+: 0(\\.\\.\\.[1-9]0)*(\\.\\.\\.100 - done\\.)?");
  const std::regex full("[a-z_]+: 0\\.\\.\\.10\\.\\.\\.20\\.\\.\\.30\\.\\.\\.40\\.\\.\\.50\\.\\.\\.60\\.\\.\\.70\\.\\.\\.80"
                        "\\.\\.\\.90\\.\\.\\.100 - done\\.");
  int done = 0;
  std::set<std::string> steps;
  for (const auto& l : lines_of(r.err)) {
    EXPECT_TRUE(std::regex_match(l, line)) << l;
    done += std::regex_match(l, full);
    steps.insert(l.substr(0, l.find(':')));
  }
  EXPECT_GE(done, 1) << r.err;
  EXPECT_TRUE(steps.count("reproject")) << r.err;
  // --progress=plain says the same on a terminal; the default on no TTY is plain already.
  const auto p = run(tool("cogify") + " " + src + " " + (dir / "out2.tif") + " --progress plain");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.err.find(" - done.\n"), std::string::npos) << p.err;
}

TEST(ProgressCli, JsonLinesHaveStepFractionElapsedEta) {
  test::TempDir dir;
  const std::string src = test::make_test_dem(dir, 400, 300);
  const auto r = run(tool("cogify") + " " + src + " " + (dir / "out.tif") + " -t EPSG:3857 --progress=json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto ls = lines_of(r.err);
  ASSERT_FALSE(ls.empty());
  std::map<std::string, double> last;
  for (const auto& l : ls) {
    const auto j = nlohmann::json::parse(l);
    ASSERT_TRUE(j.contains("step") && j.contains("fraction") && j.contains("elapsed_s") && j.contains("eta_s")) << l;
    const std::string step = j["step"];
    const double f = j["fraction"];
    EXPECT_GE(f, last.count(step) ? last[step] : 0.0) << l;
    EXPECT_LE(f, 1.0);
    EXPECT_GE(j["elapsed_s"].get<double>(), 0.0);
    EXPECT_TRUE(j["eta_s"].is_null() || j["eta_s"].get<double>() >= 0) << l;
    last[step] = f;
  }
  EXPECT_EQ(last["reproject"], 1.0) << r.err;
  EXPECT_LE(ls.size(), 11 * last.size()) << "one line per step change and per 10 %";
}

TEST(ProgressCli, NoneAndQuietAreSilent) {
  test::TempDir dir;
  const std::string src = test::make_test_dem(dir, 200, 150);
  for (const std::string flags : {"--progress=none", "-q", "-q --progress plain", "--progress json -q"}) {
    const auto r = run(tool("cogify") + " " + src + " " + (dir / "out.tif") + " -t EPSG:3857 " + flags);
    EXPECT_EQ(r.exit_code, 0) << flags << ": " << r.err;
    EXPECT_EQ(r.err, "") << flags;
  }
  const auto bad = run(tool("cogify") + " " + src + " " + (dir / "out.tif") + " --progress=fancy");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown progress style 'fancy'"), std::string::npos) << bad.err;
}

std::string batch_inputs(const test::TempDir& dir) {
  std::string files;
  for (int i = 0; i < 3; ++i) {
    const std::string p = dir / ("d" + std::to_string(i) + ".tif");
    std::filesystem::copy_file(test::make_test_dem(dir, 120, 90), p, std::filesystem::copy_options::overwrite_existing);
    files += " " + p;
  }
  std::ofstream(dir / "broken.tif") << "not a raster";
  return files + " " + (dir / "broken.tif");
}

TEST(ProgressCli, BatchPlainLinePerItem) {
  test::TempDir dir;
  const std::string files = batch_inputs(dir);
  const auto r = run(tool("cogify") + " -O " + (dir / "out") + files + " --jobs 1");
  EXPECT_EQ(r.exit_code, 5) << r.err;
  const std::regex line("batch: [1-4]/4 done, [01] failed, 0 skipped, [0-9.]+ items/s, ETA ([0-9]+ s|\\?)");
  int batch_lines = 0;
  for (const auto& l : lines_of(r.err))
    if (l.rfind("batch: ", 0) == 0) {
      EXPECT_TRUE(std::regex_match(l, line)) << l;
      ++batch_lines;
    }
  EXPECT_EQ(batch_lines, 4) << r.err;
  EXPECT_NE(r.err.find("batch: 4/4 done, 1 failed, 0 skipped"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("broken.tif: read: "), std::string::npos) << r.err;
}

TEST(ProgressCli, BatchJsonLines) {
  test::TempDir dir;
  const std::string files = batch_inputs(dir);
  const auto r = run(tool("cogify") + " -O " + (dir / "out") + files + " --jobs 2 --progress json");
  EXPECT_EQ(r.exit_code, 5) << r.err;
  int n = 0;
  for (const auto& l : lines_of(r.err)) {
    if (l.empty() || l[0] != '{') continue;  // the error and summary lines
    const auto j = nlohmann::json::parse(l);
    if (j["step"] != "batch") continue;
    ++n;
    for (const char* k : {"done", "total", "failed", "skipped", "items_per_s", "eta_s", "elapsed_s", "fraction"})
      EXPECT_TRUE(j.contains(k)) << k << " in " << l;
    EXPECT_EQ(j["total"], 4);
  }
  EXPECT_EQ(n, 4) << r.err;
}

TEST(ProgressCli, WarningsOnStderrUnlessQuiet) {
  test::TempDir dir;
  const std::string in = dir / "bom.asc", out = dir / "out.tif";
  test::write_text(in, "\xEF\xBB\xBFncols 3\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2 3\n4 5 6\n");
  const auto r = run(tool("asc2cog") + " " + in + " " + out + " --progress none");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("asc2cog: " + in + ": warning: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("byte order mark"), std::string::npos) << r.err;
  const auto q = run(tool("asc2cog") + " -q " + in + " " + out);
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.err, "");
}

}  // namespace
}  // namespace cogkit
