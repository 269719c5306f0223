// src/reproject/fast_warp.cpp — see fast_warp.hpp and docs/fast-warp.md.
//
// The per-pixel rules below follow GDAL 3.6's warp kernel (alg/gdalwarpkernel.cpp),
// re-implemented for one dataset-wide pass:
//  * destination pixel centre (col + 0.5, row + 0.5) -> source pixel/line through the
//    GenImgProj transformer (wrapped in the approximate transformer when et > 0), one
//    whole destination row per call;
//  * the pixel is skipped when the transformation failed, is NaN, x < 0, y < 0,
//    x + 1e-10 > width or y + 1e-10 > height; a coordinate less than one pixel outside
//    is transformed again alone (the approximate transformer is exact for one point);
//  * nearest: the pixel (int(x + 1e-10), int(y + 1e-10)), skipped when it is nodata;
//  * bilinear with masks (source or destination nodata set, GDAL's GWKRealCase +
//    GWKBilinearResample4Sample): the 2x2 pixels around (x - 0.5, y - 0.5), weights
//    renormalised over the valid ones inside the raster, skipped when the valid weight
//    is < 1e-5; without any nodata (GWKBilinearNoMasksOrDstDensityOnly*): GDAL's
//    no-mask 4-sample formula and summation order;
//  * source nodata test as GDALWarpNoDataMasker (NaN-aware, ARE_REAL_EQUAL for floats);
//  * destination initialised with dst nodata (INIT_DEST=NO_DATA), or 0 without one.
#include "reproject/fast_warp.hpp"

// Bit-identical results need GDAL's exact sequence of roundings: no fused multiply-adds.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#elif defined(__clang__)
#pragma clang fp contract(off)
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <future>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include <cpl_error.h>
#include <cpl_vsi.h>
#include <gdal_alg.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "cogkit/core/error.hpp"
#include "cogkit/core/gdal_handle.hpp"
#include "core/gdal_env.hpp"

namespace cogkit::detail {
namespace {

using cogkit::DatasetHandle;

constexpr double kEdgeSlack = 1e-10;       // GWKCheckAndComputeSrcOffsets
constexpr double kMinBilinearWeight = 0.00001;  // GWKBilinearResample4Sample
constexpr double kMinScaleFor4Sample = 0.97;    // GDAL switches at 0.95; keep a margin

// Per-thread transformers (GDAL's are not thread-safe).
class Transformer {
 public:
  Transformer(GDALDatasetH src, GDALDatasetH dst, double et) {
    exact_ = GDALCreateGenImgProjTransformer2(src, dst, nullptr);
    if (!exact_) return;
    if (et > 0) approx_ = GDALCreateApproxTransformer(GDALGenImgProjTransform, exact_, et);
  }
  ~Transformer() {
    if (approx_) GDALDestroyTransformer(approx_);
    if (exact_) GDALDestroyTransformer(exact_);
  }
  Transformer(const Transformer&) = delete;
  Transformer& operator=(const Transformer&) = delete;
  bool valid() const { return exact_ != nullptr; }
  // Destination pixel/line -> source pixel/line, as the warp kernel calls it.
  void dst_to_src(int n, double* x, double* y, double* z, int* ok) const {
    if (approx_)
      GDALApproxTransform(approx_, TRUE, n, x, y, z, ok);
    else
      GDALGenImgProjTransform(exact_, TRUE, n, x, y, z, ok);
  }
  void exact(int n, double* x, double* y, double* z, int* ok) const {
    GDALGenImgProjTransform(exact_, TRUE, n, x, y, z, ok);
  }

