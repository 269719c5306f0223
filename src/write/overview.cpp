// src/write/overview.cpp — overview resampling kernels for the native COG writer.
//
// The arithmetic follows GDAL 3.6's overview code (gcore/overview.cpp) so that the pyramid
// equals what `gdal_translate -of COG` writes:
//  * ratio = src / dst per axis (double);
//  * nearest: source index (int)(0.5 + dst * ratio);
//  * average: source window [(int)(dst*ratio + 1e-8), ceil((dst+1)*ratio - 1e-8)), edge pixels
//    weighted by their covered fraction; ratio-2 windows without nodata use GDAL's float
//    shortcut ((a+c)+(b+d))*0.25f for float work types;
//  * bilinear/cubic: separable convolution, horizontal pass into doubles then vertical pass,
//    centre (dst+0.5)*ratio, taps [floor(c - R + 0.5), (int)(c + R + 0.5)) with R =
//    radius / min(1, 1/ratio), weights from GDAL's kernels (cubic a = -0.5). Without nodata the
//    weights are normalised; with nodata the masked sums are divided by the valid weight (GDAL
//    multiplies weights by its 0/255 mask byte; we do the same so the rounding matches), and for
//    cubic a run of valid taps shorter than half the kernel gives "no valid";
//  * GDAL's work type is Float32 for every type but Byte/UInt16, so non-native types are rounded
//    through float where GDAL does it; results equal to nodata are replaced by GDAL's
//    "replacement value"; integers are clamped and rounded half away from zero.
// Deliberate deviations (GDAL 3.6 is wrong there; see docs/overview-resampling.md):
//  * NaN samples never contribute (GDAL multiplies NaN by a zero weight, so a NaN nodata hole
//    grows by the kernel radius with bilinear/cubic);
//  * Float64 is computed in double and nearest copies samples exactly for every type (GDAL 3.6
//    rounds Float64, and Int32/UInt32 beyond 2^24, through its Float32 work type).
#include "write/overview.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <vector>


