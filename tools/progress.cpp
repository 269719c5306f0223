#include "progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace cogkit::cli {
namespace {

ProgressStyle resolve(ProgressStyle style, bool quiet) {
  if (quiet) return ProgressStyle::none;
  if (style != ProgressStyle::automatic) return style;
  return isatty(STDERR_FILENO) ? ProgressStyle::bar : ProgressStyle::plain;
}

double tenth_round(double v) { return std::round(v * 10) / 10; }

// Seconds left at `rate` units per second for `left` units; null when unknown.
nlohmann::ordered_json eta(double left, double rate) {
  if (!(rate > 0) || !std::isfinite(left / rate)) return nullptr;
  return tenth_round(left / rate);
}

}  // namespace

Progress::Progress(ProgressStyle style, bool quiet) : style_(resolve(style, quiet)) {}

double Progress::seconds_since(clock::time_point t) const {
  return std::chrono::duration<double>(clock::now() - t).count();
}

void Progress::step(std::string_view step, double fraction) {
  if (silent()) return;
  std::lock_guard lock(mutex_);
  fraction = std::clamp(std::isfinite(fraction) ? fraction : 0.0, 0.0, 1.0);
  if (step != step_) {
    if (style_ == ProgressStyle::plain) end_line();
    step_ = std::string(step);
    step_start_ = clock::now();
    shown_ = -1;
  }
  if (style_ == ProgressStyle::plain) return plain_step(fraction);
  if (style_ == ProgressStyle::json) return json_step(fraction);
  const int pct = static_cast<int>(std::floor(fraction * 100));
  if (pct == shown_) return;
  shown_ = pct;
  bar_line(step_, fraction, "");
}

// "reproject: 0...10...20" so far; "...100 - done." ends the line.
void Progress::plain_step(double fraction) {
  const int tenths = static_cast<int>(std::floor(fraction * 10 + 1e-9));
  if (tenths <= shown_) return;
  for (int t = shown_ + 1; t <= tenths; ++t) {
    if (t == 0)
      std::fprintf(stderr, "%s: 0", step_.c_str());
    else
      std::fprintf(stderr, "...%d", t * 10);
    shown_ = t;
    open_ = true;
  }
  if (tenths == 10) {
    std::fprintf(stderr, " - done.\n");
    open_ = false;
  }
  std::fflush(stderr);
}

void Progress::json_step(double fraction) {
  const int tenths = static_cast<int>(std::floor(fraction * 10 + 1e-9));
  if (tenths <= shown_) return;
  shown_ = tenths;
  const double in_step = seconds_since(step_start_);
  nlohmann::ordered_json j{{"step", step_},
                           {"fraction", std::round(fraction * 1000) / 1000},
                           {"elapsed_s", tenth_round(seconds_since(start_))},
                           {"eta_s", eta(1 - fraction, fraction / std::max(in_step, 1e-9))}};
  std::fprintf(stderr, "%s\n", j.dump().c_str());
  std::fflush(stderr);
}

void Progress::batch(const BatchCounts& c) {
  if (silent()) return;
  std::lock_guard lock(mutex_);
  const double elapsed = seconds_since(start_), rate = elapsed > 0 ? double(c.done) / elapsed : 0;
  const double fraction = c.total ? double(c.done) / double(c.total) : 1;
  const auto left = eta(double(c.total - c.done), rate);
  char text[160];
  std::snprintf(text, sizeof text, "%zu/%zu done, %zu failed, %zu skipped, %.1f items/s, ETA %s", c.done, c.total,
                c.failed, c.skipped, rate, left.is_null() ? "?" : (std::to_string(int(std::ceil(double(left)))) + " s").c_str());
  if (style_ == ProgressStyle::bar) return bar_line("batch", fraction, text);
  if (style_ == ProgressStyle::plain) {
    end_line();
    std::fprintf(stderr, "batch: %s\n", text);
  } else {
    nlohmann::ordered_json j{{"step", "batch"},       {"fraction", std::round(fraction * 1000) / 1000},
                             {"done", c.done},        {"total", c.total},
                             {"failed", c.failed},    {"skipped", c.skipped},
                             {"items_per_s", std::round(rate * 100) / 100},
                             {"elapsed_s", tenth_round(elapsed)}, {"eta_s", left}};
    std::fprintf(stderr, "%s\n", j.dump().c_str());
  }
  std::fflush(stderr);
}

// "\r[step]  42% |#########            | tail", padded over the previous line.
void Progress::bar_line(const std::string& label, double fraction, const std::string& tail) {
  const int pct = static_cast<int>(std::floor(fraction * 100));
  const int width = 30, filled = pct * width / 100;
  std::fprintf(stderr, "\r%-10s %3d%% |%.*s%*s| %-50s", label.c_str(), pct, filled, "##############################",
               width - filled, "", tail.c_str());
  std::fflush(stderr);
  open_ = true;
}

void Progress::end_line() {
  if (!open_) return;
  if (style_ == ProgressStyle::bar)
    std::fprintf(stderr, "\r%*s\r", 100, "");
  else
    std::fprintf(stderr, "\n");
  open_ = false;
}

void Progress::print_line(const std::string& line) {
  std::lock_guard lock(mutex_);
  end_line();
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

void Progress::finish() {
  std::lock_guard lock(mutex_);
  end_line();
  std::fflush(stderr);
}

}  // namespace cogkit::cli