 private:
  void* exact_ = nullptr;
  void* approx_ = nullptr;
};

// GDALWarpResolveWorkingDataType, except for a NaN nodata: GDAL 3.6 then works in
// Float64 even for Float32 data (NaN != (float)NaN in its test), reads the Float32
// values exactly into doubles, computes in double as we do, and rounds once to Float32
// when writing, so working in Float32 gives the same pixels.
GDALDataType working_type(GDALDatasetH source, GDALDatasetH dest, const WarpSettings& s,
                          const std::optional<double>& src_nodata) {
  GDALDataType wt = GDT_Byte;
  auto with_value = [&](double v) {
    if (std::isnan(v) && GDALDataTypeIsFloating(wt)) return;
    wt = GDALDataTypeUnionWithValue(wt, v, FALSE);
  };
  const int bands = GDALGetRasterCount(source);
  for (int b = 1; b <= bands; ++b) {
    if (GDALRasterBandH d = GDALGetRasterBand(dest, b)) wt = GDALDataTypeUnion(wt, GDALGetRasterDataType(d));
    wt = GDALDataTypeUnion(wt, GDALGetRasterDataType(GDALGetRasterBand(source, b)));
    if (src_nodata) with_value(*src_nodata);
    if (s.dst_nodata) with_value(*s.dst_nodata);
  }
  return wt;
}

// The source nodata the warp masks with: WarpSettings::src_nodata, else band 1's.
std::optional<double> source_nodata(GDALDatasetH src, const WarpSettings& s) {
  if (s.src_nodata) return s.src_nodata;
  int has = 0;
  const double v = GDALGetRasterNoDataValue(GDALGetRasterBand(src, 1), &has);
  if (!has) return std::nullopt;
  return v;
}

// Largest |d(source)/d(destination)| over a 9x9 grid of destination pixels, from the
// exact transformation. `complete` is false when it failed at some grid point.
struct Derivatives {
  double xx = 0, xy = 0, yx = 0, yy = 0;  // dsx/dx, dsx/dy, dsy/dx, dsy/dy
  bool complete = false, any = false;
};

Derivatives derivatives(GDALDatasetH src, GDALDatasetH dst) {
  Derivatives d;
  Transformer t(src, dst, 0);
  if (!t.valid()) return d;
  const int w = GDALGetRasterXSize(dst), h = GDALGetRasterYSize(dst);
  constexpr int kGrid = 9;
  int good = 0;
  for (int j = 0; j < kGrid; ++j)
    for (int i = 0; i < kGrid; ++i) {
      const double x = 0.5 + (w - 1.0) * i / (kGrid - 1), y = 0.5 + (h - 1.0) * j / (kGrid - 1);
      double px[3] = {x, x + 1, x}, py[3] = {y, y, y + 1}, pz[3] = {0, 0, 0};
      int ok[3] = {0, 0, 0};
      t.exact(3, px, py, pz, ok);
      if (!ok[0] || !ok[1] || !ok[2]) continue;
      ++good;
      d.xx = std::max(d.xx, std::abs(px[1] - px[0]));
      d.xy = std::max(d.xy, std::abs(px[2] - px[0]));
      d.yx = std::max(d.yx, std::abs(py[1] - py[0]));
      d.yy = std::max(d.yy, std::abs(py[2] - py[0]));
    }
  d.any = good > 0;
  d.complete = good == kGrid * kGrid;
  return d;
}

// Lower bounds of GDAL's per-chunk dfXScale/dfYScale (destination pixels per source
// pixel over a chunk's source extent). Chunks are GDAL's halvings of the destination
// (aspect <= max(2, aspect of the whole)).
void min_scales(const Derivatives& d, int w, int h, double& sx, double& sy) {
  const double ax = std::max(2.0, double(h) / w), ay = std::max(2.0, double(w) / h);
  sx = 1.0 / std::max(1e-12, d.xx + d.xy * ax);
  sy = 1.0 / std::max(1e-12, d.yy + d.yx * ay);
}

// Block height of the destination (1 for MEM, the tile height for a tiled GTiff).
int block_rows(GDALDatasetH dest) {
  int bw = 0, bh = 0;
  GDALGetBlockSize(GDALGetRasterBand(dest, 1), &bw, &bh);
  return std::max(1, bh);
}

// How `memory` is split: output rows (a multiple of the destination block height; two
// buffers when they fit, so that writing one overlaps computing the next), source
// coordinates of `sub_rows` rows (2 doubles per pixel), source windows.
struct Plan {
  int out_rows = 1, sub_rows = 1;
  int buffers = 2;
  std::uint64_t source_bytes = 0;
  bool fits = true;  // false when one block-high output band alone takes over half of `memory`
};

Plan plan_for(std::uint64_t memory, int dst_w, int dst_h, int bands, std::size_t type_size, int block_h) {
  Plan p;
  const std::uint64_t budget = std::max<std::uint64_t>(memory, 256ULL << 10);
  const std::uint64_t w = std::uint64_t(std::max(1, dst_w)), h = std::uint64_t(std::max(1, dst_h));
  const std::uint64_t out_row = w * type_size * bands, coord_row = w * 2 * sizeof(double);
  // A third of the budget for output and coordinate rows, the rest for source windows.
  if (block_h <= 1) {
    p.out_rows = p.sub_rows = int(std::clamp<std::uint64_t>(budget / 3 / (2 * out_row + coord_row), 1, h));
  } else {
    // Half of that third for output rows, in whole block rows.
    const std::uint64_t bh = std::uint64_t(block_h);
    p.fits = bh * out_row <= budget / 2;
    if (2 * bh * out_row > budget / 2) p.buffers = 1;
    p.out_rows = int(std::min(h, bh * std::max<std::uint64_t>(1, budget / 6 / p.buffers / (bh * out_row))));
    const std::uint64_t out = std::uint64_t(p.out_rows) * out_row * p.buffers;
    const std::uint64_t left = budget / 3 > out ? budget / 3 - out : 0;
    p.sub_rows = int(std::clamp<std::uint64_t>(left / coord_row, std::min<std::uint64_t>(h, 16), h));
  }
  const std::uint64_t used = std::uint64_t(p.out_rows) * out_row * p.buffers + std::uint64_t(p.sub_rows) * coord_row;
  p.source_bytes = budget > used ? std::max(budget - used, budget / 3) : budget / 3;
  return p;
}

bool representable(GDALDataType t, double v) {
  if (std::isnan(v)) return GDALDataTypeIsFloating(t);
  return GDALDataTypeUnionWithValue(t, v, FALSE) == t;
}

// ---------------------------------------------------------------- kernels

template <class T>
struct NodataTest {
  bool active = false;
  bool nan = false;
  T value{};
  bool operator()(T v) const {
    if (!active) return false;
    if constexpr (std::is_floating_point_v<T>) {
      if (nan) return std::isnan(v);
      // ARE_REAL_EQUAL (gdal_priv.h), as GDALWarpNoDataMasker uses it.
      return v == value || std::abs(v - value) < std::numeric_limits<float>::epsilon() * std::abs(v + value) * 2;
    } else {
      return v == value;
    }
  }
};

// A source window in memory (all bands), raster-absolute origin, with a validity byte
// per pixel when the source has nodata (single band then).
template <class T>
struct SourceWindow {
  PixelRect area;
  std::vector<std::vector<T>> bands;
  std::vector<std::uint8_t> valid;  // 1 = not nodata; empty = all valid
  std::size_t index(int x, int y) const { return std::size_t(y - area.y) * area.w + (x - area.x); }
  const T* at(int b, int x, int y) const { return bands[b].data() + index(x, y); }
};

struct Geometry {
  int src_w = 0, src_h = 0;  // source raster size
  int dst_w = 0;
};

enum class Method { nearest, bilinear_masked, bilinear_nomask };

// floor(t) for t >= -1 (source coordinates are >= 0 here), without a libm call.
inline int floor_small(double t) {
  const int i = static_cast<int>(t);
  return t < i ? i - 1 : i;
}

// The source pixel containing (sx, sy), as GWKCheckAndComputeSrcOffsets picks it.
inline void centre_pixel(const Geometry& g, double sx, double sy, int& cx, int& cy) {
  cx = static_cast<int>(sx + kEdgeSlack);
  cy = static_cast<int>(sy + kEdgeSlack);
  if (cx == g.src_w) --cx;
  if (cy == g.src_h) --cy;
}

template <class T>
void nearest_row(const SourceWindow<T>& win, const Geometry& g, const double* xs, const double* ys, std::vector<T*>& out,
                 int nbands) {
  const bool masked = !win.valid.empty();
  for (int i = 0; i < g.dst_w; ++i) {
    const double sx = xs[i];
    if (std::isnan(sx)) continue;
    int ix, iy;
    centre_pixel(g, sx, ys[i], ix, iy);
    const std::size_t k = win.index(ix, iy);
    if (masked && !win.valid[k]) continue;
    for (int b = 0; b < nbands; ++b) out[b][i] = win.bands[b][k];
  }
}

// GWKRealCase with a unified source validity mask and GWKBilinearResample4Sample, then
// GWKSetPixelValueReal. The weights of valid pixels are summed in GDAL's order (upper
// left, upper right, lower left, lower right); the density is the same sum, so the
// ratio is exactly 1 and the destination is never blended.
template <class T>
void bilinear_masked_row(const SourceWindow<T>& win, const Geometry& g, const double* xs, const double* ys,
                         std::vector<T*>& out, int nbands, bool dst_mask) {
  const int W = g.src_w, H = g.src_h;
  const bool masked = !win.valid.empty();
  const std::uint8_t* valid = masked ? win.valid.data() : nullptr;
  const std::size_t stride = std::size_t(win.area.w);
  for (int i = 0; i < g.dst_w; ++i) {
    const double sx = xs[i];
    if (std::isnan(sx)) continue;
    const double sy = ys[i];
    int ix = floor_small(sx - 0.5);
    int iy = floor_small(sy - 0.5);
    double rx = 1.5 - (sx - ix);
    double ry = 1.5 - (sy - iy);
    if (ix >= 0 && iy >= 0 && ix + 1 < W && iy + 1 < H) {
      const std::size_t k = win.index(ix, iy);
      // All four valid (the pixel containing the position is one of them).
      if (!masked || (valid[k] & valid[k + 1] & valid[k + stride] & valid[k + stride + 1])) {
        const double m1 = rx * ry, m2 = (1.0 - rx) * ry, m3 = rx * (1.0 - ry), m4 = (1.0 - rx) * (1.0 - ry);
        double div = 0;
        div += m1;
        div += m2;
        div += m3;
        div += m4;
        for (int b = 0; b < nbands; ++b) {
          const T* p = win.bands[b].data() + k;
          double acc = 0;
          acc += double(p[0]) * m1;
          acc += double(p[1]) * m2;
          acc += double(p[stride]) * m3;
          acc += double(p[stride + 1]) * m4;
          if (div != 1.0) acc /= div;
          out[b][i] = static_cast<T>(acc);
        }
        continue;
      }
    }
    // Edges of the raster or nodata among the four pixels. GDAL 3.6 puts single-band
    // nodata in its unified validity mask, and GWKRealCase skips a destination pixel
    // whose own source pixel is invalid.
    if (masked) {
      int cx, cy;
      centre_pixel(g, sx, sy, cx, cy);
      if (!valid[win.index(cx, cy)]) continue;
    }
    if (ix == -1) {
      ix = 0;
      rx = 1;
    }
    if (iy == -1) {
      iy = 0;
      ry = 1;
    }
    const bool left = ix < W, right = ix + 1 < W;
    const std::size_t k = win.index(ix, iy);
    auto ok = [&](std::size_t at) { return !masked || valid[at]; };
    for (int b = 0; b < nbands; ++b) {
      const T* p = win.bands[b].data() + k;
      double acc = 0, dens = 0, div = 0;
      if (iy < H) {
        const double m1 = rx * ry, m2 = (1.0 - rx) * ry;
        if (left && ok(k)) {
          div += m1;
          acc += double(p[0]) * m1;
          dens += m1;
        }
        if (right && ok(k + 1)) {
          div += m2;
          acc += double(p[1]) * m2;
          dens += m2;
        }
      }
      if (iy + 1 < H) {
        const double m1 = rx * (1.0 - ry), m2 = (1.0 - rx) * (1.0 - ry);
        if (left && ok(k + stride)) {
          div += m1;
          acc += double(p[stride]) * m1;
          dens += m1;
        }
        if (right && ok(k + stride + 1)) {
          div += m2;
          acc += double(p[stride + 1]) * m2;
          dens += m2;
        }
      }
      double value, density;
      if (div == 1.0) {
        value = acc;
        density = dens;
      } else if (div < kMinBilinearWeight) {
        continue;
      } else {
        value = acc / div;
        density = dens / div;
      }
      if (density < 0.0001) continue;  // below GDAL's band density threshold / not written
      if (density < 0.9999) {
        // Blend with the destination, which still holds its initial value (not
        // reachable in practice: dens and div are the same sums).
        const double cur = double(out[b][i]);
        const double infl = (1.0 - density) * (dst_mask ? 0.0 : 1.0);
        value = (value * density + cur * infl) / (density + infl);
      }
      out[b][i] = static_cast<T>(value);
    }
  }
}

// GWKBilinearResampleNoMasks4SampleT (no source nodata, no destination nodata).
template <class T>
void bilinear_nomask_row(const SourceWindow<T>& win, const Geometry& g, const double* xs, const double* ys,
                         std::vector<T*>& out, int nbands) {
  const int W = g.src_w, H = g.src_h;
  const std::size_t stride = std::size_t(win.area.w);
  for (int i = 0; i < g.dst_w; ++i) {
    const double sx = xs[i];
    if (std::isnan(sx)) continue;
    const double sy = ys[i];
    const int ix = floor_small(sx - 0.5);
    const int iy = floor_small(sy - 0.5);
    const double rx = 1.5 - (sx - ix);
    const double ry = 1.5 - (sy - iy);
    if (ix >= 0 && ix + 1 < W && iy >= 0 && iy + 1 < H) {
      const std::size_t k = win.index(ix, iy);
      for (int b = 0; b < nbands; ++b) {
        const T* p = win.bands[b].data() + k;
        const T* q = p + stride;
        const double v = (double(p[0]) * rx + double(p[1]) * (1.0 - rx)) * ry +
                         (double(q[0]) * rx + double(q[1]) * (1.0 - rx)) * (1.0 - ry);
        out[b][i] = static_cast<T>(v);
      }
      continue;
    }
    const bool x0 = ix >= 0 && ix < W, x1 = ix + 1 >= 0 && ix + 1 < W;
    const bool y0 = iy >= 0 && iy < H, y1 = iy + 1 >= 0 && iy + 1 < H;
    for (int b = 0; b < nbands; ++b) {
      double div = 0, acc = 0;
      if (x0 && y0) {
        const double m = rx * ry;
        div += m;
        acc += double(*win.at(b, ix, iy)) * m;
      }
      if (x1 && y0) {
        const double m = (1.0 - rx) * ry;
        div += m;
        acc += double(*win.at(b, ix + 1, iy)) * m;
      }
      if (x1 && y1) {
        const double m = (1.0 - rx) * (1.0 - ry);
        div += m;
        acc += double(*win.at(b, ix + 1, iy + 1)) * m;
      }
      if (x0 && y1) {
        const double m = rx * (1.0 - ry);
        div += m;
        acc += double(*win.at(b, ix, iy + 1)) * m;
      }
      if (div < kMinBilinearWeight) continue;
      out[b][i] = static_cast<T>(div == 1.0 ? acc : acc / div);
    }
  }
}

// ---------------------------------------------------------------- driver

template <class T>
class Warper {
 public:
  Warper(GDALDatasetH source, GDALDatasetH dest, const WarpSettings& s, Method method, std::optional<double> src_nodata,
         GDALDataType type)
      : source_(source), dest_(dest), s_(s), method_(method), type_(type) {
    g_.src_w = GDALGetRasterXSize(source);
    g_.src_h = GDALGetRasterYSize(source);
    g_.dst_w = GDALGetRasterXSize(dest);
    dst_h_ = GDALGetRasterYSize(dest);
    nbands_ = GDALGetRasterCount(source);
    if (src_nodata) {
      nd_.active = true;
      nd_.nan = std::isnan(*src_nodata);
      nd_.value = nd_.nan ? T{} : static_cast<T>(*src_nodata);
    }
    init_ = s.dst_nodata ? static_cast<T>(*s.dst_nodata) : T{};
    threads_ = std::max(1, s.threads);
    if (threads_ > 1) open_readers();
    for (int t = 0; t < threads_; ++t) {
      transformers_.push_back(std::make_unique<Transformer>(source, dest, s.error_threshold));
      if (!transformers_.back()->valid())
        throw error("reproject", "", "cannot transform from the source CRS to the target CRS", capture_.last_error());
    }
  }

