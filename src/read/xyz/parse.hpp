// src/read/xyz/parse.hpp — data lines parsed in parallel chunks: the points, and what pass 1 learns (internal).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

#include <tbb/task_arena.h>

#include "cogkit/core/progress.hpp"
#include "read/xyz/format.hpp"
#include "read/xyz/grid.hpp"
#include "read/xyz/input.hpp"
#include "read/xyz/limits.hpp"
#include "read/xyz/unique_set.hpp"

namespace cogkit::detail::xyz {

struct Point {
  double a, b, z;
};

struct ParseError {
  std::size_t offset = std::numeric_limits<std::size_t>::max();
  std::string message;
};

// Parses the data lines in [begin, end) (line-aligned offsets), calling sink(a, b, z, line_offset)
// for every point (z may be NaN: a missing value). Returns false on the first error.
template <class Sink>
bool parse_range(const char* data, std::size_t begin, std::size_t end, const Format& f, ParseError& err, Sink&& sink) {
  const int need = std::max({f.ca, f.cb, f.cz});
  std::size_t pos = begin;
  while (pos < end) {
    const char* lb = data + pos;
    const char* nl = static_cast<const char*>(std::memchr(lb, '\n', end - pos));
    const char* le = nl ? nl : data + end;
    const std::size_t line_off = pos;
    pos = nl ? static_cast<std::size_t>(nl - data) + 1 : end;
    if (le > lb && le[-1] == '\r') --le;
    const char* p = lb;
    while (p < le && is_blank(*p)) ++p;
    if (p == le || is_comment(*p)) continue;
    FieldReader r{p, le, f.sep};
    const char *fb, *fe;
    double va = 0, vb = 0, vz = 0;
    const char *zb = nullptr, *ze = nullptr;
    int col = 0;
    while (r.next(fb, fe)) {
      if (col <= need && (col == f.ca || col == f.cb || col == f.cz)) {
        double v;
        if (col == f.cz && fb == fe) {
          v = NAN;  // an empty Z is a missing point
        } else if (!parse_number(fb, fe, f.decimal, v)) {
          err.offset = line_off;
          err.message = fb == fe ? "empty value in column " + std::to_string(col + 1)
                                 : "non-numeric value '" + std::string(fb, std::min<std::size_t>(fe - fb, 40)) +
                                       "' in column " + std::to_string(col + 1);
          return false;
        }
        if (col == f.ca) {
          va = v;
        } else if (col == f.cb) {
          vb = v;
        } else {
          vz = v;
          zb = fb;
          ze = fe;
          if (std::isinf(v)) {
            err.offset = line_off;
            err.message = "infinite Z value '" + std::string(fb, fe) + "'";
            return false;
          }
        }
      }
      ++col;
    }
    if (col != f.ncols) {
      err.offset = line_off;
      err.message = "wrong column count: " + std::to_string(col) + " fields, expected " + std::to_string(f.ncols) +
                    " (as on the first data line)";
      return false;
    }
    if (!std::isfinite(va) || !std::isfinite(vb)) {
      err.offset = line_off;
      err.message = "coordinate is not a finite number (NaN or infinity)";
      return false;
    }
    sink(va, vb, vz, line_off, zb, ze);
  }
  return true;
}

// Per-chunk results of the scan pass.
struct Chunk {
  std::size_t begin = 0, end = 0;
  std::size_t points = 0, nan_z = 0;
  double amin = INFINITY, amax = -INFINITY, bmin = INFINITY, bmax = -INFINITY;
  std::array<std::size_t, 4> extreme_off{};  // amin, amax, bmin, bmax lines
  ZStats z;
  UniqueSet sa, sb;
  std::vector<double> ua, ub;
  bool overflow = false;
  std::size_t a_changes = 0, b_changes = 0;
  double first_a = NAN, first_b = NAN, last_a = NAN, last_b = NAN;
  std::vector<Point> pts;
  ParseError err;
};

// Line-aligned chunks of [start, size): several per thread, at most `max_chunk` bytes.
std::vector<Chunk> make_chunks(const InputText& file, std::size_t start, int threads, std::size_t max_chunk);

// Reading progress by bytes parsed, from several threads.
class ByteProgress {
 public:
  ByteProgress(const ProgressFn& fn, std::size_t total) : fn_(fn), total_(double(std::max<std::size_t>(1, total))) {}
  // Reports base + scale * (the fraction of the bytes done so far).
  void advance(std::size_t bytes, double scale, double base) {
    if (!fn_) return;
    const std::size_t d = done_.fetch_add(bytes) + bytes;
    std::lock_guard lock(mutex_);
    report_progress(fn_, kStep, std::min(1.0, base + scale * double(d) / total_));
  }

 private:
  const ProgressFn& fn_;
  std::mutex mutex_;
  std::atomic<std::size_t> done_{0};
  double total_;
};

// What pass 1 learns about all the points: column a/b are the file's coordinate columns
// (Format::ca, cb), before the axis order is known.
struct ScanTotals {
  ZStats z;
  std::size_t points = 0, nan_z = 0;
  double amin = INFINITY, amax = -INFINITY, bmin = INFINITY, bmax = -INFINITY;
  std::array<std::size_t, 4> ext_off{};  // lines of amin, amax, bmin, bmax
  std::size_t a_changes = 0, b_changes = 0;
  std::vector<double> ua, ub;  // sorted distinct coordinates (collect_unique, no overflow)
  bool overflow = false;       // more than kMaxUnique distinct values on an axis
};

// Pass 1: parses every chunk in parallel for the extent, the distinct coordinates
// (collect_unique), the line structure and the Z statistics; keeps the points in the
// chunks when `keep`. Throws the first parse error in file order (file:line).
ScanTotals scan(tbb::task_arena& arena, const InputText& file, const Format& f, std::vector<Chunk>& chunks, bool keep,
                bool collect_unique, ByteProgress& progress);

}  // namespace cogkit::detail::xyz
