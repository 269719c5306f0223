#include "cogkit/core/progress.hpp"

#include <string>

#include "cogkit/core/error.hpp"

namespace cogkit {

void report_progress(const ProgressFn& progress, std::string_view step, double fraction) {
  if (progress && !progress(step, fraction)) throw cancelled(std::string(step));
}

}  // namespace cogkit