  // Output bands are whole destination blocks high (a tiled GTiff destination gets each
  // tile written once, complete); inside one, sub-bands of rows get their source
  // coordinates, are grouped by source window, read and computed.
  void run(const ProgressFn& progress) {
    tbb::task_arena arena(threads_);
    const Plan plan = plan_for(s_.warp_memory, g_.dst_w, dst_h_, nbands_, sizeof(T), block_rows(dest_));
    src_budget_ = plan.source_bytes;
    xs_.resize(std::size_t(plan.sub_rows) * g_.dst_w);
    ys_.resize(xs_.size());
    buffers_.resize(plan.buffers);
    for (auto& buf : buffers_) {
      buf.resize(nbands_);
      for (auto& o : buf) o.resize(std::size_t(plan.out_rows) * g_.dst_w);
    }
    int n = 0;  // output band index
    row_min_x_.resize(plan.sub_rows);
    row_max_x_.resize(plan.sub_rows);
    row_min_y_.resize(plan.sub_rows);
    row_max_y_.resize(plan.sub_rows);
    for (int y0 = 0; y0 < dst_h_; y0 += plan.out_rows, ++n) {
      const int out_rows = std::min(plan.out_rows, dst_h_ - y0);
      // With two buffers, this one's previous write finished before the other was handed
      // to the writer (one write in flight at a time).
      out_ = &buffers_[n % plan.buffers];
      if (plan.buffers == 1) finish_write();
      for (auto& o : *out_) std::fill(o.begin(), o.begin() + std::size_t(out_rows) * g_.dst_w, init_);
      for (int s0 = y0; s0 < y0 + out_rows; s0 += plan.sub_rows) {
        const int rows = std::min(plan.sub_rows, y0 + out_rows - s0);
        out_row0_ = s0 - y0;
        auto tt0 = std::chrono::steady_clock::now();
        arena.execute([&] { transform_rows(s0, rows); });
        t_tr_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - tt0).count();
        // Group consecutive rows whose source window fits the source budget.
        int g0 = 0;
        while (g0 < rows) {
          double mnx = row_min_x_[g0], mxx = row_max_x_[g0], mny = row_min_y_[g0], mxy = row_max_y_[g0];
          int g1 = g0 + 1;
          for (; g1 < rows; ++g1) {
            const double nx0 = std::min(mnx, row_min_x_[g1]), nx1 = std::max(mxx, row_max_x_[g1]);
            const double ny0 = std::min(mny, row_min_y_[g1]), ny1 = std::max(mxy, row_max_y_[g1]);
            if (window_bytes(nx0, nx1, ny0, ny1) > src_budget_) break;
            mnx = nx0, mxx = nx1, mny = ny0, mxy = ny1;
          }
          if (mnx <= mxx) {
            auto t0 = std::chrono::steady_clock::now();
            read_window(arena, mnx, mxx, mny, mxy);
            auto t1 = std::chrono::steady_clock::now();
            arena.execute([&] { compute_rows(g0, g1); });
            auto t2 = std::chrono::steady_clock::now();
            t_rd_ += std::chrono::duration<double>(t1 - t0).count();
            t_cp_ += std::chrono::duration<double>(t2 - t1).count();
          }
          g0 = g1;
        }
      }
      auto tw = std::chrono::steady_clock::now();
      finish_write();
      std::vector<std::vector<T>>* buf = out_;
      writer_ = std::async(std::launch::async, [this, y0, out_rows, buf] { return write_rows(y0, out_rows, *buf); });
      t_wr_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - tw).count();
      if (!progress("reproject", double(y0) / dst_h_)) {
        finish_write();
        throw cancelled("reproject");
      }
    }
    finish_write();
    report_progress(progress, "reproject", 1.0);
    CPLDebug("COGKIT",
             "fast_warp: transform %.3f s, read %.3f s, compute %.3f s, write %.3f s; rows per output band %d, "
             "per coordinate band %d",
             t_tr_, t_rd_, t_cp_, t_wr_, plan.out_rows, plan.sub_rows);
  }
  int out_row0_ = 0;
  double t_tr_ = 0, t_rd_ = 0, t_cp_ = 0, t_wr_ = 0;

