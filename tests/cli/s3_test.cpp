// Publishing to S3 (/vsis3/) against a local S3-compatible server (tests/support/s3-server,
// started by a CTest fixture). Skips with a message when the server is unavailable.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cogkit/report/report.hpp"
#include "demgen.hpp"
#include "test_support.hpp"

namespace cogkit {
namespace {

namespace fs = std::filesystem;

struct S3Env {
  std::string exports;  // "export K=V; ..." for the shell
  std::string bucket;
  std::vector<std::pair<std::string, std::string>> vars;
};

std::optional<S3Env> s3_env() {
  std::ifstream f(std::string(COGKIT_S3_STATE) + "/env");
  if (!f) return std::nullopt;
  S3Env e;
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("export ", 0) != 0) continue;
    const auto kv = line.substr(7);
    const auto eq = kv.find('=');
    e.vars.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    if (kv.substr(0, eq) == "COGKIT_S3_BUCKET") e.bucket = kv.substr(eq + 1);
    e.exports += line + "; ";
  }
  return e;
}

#define COGKIT_REQUIRE_S3(var)  \
  auto var##_opt = s3_env();    \
  if (!var##_opt) GTEST_SKIP() << "local S3 server not available (node/npm or registry missing): S3 test skipped"; \
  const S3Env var = *var##_opt

std::string make_dem(const test::TempDir& dir) {
  demgen::DemSpec s;
  s.width = 700;
  s.height = 600;
  s.lakes = 1;
  const std::string p = dir / "dem.tif";
  demgen::write_raster(s, p);
  return p;
}

std::string read_remote(const S3Env& env, const std::string& path) {
  for (const auto& [k, v] : env.vars) CPLSetConfigOption(k.c_str(), v.c_str());
  VSICurlClearCache();
  std::string data;
  if (VSILFILE* f = VSIFOpenL(path.c_str(), "rb")) {
    char buf[65536];
    size_t n;
    while ((n = VSIFReadL(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
    VSIFCloseL(f);
  }
  return data;
}

TEST(S3Publish, UploadsTheCompleteValidatedCog) {
  COGKIT_REQUIRE_S3(env);
  test::TempDir dir;
  const std::string src = make_dem(dir);
  const std::string key = "/vsis3/" + env.bucket + "/ok/" + dir.path().filename().string() + ".tif";
  const auto r = test::run(env.exports + test::tool("cogify") + " " + src + " " + key + " -q --json --tmpdir " +
                           dir.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const std::string remote = read_remote(env, key);
  ASSERT_EQ(remote.size(), j["output_bytes"].get<std::size_t>());
  const std::string copy = dir / "downloaded.tif";
  std::ofstream(copy, std::ios::binary) << remote;
  EXPECT_EQ(sha256_file(copy), j["sha256"]);
  test::expect_valid_cog(copy);
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().find(".cogkit-"), std::string::npos) << "left behind: " << e.path();
}

TEST(S3Publish, AFailedUploadLeavesNoObject) {
  COGKIT_REQUIRE_S3(env);
  test::TempDir dir;
  const std::string src = make_dem(dir);
  const std::string key = "/vsis3/" + env.bucket + "/fail/" + dir.path().filename().string() + ".tif";
  const auto r = test::run(env.exports + "export AWS_ACCESS_KEY_ID=NOT_A_KEY; " + test::tool("cogify") + " " + src +
                           " " + key + " -q --tmpdir " + dir.path().string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("publish"), std::string::npos) << r.err;
  EXPECT_TRUE(read_remote(env, key).empty()) << "no object may exist after a failed upload";
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().find(".cogkit-"), std::string::npos) << "left behind: " << e.path();
}

TEST(S3Publish, BatchUploadsEachCompleteOutputAndNothingForAFailedInput) {
  COGKIT_REQUIRE_S3(env);
  test::TempDir dir;
  demgen::DemSpec s;
  s.width = 600;
  s.height = 550;
  for (int i = 0; i < 2; ++i) {
    s.seed = 20 + i;
    demgen::write_raster(s, dir / ("d" + std::to_string(i) + ".tif"));
  }
  std::ofstream(dir / "broken.tif") << "not a raster";
  const std::string prefix = "/vsis3/" + env.bucket + "/batch-" + dir.path().filename().string();
  const auto r = test::run(env.exports + test::tool("cogify") + " -O " + prefix + " " + (dir / "d0.tif") + " " +
                           (dir / "broken.tif") + " " + (dir / "d1.tif") + " -q --json --tmpdir " + dir.path().string());
  EXPECT_EQ(r.exit_code, 5) << r.err;  // a partial batch
  EXPECT_NE(r.err.find("broken.tif"), std::string::npos) << r.err;
  std::map<std::string, nlohmann::json> by_input;  // --json in a batch: one line per input
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line);
    by_input[j["input"].get<std::string>()] = j;
  }
  ASSERT_EQ(by_input.size(), 3u) << r.out;
  const std::vector<nlohmann::json> reports = {by_input[dir / "d0.tif"], by_input[dir / "broken.tif"],
                                               by_input[dir / "d1.tif"]};
  for (int i : {0, 2}) {
    const std::string key = reports[i]["output"];
    EXPECT_EQ(key, prefix + "/d" + std::to_string(i / 2) + ".tif");
    const std::string remote = read_remote(env, key);
    ASSERT_EQ(remote.size(), reports[i]["output_bytes"].get<std::size_t>()) << key;
    const std::string copy = dir / ("downloaded" + std::to_string(i) + ".tif");
    std::ofstream(copy, std::ios::binary) << remote;
    EXPECT_EQ(sha256_file(copy), reports[i]["sha256"]);
    test::expect_valid_cog(copy);
  }
  EXPECT_TRUE(reports[1].contains("error"));
  EXPECT_TRUE(read_remote(env, prefix + "/broken.tif").empty()) << "no object for a failed input";
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().find(".cogkit-"), std::string::npos) << "left behind: " << e.path();
}

}  // namespace
}  // namespace cogkit