namespace cogkit::detail {

std::optional<OverviewKernel> overview_kernel(std::optional<OverviewResampling> resampling) {
  switch (resampling.value_or(OverviewResampling::cubic)) {
    case OverviewResampling::cubic: return OverviewKernel::cubic;
    case OverviewResampling::nearest: return OverviewKernel::nearest;
    case OverviewResampling::average: return OverviewKernel::average;
    case OverviewResampling::bilinear: return OverviewKernel::bilinear;
    default: return std::nullopt;
  }
}

namespace {

int kernel_radius(OverviewKernel r) {
  switch (r) {
    case OverviewKernel::bilinear: return 1;
    case OverviewKernel::cubic: return 2;
    default: return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Convolution geometry (one axis).
struct ConvAxis {
  double ratio = 1, scale_weight = 1, scaled_radius = 0;
  ConvAxis(int src, int dst, int radius) {
    ratio = static_cast<double>(src) / dst;
    const double scale = 1.0 / ratio;
    scale_weight = scale >= 1.0 ? 1.0 : scale;
    scaled_radius = radius / scale_weight;
  }
  double centre(int i) const { return (i + 0.5) * ratio; }
  int start(int i, int n) const {
    return std::max(0, static_cast<int>(std::floor(centre(i) - scaled_radius + 0.5)));
  }
  int stop(int i, int n) const { return std::min(n, static_cast<int>(centre(i) + scaled_radius + 0.5)); }
};

double bilinear_kernel(double x) {
  const double a = std::fabs(x);
  return a <= 1.0 ? 1 - a : 0.0;
}

double cubic_kernel(double x) {
  const double a = std::fabs(x);
  if (a <= 1.0) {
    const double x2 = x * x;
    return x2 * (1.5 * a - 2.5) + 1;
  }
  if (a <= 2.0) {
    const double x2 = x * x;
    return x2 * (-0.5 * a + 2.5) - 4 * a + 2;
  }
  return 0.0;
}

using Kernel = double (*)(double);

// Raw kernel weights for `count` taps, positions generated as GDAL does (the horizontal pass
// accumulates the step, the vertical pass adds multiples of it in groups of four). Returns the
// weight sum, grouped by four like GDAL's 4-value filter helpers.
double make_weights(Kernel k, double first_pos, double step, int count, bool vertical, double* w) {
  double sum = 0.0;
  int i = 0;
  double x = first_pos;
  for (; i + 3 < count; i += 4) {
    if (vertical) {
      w[i] = x;
      w[i + 1] = x + step;
      w[i + 2] = x + 2 * step;
      w[i + 3] = x + 3 * step;
      x += 4 * step;
    } else {
      w[i] = x;
      x += step;
      w[i + 1] = x;
      x += step;
      w[i + 2] = x;
      x += step;
      w[i + 3] = x;
      x += step;
    }
    for (int j = 0; j < 4; ++j) w[i + j] = k(w[i + j]);
    sum += w[i] + w[i + 1] + w[i + 2] + w[i + 3];
  }
  for (; i < count; ++i, x += step) {
    w[i] = k(x);
    sum += w[i];
  }
  return sum;
}

// ---------------------------------------------------------------------------------------------
// Sample types.
template <class T>
constexpr bool is_float_v = std::is_floating_point_v<T>;

// Byte and UInt16 keep their own type as GDAL's work type; everything else is Float32 in GDAL
// (Float64 is kept in double here: documented deviation).
template <class T>
constexpr bool native_work_v = std::is_same_v<T, std::uint8_t> || std::is_same_v<T, std::uint16_t>;

template <class T>
constexpr bool double_work_v = std::is_same_v<T, double>;

// A sample as GDAL's work buffer holds it, widened to double.
template <class T>
inline double work_value(T v) {
  if constexpr (std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::uint32_t>)
    return static_cast<double>(static_cast<float>(v));
  else
    return static_cast<double>(v);
}

// Rounds a result the way GDAL hands it to the band: through float unless Float64.
template <class T>
inline double work_round(double v) {
  if constexpr (double_work_v<T>)
    return v;
  else
    return static_cast<double>(static_cast<float>(v));
}

// GDALCopyWords from the float work buffer to T: clamp, round half away from zero, NaN -> 0.
template <class T>
inline T to_output(double v) {
  if constexpr (is_float_v<T>) {
    return static_cast<T>(v);
  } else {
    if (std::isnan(v)) return 0;
    constexpr double lo = static_cast<double>(std::numeric_limits<T>::min());
    constexpr double hi = static_cast<double>(std::numeric_limits<T>::max());
    if (v <= lo) return std::numeric_limits<T>::min();
    if (v >= hi) return std::numeric_limits<T>::max();
    if constexpr (std::is_same_v<T, std::int16_t>) {
      return static_cast<T>(v >= 0 ? v + 0.5 : v - 0.5);
    } else {
      const float f = static_cast<float>(v);
      const float r = f >= 0 ? f + 0.5f : f - 0.5f;
      if (static_cast<double>(r) >= hi) return std::numeric_limits<T>::max();
      if (static_cast<double>(r) <= lo) return std::numeric_limits<T>::min();
      return static_cast<T>(r);
    }
  }
}

// GDAL's value substituted for a computed result that equals nodata.
template <class T>
double replacement_value(float nd) {
  if constexpr (std::is_same_v<T, std::uint8_t> || std::is_same_v<T, std::uint16_t> ||
                std::is_same_v<T, std::int16_t>) {
    constexpr float mx = static_cast<float>(std::numeric_limits<T>::max());
    return nd == mx ? mx - 1 : nd + 1;
  } else if constexpr (std::is_same_v<T, std::uint32_t> || std::is_same_v<T, std::int32_t>) {
    float r = nd + 1;
    double d = nd;
    const double top = std::is_same_v<T, std::uint32_t> ? static_cast<double>(std::numeric_limits<T>::max() - 128)
                                                        : static_cast<double>(std::numeric_limits<T>::max() - 64);
    const double step = r >= top ? -1.0 : 1.0;
    while (r == nd) {
      d += step;
      r = static_cast<float>(d);
    }
    return r;
  } else {
    if (nd == 0) return std::numeric_limits<float>::min();
    return static_cast<float>(nd + 1e-7 * nd);
  }
}

// Nodata description for one call.
template <class T>
struct NoData {
  bool has = false;        // a nodata value is set
  bool is_nan = false;     // it is NaN
  bool representable = false;  // integer types: nodata is a value of T
  T value{};               // nodata as T (when representable)
  float fvalue = 0.0f;     // GDAL keeps nodata as float
  double out = 0.0;        // value written for "no valid" (before to_output)
  double replacement = 0.0;

  explicit NoData(std::optional<double> nd) {
    if (!nd) return;
    has = true;
    is_nan = std::isnan(*nd);
    fvalue = static_cast<float>(*nd);
    out = double_work_v<T> ? *nd : static_cast<double>(fvalue);
    if constexpr (is_float_v<T>) {
      representable = true;
      value = static_cast<T>(*nd);
    } else {
      representable = !is_nan && std::floor(*nd) == *nd &&
                      *nd >= static_cast<double>(std::numeric_limits<T>::min()) &&
                      *nd <= static_cast<double>(std::numeric_limits<T>::max());
      if (representable) value = static_cast<T>(*nd);
    }
    if constexpr (double_work_v<T>)
      replacement = *nd == 0 ? std::numeric_limits<double>::min() : *nd + 1e-7 * *nd;
    else
      replacement = replacement_value<T>(fvalue);
  }

  // False for nodata samples, and for NaN in floating types.
  bool valid(T v) const {
    if constexpr (is_float_v<T>) {
      if (std::isnan(v)) return false;
      return !(has && !is_nan && v == value);
    } else {
      return !(representable && v == value);
    }
  }
};

// ---------------------------------------------------------------------------------------------
// Nearest.
template <class T>
void nearest(int bands, const LevelSize& g, const T* src, int src_first, T* dst, int y0, int y1) {
  const double rx = static_cast<double>(g.src_w) / g.dst_w;
  const double ry = static_cast<double>(g.src_h) / g.dst_h;
  std::vector<int> sx(static_cast<std::size_t>(g.dst_w));
  for (int x = 0; x < g.dst_w; ++x) sx[x] = std::min(g.src_w - 1, static_cast<int>(0.5 + x * rx));
  const std::size_t src_stride = static_cast<std::size_t>(g.src_w) * bands;
  const std::size_t dst_stride = static_cast<std::size_t>(g.dst_w) * bands;
  for (int y = y0; y < y1; ++y) {
    const int syr = std::min(g.src_h - 1, static_cast<int>(0.5 + y * ry));
    const T* s = src + static_cast<std::size_t>(syr - src_first) * src_stride;
    T* d = dst + static_cast<std::size_t>(y - y0) * dst_stride;
    if (bands == 1) {
      for (int x = 0; x < g.dst_w; ++x) d[x] = s[sx[x]];
    } else {
      for (int x = 0; x < g.dst_w; ++x)
        for (int b = 0; b < bands; ++b) d[static_cast<std::size_t>(x) * bands + b] = s[static_cast<std::size_t>(sx[x]) * bands + b];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Average (GDAL's fractional-coverage average).
struct AvgSpan {
  int first = 0, last = 0;  // [first, last)
  double first_weight = 1, last_weight = 1, total = 1;
};

AvgSpan avg_span(int i, double ratio, int n) {
  AvgSpan s;
  const double a = i * ratio;
  s.first = static_cast<int>(a + 1e-8);
  const double b = (i + 1) * ratio;
  s.last = static_cast<int>(std::ceil(b - 1e-8));
  if (s.first < 0) s.first = 0;
  if (s.last == s.first) ++s.last;
  if (s.last > n) s.last = n;
  s.first_weight = (s.last == s.first + 1) ? 1.0 : 1 - (a - s.first);
  s.last_weight = 1 - (s.last - b);
  s.total = s.first_weight;
  if (s.first + 1 < s.last) {
    s.total += s.last - s.first - 2;
    s.total += s.last_weight;
  }
  return s;
}

template <class T>
void average(int bands, const LevelSize& g, const T* src, int src_first, T* dst, int y0, int y1,
             const NoData<T>& nd) {
  const double rx = static_cast<double>(g.src_w) / g.dst_w;
  const double ry = static_cast<double>(g.src_h) / g.dst_h;
  std::vector<AvgSpan> xs(static_cast<std::size_t>(g.dst_w));
  bool x_spacing_two = true;
  int last_end = -1;
  for (int x = 0; x < g.dst_w; ++x) {
    xs[x] = avg_span(x, rx, g.src_w);
    if (xs[x].last - xs[x].first != 2 || (last_end >= 0 && last_end != xs[x].first)) x_spacing_two = false;
    last_end = xs[x].last;
  }
  const std::size_t src_stride = static_cast<std::size_t>(g.src_w) * bands;
  const std::size_t dst_stride = static_cast<std::size_t>(g.dst_w) * bands;
  // Without nodata every pixel is valid, except NaN in floating types (checked per window).
  const bool use_mask = nd.has;

  auto row_ptr = [&](int r) { return src + static_cast<std::size_t>(r - src_first) * src_stride; };

  for (int y = y0; y < y1; ++y) {
    const AvgSpan ys = avg_span(y, ry, g.src_h);
    T* drow = dst + static_cast<std::size_t>(y - y0) * dst_stride;
    const bool fast2 = x_spacing_two && ys.last == ys.first + 2 && !use_mask;
    for (int b = 0; b < bands; ++b) {
      for (int x = 0; x < g.dst_w; ++x) {
        const AvgSpan& s = xs[x];
        T& out = drow[static_cast<std::size_t>(x) * bands + b];
        auto at = [&](int r, int c) { return row_ptr(r)[static_cast<std::size_t>(c) * bands + b]; };

        bool masked = use_mask;
        if (!masked && is_float_v<T>) {
          // NaN never contributes: fall back to the masked formula when the window has one.
          for (int r = ys.first; r < ys.last && !masked; ++r)
            for (int c = s.first; c < s.last; ++c)
              if (!nd.valid(at(r, c))) {
                masked = true;
                break;
              }
        }

        if (!masked && fast2) {
          if constexpr (native_work_v<T>) {
            const std::uint32_t sum = static_cast<std::uint32_t>(at(ys.first, s.first)) + at(ys.first, s.first + 1) +
                                      at(ys.first + 1, s.first) + at(ys.first + 1, s.first + 1);
            out = static_cast<T>((sum + 2) / 4);
            continue;
          } else if constexpr (!double_work_v<T>) {
            const float a = static_cast<float>(work_value(at(ys.first, s.first)));
            const float bb = static_cast<float>(work_value(at(ys.first, s.first + 1)));
            const float c = static_cast<float>(work_value(at(ys.first + 1, s.first)));
            const float d = static_cast<float>(work_value(at(ys.first + 1, s.first + 1)));
            const float v = ((a + c) + (bb + d)) * 0.25f;
            out = to_output<T>(v);
            continue;
          }
        }

        double total = 0, total_weight = 0;
        if (!masked) {
          for (int r = ys.first; r < ys.last; ++r) {
            const double wy = (r == ys.first) ? ys.first_weight : (r + 1 == ys.last ? ys.last_weight : 1.0);
            double line = work_value(at(r, s.first)) * s.first_weight;
            if (s.first + 1 < s.last) {
              for (int c = s.first + 1; c + 1 < s.last; ++c) line += work_value(at(r, c));
              line += work_value(at(r, s.last - 1)) * s.last_weight;
            }
            total += line * wy;
          }
          total_weight = s.total * ys.total;
        } else {
          std::size_t count = 0;
          for (int r = ys.first; r < ys.last; ++r) {
            double line = 0, line_weight = 0;
            {
              const T v = at(r, s.first);
              if (nd.valid(v)) {
                ++count;
                line_weight = s.first_weight;
                line = work_value(v) * s.first_weight;
              }
            }
            if (s.first + 1 < s.last) {
              for (int c = s.first + 1; c + 1 < s.last; ++c) {
                const T v = at(r, c);
                if (nd.valid(v)) {
                  ++count;
                  line_weight += 1;
                  line += work_value(v);
                }
              }
              const T v = at(r, s.last - 1);
              if (nd.valid(v)) {
                ++count;
                line_weight += s.last_weight;
                line += work_value(v) * s.last_weight;
              }
            }
            const double wy = (r == ys.first) ? ys.first_weight : (r + 1 == ys.last ? ys.last_weight : 1.0);
            total += line * wy;
            total_weight += line_weight * wy;
          }
          if (count == 0) {
            out = nd.has ? to_output<T>(nd.out) : to_output<T>(std::numeric_limits<double>::quiet_NaN());
            continue;
          }
        }
        if constexpr (native_work_v<T>) {
          T v = static_cast<T>(total / total_weight + 0.5);
          if (nd.has && nd.representable && v == nd.value) v = static_cast<T>(nd.replacement);
          out = v;
        } else {
          double v = work_round<T>(total / total_weight);
          if (nd.has && v == nd.out) v = nd.replacement;
          out = to_output<T>(v);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Convolution (bilinear, cubic).

// Horizontal dot products in GDAL's summation order. `Sse` is GDAL's order for Byte/UInt16
// (SSE2 lanes of 4 doubles, horizontal sum (l0+h0)+(l1+h1)); otherwise its scalar order.
template <bool Sse>
inline double h_dot(const double* p, const double* w, int n, bool less8) {
  if constexpr (Sse) {
    if (n == 4) return (p[0] * w[0] + p[2] * w[2]) + (p[1] * w[1] + p[3] * w[3]);
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    int i = 0;
    if (less8) {
      for (; i + 3 < n; i += 4) {
        a0 += p[i] * w[i];
        a1 += p[i + 1] * w[i + 1];
        a2 += p[i + 2] * w[i + 2];
        a3 += p[i + 3] * w[i + 3];
      }
    } else {
      for (; i + 7 < n; i += 8) {
        a0 += p[i] * w[i];
        a1 += p[i + 1] * w[i + 1];
        a2 += p[i + 2] * w[i + 2];
        a3 += p[i + 3] * w[i + 3];
        a0 += p[i + 4] * w[i + 4];
        a1 += p[i + 5] * w[i + 5];
        a2 += p[i + 6] * w[i + 6];
        a3 += p[i + 7] * w[i + 7];
      }
    }
    double r = (a0 + a2) + (a1 + a3);
    for (; i < n; ++i) r += p[i] * w[i];
    return r;
  } else {
    double v1 = 0, v2 = 0;
    int i = 0;
    for (; i + 3 < n; i += 4) {
      v1 += p[i] * w[i];
      v1 += p[i + 1] * w[i + 1];
      v2 += p[i + 2] * w[i + 2];
      v2 += p[i + 3] * w[i + 3];
    }
    for (; i < n; ++i) v1 += p[i] * w[i];
    return v1 + v2;
  }
}

// Masked horizontal sums; `m` is 1 for valid samples (GDAL's mask byte is 255, which scales
// every weight: kept for identical rounding). Invalid samples hold 0.
template <bool Sse>
inline void h_dot_masked(const double* p, const std::uint8_t* m, const double* w, int n, double& val, double& wsum) {
  constexpr double kMask = 255.0;
  if constexpr (Sse) {
    double a[4] = {0, 0, 0, 0}, aw[4] = {0, 0, 0, 0};
    int i = 0;
    for (; i + 3 < n; i += 4)
      for (int k = 0; k < 4; ++k) {
        const double wk = w[i + k] * (m[i + k] ? kMask : 0.0);
        a[k] += p[i + k] * wk;
        aw[k] += wk;
      }
    val = (a[0] + a[2]) + (a[1] + a[3]);
    wsum = (aw[0] + aw[2]) + (aw[1] + aw[3]);
    for (; i < n; ++i) {
      const double wk = w[i] * (m[i] ? kMask : 0.0);
      val += p[i] * wk;
      wsum += wk;
    }
  } else {
    val = 0;
    wsum = 0;
    int i = 0;
    for (; i + 3 < n; i += 4) {
      const double w0 = w[i] * (m[i] ? kMask : 0.0);
      const double w1 = w[i + 1] * (m[i + 1] ? kMask : 0.0);
      const double w2 = w[i + 2] * (m[i + 2] ? kMask : 0.0);
      const double w3 = w[i + 3] * (m[i + 3] ? kMask : 0.0);
      val += p[i] * w0;
      val += p[i + 1] * w1;
      val += p[i + 2] * w2;
      val += p[i + 3] * w3;
      wsum += w0 + w1 + w2 + w3;
    }
    for (; i < n; ++i) {
      const double wk = w[i] * (m[i] ? kMask : 0.0);
      val += p[i] * wk;
      wsum += wk;
    }
  }
}

// Longest run of valid taps (GDAL's guard for kernels with negative lobes).
inline int longest_valid_run(const std::uint8_t* m, std::size_t stride, int n) {
  int run = 0, best = 0;
  for (int i = 0; i < n; ++i) {
    if (m[i * stride]) {
      ++run;
    } else {
      best = std::max(best, run);
      run = 0;
    }
  }
  return std::max(best, run);
}

struct Taps {
  int start = 0, count = 0;
  std::size_t offset = 0;  // into the weight arrays
};

template <class T>
class Convolver {
 public:
  Convolver(OverviewKernel r, int bands, const LevelSize& g, const NoData<T>& nd)
      : bands_(bands), g_(g), nd_(nd), ax_(g.src_w, g.dst_w, kernel_radius(r)), ay_(g.src_h, g.dst_h, kernel_radius(r)),
        kernel_(r == OverviewKernel::cubic ? cubic_kernel : bilinear_kernel), negative_lobes_(r == OverviewKernel::cubic) {
    // Column taps and weights, computed once per call: raw, normalised, and raw x 255 (GDAL's
    // masked weights for an all-valid window) with its sum in GDAL's order.
    xtaps_.resize(static_cast<std::size_t>(g.dst_w));
    xw_allvalid_sum_.resize(static_cast<std::size_t>(g.dst_w));
    max_taps_ = static_cast<int>(2 + 2 * std::max(ax_.scaled_radius, ay_.scaled_radius) + 0.5) + 2;
    std::vector<double> tmp(static_cast<std::size_t>(max_taps_) + 4);
    const std::vector<std::uint8_t> ones(static_cast<std::size_t>(max_taps_) + 4, 1);
    for (int x = 0; x < g.dst_w; ++x) {
      Taps t;
      t.start = ax_.start(x, g.src_w);
      t.count = std::max(0, ax_.stop(x, g.src_w) - t.start);
      t.offset = xw_raw_.size();
      const double sum = make_weights(kernel_, ax_.scale_weight * (t.start - ax_.centre(x) + 0.5), ax_.scale_weight, t.count,
                                      false, tmp.data());
      const double inv = sum != 0 ? 1.0 / sum : 1.0;
      for (int i = 0; i < t.count; ++i) {
        xw_raw_.push_back(tmp[i]);
        xw_norm_.push_back(sum != 0 ? tmp[i] * inv : tmp[i]);
      }
      // The masked formula's weight sum when every tap is valid (zeros for values: only the sum).
      const std::vector<double> zeros(static_cast<std::size_t>(t.count), 0.0);
      double unused = 0;
      h_dot_masked<native_work_v<T>>(zeros.data(), ones.data(), tmp.data(), t.count, unused, xw_allvalid_sum_[x]);
      xtaps_[x] = t;
    }
    for (double w : xw_raw_) xw_255_.push_back(w * 255.0);
    yw_raw_.resize(static_cast<std::size_t>(max_taps_) + 4);
    yw_norm_.resize(yw_raw_.size());
  }

  void run(const T* src, int src_first, T* dst, int y0, int y1) {
    constexpr int kStrip = 32;
    const std::size_t dw = static_cast<std::size_t>(g_.dst_w);
    const std::size_t sw = static_cast<std::size_t>(g_.src_w);
    std::vector<double> row(sw);
    std::vector<std::uint8_t> row_valid(sw);
    std::vector<int> invalid_before(sw + 1);  // invalid samples in [0, c)
    std::vector<double> acc(dw);
    std::vector<int> valid_count(dw);
    const std::size_t src_stride = sw * bands_;
    const std::size_t dst_stride = dw * bands_;
    const bool sse = native_work_v<T>;
    for (int b = 0; b < bands_; ++b) {
      for (int ys = y0; ys < y1; ys += kStrip) {
        const int ye = std::min(y1, ys + kStrip);
        const int a = ay_.start(ys, g_.src_h);
        const int e = ay_.stop(ye - 1, g_.src_h);
        const int nrows = std::max(0, e - a);
        h_.resize(static_cast<std::size_t>(nrows) * dw);
        hv_.resize(static_cast<std::size_t>(nrows) * dw);
        bool strip_has_invalid = false;
        // Horizontal pass.
        for (int r = a; r < e; ++r) {
          const T* s = src + static_cast<std::size_t>(r - src_first) * src_stride + b;
          int invalid = 0;
          for (std::size_t c = 0; c < sw; ++c) {
            const T v = s[c * bands_];
            const bool ok = nd_.valid(v);
            row_valid[c] = ok;
            row[c] = ok ? work_value(v) : 0.0;
            invalid_before[c] = invalid;
            invalid += !ok;
          }
          invalid_before[sw] = invalid;
          double* hrow = h_.data() + static_cast<std::size_t>(r - a) * dw;
          std::uint8_t* vrow = hv_.data() + static_cast<std::size_t>(r - a) * dw;
          for (std::size_t x = 0; x < dw; ++x) {
            const Taps& t = xtaps_[x];
            const bool all_valid = invalid_before[t.start + t.count] == invalid_before[t.start];
            const double* p = row.data() + t.start;
            if (all_valid) {
              vrow[x] = 1;
              if (!nd_.has) {
                hrow[x] = sse ? h_dot<true>(p, xw_norm_.data() + t.offset, t.count, less8())
                              : h_dot<false>(p, xw_norm_.data() + t.offset, t.count, less8());
              } else {
                // GDAL's masked formula with every mask byte set: weights x 255, divided by their sum.
                hrow[x] = h_dot_allvalid(p, xw_255_.data() + t.offset, t.count) / xw_allvalid_sum_[x];
              }
              continue;
            }
            const std::uint8_t* m = row_valid.data() + t.start;
            if (negative_lobes_ && longest_valid_run(m, 1, t.count) < t.count / 2) {
              hrow[x] = 0.0;
              vrow[x] = 0;
              strip_has_invalid = true;
              continue;
            }
            double val = 0, wsum = 0;
            h_dot_masked<native_work_v<T>>(p, m, xw_raw_.data() + t.offset, t.count, val, wsum);
            if (wsum > 0.0) {
              hrow[x] = val / wsum;
              vrow[x] = 1;
            } else {
              hrow[x] = 0.0;
              vrow[x] = 0;
              strip_has_invalid = true;
            }
          }
        }
        // Vertical pass: invalid horizontal results hold 0, so the sum over all taps equals
        // GDAL's masked sum (w x 0 terms) and its unmasked sum alike; only the divisor differs.
        for (int y = ys; y < ye; ++y) {
          const int start = ay_.start(y, g_.src_h);
          const int count = std::max(0, ay_.stop(y, g_.src_h) - start);
          const double sum = make_weights(kernel_, ay_.scale_weight * (start - ay_.centre(y) + 0.5), ay_.scale_weight, count, true,
                                          yw_raw_.data());
          const double inv = sum != 0 ? 1.0 / sum : 1.0;
          for (int i = 0; i < count; ++i) yw_norm_[i] = sum != 0 ? yw_raw_[i] * inv : yw_raw_[i];
          double raw_sum = 0;  // the masked weight sum when every tap is valid
          for (int i = 0; i < count; ++i) raw_sum += yw_raw_[i] * 1;
          const double* h0 = h_.data() + static_cast<std::size_t>(start - a) * dw;
          const std::uint8_t* v0 = hv_.data() + static_cast<std::size_t>(start - a) * dw;
          T* drow = dst + static_cast<std::size_t>(y - y0) * dst_stride + b;
          const double* w = nd_.has ? yw_raw_.data() : yw_norm_.data();
          std::fill(acc.begin(), acc.end(), 0.0);
          for (int i = 0; i < count; ++i) {
            const double wi = w[i];
            const double* hr = h0 + static_cast<std::size_t>(i) * dw;
            for (std::size_t x = 0; x < dw; ++x) acc[x] += hr[x] * wi;
          }
          if (!strip_has_invalid) {
            if (nd_.has)
              for (std::size_t x = 0; x < dw; ++x) drow[x * bands_] = finish(acc[x] / raw_sum);
            else
              for (std::size_t x = 0; x < dw; ++x) drow[x * bands_] = finish(acc[x]);
            continue;
          }
          std::fill(valid_count.begin(), valid_count.end(), 0);
          for (int i = 0; i < count; ++i) {
            const std::uint8_t* vr = v0 + static_cast<std::size_t>(i) * dw;
            for (std::size_t x = 0; x < dw; ++x) valid_count[x] += vr[x];
          }
          for (std::size_t x = 0; x < dw; ++x) {
            if (valid_count[x] == count) {
              drow[x * bands_] = nd_.has ? finish(acc[x] / raw_sum) : finish(acc[x]);
            } else {
              drow[x * bands_] = masked_vertical(h0 + x, v0 + x, dw, count);
            }
          }
        }
      }
    }
  }

 private:
  bool less8() const { return ax_.scaled_radius < 4; }

  // The value part of h_dot_masked for an all-valid window (weights already x 255).
  double h_dot_allvalid(const double* p, const double* w, int n) const {
    if constexpr (native_work_v<T>) {
      double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      int i = 0;
      for (; i + 3 < n; i += 4) {
        a0 += p[i] * w[i];
        a1 += p[i + 1] * w[i + 1];
        a2 += p[i + 2] * w[i + 2];
        a3 += p[i + 3] * w[i + 3];
      }
      double v = (a0 + a2) + (a1 + a3);
      for (; i < n; ++i) v += p[i] * w[i];
      return v;
    } else {
      double v = 0;
      for (int i = 0; i < n; ++i) v += p[i] * w[i];
      return v;
    }
  }

  // GDAL's replaceValIfNodata + copy to the band type.
  T finish(double v) const {
    if constexpr (double_work_v<T>) {
      if (nd_.has && !nd_.is_nan && v == nd_.out) v = nd_.replacement;
      return to_output<T>(v);
    } else {
      float f = static_cast<float>(v);
      if (nd_.has) {
        float lo = -std::numeric_limits<float>::max(), hi = std::numeric_limits<float>::max();
        if constexpr (!is_float_v<T>) {
          lo = static_cast<float>(std::numeric_limits<T>::min());
          hi = static_cast<float>(std::numeric_limits<T>::max());
        }
        float c = f < lo ? lo : (f > hi ? hi : f);
        if constexpr (!is_float_v<T>) {
          if (static_cast<std::int64_t>(nd_.fvalue) == static_cast<std::int64_t>(std::round(c))) c = static_cast<float>(nd_.replacement);
        } else {
          if (nd_.fvalue == c) c = static_cast<float>(nd_.replacement);
        }
        f = c;
      }
      return to_output<T>(f);
    }
  }

  T no_valid() const {
    return nd_.has ? to_output<T>(nd_.out) : to_output<T>(std::numeric_limits<double>::quiet_NaN());
  }

  T masked_vertical(const double* h, const std::uint8_t* v, std::size_t stride, int count) const {
    double val = 0, wsum = 0;
    for (int i = 0; i < count; ++i) {
      const double w = yw_raw_[i] * v[i * stride];
      val += h[i * stride] * w;
      wsum += w;
    }
    if (negative_lobes_ && longest_valid_run(v, stride, count) < count / 2) return no_valid();
    if (wsum > 0.0) return finish(val / wsum);
    return no_valid();
  }

  int bands_;
  LevelSize g_;
  const NoData<T>& nd_;
  ConvAxis ax_, ay_;
  Kernel kernel_;
  bool negative_lobes_;
  int max_taps_ = 0;
  std::vector<Taps> xtaps_;
  std::vector<double> xw_raw_, xw_norm_, xw_255_, xw_allvalid_sum_;
  std::vector<double> yw_raw_, yw_norm_;
  std::vector<double> h_;
  std::vector<std::uint8_t> hv_;
};

template <class T>
void run_typed(OverviewKernel r, int bands, const LevelSize& g, const void* src, int src_first, void* dst, int y0, int y1,
               std::optional<double> nodata) {
  const T* s = static_cast<const T*>(src);
  T* d = static_cast<T*>(dst);
  const NoData<T> nd(nodata);
  switch (r) {
    case OverviewKernel::nearest: nearest<T>(bands, g, s, src_first, d, y0, y1); break;
    case OverviewKernel::average: average<T>(bands, g, s, src_first, d, y0, y1, nd); break;
    case OverviewKernel::bilinear:
    case OverviewKernel::cubic: {
      Convolver<T> conv(r, bands, g, nd);
      conv.run(s, src_first, d, y0, y1);
      break;
    }
  }
}

}  // namespace

std::pair<int, int> overview_source_rows(OverviewKernel r, const LevelSize& g, int y0, int y1) {
  if (y1 <= y0) return {0, 0};
  const double ry = static_cast<double>(g.src_h) / g.dst_h;
  switch (r) {
    case OverviewKernel::nearest: {
      const int a = std::min(g.src_h - 1, static_cast<int>(0.5 + y0 * ry));
      const int b = std::min(g.src_h - 1, static_cast<int>(0.5 + (y1 - 1) * ry));
      return {a, b + 1};
    }
    case OverviewKernel::average: {
      const AvgSpan a = avg_span(y0, ry, g.src_h);
      const AvgSpan b = avg_span(y1 - 1, ry, g.src_h);
      return {a.first, b.last};
    }
    case OverviewKernel::bilinear:
    case OverviewKernel::cubic: {
      const ConvAxis ax(g.src_h, g.dst_h, kernel_radius(r));
      return {ax.start(y0, g.src_h), ax.stop(y1 - 1, g.src_h)};
    }
  }
  return {0, g.src_h};
}

void downsample(OverviewKernel r, GDALDataType type, int bands, const LevelSize& g, const void* src, int src_first,
                void* dst, int y0, int y1, std::optional<double> nodata) {
  if (y1 <= y0 || g.dst_w <= 0 || g.dst_h <= 0 || bands <= 0) return;
  switch (type) {
    case GDT_Byte: run_typed<std::uint8_t>(r, bands, g, src, src_first, dst, y0, y1, nodata); break;
    case GDT_UInt16: run_typed<std::uint16_t>(r, bands, g, src, src_first, dst, y0, y1, nodata); break;
    case GDT_Int16: run_typed<std::int16_t>(r, bands, g, src, src_first, dst, y0, y1, nodata); break;
    case GDT_UInt32: run_typed<std::uint32_t>(r, bands, g, src, src_first, dst, y0, y1, nodata); break;
    case GDT_Int32: run_typed<std::int32_t>(r, bands, g, src, src_first, dst, y0, y1, nodata); break;
    case GDT_Float32: run_typed<float>(r, bands, g, src, src_first, dst, y0, y1, nodata); break;
    case GDT_Float64: run_typed<double>(r, bands, g, src, src_first, dst, y0, y1, nodata); break;
    default: throw std::invalid_argument("overview downsample: unsupported data type");
  }
}

}  // namespace cogkit::detail
