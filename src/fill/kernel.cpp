// src/fill/kernel.cpp — GDALFillNodata's algorithm, exactly, on one strip.
//
// Floating-point note: every expression below mirrors the order and types of GDAL 3.6's
// alg/rasterfill.cpp (double distances, float values, 1/d weights summed in quadrant order,
// the cast to float at the end). cogkit is built for baseline x86-64 / aarch64 without
// -ffast-math, so the compiler may not reassociate these operations.
#include "fill/kernel.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <limits>

#include <tbb/blocked_range.h>
#include <tbb/combinable.h>
#include <tbb/parallel_for.h>

namespace cogkit::detail {

namespace {

constexpr int column_chunk = 256;

// GDAL's QUAD_CHECK: keeps the candidate when its squared distance is below the square of
// the current (rooted) distance — the sqrt/square round trip is part of the tie-breaking.
[[maybe_unused]] inline void quad_check(double& quad_dist, float& quad_value, int target_x, std::int32_t target_y, int origin_x,
                       int origin_y, float target_value) {
  if (target_y < 0) return;
  const double dx = static_cast<double>(target_x) - static_cast<double>(origin_x);
  const double dy = static_cast<double>(target_y) - static_cast<double>(origin_y);
  const double dist_sq = dx * dx + dy * dy;
  if (dist_sq < quad_dist * quad_dist) {
    quad_dist = std::sqrt(dist_sq);
    quad_value = target_value;
  }
}

// Per candidate kind k (0 = top, 1 = bottom) of one row: largest column <= x with a candidate
// of that kind (-1 if none) and smallest column >= x with one (width if none). Built on first
// use: most pixels (small holes) finish their search within a few direct steps.
struct CandidateIndex {
  const std::int32_t* top = nullptr;
  const std::int32_t* bottom = nullptr;
  int width = 0;
  std::vector<std::int32_t> prev_top, prev_bottom, next_top, next_bottom;
  bool built = false;

  void reset(const std::int32_t* t, const std::int32_t* b, int w) {
    top = t;
    bottom = b;
    width = w;
    built = false;
  }
  void build() {
    if (built) return;
    const auto w = static_cast<std::size_t>(width);
    prev_top.resize(w);
    prev_bottom.resize(w);
    next_top.resize(w);
    next_bottom.resize(w);
    for (int x = 0, lt = -1, lb = -1; x < width; ++x) {
      if (top[x] >= 0) lt = x;
      if (bottom[x] >= 0) lb = x;
      prev_top[static_cast<std::size_t>(x)] = lt;
      prev_bottom[static_cast<std::size_t>(x)] = lb;
    }
    for (int x = width - 1, nt = width, nb = width; x >= 0; --x) {
      if (top[x] >= 0) nt = x;
      if (bottom[x] >= 0) nb = x;
      next_top[static_cast<std::size_t>(x)] = nt;
      next_bottom[static_cast<std::size_t>(x)] = nb;
    }
    built = true;
  }
  const std::int32_t* prev(int kind) {
    build();
    return kind == 0 ? prev_top.data() : prev_bottom.data();
  }
  const std::int32_t* next(int kind) {
    build();
    return kind == 0 ? next_top.data() : next_bottom.data();
  }
};

struct RowView {
  const std::int32_t* top;     // nearest valid row at or above y, per column (-1 none)
  const std::int32_t* bottom;  // nearest valid row below y (GDAL's bottom-up "last" line)
  CandidateIndex* index;       // this row's candidate index (lazily built)
  const float* const* rows;    // strip value rows
  int in_begin;
  int width;
  static constexpr int none = std::numeric_limits<int>::max();

