// src/read/xyz/unique_set.hpp — distinct coordinate values of one axis, for grid inference (internal).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace cogkit::detail::xyz {

// Distinct coordinate values (open addressing on the bit pattern).
class UniqueSet {
 public:
  UniqueSet() : slots_(1024, kEmpty), mask_(1023), shift_(54) {}
  // Returns false when the set would exceed `cap` values.
  bool insert(double v, std::size_t cap) {
    if (v == 0) v = 0;  // -0 and +0 are the same coordinate
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    if (bits == kEmpty) {
      has_empty_value_ = true;
      return true;
    }
    std::size_t i = slot(bits);
    while (slots_[i] != kEmpty) {
      if (slots_[i] == bits) return true;
      i = (i + 1) & mask_;
    }
    slots_[i] = bits;
    if (++count_ * 2 > slots_.size()) {
      if (count_ > cap) return false;
      grow();
    }
    return true;
  }
  std::vector<double> sorted_values() const {
    std::vector<double> out;
    out.reserve(count_ + 1);
    for (std::uint64_t b : slots_)
      if (b != kEmpty) {
        double v;
        std::memcpy(&v, &b, sizeof v);
        out.push_back(v);
      }
    if (has_empty_value_) {
      double v;
      std::memcpy(&v, &kEmpty, sizeof v);
      out.push_back(v);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  void clear() {
    std::vector<std::uint64_t>(1024, kEmpty).swap(slots_);
    mask_ = 1023;
    shift_ = 54;
    count_ = 0;
  }

 private:
  static constexpr std::uint64_t kEmpty = 0x7FF8DEADBEEF0001ULL;  // a NaN payload never produced by parsing
  void grow() {
    std::vector<std::uint64_t> old(slots_.size() * 2, kEmpty);
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    --shift_;
    for (std::uint64_t b : old)
      if (b != kEmpty) {
        std::size_t i = slot(b);
        while (slots_[i] != kEmpty) i = (i + 1) & mask_;
        slots_[i] = b;
      }
  }
  std::vector<std::uint64_t> slots_;
  // Fibonacci hashing: the high bits of the product (low mantissa bits of round
  // coordinates are all zero).
  std::size_t slot(std::uint64_t bits) const {
    return static_cast<std::size_t>((bits * 0x9E3779B97F4A7C15ULL) >> shift_) & mask_;
  }
  std::size_t mask_;
  int shift_;
  std::size_t count_ = 0;
  bool has_empty_value_ = false;
};

}  // namespace cogkit::detail::xyz