 private:
  static constexpr int kMargin = 2;

  void window_extent(double mnx, double mxx, double mny, double mxy, int& x0, int& x1, int& y0, int& y1) const {
    x0 = std::max(0, int(std::floor(mnx)) - kMargin);
    y0 = std::max(0, int(std::floor(mny)) - kMargin);
    x1 = std::min(g_.src_w, int(std::floor(mxx)) + 1 + kMargin);
    y1 = std::min(g_.src_h, int(std::floor(mxy)) + 1 + kMargin);
  }
  std::uint64_t window_bytes(double mnx, double mxx, double mny, double mxy) const {
    int x0, x1, y0, y1;
    window_extent(mnx, mxx, mny, mxy, x0, x1, y0, y1);
    return std::uint64_t(std::max(0, x1 - x0)) * std::max(0, y1 - y0) * sizeof(T) * nbands_;
  }

  // Source coordinates of destination rows [y0, y0 + rows), NaN x where the pixel is
  // skipped (GWKCheckAndComputeSrcOffsets, including its single-point retry).
  void transform_rows(int y0, int rows) {
    const int w = g_.dst_w;
    tbb::parallel_for(tbb::blocked_range<int>(0, rows, 4), [&](const tbb::blocked_range<int>& range) {
      const int slot = std::clamp(tbb::this_task_arena::current_thread_index(), 0, threads_ - 1);
      const Transformer& tr = *transformers_[slot];
      std::vector<double> z(w);
      std::vector<int> ok(w);
      for (int j = range.begin(); j < range.end(); ++j) {
        double* xs = xs_.data() + std::size_t(j) * w;
        double* ys = ys_.data() + std::size_t(j) * w;
        const double yc = y0 + j + 0.5;
        for (int i = 0; i < w; ++i) {
          xs[i] = i + 0.5;
          ys[i] = yc;
          z[i] = 0;
        }
        tr.dst_to_src(w, xs, ys, z.data(), ok.data());
        double mnx = std::numeric_limits<double>::infinity(), mxx = -mnx, mny = mnx, mxy = -mnx;
        for (int i = 0; i < w; ++i) {
          if (!accept(tr, i, yc, xs[i], ys[i], ok[i])) {
            xs[i] = std::numeric_limits<double>::quiet_NaN();
            continue;
          }
          mnx = std::min(mnx, xs[i]);
          mxx = std::max(mxx, xs[i]);
          mny = std::min(mny, ys[i]);
          mxy = std::max(mxy, ys[i]);
        }
        row_min_x_[j] = mnx;
        row_max_x_[j] = mxx;
        row_min_y_[j] = mny;
        row_max_y_[j] = mxy;
      }
    });
  }

