// src/read/xyz/raster_grid.hpp — the grid the points go to: inferred from their coordinates, or laid for binning.
#pragma once

#include <string>

#include "cogkit/core/options.hpp"
#include "read/xyz/input.hpp"
#include "read/xyz/notes.hpp"
#include "read/xyz/order.hpp"
#include "read/xyz/parse.hpp"

namespace cogkit::detail::xyz {

struct Grid {
  int width = 0, height = 0;
  double x0 = 0, y0 = 0;  // top-left corner
  double dx = 0, dy = 0;  // positive
  bool binned = false;
  double res = 0;
};

// Cells of size `res` on multiples of the resolution, covering the extent. Throws when
// the grid would be too large (naming the line of the point that stretches it most).
Grid binned_grid(const Extent& e, double res, XyzBin bin, const InputText& file, const Notes& note);

// The grid whose cell centres are the points, from the distinct coordinates (s.ua is X's
// after orient()). Throws when the points are not on a regular grid or it is too large.
Grid inferred_grid(const ScanTotals& s, const Extent& e, const std::string& path, const InputText& file,
                   const Notes& note);

}  // namespace cogkit::detail::xyz
