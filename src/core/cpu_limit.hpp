// src/core/cpu_limit.hpp — the CPUs a process may use: affinity and the cgroup CPU quota.
#pragma once

#include <optional>
#include <string>

namespace cogkit::detail {

// The cgroup CPU quota in whole CPUs (rounded up), from the text of /proc/self/cgroup and the
// cgroup file system mounted at `cgroup_root` (/sys/fs/cgroup): v2 cpu.max ("QUOTA PERIOD" or
// "max PERIOD"), v1 cpu.cfs_quota_us / cpu.cfs_period_us (quota -1: none), in the process's
// cgroup and every parent (the smallest wins). nullopt: no quota.
std::optional<int> cgroup_cpu_limit(const std::string& proc_self_cgroup, const std::string& cgroup_root);

// The CPUs of this process's affinity mask (sched_getaffinity); 0 if unknown.
int affinity_cpus();

}  // namespace cogkit::detail
