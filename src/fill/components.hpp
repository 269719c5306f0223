// src/fill/components.hpp — which nodata pixels are "interior" (interior-only fill).
//
// A hole is a connected component of nodata pixels, 8-connected (pixels sharing an edge or
// a corner). It is exterior when any of its pixels lies on the raster's first/last row or
// column; otherwise interior. The labelling is global but streams the mask row by row:
// it keeps the nodata runs (one {x0,x1} pair per horizontal run of nodata pixels, 8 bytes)
// and a union-find parent (4 bytes) per run, i.e. 12 bytes per run plus 8 bytes per row.
#pragma once

#include <cstdint>
#include <vector>

namespace cogkit::detail {

class HoleLabels {
 public:
  explicit HoleLabels(int width = 0, int height = 0);
  // Feed rows 0..height-1 in order; `valid` has `width` bytes, 0 = nodata.
  void add_row(const std::uint8_t* valid);
  // Call once after the last row.
  void finish();
  // Writes 1 for nodata pixels of row `y` in an interior hole, 0 elsewhere (`width` bytes).
  void interior_row(int y, std::uint8_t* out) const;
  std::size_t run_count() const noexcept { return x0_.size(); }
  std::uint64_t memory_bytes() const noexcept;

 private:
  std::uint32_t find(std::uint32_t i) const;
  void unite(std::uint32_t a, std::uint32_t b);

  int width_, height_;
  int rows_added_ = 0;
  std::vector<std::int32_t> x0_, x1_;       // run [x0, x1)
  std::vector<std::uint64_t> row_start_;    // first run of each row (+ sentinel)
  mutable std::vector<std::uint32_t> parent_;
  std::vector<std::uint8_t> exterior_;      // per run, valid on roots after finish()
};

}  // namespace cogkit::detail
