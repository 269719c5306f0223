// src/read/xyz/order.hpp — which coordinate column is X, and in what order the points run (internal).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <ogr_srs_api.h>

#include "read/xyz/format.hpp"
#include "read/xyz/notes.hpp"
#include "read/xyz/parse.hpp"

namespace cogkit::detail::xyz {

struct AxisOrder {
  bool a_is_x = true;       // the file's first coordinate column (Format::ca) is X
  bool structured = false;  // one coordinate stays constant along runs of lines
  bool a_outer = false;     // ... and it is column a (the outer loop of the file)
  std::string why;
};

// Decides the axis order: the columns' names or --columns, else the CRS area of use
// (`srs` may be null), the file structure, geographic ranges, or X-Y by default.
AxisOrder decide_axis_order(const Format& f, const ScanTotals& s, OGRSpatialReferenceH srs);

// The "axis_order" and "point_order" notes.
void note_orders(const Format& f, const AxisOrder& order, const std::vector<Chunk>& chunks, const Notes& note);

// The extent in X/Y, and the lines of the points that stretch the grid the most (for
// "too large" errors).
struct Extent {
  double xmin = 0, xmax = 0, ymin = 0, ymax = 0;
  std::size_t off_xmax = 0, off_ymax = 0;
};

// The extent in X/Y; swaps the distinct coordinates of s so that ua is X's.
Extent orient(ScanTotals& s, bool a_is_x);

}  // namespace cogkit::detail::xyz
