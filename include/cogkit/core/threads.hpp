// cogkit/core/threads.hpp — how many worker threads a job uses.
#pragma once

namespace cogkit {

// The CPUs this process may run on: its CPU affinity (sched_getaffinity, as taskset and
// Slurm set it), capped by the cgroup v1/v2 CPU quota (how Kubernetes enforces a CPU limit).
int available_cpus();

// Resolves 0 ("all cores") to available_cpus(); other values as given.
int resolve_threads(int threads);

// Lets TBB run `threads` workers at once, also above its default (one per core), so that an
// arena of that size gets them and TBB prints no warning; never lowers the limit.
void allow_parallelism(int threads);

}  // namespace cogkit
