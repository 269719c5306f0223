// tools/progress.hpp — what the tools show on stderr while they run (--progress).
//
// bar: one line redrawn in place (a terminal); plain: GDAL's "step: 0...10...20...100 - done."
// lines, written as they go (logs, CI); json: one object per line per step change and every
// 10 % (and per finished batch item); none. automatic = bar when stderr is a TTY, else plain.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

#include "cogkit/core/options.hpp"

namespace cogkit::cli {

// A batch so far: inputs ended (failed and skipped included), of total.
struct BatchCounts {
  std::size_t done = 0, total = 0, failed = 0, skipped = 0;
};

class Progress {
 public:
  // `quiet` (-q) silences it whatever the style.
  Progress(ProgressStyle style, bool quiet);

  bool silent() const { return style_ == ProgressStyle::none; }
  // The fraction of `step` done, in [0, 1]; from any thread, one call at a time or not.
  void step(std::string_view step, double fraction);
  // After each batch input ends.
  void batch(const BatchCounts& counts);
  // Prints `line` (a warning, an error) on its own line: a bar or an open plain line is ended first.
  void print_line(const std::string& line);
  // Clears the bar / ends an open plain line.
  void finish();

 private:
  using clock = std::chrono::steady_clock;
  double seconds_since(clock::time_point t) const;
  void bar_line(const std::string& label, double fraction, const std::string& tail);
  void plain_step(double fraction);
  void json_step(double fraction);
  void end_line();

  std::mutex mutex_;
  ProgressStyle style_;
  clock::time_point start_ = clock::now(), step_start_ = start_;
  std::string step_;
  int shown_ = -1;         // bar: the percent shown; plain/json: the tenths written (-1: none yet)
  bool open_ = false;      // a bar or an unfinished plain line is on stderr
};

}  // namespace cogkit::cli