  bool accept(const Transformer& tr, int i, double yc, double& sx, double& sy, int ok) const {
    const double w = g_.src_w, h = g_.src_h;
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (attempt == 1) {
        sx = i + 0.5;
        sy = yc;
        double z = 0;
        tr.dst_to_src(1, &sx, &sy, &z, &ok);
      }
      if (!ok) return false;
      if (std::isnan(sx) || std::isnan(sy)) return false;
      if (sx < 0 || sy < 0) {
        if (attempt == 0 && sx > -1 && sy > -1) continue;
        return false;
      }
      if (sx + kEdgeSlack > w || sy + kEdgeSlack > h) {
        if (attempt == 0 && sx < w + 1 && sy < h + 1) continue;
        return false;
      }
      return true;
    }
    return false;
  }

  // Reads the window; with several readers, in strips of whole source blocks (columns)
  // read concurrently through separate handles, so decompression runs in parallel.
  void read_window(tbb::task_arena& arena, double mnx, double mxx, double mny, double mxy) {
    int x0, x1, y0, y1;
    window_extent(mnx, mxx, mny, mxy, x0, x1, y0, y1);
    win_.area = {x0, y0, x1 - x0, y1 - y0};
    win_.bands.resize(nbands_);
    for (auto& buf : win_.bands) buf.resize(std::size_t(win_.area.w) * win_.area.h);
    // Block-aligned column strips.
    std::vector<int> cuts{x0};
    if (!readers_.empty()) {
      const int first = x0 / block_w_, last = (x1 - 1) / block_w_;
      const int blocks = last - first + 1;
      const int strips = std::min<int>(int(readers_.size()), blocks);
      for (int s = 1; s < strips; ++s) cuts.push_back((first + int(std::int64_t(blocks) * s / strips)) * block_w_);
    }
    cuts.push_back(x1);
    const int strips = int(cuts.size()) - 1;
    std::atomic<bool> failed{false};
    auto read_strip = [&](int s, GDALDatasetH ds) {
      const int sx0 = cuts[s], sw = cuts[s + 1] - cuts[s];
      for (int b = 0; b < nbands_; ++b) {
        T* dst = win_.bands[b].data() + (sx0 - x0);
        if (GDALRasterIO(GDALGetRasterBand(ds, b + 1), GF_Read, sx0, y0, sw, win_.area.h, dst, sw, win_.area.h, type_,
                         sizeof(T), GSpacing(sizeof(T)) * win_.area.w) != CE_None)
          failed = true;
      }
    };
    if (strips == 1) {
      read_strip(0, readers_.empty() ? source_ : readers_[0].get());
    } else {
      arena.execute([&] {
        tbb::parallel_for(0, strips, [&](int s) {
          const int slot = std::clamp(tbb::this_task_arena::current_thread_index(), 0, int(readers_.size()) - 1);
          read_strip(s, readers_[slot].get());
        });
      });
    }
    if (failed) throw error("reproject", "", "reading the source failed", capture_.last_error());
    if (nd_.active) {
      win_.valid.resize(win_.bands[0].size());
      arena.execute([&] {
        tbb::parallel_for(tbb::blocked_range<std::size_t>(0, win_.valid.size(), 1 << 16),
                          [&](const tbb::blocked_range<std::size_t>& range) {
                            const T* v = win_.bands[0].data();
                            for (std::size_t k = range.begin(); k < range.end(); ++k) win_.valid[k] = !nd_(v[k]);
                          });
      });
    }
  }

  void compute_rows(int j0, int j1) {
    tbb::parallel_for(tbb::blocked_range<int>(j0, j1, 2), [&](const tbb::blocked_range<int>& range) {
      std::vector<T*> out(nbands_);
      for (int j = range.begin(); j < range.end(); ++j) {
        const std::size_t off = std::size_t(j) * g_.dst_w;
        for (int b = 0; b < nbands_; ++b) out[b] = (*out_)[b].data() + std::size_t(out_row0_ + j) * g_.dst_w;
        const double* xs = xs_.data() + off;
        const double* ys = ys_.data() + off;
        // Rows of this group only touch pixels inside the group's window.
        if (!(row_min_x_[j] <= row_max_x_[j])) continue;
        switch (method_) {
          case Method::nearest:
            nearest_row(win_, g_, xs, ys, out, nbands_);
            break;
          case Method::bilinear_masked:
            bilinear_masked_row(win_, g_, xs, ys, out, nbands_, s_.dst_nodata.has_value());
            break;
          case Method::bilinear_nomask:
            bilinear_nomask_row(win_, g_, xs, ys, out, nbands_);
            break;
        }
      }
    });
  }

  // Runs on the writer thread; returns "" or GDAL's message.
  std::string write_rows(int y0, int rows, std::vector<std::vector<T>>& buf) {
    GdalErrorCapture capture;
    for (int b = 0; b < nbands_; ++b)
      if (GDALRasterIO(GDALGetRasterBand(dest_, b + 1), GF_Write, 0, y0, g_.dst_w, rows, buf[b].data(), g_.dst_w,
                       rows, type_, 0, 0) != CE_None) {
        const std::string m = capture.last_error();
        return m.empty() ? "RasterIO failed" : m;
      }
    return {};
  }

  // Waits for the write in flight; throws if it failed.
  void finish_write() {
    if (!writer_.valid()) return;
    const std::string failure = writer_.get();
    if (!failure.empty()) throw error("reproject", "", "writing the reprojected raster failed", failure);
  }

  // Separate read-only handles on the source file (GTiff only, when it reopens
  // identical), one per thread; none = read through the caller's handle.
  void open_readers() {
    GDALDriverH drv = GDALGetDatasetDriver(source_);
    if (!drv || std::string(GDALGetDriverShortName(drv)) != "GTiff" || GDALGetAccess(source_) != GA_ReadOnly) return;
    const char* path = GDALGetDescription(source_);
    VSIStatBufL st;
    if (!path || !*path || VSIStatL(path, &st) != 0) return;
    double gt0[6], gt1[6];
    GDALGetGeoTransform(source_, gt0);
    for (int t = 0; t < threads_; ++t) {
      DatasetHandle d(GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
      bool same = d && GDALGetRasterXSize(d.get()) == g_.src_w && GDALGetRasterYSize(d.get()) == g_.src_h &&
                  GDALGetRasterCount(d.get()) == nbands_ && GDALGetGeoTransform(d.get(), gt1) == CE_None &&
                  std::equal(gt0, gt0 + 6, gt1);
      for (int b = 1; same && b <= nbands_; ++b) {
        GDALRasterBandH a = GDALGetRasterBand(source_, b), c = GDALGetRasterBand(d.get(), b);
        int ha = 0, hc = 0;
        const double na = GDALGetRasterNoDataValue(a, &ha), nc = GDALGetRasterNoDataValue(c, &hc);
        same = GDALGetRasterDataType(a) == GDALGetRasterDataType(c) && ha == hc &&
               (!ha || na == nc || (std::isnan(na) && std::isnan(nc))) && GDALGetMaskFlags(a) == GDALGetMaskFlags(c);
      }
      if (!same) {
        readers_.clear();
        return;
      }
      readers_.push_back(std::move(d));
    }
    int bh = 0;
    GDALGetBlockSize(GDALGetRasterBand(source_, 1), &block_w_, &bh);
    block_w_ = std::max(1, block_w_);
  }

  GdalErrorCapture capture_;
  std::vector<DatasetHandle> readers_;
  int block_w_ = 1;
  GDALDatasetH source_, dest_;
  const WarpSettings& s_;
  Method method_;
  GDALDataType type_;
  Geometry g_;
  int dst_h_ = 0, nbands_ = 0, threads_ = 1;
  NodataTest<T> nd_;
  T init_{};
  std::vector<std::unique_ptr<Transformer>> transformers_;
  std::uint64_t src_budget_ = 0;
  std::vector<double> xs_, ys_;
  std::vector<double> row_min_x_, row_max_x_, row_min_y_, row_max_y_;
  std::vector<std::vector<std::vector<T>>> buffers_;  // [buffer][band][pixel]
  std::vector<std::vector<T>>* out_ = nullptr;        // the buffer being computed
  std::future<std::string> writer_;
  SourceWindow<T> win_;
};

