// cogkit/core/grid.hpp — rectangles of pixels.
//
// One rectangle type for every window cogkit computes: the published window and the fill's
// work window of the pipeline, the regions GDAL's warper fills, the source windows of
// cogkit's own warper.
#pragma once

#include <algorithm>

namespace cogkit {

// A rectangle of pixels: column, row, width, height (raster-absolute unless said otherwise).
struct PixelRect {
  int x = 0, y = 0, w = 0, h = 0;

  bool empty() const noexcept { return w <= 0 || h <= 0; }
  // True when it is the whole of a `width` x `height` raster.
  bool covers(int width, int height) const noexcept { return x == 0 && y == 0 && w == width && h == height; }
  // Grown by `by` pixels on every side, clamped to a `width` x `height` raster (a halo).
  PixelRect grown(int by, int width, int height) const noexcept {
    PixelRect r;
    r.x = std::max(0, x - by);
    r.y = std::max(0, y - by);
    r.w = std::min(width, x + w + by) - r.x;
    r.h = std::min(height, y + h + by) - r.y;
    return r;
  }
  // The same pixels in the coordinates of `outer`, a rectangle that contains them.
  PixelRect relative_to(const PixelRect& outer) const noexcept { return {x - outer.x, y - outer.y, w, h}; }

  friend bool operator==(const PixelRect&, const PixelRect&) = default;
};

}  // namespace cogkit