  float value_at(std::int32_t row, int x) const { return rows[row - in_begin][x]; }
  // Smallest step > `step` at which the search meets a column left of x with a candidate of
  // kind k (the clamped re-examinations of column 0 are repeats and excluded); none if none.
  int next_left(int k, int x, int step) const {
    const int c = x - step - 1;
    if (c < 0) return none;
    const int p = index->prev(k)[c];
    return p >= 0 ? x - p : none;
  }
  // Same to the right. In the last column the right-hand quadrants first see the pixel's own
  // column at step 1 (GDAL clamps x + step to width - 1): a first examination, not a repeat.
  int next_right(int k, int x, int step) const {
    if (x == width - 1) return (step < 1 && (k == 0 ? top[x] : bottom[x]) >= 0) ? 1 : none;
    const int c = x + step + 1;
    if (c >= width) return none;
    const int n = index->next(k)[c];
    return n < width ? n - x : none;
  }
};

constexpr int kDirectSteps = 8;  // steps scanned column by column before using the index

// GDAL's inverse-distance weighting (1/d) of the nearest source found in each quadrant
// within max_dist; false when no quadrant has one.
bool weigh_quadrants(const double (&quad_dist)[4], const float (&quad_value)[4], double max_dist, float& result) {
  double weight_sum = 0.0;
  double value_sum = 0.0;
  bool has_source = false;
  for (int q = 0; q < 4; ++q) {
    if (quad_dist[q] <= max_dist) {
      has_source = true;
      const double weight = 1.0 / quad_dist[q];
      weight_sum += weight;
      value_sum += quad_value[q] * weight;
    }
  }
  if (!has_source) return false;
  result = static_cast<float>(value_sum / weight_sum);
  return true;
}

// Inverse-distance fill of pixel (x, y), equal to GDALFillNodata's search.
//
// GDAL steps outwards column by column, feeding four quadrants (0 top-left, 1 bottom-left,
// 2 top-right, 3 bottom-right) and every 4th step shrinking its loop bound to the largest
// quadrant distance. The bound never cuts off a candidate that could still replace one (a
// candidate at step s > floor(d_max) has d >= s > d_q for every quadrant), so each quadrant's
// final state is that of scanning its own candidate columns in order, independently of the
// others. Per quadrant we therefore visit only columns holding a candidate of its kind (top or
// bottom, O(1) via the prev/next arrays) and stop once step² exceeds the squared distance it
// holds: any later candidate has d'² >= step² >= d² + 1 > (√d²)², even with the square-root
// rounding GDAL's comparison involves. The quadrant's final candidate is one of minimal d²
// (tie rule below), so the scan is an integer min-reduction. Re-examinations of a clamped edge column repeat a
// comparison already made with the same quadrant state and change nothing — except in the
// last column, whose right-hand quadrants first see the pixel's own column at step 1.
// Candidates farther than max distance may be accepted by GDAL (its bound can reach
// floor(max)+1) but are never counted and never displace a counted one.
// Returns false when no source is within reach.
bool interpolate_invdist(const RowView& v, int x, int y, double max_dist, int max_steps, float& result) {
  double quad_dist[4];
  float quad_value[4];
  const double first_limit = (max_dist + 1.0) * (max_dist + 1.0);
  for (int q = 0; q < 4; ++q) {
    // The quadrant ends up holding a candidate of minimal squared distance D: GDAL replaces
    // its candidate when d² < sqrt(D)·sqrt(D), so among several at distance² D the first one
    // wins, or the last one when sqrt(D)² rounds above D. Track both and decide at the end.
    std::int64_t best = std::numeric_limits<std::int64_t>::max();
    int first = -1, last = -1;
    const int kind = q & 1;  // 0: top candidates, 1: bottom candidates
    const std::int32_t* cand = kind == 0 ? v.top : v.bottom;
    auto consider = [&](int col, int step) {
      const std::int64_t dy = static_cast<std::int64_t>(cand[col]) - y;
      const std::int64_t d2 = static_cast<std::int64_t>(step) * step + dy * dy;
      if (d2 < best) {
        best = d2;
        first = last = col;
      } else if (d2 == best) {
        last = col;
      }
    };
    auto saturated = [&](int step) { return static_cast<std::int64_t>(step) * step > best; };
    if (q < 2) {  // left: columns x, x-1, ..., 0 (steps 0..x)
      int step = 0;
      bool done = false;
      for (const int end = std::min(max_steps, kDirectSteps); step <= end; ++step) {
        if (x - step < 0 || saturated(step)) {
          done = true;
          break;
        }
        if (cand[x - step] >= 0) consider(x - step, step);
      }
      if (!done) {
        const std::int32_t* prev = step <= max_steps && x - step >= 0 ? v.index->prev(kind) : nullptr;
        while (prev && step <= max_steps && x - step >= 0) {
          const int c = prev[x - step];
          if (c < 0) break;
          step = x - c;
          if (step > max_steps || saturated(step)) break;
          consider(c, step);
          ++step;
        }
      }
    } else if (x == v.width - 1) {  // right of the last column: its own column, at step 1
      if (cand[x] >= 0 && max_steps >= 1) consider(x, 0);
    } else {  // right: columns x+1, ..., width-1 (steps 1..)
      int step = 1;
      bool done = false;
      for (const int end = std::min(max_steps, kDirectSteps); step <= end; ++step) {
        if (x + step >= v.width || saturated(step)) {
          done = true;
          break;
        }
        if (cand[x + step] >= 0) consider(x + step, step);
      }
      if (!done) {
        const std::int32_t* next = step <= max_steps && x + step < v.width ? v.index->next(kind) : nullptr;
        while (next && step <= max_steps && x + step < v.width) {
          const int c = next[x + step];
          if (c >= v.width) break;
          step = c - x;
          if (step > max_steps || saturated(step)) break;
          consider(c, step);
          ++step;
        }
      }
    }
    quad_dist[q] = max_dist + 1.0;
    quad_value[q] = 0.0f;
    if (first >= 0) {
      const double d2 = static_cast<double>(best);
      if (d2 < first_limit) {  // accepted against GDAL's initial distance max + 1
        const double dist = std::sqrt(d2);
        const int col = d2 < dist * dist ? last : first;
        quad_dist[q] = dist;
        quad_value[q] = v.value_at(cand[col], col);
      }
    }
  }
  return weigh_quadrants(quad_dist, quad_value, max_dist, result);
}

#ifdef COGKIT_FILL_CHECK
bool interpolate_invdist_ref(const RowView& v, int x, int y, double max_dist, int max_steps, float& result, double* qdo) {
  double quad_dist[4];
  float quad_value[4];
  for (int q = 0; q < 4; ++q) {
    quad_dist[q] = max_dist + 1.0;
    quad_value[q] = 0.0f;
  }
  int this_max = max_steps;
  for (int step = 0; step <= this_max; ++step) {
    const int left = std::max(0, x - step);
    const int right = std::min(v.width - 1, x + step);
    if (v.top[left] >= 0) quad_check(quad_dist[0], quad_value[0], left, v.top[left], x, y, v.value_at(v.top[left], left));
    if (v.bottom[left] >= 0)
      quad_check(quad_dist[1], quad_value[1], left, v.bottom[left], x, y, v.value_at(v.bottom[left], left));
    if (step == 0) continue;
    if (v.top[right] >= 0)
      quad_check(quad_dist[2], quad_value[2], right, v.top[right], x, y, v.value_at(v.top[right], right));
    if (v.bottom[right] >= 0)
      quad_check(quad_dist[3], quad_value[3], right, v.bottom[right], x, y, v.value_at(v.bottom[right], right));
    if ((step & 0x3) == 0)
      this_max = static_cast<int>(
          std::floor(std::max(std::max(quad_dist[0], quad_dist[1]), std::max(quad_dist[2], quad_dist[3]))));
  }
  for (int q = 0; q < 4; ++q) qdo[q] = quad_dist[q];
  return weigh_quadrants(quad_dist, quad_value, max_dist, result);
}
#endif

// Nearest valid pixel (Euclidean) within max_dist; ties: smaller |dx|, then left before
// right, then above (incl. the same row) before below.
bool interpolate_nearest(const RowView& v, int x, int y, double max_dist, int max_steps, float& result) {
  std::int64_t best = -1;
  float best_value = 0.0f;
  auto consider = [&](int cx, std::int32_t cy) {
    if (cy < 0) return;
    const std::int64_t dx = cx - x, dy = cy - y;
    const std::int64_t d2 = dx * dx + dy * dy;
    if (best < 0 || d2 < best) {
      best = d2;
      best_value = v.value_at(cy, cx);
    }
  };
  consider(x, v.top[x]);
  consider(x, v.bottom[x]);
  int step = 0;
  for (;;) {
    const int from = step;
    step = std::min(std::min(v.next_left(0, x, from), v.next_left(1, x, from)),
                    std::min(v.next_right(0, x, from), v.next_right(1, x, from)));
    if (step == RowView::none || step > max_steps) break;
    if (best >= 0 && static_cast<std::int64_t>(step) * step > best) break;
    const int left = x - step, right = x + step;
    if (left >= 0) {
      consider(left, v.top[left]);
      consider(left, v.bottom[left]);
    }
    if (right < v.width) {  // (the last column's own candidates were considered at step 0)
      consider(right, v.top[right]);
      consider(right, v.bottom[right]);
    }
  }
  if (best < 0 || static_cast<double>(best) > max_dist * max_dist) return false;
  result = best_value;
  return true;
}

// One GDALFilterLine pixel.
inline float filter_pixel(const float* last, const float* self, const float* next, const std::uint8_t* last_t,
                          const std::uint8_t* this_t, const std::uint8_t* next_t, int x, int width) {
  double sum = 0.0, weight = 0.0;
  if (x > 0 && last_t[x - 1]) { sum += last[x - 1]; weight += 1.0; }
  if (last_t[x]) { sum += last[x]; weight += 1.0; }
  if (x < width - 1 && last_t[x + 1]) { sum += last[x + 1]; weight += 1.0; }
  if (x > 0 && this_t[x - 1]) { sum += self[x - 1]; weight += 1.0; }
  if (this_t[x]) { sum += self[x]; weight += 1.0; }
  if (x < width - 1 && this_t[x + 1]) { sum += self[x + 1]; weight += 1.0; }
  if (x > 0 && next_t[x - 1]) { sum += next[x - 1]; weight += 1.0; }
  if (next_t[x]) { sum += next[x]; weight += 1.0; }
  if (x < width - 1 && next_t[x + 1]) { sum += next[x + 1]; weight += 1.0; }
  return static_cast<float>(sum / weight);
}

// The rows one fill_strip() call works on: [a, b) is the core plus `smoothing` rows each side
// (clipped to the raster), looked up in the strip's input rows [in_begin, in_end). Scratch
// row y lives at offset(y) of every per-cell buffer.
struct WorkRows {
  const FillStrip& strip;
  int width;
  std::size_t w;
  int smoothing;  // n: GDALMultiFilter passes
  int max_steps;  // floor(max distance)
  int a, b;
  std::size_t cells;