template <class T>
void run_typed(GDALDatasetH source, GDALDatasetH dest, const WarpSettings& s, Method m, std::optional<double> src_nodata,
               GDALDataType type, const ProgressFn& progress) {
  Warper<T> w(source, dest, s, m, src_nodata, type);
  w.run(progress);
}

}  // namespace

std::string fast_warp_unsupported(GDALDatasetH source, GDALDatasetH dest, const WarpSettings& s) {
  if (!source || !dest) return "no source or destination dataset";
  const Resampling k = s.resampling;
  if (k != Resampling::nearest && k != Resampling::bilinear) return "resampling '" + std::string(to_name(k)) + "'";
  const int bands = GDALGetRasterCount(source);
  if (bands < 1) return "source without bands";
  if (GDALGetRasterCount(dest) != bands) return "destination band count differs from the source";
  if (GDALGetRasterXSize(source) < 2 || GDALGetRasterYSize(source) < 2) return "source smaller than 2x2 pixels";
  double gt[6];
  if (GDALGetGeoTransform(source, gt) != CE_None) return "source without geotransform (GCPs/RPC/geolocation)";
  if (GDALGetGeoTransform(dest, gt) != CE_None) return "destination without geotransform";
  const auto src_nd = source_nodata(source, s);
  for (int b = 1; b <= bands; ++b) {
    GDALRasterBandH band = GDALGetRasterBand(source, b);
    int has = 0;
    const double v = GDALGetRasterNoDataValue(band, &has);
    if (!s.src_nodata && (bool(has) != bool(src_nd) || (has && !(v == *src_nd || (std::isnan(v) && std::isnan(*src_nd))))))
      return "source bands with different nodata";
    const int flags = GDALGetMaskFlags(band);
    if (flags & (GMF_PER_DATASET | GMF_ALPHA)) return "source mask or alpha band";
    if (GDALDataTypeIsComplex(GDALGetRasterDataType(band))) return "complex data";
  }
  if (src_nd && bands > 1) return "source nodata with more than one band";
  const GDALDataType wt = working_type(source, dest, s, src_nd);
  for (int b = 1; b <= bands; ++b)
    if (GDALGetRasterDataType(GDALGetRasterBand(dest, b)) != wt)
      return std::string("destination type differs from GDAL's working type ") + GDALGetDataTypeName(wt);
  if (wt != GDT_Byte && wt != GDT_Int16 && wt != GDT_UInt16 && wt != GDT_Int32 && wt != GDT_Float32 &&
      wt != GDT_Float64)
    return std::string("data type ") + GDALGetDataTypeName(wt);
  if (src_nd && !representable(wt, *src_nd)) return "source nodata not representable in the data type";
  if (s.dst_nodata && !representable(wt, *s.dst_nodata)) return "destination nodata not representable in the data type";
  const int dw = GDALGetRasterXSize(dest), dh = GDALGetRasterYSize(dest);
  if (!plan_for(s.warp_memory, dw, dh, bands, GDALGetDataTypeSizeBytes(wt), block_rows(dest)).fits)
    return "one row of destination blocks needs more than half of the warp memory";
  const Derivatives d = derivatives(source, dest);
  if (k == Resampling::bilinear) {
    if (wt != GDT_Float32 && wt != GDT_Float64) return "bilinear on integer data";
    // GDAL decides per chunk on the 4-sample formula from the source/destination
    // sizes; without it (downsampling) the weights depend on GDAL's chunking.
    if (src_nd && !s.dst_nodata) return "source nodata without destination nodata (GDAL's kernel depends on chunking)";
    if (!d.complete) return "transformation fails over part of the destination";
    double sx = 0, sy = 0;
    min_scales(d, dw, dh, sx, sy);
    if (sx < kMinScaleFor4Sample || sy < kMinScaleFor4Sample) return "bilinear downsampling (scale < 0.97)";
  }
  if (d.any) {
    // Bands of whole destination rows read source windows spanning the rows' extent:
    // when rows run steeply across the source (large rotation), windows overlap many
    // times and GDAL's square chunks read far less.
    const int rows = plan_for(s.warp_memory, dw, dh, bands, GDALGetDataTypeSizeBytes(wt), 1).sub_rows;
    const double spread = d.yx * dw, height = std::max(1.0, d.yy * rows);
    if ((spread + height + 4) / height > 4) return "destination rows cross the source steeply (rotation)";
  }
  return {};
}

