// cogkit/core/grid.hpp — the one pixel rectangle type of cogkit.
//
// A window of a raster in pixels: column x, row y, width w, height h. The plan's crop and work
// windows, the warper's regions and the readers' and kernels' source blocks are all PixelRects.
#pragma once

#include <algorithm>

namespace cogkit {

struct PixelRect {
  int x = 0, y = 0, w = 0, h = 0;

  bool empty() const noexcept { return w <= 0 || h <= 0; }
  // Grown by `by` pixels on every side, clamped to a raster of max_w × max_h.
  PixelRect grow(int by, int max_w, int max_h) const noexcept {
    PixelRect r;
    r.x = std::max(0, x - by);
    r.y = std::max(0, y - by);
    r.w = std::min(max_w, x + w + by) - r.x;
    r.h = std::min(max_h, y + h + by) - r.y;
    return r;
  }
  // The same window in coordinates relative to `origin` (a window containing it).
  PixelRect relative_to(const PixelRect& origin) const noexcept { return {x - origin.x, y - origin.y, w, h}; }
  bool covers(int width, int height) const noexcept { return x == 0 && y == 0 && w == width && h == height; }
  friend bool operator==(const PixelRect&, const PixelRect&) = default;
};

}  // namespace cogkit