  WorkRows(const FillKernelParams& p, const FillStrip& s, int core_begin, int core_end)
      : strip(s), width(p.width), w(static_cast<std::size_t>(p.width)), smoothing(std::max(0, p.smoothing)),
        max_steps(static_cast<int>(std::floor(p.max_distance))), a(std::max(0, core_begin - smoothing)),
        b(std::min(p.height, core_end + smoothing)), cells(static_cast<std::size_t>(b - a) * w) {}

  const std::uint8_t* valid_row(int row) const { return strip.valid[static_cast<std::size_t>(row - strip.in_begin)]; }
  const float* value_row(int row) const { return strip.values[static_cast<std::size_t>(row - strip.in_begin)]; }
  std::size_t offset(int y) const { return static_cast<std::size_t>(y - a) * w; }
};

void size_scratch(const WorkRows& wr, FillScratch& s) {
  s.top.resize(wr.cells);
  s.bottom.resize(wr.cells);
  s.work.resize(wr.cells);
  s.fmask.assign(wr.cells, 0);
  if (wr.smoothing > 0) s.tmask.resize(wr.cells);
}

// Columns [x0, x0 + cw): GDAL's top-down pass. `last` enters as the last valid row above a
// (walked up only to the first valid pixel) and top[] gets the nearest valid row at/above y,
// cut at max distance.
void scan_top_down(const WorkRows& wr, int x0, int cw, std::int32_t* __restrict last, FillScratch& s) {
  for (int i = 0; i < cw; ++i) {
    std::int32_t l = -1;
    for (int r = wr.a - 1; r >= wr.strip.in_begin; --r)
      if (wr.valid_row(r)[x0 + i]) {
        l = r;
        break;
      }
    last[i] = l;
  }
  for (int y = wr.a; y < wr.b; ++y) {
    const std::uint8_t* __restrict valid = wr.valid_row(y) + x0;
    std::int32_t* __restrict top = &s.top[wr.offset(y) + static_cast<std::size_t>(x0)];
    const std::int32_t lo = std::max(0, y - wr.max_steps);  // farther rows are dropped, as in GDAL
    for (int i = 0; i < cw; ++i) {
      const std::int32_t l = valid[i] ? y : last[i];
      last[i] = l;
      top[i] = l >= lo ? l : -1;
    }
  }
}

// The bottom-up pass ("last" line): `last` enters as the first valid row at or below b and
// bottom[] gets the nearest valid row after y, cut at max distance.
void scan_bottom_up(const WorkRows& wr, int x0, int cw, std::int32_t* __restrict last, FillScratch& s) {
  for (int i = 0; i < cw; ++i) {
    std::int32_t l = -1;
    for (int r = wr.b; r < wr.strip.in_end; ++r)
      if (wr.valid_row(r)[x0 + i]) {
        l = r;
        break;
      }
    last[i] = l;
  }
  for (int y = wr.b - 1; y >= wr.a; --y) {
    std::int32_t* __restrict bottom = &s.bottom[wr.offset(y) + static_cast<std::size_t>(x0)];
    // Nearest valid row r >= y + 1 with r - (y + 1) <= max distance (none = -1 fails the
    // unsigned comparison).
    const auto hi = static_cast<std::uint32_t>(y + 1 + wr.max_steps);
    for (int i = 0; i < cw; ++i) bottom[i] = static_cast<std::uint32_t>(last[i]) <= hi ? last[i] : -1;
    const std::uint8_t* __restrict valid = wr.valid_row(y) + x0;
    for (int i = 0; i < cw; ++i) last[i] = valid[i] ? y : last[i];
  }
}

// 1. Per column: nearest valid row at/above y (GDAL's top-down pass) and nearest valid row
//    at/after y+1 (its bottom-up "last" line), each cut at max distance. The scans start at
//    the strip's rows: the state they need from the rows above a (or below b) is found per
//    column by walking only until the first valid pixel.
void find_nearest_valid_rows(const WorkRows& wr, FillScratch& s) {
  const int chunks = (wr.width + column_chunk - 1) / column_chunk;
  tbb::parallel_for(0, chunks, [&](int chunk) {
    const int x0 = chunk * column_chunk;
    const int cw = std::min(wr.width, x0 + column_chunk) - x0;
    std::vector<std::int32_t> last(static_cast<std::size_t>(cw));
    scan_top_down(wr, x0, cw, last.data(), s);
    scan_bottom_up(wr, x0, cw, last.data(), s);
  });
}

// 2. Row y: copies the original values and fills every nodata pixel within reach (fmask = 1);
//    with smoothing, sets tmask (the pixels the filter reads) as GDAL's re-read mask has it.
void interpolate_row(const FillKernelParams& p, const WorkRows& wr, int y, CandidateIndex& index, FillScratch& s) {
  const int width = wr.width;
  const std::size_t w = wr.w;
  const int n = wr.smoothing;
  const std::size_t row_off = wr.offset(y);
  const std::uint8_t* valid = wr.valid_row(y);
  const std::uint8_t* interior =
      p.interior_only ? wr.strip.interior[static_cast<std::size_t>(y - wr.strip.in_begin)] : nullptr;
  float* dst = &s.work[row_off];
  std::uint8_t* fmask = &s.fmask[row_off];
  std::uint8_t* tmask = n > 0 ? s.tmask.data() + row_off : nullptr;
  std::memcpy(dst, wr.value_row(y), w * sizeof(float));
  if (std::memchr(valid, 0, w) == nullptr) {  // nothing to fill in this row
    if (n > 0) std::memset(tmask, 1, w);
    return;
  }
  const std::int32_t* top = &s.top[row_off];
  const std::int32_t* bottom = &s.bottom[row_off];
  index.reset(top, bottom, width);
  const RowView view{top, bottom, &index, wr.strip.values.data(), wr.strip.in_begin, width};
  bool any = false;
  if (n > 0)
    for (int x = 0; x < width; ++x) tmask[x] = valid[x] ? 1 : 0;
  for (int x = 0; x < width; ++x) {
    if (valid[x] || (interior && !interior[x])) continue;
    float value = 0.0f;
    const bool ok = p.method == FillKernelMethod::invdist
                        ? interpolate_invdist(view, x, y, p.max_distance, wr.max_steps, value)
                        : interpolate_nearest(view, x, y, p.max_distance, wr.max_steps, value);
#ifdef COGKIT_FILL_CHECK
    if (p.method == FillKernelMethod::invdist) {
      float rv = 0; double qd[4];
      const bool rok = interpolate_invdist_ref(view, x, y, p.max_distance, wr.max_steps, rv, qd);
      if (rok != ok || (ok && std::memcmp(&rv, &value, 4) != 0))
        std::fprintf(stderr, "MISMATCH x=%d y=%d ok=%d/%d v=%.9g/%.9g qd=%g %g %g %g\n", x, y, ok, rok, value, rv, qd[0], qd[1], qd[2], qd[3]);
    }
#endif
    if (!ok) continue;
    dst[x] = value;
    fmask[x] = 1;
    any = true;
  }
  // Without smoothing the round trip through the band's type happens when the rows are
  // written; with smoothing GDAL smooths the round-tripped values and a recomputed mask.
  if (!any || n == 0) return;
  if (p.round_trip) p.round_trip(dst, w);
  for (int x = 0; x < width; ++x)
    if (fmask[x]) tmask[x] = (p.reads_as_nodata && p.reads_as_nodata(dst[x])) ? 0 : 1;
}

void interpolate_rows(const FillKernelParams& p, const WorkRows& wr, FillScratch& s) {
  tbb::parallel_for(tbb::blocked_range<int>(wr.a, wr.b, 4), [&](const tbb::blocked_range<int>& r) {
    CandidateIndex index;
    for (int y = r.begin(); y < r.end(); ++y) interpolate_row(p, wr, y, index, s);
  });
}

// Columns of the filled pixels of each filterable row of [a, b) (empty for the others).
std::vector<std::vector<std::int32_t>> list_filtered_pixels(const FillKernelParams& p, const WorkRows& wr,
                                                            const FillScratch& s) {
  std::vector<std::vector<std::int32_t>> filtered(static_cast<std::size_t>(wr.b - wr.a));
  tbb::parallel_for(wr.a, wr.b, [&](int y) {
    if (!(y >= 1 && y <= p.height - 2 && y > wr.a && y < wr.b - 1)) return;
    const std::uint8_t* f = &s.fmask[wr.offset(y)];
    auto& list = filtered[static_cast<std::size_t>(y - wr.a)];
    for (int x = 0; x < wr.width; ++x)
      if (f[x]) list.push_back(x);
  });
  return filtered;
}

// One Jacobi pass: the listed pixels of `next` get the masked 3x3 mean of `cur`.
void filter_pass(const WorkRows& wr, const std::vector<std::vector<std::int32_t>>& filtered, const FillScratch& s,
                 const float* cur, float* next) {
  tbb::parallel_for(tbb::blocked_range<int>(wr.a, wr.b, 8), [&](const tbb::blocked_range<int>& r) {
    for (int y = r.begin(); y < r.end(); ++y) {
      const auto& list = filtered[static_cast<std::size_t>(y - wr.a)];
      if (list.empty()) continue;
      const std::size_t off = wr.offset(y);
      const float* self = cur + off;
      const std::uint8_t* tm = &s.tmask[off];
      float* o = next + off;
      for (const std::int32_t x : list)
        o[x] = filter_pixel(self - wr.w, self, self + wr.w, tm - wr.w, tm, tm + wr.w, x, wr.width);
    }
  });
}

// 3. GDALMultiFilter: `n` Jacobi passes of the masked 3x3 mean over filled pixels. Rows 0 and
//    height-1 are never filtered (as in GDAL); the strip's own first/last rows are not
//    either — the error that introduces travels one row per pass and stays in the halo.
void smooth(const FillKernelParams& p, const WorkRows& wr, FillScratch& s) {
  // Only filtered pixels change; every other pixel keeps its value in both buffers, so each
  // pass recomputes just the filtered pixels of the filterable rows.
  const auto filtered = list_filtered_pixels(p, wr, s);
  s.work2 = s.work;
  float* cur = s.work.data();
  float* next = s.work2.data();
  for (int it = 0; it < wr.smoothing; ++it) {
    filter_pass(wr, filtered, s, cur, next);
    std::swap(cur, next);
  }
  if (cur != s.work.data()) std::memcpy(s.work.data(), cur, wr.cells * sizeof(float));
}

}  // namespace

int fill_kernel_halo(double max_distance, int smoothing) {
  return static_cast<int>(std::floor(max_distance)) + std::max(0, smoothing);
}

std::uint64_t fill_strip_bytes(int width, int core_rows, int halo, int smoothing, bool interior_only) {
  const std::uint64_t w = static_cast<std::uint64_t>(std::max(width, 0));
  const std::uint64_t s = static_cast<std::uint64_t>(core_rows);
  const std::uint64_t in_rows = s + 2u * static_cast<std::uint64_t>(halo);
  const std::uint64_t work_rows = s + 2u * static_cast<std::uint64_t>(smoothing);
  const std::uint64_t per_in = 4 + 1 + (interior_only ? 1 : 0);   // value, valid, interior
  const std::uint64_t per_work = 4 + 4 + 4 + 1 + 1 + (smoothing > 0 ? 4 : 0);  // top, bottom, work, fmask, tmask, work2
  return w * ((in_rows + 4 * s) * per_in + work_rows * per_work + 4 * s);  // ring + 4 chunks read ahead, kernel, write-behind
}

std::size_t fill_strip(const FillKernelParams& p, const FillStrip& strip, int core_begin, int core_end,
                       FillScratch& s, const float*& out) {
  const WorkRows wr(p, strip, core_begin, core_end);
  size_scratch(wr, s);
  find_nearest_valid_rows(wr, s);
  interpolate_rows(p, wr, s);
  if (wr.smoothing > 0) smooth(p, wr, s);

  // 4. Output: the core rows, and how many of their pixels were filled.
  const std::size_t core_off = wr.offset(core_begin);
  const std::size_t core_cells = static_cast<std::size_t>(core_end - core_begin) * wr.w;
  out = &s.work[core_off];
  return static_cast<std::size_t>(std::count(s.fmask.begin() + static_cast<std::ptrdiff_t>(core_off),
                                             s.fmask.begin() + static_cast<std::ptrdiff_t>(core_off + core_cells),
                                             std::uint8_t{1}));
}

}  // namespace cogkit::detail
