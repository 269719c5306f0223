// src/read/xyz/grid.hpp — grid inference and data type rule of the XYZ reader (internal).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gdal.h>

namespace cogkit::detail {

// One axis of a regular grid of cell centres: min + i*step, i in [0, count).
struct AxisFit {
  bool ok = false;
  double min = 0, step = 0;  // step 0 when only one distinct coordinate
  std::int64_t count = 0;
  std::string why;           // reason when !ok
};

// Infers spacing and origin from sorted, unique coordinates. Robust to coordinates
// rounded to a few decimals (steps 0.033/0.034), to missing rows (steps that are
// multiples of the base step) and to print noise. The step is the span divided by the
// number of intervals, so both end points are exact cell centres.
AxisFit fit_axis(const std::vector<double>& sorted_unique);

// Sorted unique values with values closer than `eps` merged (the first one kept).
void sort_unique(std::vector<double>& v);

// Summary of the Z values that decides the data type.
struct ZStats {
  double min = 0, max = 0;
  bool any = false;
  bool all_integer = true;     // every value integral
  bool needs_float64 = false;  // some value would lose printed digits as Float32
};

// The type rule (docs/xyz2cog.md): integral values → the smallest of Byte, Int16, Int32
// holding every value and the nodata value (when declared); other values → Float32,
// or Float64 when a value has more significant digits than Float32 keeps, or integers
// beyond ±2^24 that do not fit Int32.
GDALDataType choose_type(const ZStats& z, std::optional<double> nodata);

// True when a float32 keeps every printed digit of `text` (value `v` parsed from it).
bool float32_keeps(double v, const char* begin, const char* end, char decimal);

}  // namespace cogkit::detail
