// cogkit/core/threads.hpp — how many worker threads a job uses.
#pragma once

namespace cogkit {

// Resolves 0 ("all cores") to the number of cores this process may run on; other values as given.
int resolve_threads(int threads);

}  // namespace cogkit
