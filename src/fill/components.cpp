// src/fill/components.cpp — run-length union-find labelling of nodata holes.
#include "fill/components.hpp"

#include <algorithm>
#include <cstring>

namespace cogkit::detail {

HoleLabels::HoleLabels(int width, int height) : width_(width), height_(height) { row_start_.push_back(0); }

std::uint32_t HoleLabels::find(std::uint32_t i) const {
  std::uint32_t root = i;
  while (parent_[root] != root) root = parent_[root];
  while (parent_[i] != root) {  // path compression
    const std::uint32_t next = parent_[i];
    parent_[i] = root;
    i = next;
  }
  return root;
}

void HoleLabels::unite(std::uint32_t a, std::uint32_t b) {
  a = find(a);
  b = find(b);
  if (a == b) return;
  if (a > b) std::swap(a, b);
  parent_[b] = a;
  exterior_[a] = static_cast<std::uint8_t>(exterior_[a] | exterior_[b]);
}

void HoleLabels::add_row(const std::uint8_t* valid) {
  const int y = rows_added_++;
  const std::uint64_t prev_begin = y > 0 ? row_start_[static_cast<std::size_t>(y - 1)] : 0;
  const std::uint64_t prev_end = row_start_.back();
  std::uint64_t p = prev_begin;
  int x = 0;
  while (x < width_) {
    if (valid[x]) {
      ++x;
      continue;
    }
    const int start = x;
    while (x < width_ && !valid[x]) ++x;
    const auto id = static_cast<std::uint32_t>(x0_.size());
    x0_.push_back(start);
    x1_.push_back(x);
    parent_.push_back(id);
    exterior_.push_back(static_cast<std::uint8_t>(y == 0 || y == height_ - 1 || start == 0 || x == width_));
    // 8-connectivity: previous-row run [c, d) touches [start, x) when c <= x and start <= d.
    while (p < prev_end && x1_[p] < start) ++p;
    for (std::uint64_t q = p; q < prev_end && x0_[q] <= x; ++q) unite(static_cast<std::uint32_t>(q), id);
  }
  row_start_.push_back(x0_.size());
}

void HoleLabels::finish() {
  for (std::uint32_t i = 0; i < parent_.size(); ++i) {
    const std::uint32_t r = find(i);
    if (r != i) exterior_[i] = exterior_[r];
  }
}

void HoleLabels::interior_row(int y, std::uint8_t* out) const {
  std::memset(out, 0, static_cast<std::size_t>(width_));
  const std::uint64_t begin = row_start_[static_cast<std::size_t>(y)];
  const std::uint64_t end = row_start_[static_cast<std::size_t>(y) + 1];
  for (std::uint64_t r = begin; r < end; ++r)
    if (!exterior_[r]) std::memset(out + x0_[r], 1, static_cast<std::size_t>(x1_[r] - x0_[r]));
}

std::uint64_t HoleLabels::memory_bytes() const noexcept {
  return x0_.capacity() * 8 + parent_.capacity() * 4 + exterior_.capacity() + row_start_.capacity() * 8;
}

}  // namespace cogkit::detail
