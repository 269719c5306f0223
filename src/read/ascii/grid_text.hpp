// src/read/ascii/grid_text.hpp — what the start of an ESRI/GRASS ASCII grid looks like (internal).
#pragma once

#include <string_view>

#include "read/text_source.hpp"

namespace cogkit::detail::ascii {

// True when `text` (the start of a file) begins like an ESRI or GRASS ASCII grid header:
// optional UTF-8 BOM and blank space, then a known header keyword.
bool starts_like_grid(std::string_view text);

// An ASCII grid, for open_text/peek_text (the member of a zip that starts like a grid).
inline constexpr TextKind kGridText{"ASCII grid", starts_like_grid};

}  // namespace cogkit::detail::ascii
