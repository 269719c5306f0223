// Exit status by class (tools/exit_codes.hpp) and the failure JSON of --json / --report.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace cogkit {
namespace {

namespace fs = std::filesystem;
using test::run;
using test::tool;

void expect_failure_object(const nlohmann::json& j, const std::string& step, const std::string& in,
                           const std::string& out) {
  EXPECT_EQ(j["status"], "failed") << j;
  EXPECT_EQ(j["step"], step) << j;
  EXPECT_EQ(j["input"], in) << j;
  EXPECT_EQ(j["output"], out) << j;
  EXPECT_FALSE(j["message"].get<std::string>().empty()) << j;
  EXPECT_TRUE(j["gdal_message"].is_string()) << j;
}

TEST(ExitCodes, SuccessReportSaysOk) {
  test::TempDir dir;
  const std::string src = test::make_test_dem(dir, 100, 80);
  const auto r = run(tool("cogify") + " -q " + src + " " + (dir / "out.tif") + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["status"], "ok");
}

TEST(ExitCodes, UsageErrorIs2) {
  EXPECT_EQ(run(tool("cogify") + " --no-such-flag a b").exit_code, 2);
  EXPECT_EQ(run(tool("cogify") + " only-one-file").exit_code, 2);
  EXPECT_EQ(run(tool("asc2cog") + " a.asc b.tif --compress nope").exit_code, 2);
}

TEST(ExitCodes, BadInputIs3WithFailureJsonOnStdoutAndInTheReport) {
  test::TempDir dir;
  const std::string in = dir / "broken.tif", out = dir / "out.tif", rep = dir / "r.json";
  std::ofstream(in) << "not a raster";
  const auto r = run(tool("cogify") + " " + in + " " + out + " --json --report " + rep);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("cogify: " + in + ": read: "), std::string::npos) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  expect_failure_object(j, "read", in, out);
  EXPECT_EQ(j["tool"], "cogify");
  EXPECT_EQ(nlohmann::json::parse(test::read_file(rep)), j);
  EXPECT_FALSE(fs::exists(out));
  // Text inputs too: a malformed XYZ line is bad input.
  const std::string xyz = dir / "bad.xyz";
  std::ofstream(xyz) << "0 0 1\n1 0 2\n0 1 x\n1 1 3\n";
  EXPECT_EQ(run(tool("xyz2cog") + " -q " + xyz + " " + out).exit_code, 3);
}

TEST(ExitCodes, UnwritableOutputIs4) {
  test::TempDir dir;
  const std::string src = test::make_test_dem(dir, 100, 80);
  std::ofstream(dir / "a-file") << "x";
  const std::string out = dir / "a-file/out.tif";  // its directory is a file: cannot be written, even by root
  const auto r = run(tool("cogify") + " -q " + src + " " + out + " --json");
  EXPECT_EQ(r.exit_code, 4) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["status"], "failed");
  EXPECT_EQ(j["step"], "plan") << j;  // "the output directory does not exist": on OUTPUT
  EXPECT_EQ(run(tool("cogify") + " -q " + src + " " + (dir / "missing/out.tif")).exit_code, 4);
  EXPECT_EQ(run(tool("cogify") + " -q -O " + (dir / "a-file/x") + " " + src).exit_code, 4);
  // The report file itself cannot be written: an output failure as well.
  const auto rep = run(tool("cogify") + " -q " + src + " " + (dir / "ok.tif") + " --report " + (dir / "a-file/r.json"));
  EXPECT_EQ(rep.exit_code, 4) << rep.err;
}

TEST(ExitCodes, PartialBatchIs5AndFailedLinesCarryTheFields) {
  test::TempDir dir;
  const std::string good = test::make_test_dem(dir, 100, 80), bad = dir / "broken.tif";
  std::ofstream(bad) << "not a raster";
  const auto r = run(tool("cogify") + " -q -O " + (dir / "out") + " " + good + " " + bad + " --json");
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.err.find("1 of 2 inputs failed"), std::string::npos) << r.err;
  std::istringstream lines(r.out);
  int ok = 0, failed = 0;
  for (std::string l; std::getline(lines, l);) {
    const auto j = nlohmann::json::parse(l);
    if (j["status"] == "ok") {
      ++ok;
    } else {
      ++failed;
      expect_failure_object(j, "read", bad, (dir / "out") + "/broken.tif");
    }
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(failed, 1);
}

std::size_t leftovers(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().filename().string().find(".cogkit-") != std::string::npos;
  return n;
}

// A shell runs cogify in the background and waits for it: SIGTERM mid-run makes `$?` 143.
TEST(ExitCodes, SigtermMidRunIs143AndLeavesNoOutput) {
  test::TempDir dir;
  const std::string src = test::make_test_dem(dir, 3000, 3000), out = dir / "out.tif", pidfile = dir / "pid";
  const std::string script = tool("cogify") + " " + src + " " + out +
                             " -q -t EPSG:3857 -r cubic --fill --staging file --tmpdir " + dir.path().string() +
                             " & echo $! > " + pidfile + "; wait $!; exit $?";
  const pid_t sh = fork();
  ASSERT_GE(sh, 0);
  if (sh == 0) {
    execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 400 && leftovers(dir.path()) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const bool saw_temp = leftovers(dir.path()) > 0;
  pid_t pid = 0;
  std::ifstream(pidfile) >> pid;
  ASSERT_GT(pid, 0);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(sh, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  if (!saw_temp && WEXITSTATUS(status) == 0) GTEST_SKIP() << "the run finished before it could be interrupted";
  EXPECT_EQ(WEXITSTATUS(status), 143);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(leftovers(dir.path()), 0u);
}

TEST(ExitCodes, HelpSaysThem) {
  for (const char* t : {"cogify", "asc2cog", "xyz2cog"}) {
    const auto r = run(tool(t) + " --help");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("Exit status: 0 done; 1 internal error; 2 usage error"), std::string::npos) << t;
    EXPECT_NE(r.out.find("5 a batch"), std::string::npos) << t;
    EXPECT_NE(r.out.find("130/143"), std::string::npos) << t;
  }
}

}  // namespace
}  // namespace cogkit
