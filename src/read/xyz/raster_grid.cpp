// src/read/xyz/raster_grid.cpp — binned and inferred grids of the XYZ reader (see raster_grid.hpp).
#include "read/xyz/raster_grid.hpp"

#include <cmath>

#include "cogkit/core/error.hpp"
#include "read/xyz/grid.hpp"
#include "read/xyz/limits.hpp"

namespace cogkit::detail::xyz {

Grid binned_grid(const Extent& e, double res, XyzBin bin, const InputText& file, const Notes& note) {
  const double r = res;
  Grid g;
  g.binned = true;
  g.res = r;
  g.dx = g.dy = r;
  g.x0 = std::floor(e.xmin / r) * r;
  g.y0 = std::ceil(e.ymax / r) * r;
  const double w = std::floor((e.xmax - g.x0) / r) + 1, h = std::floor((g.y0 - e.ymin) / r) + 1;
  if (w > double(kMaxSide) || h > double(kMaxSide) || w * h > kMaxCells)
    throw error(kStep, file.where(w > h ? e.off_xmax : e.off_ymax),
                "a " + num(w) + " x " + num(h) + " grid at a cell size (XyzOptions::res) of " + num(r) + " is too large (refused before allocating; limit " +
                    std::to_string(kMaxSide) + " per side, 2^36 cells)");
  g.width = int(w);
  g.height = int(h);
  note("grid", "binned (" + std::string(to_name(bin)) + ") at " + num(r) + " on multiples of the resolution: " + std::to_string(g.width) +
                   " x " + std::to_string(g.height));
  return g;
}

Grid inferred_grid(const ScanTotals& s, const Extent& e, const std::string& path, const InputText& file,
                   const Notes& note) {
  const std::size_t valid_points = s.points - s.nan_z;
  const std::string hint = "; set XyzOptions::res to bin them";
  if (s.overflow)
    throw error(kStep, path,
                "the points are not on a regular grid (more than " + std::to_string(kMaxUnique) +
                    " distinct coordinates on an axis)" + hint);
  AxisFit fx = detail::fit_axis(s.ua), fy = detail::fit_axis(s.ub);
  if (!fx.ok) throw error(kStep, path, "the points are not on a regular grid: X " + fx.why + hint);
  if (!fy.ok) throw error(kStep, path, "the points are not on a regular grid: Y " + fy.why + hint);
  if (fx.step == 0 && fy.step == 0)
    throw error(kStep, path, "all points share one coordinate pair: the grid spacing is unknown" + hint);
  if (fx.step == 0) fx.step = fy.step;
  if (fy.step == 0) fy.step = fx.step;
  const double cells = double(fx.count) * double(fy.count);
  if (fx.count > kMaxSide || fy.count > kMaxSide || cells > kMaxCells)
    throw error(kStep, file.where(fx.count > fy.count ? e.off_xmax : e.off_ymax),
                "the grid would be " + std::to_string(fx.count) + " x " + std::to_string(fy.count) +
                    " cells (spacing " + num(fx.step) + " x " + num(fy.step) +
                    "): too large, refused before allocating (limit " + std::to_string(kMaxSide) +
                    " per side, 2^36 cells)");
  if (cells > 64e6 && double(valid_points) < cells / 1000)
    throw error(kStep, path,
                "the points are not on a regular grid: " + std::to_string(s.points) + " points would fill " +
                    num(100.0 * double(valid_points) / cells) + " % of a " + std::to_string(fx.count) + " x " +
                    std::to_string(fy.count) + " grid of spacing " + num(fx.step) + hint);
  Grid g;
  g.width = int(fx.count);
  g.height = int(fy.count);
  g.dx = fx.step;
  g.dy = fy.step;
  g.x0 = fx.min - fx.step / 2;
  g.y0 = (fy.min + fy.step * double(fy.count - 1)) + fy.step / 2;
  note("grid", std::to_string(g.width) + " x " + std::to_string(g.height) + " cells, spacing " + num(g.dx) + " x " +
                   num(g.dy) + " (from the sorted unique coordinates; points are cell centres)");
  return g;
}

}  // namespace cogkit::detail::xyz
