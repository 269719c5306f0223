// src/read/xyz/grid.cpp — axis fitting of gridded coordinates and the data type rule (see grid.hpp).
#include "read/xyz/grid.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <sstream>

namespace cogkit::detail {

void sort_unique(std::vector<double>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

namespace {
std::string num(double v) {
  std::ostringstream s;
  s.precision(12);
  s << v;
  return s.str();
}
}  // namespace

AxisFit fit_axis(const std::vector<double>& raw) {
  AxisFit f;
  if (raw.empty()) {
    f.why = "no coordinates";
    return f;
  }
  f.min = raw.front();
  if (raw.size() == 1) {
    f.ok = true;
    f.count = 1;
    return f;
  }
  // Merge print noise: the same column written as 440809.999 and 440810 in two rows.
  // Differences below a tenth of the median difference are noise, not steps (a real
  // step is never 10x smaller than the typical one unless most of the grid is missing).
  std::vector<double> diffs;
  diffs.reserve(raw.size() - 1);
  for (std::size_t i = 1; i < raw.size(); ++i) diffs.push_back(raw[i] - raw[i - 1]);
  std::vector<double> sorted = diffs;
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
  const double median = sorted[sorted.size() / 2];
  const double noise = median * 0.1;
  std::vector<double> u;  // cluster means
  u.reserve(raw.size());
  double sum = raw[0];
  std::size_t n = 1;
  for (std::size_t i = 1; i < raw.size(); ++i) {
    if (diffs[i - 1] < noise) {
      sum += raw[i];
      ++n;
      continue;
    }
    u.push_back(sum / double(n));
    sum = raw[i];
    n = 1;
  }
  u.push_back(sum / double(n));
  f.min = u.front();
  if (u.size() == 1) {
    f.ok = true;
    f.count = 1;
    return f;
  }
  const double span = u.back() - u.front();
  double dmin = std::numeric_limits<double>::infinity();
  for (std::size_t i = 1; i < u.size(); ++i) dmin = std::min(dmin, u[i] - u[i - 1]);
  // Base cluster: the differences close to the smallest one (rounded coordinates give
  // e.g. 0.033 and 0.034); larger differences are gaps of missing rows/columns.
  double bsum = 0;
  std::size_t bn = 0;
  for (std::size_t i = 1; i < u.size(); ++i) {
    const double d = u[i] - u[i - 1];
    if (d <= dmin * 1.5) {
      bsum += d;
      ++bn;
    }
  }
  const double step0 = bsum / double(bn);
  const double intervals = std::round(span / step0);
  if (intervals < 1 || intervals > 1e15) {
    f.why = "spacing " + num(step0) + " over a span of " + num(span) + " is not a usable grid";
    return f;
  }
  const double step = span / intervals;
  // Every coordinate must sit on the lattice (within 0.3 of a cell: rounding to a few
  // decimals moves points by far less than that on a real grid).
  for (double x : raw) {
    const double k = (x - u.front()) / step;
    if (std::fabs(k - std::round(k)) > 0.3) {
      f.why = "coordinate " + num(x) + " is not on a regular grid (spacing " + num(step) + " from " + num(u.front()) + ")";
      return f;
    }
  }
  f.ok = true;
  f.step = step;
  f.count = static_cast<std::int64_t>(intervals) + 1;
  return f;
}

GDALDataType choose_type(const ZStats& z, std::optional<double> nodata) {
  double lo = z.any ? z.min : 0, hi = z.any ? z.max : 0;
  bool integral = z.all_integer;
  if (nodata) {
    if (std::isnan(*nodata) || *nodata != std::floor(*nodata)) integral = false;
    lo = std::min(lo, *nodata);
    hi = std::max(hi, *nodata);
  }
  if (integral) {
    if (lo >= 0 && hi <= 255) return GDT_Byte;
    if (lo >= -32768 && hi <= 32767) return GDT_Int16;
    if (lo >= -2147483648.0 && hi <= 2147483647.0) return GDT_Int32;
    // Integers beyond Int32: Float32 keeps them exactly only up to 2^24.
    const double m = std::max(std::fabs(lo), std::fabs(hi));
    return m <= 16777216.0 ? GDT_Float32 : GDT_Float64;
  }
  if (z.needs_float64) return GDT_Float64;
  if (nodata && std::isfinite(*nodata) && std::fabs(*nodata) > std::numeric_limits<float>::max()) return GDT_Float64;
  return GDT_Float32;
}

bool float32_keeps(double v, const char* b, const char* e, char decimal) {
  const float f = static_cast<float>(v);
  if (static_cast<double>(f) == v) return true;
  if (!std::isfinite(v)) return true;
  // Weight of the last printed digit: 10^(exponent - digits after the decimal mark).
  int frac = 0, exp10 = 0;
  const char* p = b;
  while (p < e && *p != decimal && *p != 'e' && *p != 'E') ++p;
  if (p < e && *p == decimal) {
    ++p;
    while (p < e && *p >= '0' && *p <= '9') {
      ++frac;
      ++p;
    }
  }
  if (p < e && (*p == 'e' || *p == 'E')) {
    ++p;
    bool neg = false;
    if (p < e && (*p == '+' || *p == '-')) neg = *p++ == '-';
    int x = 0;
    while (p < e && *p >= '0' && *p <= '9') x = std::min(x * 10 + (*p++ - '0'), 1000);
    exp10 = neg ? -x : x;
  }
  static const auto pow10 = [] {
    std::array<double, 81> t{};
    for (int i = 0; i < 81; ++i) t[i] = std::pow(10.0, i - 40);
    return t;
  }();
  const int k = exp10 - frac;
  const double weight = k >= -40 && k <= 40 ? pow10[k + 40] : std::pow(10.0, double(k));
  return std::fabs(double(f) - v) <= 0.5 * weight * (1 + 1e-9);
}

}  // namespace cogkit::detail
