// src/read/xyz/limits.hpp — what the XYZ reader refuses before allocating, and the step its errors name (internal).
#pragma once

#include <cstddef>
#include <cstdint>

namespace cogkit::detail::xyz {

inline constexpr const char* kStep = "read";
// Refused before allocating: a side longer than this, or more cells than kMaxCells.
inline constexpr std::int64_t kMaxSide = 1 << 24;
inline constexpr double kMaxCells = 1ULL << 36;
// Unique coordinates kept per axis before the points are declared scattered.
inline constexpr std::size_t kMaxUnique = 1 << 22;

}  // namespace cogkit::detail::xyz
