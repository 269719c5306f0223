// cogkit/core/progress.hpp — progress reporting shared by every step.
#pragma once

#include <functional>
#include <string_view>

namespace cogkit {

// Called with the current step id ("reproject", "fill", "clip", "write", ...) and
// the fraction of that step done, in [0, 1]. May be called from worker threads,
// never concurrently. Empty = silent.
using ProgressFn = std::function<void(std::string_view step, double fraction)>;

}  // namespace cogkit
