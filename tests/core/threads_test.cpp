// tests/core/threads_test.cpp — the default thread count honours the container: CPU affinity
// and the cgroup v1/v2 CPU quota; and TBB says nothing on stderr when more threads than
// cores are asked for.
#include <gtest/gtest.h>

#include <filesystem>

#include "cogkit/core/threads.hpp"
#include "core/cpu_limit.hpp"
#include "test_support.hpp"

using namespace cogkit;
using namespace cogkit::test;
namespace fs = std::filesystem;

namespace {
void put(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  write_text(p.string(), text);
}
}  // namespace

TEST(CgroupCpuLimit, V2QuotaRoundsUp) {
  TempDir d;
  put(d.path() / "cpu.max", "250000 100000\n");
  EXPECT_EQ(detail::cgroup_cpu_limit("0::/\n", d.path().string()), 3);
}

TEST(CgroupCpuLimit, V2MaxMeansNoQuota) {
  TempDir d;
  put(d.path() / "cpu.max", "max 100000\n");
  EXPECT_EQ(detail::cgroup_cpu_limit("0::/\n", d.path().string()), std::nullopt);
}

TEST(CgroupCpuLimit, V2SmallestOfTheCgroupAndItsParents) {
  TempDir d;
  put(d.path() / "kubepods/cpu.max", "200000 100000\n");
  put(d.path() / "kubepods/pod1/ctr/cpu.max", "max 100000\n");
  EXPECT_EQ(detail::cgroup_cpu_limit("0::/kubepods/pod1/ctr\n", d.path().string()), 2);
}

TEST(CgroupCpuLimit, V1CfsQuota) {
  TempDir d;
  put(d.path() / "cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "150000\n");
  put(d.path() / "cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(detail::cgroup_cpu_limit("4:cpu,cpuacct:/docker/abc\n1:memory:/docker/abc\n", d.path().string()), 2);
}

TEST(CgroupCpuLimit, V1MinusOneMeansNoQuota) {
  TempDir d;
  put(d.path() / "cpu/cpu.cfs_quota_us", "-1\n");
  put(d.path() / "cpu/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(detail::cgroup_cpu_limit("3:cpu:/\n", d.path().string()), std::nullopt);
}

TEST(CgroupCpuLimit, NothingMountedNoQuota) {
  TempDir d;
  EXPECT_EQ(detail::cgroup_cpu_limit("0::/\n", (d.path() / "absent").string()), std::nullopt);
  EXPECT_EQ(detail::cgroup_cpu_limit("", d.path().string()), std::nullopt);
}

TEST(Threads, DefaultIsAtMostTheAffinityMask) {
  const int affinity = detail::affinity_cpus();
  ASSERT_GT(affinity, 0);
  EXPECT_GE(available_cpus(), 1);
  EXPECT_LE(available_cpus(), affinity);
  EXPECT_EQ(resolve_threads(0), available_cpus());
  EXPECT_EQ(resolve_threads(3), 3);
}

TEST(Threads, TasksetLimitsTheDefault) {
  TempDir d;
  const std::string in = make_test_dem(d, 256, 256);
  const auto r = run("taskset -c 0 " + tool("cogify") + " " + in + " " + (d / "o.tif") + " -q --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"threads\": 1"), std::string::npos) << r.out.substr(0, 2000);
}

// More threads than cores (and than TBB's default): no "TBB Warning" on stderr.
TEST(Threads, NoTbbWarningAboveTheCoreCount) {
  TempDir d;
  const std::string in = make_test_dem(d, 600, 600);
  const int many = available_cpus() + 3;
  const auto r = run(tool("cogify") + " " + in + " " + (d / "o.tif") + " -q --fill -t EPSG:3857 -j " +
                     std::to_string(many));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const auto b = run("taskset -c 0 " + tool("cogify") + " " + in + " " + (d / "p.tif") + " -q -j 4");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(b.err, "");
}
