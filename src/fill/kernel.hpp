// src/fill/kernel.hpp — the fill algorithm on one in-memory strip (no GDAL I/O).
//
// A strip is a horizontal band of full raster width. Its core rows [core_begin, core_end)
// are produced exactly as GDALFillNodata (GDAL 3.6, alg/rasterfill.cpp) would produce them
// on the whole raster, provided the strip's input holds the ORIGINAL (unfilled) values and
// validity mask of rows [core_begin - halo, core_end + halo) clipped to the raster, where
// halo = floor(max_distance) + smoothing (see docs/fill.md for the proof of locality).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace cogkit::detail {

enum class FillKernelMethod { invdist, nearest };

struct FillKernelParams {
  int width = 0;             // raster width (strips always span it)
  int height = 0;            // raster height (rows 0 and height-1 are never smoothed, as in GDAL)
  double max_distance = 0;   // effective GDAL dfMaxSearchDist (> 0)
  int smoothing = 0;         // GDALMultiFilter iterations
  FillKernelMethod method = FillKernelMethod::invdist;
  bool interior_only = false;  // only pixels with interior[] != 0 are filled
  // Converts filled float values through the band's data type in place (what writing the
  // band and reading it back as Float32 does) — GDAL smooths the round-tripped values.
  std::function<void(float*, std::size_t)> round_trip;
  // True when a (round-tripped) filled value would read back as nodata through the band's
  // mask; such pixels are not smoothing contributors (GDAL re-reads the mask band).
  std::function<bool(float)> reads_as_nodata;
};

// Pixels of context each side of the core that make the core exact.
int fill_kernel_halo(double max_distance, int smoothing);

// Rows [in_begin, in_end) of original values / validity (0 = nodata) / interior flags,
// one pointer per row (the driver keeps them in a ring buffer).
struct FillStrip {
  int in_begin = 0, in_end = 0;
  std::vector<const float*> values;
  std::vector<const std::uint8_t*> valid;
  std::vector<const std::uint8_t*> interior;  // interior_only
};

// Reusable per-strip work buffers (sized on first use).
struct FillScratch {
  std::vector<std::int32_t> top, bottom;  // nearest valid row above/at, below (absolute), -1 none
  std::vector<float> work, work2;
  std::vector<std::uint8_t> fmask, tmask;
};

// Computes the filled values of rows [core_begin, core_end); returns the number of pixels
// filled in the core and points `out` at the core rows (inside scratch, row-major, valid
// until the next call). Runs in parallel with TBB in the caller's arena.
std::size_t fill_strip(const FillKernelParams& params, const FillStrip& strip, int core_begin, int core_end,
                       FillScratch& scratch, const float*& out);

// Bytes of the driver's ring + prefetch buffers and the kernel's scratch for strips of
// `core_rows` rows (the formula of fill.hpp).
std::uint64_t fill_strip_bytes(int width, int core_rows, int halo, int smoothing, bool interior_only);

}  // namespace cogkit::detail
