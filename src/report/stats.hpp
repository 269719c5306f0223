// src/report/stats.hpp — band statistics (min, max, mean, stddev, valid pixels) of the report.
//
// Sums are kept in fixed parts (64 rows, or 64 Ki pixels) combined in a fixed order, so the
// statistics depend neither on the number of threads nor on how the rows arrive.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gdal.h>
#include <tbb/parallel_for.h>

#include "cogkit/core/grid.hpp"
#include "cogkit/report/report.hpp"

namespace cogkit::detail {

// Sums of one part of a band, combined in a fixed order (statistics independent of threads).
struct StatsPart {
  std::uint64_t valid = 0;
  double sum = 0, sumsq = 0;
  double mn = std::numeric_limits<double>::infinity(), mx = -std::numeric_limits<double>::infinity();
  void add(double v) {
    ++valid;
    sum += v;
    sumsq += v * v;
    mn = std::min(mn, v);
    mx = std::max(mx, v);
  }
  // Adds the values of v[0..n) that are neither NaN nor `nodata`, in 8 independent lanes
  // (no serial add chain, and the branch-free lanes vectorise); lanes are merged in order.
  template <typename T>
  void add_run(const T* v, std::size_t n, const std::optional<double>& nodata) {
    add_run_strided<T, 1>(v, n, nodata, 1);
  }
  // Every `stride`-th value (one band of pixel-interleaved rows); S = 1 lets the compiler
  // know the common case.
  template <typename T, std::size_t S>
  void add_run_strided(const T* v, std::size_t n, const std::optional<double>& nodata, std::size_t stride) {
    const std::size_t step = S ? S : stride;
    constexpr int kLanes = 8;
    const double nd = nodata ? *nodata : std::numeric_limits<double>::quiet_NaN();  // NaN: never equal
    double s[kLanes] = {}, q[kLanes] = {}, lo[kLanes], hi[kLanes];
    std::uint64_t c[kLanes] = {};
    std::fill(lo, lo + kLanes, std::numeric_limits<double>::infinity());
    std::fill(hi, hi + kLanes, -std::numeric_limits<double>::infinity());
    std::size_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
      for (int l = 0; l < kLanes; ++l) {
        const double x = static_cast<double>(v[(i + l) * step]);
        const bool ok = x == x && x != nd;
        const double y = ok ? x : 0.0;
        s[l] += y;
        q[l] += y * y;
        c[l] += ok;
        lo[l] = ok && x < lo[l] ? x : lo[l];
        hi[l] = ok && x > hi[l] ? x : hi[l];
      }
    for (int l = 0; l < kLanes; ++l) {
      valid += c[l];
      sum += s[l];
      sumsq += q[l];
      mn = std::min(mn, lo[l]);
      mx = std::max(mx, hi[l]);
    }
    for (; i < n; ++i) {
      const double x = static_cast<double>(v[i * step]);
      if (x == x && x != nd) add(x);
    }
  }
};

inline BandStats finish_stats(const std::vector<StatsPart>& parts, std::uint64_t total) {
  BandStats s;
  StatsPart all;
  for (const auto& p : parts) {
    all.valid += p.valid;
    all.sum += p.sum;
    all.sumsq += p.sumsq;
    all.mn = std::min(all.mn, p.mn);
    all.mx = std::max(all.mx, p.mx);
  }
  s.total_pixels = total;
  s.valid_pixels = all.valid;
  if (all.valid) {
    s.min = all.mn;
    s.max = all.mx;
    s.mean = all.sum / double(all.valid);
    s.stddev = std::sqrt(std::max(0.0, all.sumsq / double(all.valid) - s.mean * s.mean));
  }
  return s;
}

// Statistics of rows — those cogkit's COG writer reads anyway (a RowObserver), or a staged
// raster's memory: parts of 64 rows, rows added in order, so the sums depend neither on how
// the rows arrive nor on threads.
class RowStats {
 public:
  RowStats(int height, int bands, std::optional<double> nodata)
      : parts_(static_cast<std::size_t>(bands), std::vector<StatsPart>(static_cast<std::size_t>((height + kRows - 1) / kRows))),
        nodata_(nodata) {}

  // A RowObserver: rows of `width` pixel-interleaved pixels, one after the other.
  void operator()(int y0, int rows, const void* data, int width, int bands, GDALDataType type) {
    add_rows(y0, rows, data, std::size_t(width) * std::size_t(bands) * std::size_t(GDALGetDataTypeSizeBytes(type)),
             width, bands, type);
  }
  // Rows `line_bytes` apart (a window of a wider raster).
  void add_rows(int y0, int rows, const void* data, std::size_t line_bytes, int width, int bands, GDALDataType type) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    switch (type) {
      case GDT_Byte: add<std::uint8_t>(y0, rows, bytes, line_bytes, width, bands); break;
      case GDT_UInt16: add<std::uint16_t>(y0, rows, bytes, line_bytes, width, bands); break;
      case GDT_Int16: add<std::int16_t>(y0, rows, bytes, line_bytes, width, bands); break;
      case GDT_UInt32: add<std::uint32_t>(y0, rows, bytes, line_bytes, width, bands); break;
      case GDT_Int32: add<std::int32_t>(y0, rows, bytes, line_bytes, width, bands); break;
      case GDT_Float32: add<float>(y0, rows, bytes, line_bytes, width, bands); break;
      case GDT_Float64: add<double>(y0, rows, bytes, line_bytes, width, bands); break;
      default: complete_ = false;
    }
  }
  // nullopt when a row was of a type it does not measure.
  std::optional<std::vector<BandStats>> finish(std::uint64_t total) const {
    if (!complete_) return std::nullopt;
    std::vector<BandStats> out;
    for (const auto& p : parts_) out.push_back(finish_stats(p, total));
    return out;
  }

 private:
  static constexpr int kRows = 64;
  template <typename T>
  void add(int y0, int rows, const unsigned char* data, std::size_t line_bytes, int width, int bands) {
    if (static_cast<std::size_t>(bands) != parts_.size()) {
      complete_ = false;
      return;
    }
    tbb::parallel_for(y0 / kRows, (y0 + rows - 1) / kRows + 1, [&](int k) {
      for (int y = std::max(y0, k * kRows), end = std::min(y0 + rows, (k + 1) * kRows); y < end; ++y) {
        const T* row = reinterpret_cast<const T*>(data + std::size_t(y - y0) * line_bytes);
        for (int b = 0; b < bands; ++b) {
          StatsPart& pt = parts_[std::size_t(b)][std::size_t(k)];
          if (bands == 1)
            pt.add_run(row, std::size_t(width), nodata_);
          else
            pt.add_run_strided<T, 0>(row + b, std::size_t(width), nodata_, std::size_t(bands));
        }
      }
    });
  }
  std::vector<std::vector<StatsPart>> parts_;
  std::optional<double> nodata_;
  bool complete_ = true;
};

// Statistics straight from the pixels of a MEM raster created by create_staged (contiguous
// rows; no copy, no conversion); nullopt for other rasters.
std::optional<std::vector<BandStats>> measure_in_memory(GDALDatasetH ds, const PixelRect& crop,
                                                        std::optional<double> nodata);

// The STATISTICS_* band metadata GDAL 3.6's ComputeStatistics leaves, formatted as GDAL
// formats them (%.14g; the valid percent %.4g, "0" and "100" exact, "99.999" rather than a
// rounded "100"); a band without valid pixels gets STATISTICS_VALID_PERCENT=0 alone.
std::vector<std::pair<std::string, std::string>> statistics_metadata(const BandStats& s);

}  // namespace cogkit::detail
