// src/core/threads.cpp — see cogkit/core/threads.hpp and core/cpu_limit.hpp.
#include "cogkit/core/threads.hpp"

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include <tbb/global_control.h>
#include <tbb/info.h>

#include "core/cpu_limit.hpp"

namespace cogkit {
namespace detail {
namespace {

std::string read_small_file(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return f ? ss.str() : std::string();
}

// ceil(quota / period), or nullopt for "no quota".
std::optional<int> cpus_of(double quota, double period) {
  if (!(quota > 0) || !(period > 0)) return std::nullopt;
  return std::max(1, static_cast<int>(std::ceil(quota / period)));
}

std::optional<int> v2_limit(const std::filesystem::path& dir) {
  std::istringstream in(read_small_file(dir / "cpu.max"));
  std::string quota;
  double period = 0;
  if (!(in >> quota >> period) || quota == "max") return std::nullopt;
  try {
    return cpus_of(std::stod(quota), period);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<int> v1_limit(const std::filesystem::path& dir) {
  const std::string q = read_small_file(dir / "cpu.cfs_quota_us"), p = read_small_file(dir / "cpu.cfs_period_us");
  if (q.empty() || p.empty()) return std::nullopt;
  try {
    return cpus_of(std::stod(q), std::stod(p));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The smallest limit of `dir` and its parents up to `root`.
template <class Limit>
std::optional<int> smallest_up_to(const std::filesystem::path& root, std::filesystem::path rel, Limit limit) {
  std::optional<int> best;
  for (;;) {
    if (const auto l = limit(root / rel)) best = best ? std::min(*best, *l) : *l;
    if (rel.empty() || rel == rel.root_path()) break;
    rel = rel.parent_path();
  }
  return best;
}

bool has_cpu_controller(const std::string& controllers) {
  std::istringstream in(controllers);
  std::string c;
  while (std::getline(in, c, ','))
    if (c == "cpu") return true;
  return false;
}

std::optional<int> min_of(std::optional<int> a, std::optional<int> b) {
  if (a && b) return std::min(*a, *b);
  return a ? a : b;
}

}  // namespace

std::optional<int> cgroup_cpu_limit(const std::string& proc_self_cgroup, const std::string& cgroup_root) {
  std::optional<int> best;
  std::istringstream lines(proc_self_cgroup);
  std::string line;
  const std::filesystem::path root(cgroup_root);
  while (std::getline(lines, line)) {
    const auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string id = line.substr(0, a), controllers = line.substr(a + 1, b - a - 1);
    const std::filesystem::path rel = std::filesystem::path(line.substr(b + 1)).relative_path();
    if (id == "0" && controllers.empty()) best = min_of(best, smallest_up_to(root, rel, v2_limit));
    if (has_cpu_controller(controllers))
      for (const char* mount : {"cpu", "cpu,cpuacct", "cpuacct,cpu"})
        best = min_of(best, smallest_up_to(root / mount, rel, v1_limit));
  }
  return best;
}

int affinity_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 0;
  return CPU_COUNT(&set);
}

}  // namespace detail

int available_cpus() {
  static const int n = [] {
    int cpus = detail::affinity_cpus();
    if (cpus <= 0) cpus = static_cast<int>(std::thread::hardware_concurrency());
    if (const auto quota = detail::cgroup_cpu_limit(detail::read_small_file("/proc/self/cgroup"), "/sys/fs/cgroup"))
      cpus = std::min(std::max(cpus, 1), *quota);
    return std::max(cpus, 1);
  }();
  return n;
}

int resolve_threads(int threads) { return threads > 0 ? threads : available_cpus(); }

void allow_parallelism(int threads) {
  static std::mutex mutex;
  static std::unique_ptr<tbb::global_control> control;
  static int allowed = 0;
  std::lock_guard lock(mutex);
  if (threads <= std::max(allowed, tbb::info::default_concurrency())) return;
  // Raised, never lowered: a smaller control would cap the arenas of conversions already running.
  auto raised = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, threads);
  control = std::move(raised);
  allowed = threads;
}

}  // namespace cogkit