void fast_warp(GDALDatasetH source, GDALDatasetH dest, const WarpSettings& s, const ProgressFn& progress) {
  if (const std::string why = fast_warp_unsupported(source, dest, s); !why.empty())
    throw error("reproject", "", "fast warp cannot do this request: " + why);
  const auto src_nd = source_nodata(source, s);
  const GDALDataType wt = working_type(source, dest, s, src_nd);
  Method m = Method::nearest;
  if (s.resampling == Resampling::bilinear)
    m = (src_nd || s.dst_nodata || wt == GDT_Float64) ? Method::bilinear_masked : Method::bilinear_nomask;
  switch (wt) {
    case GDT_Byte: return run_typed<std::uint8_t>(source, dest, s, m, src_nd, wt, progress);
    case GDT_Int16: return run_typed<std::int16_t>(source, dest, s, m, src_nd, wt, progress);
    case GDT_UInt16: return run_typed<std::uint16_t>(source, dest, s, m, src_nd, wt, progress);
    case GDT_Int32: return run_typed<std::int32_t>(source, dest, s, m, src_nd, wt, progress);
    case GDT_Float32: return run_typed<float>(source, dest, s, m, src_nd, wt, progress);
    case GDT_Float64: return run_typed<double>(source, dest, s, m, src_nd, wt, progress);
    default: throw error("reproject", "", std::string("fast warp: unsupported type ") + GDALGetDataTypeName(wt));
  }
}

}  // namespace cogkit::detail
