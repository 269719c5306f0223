// src/read/ascii/parse.hpp — header and value parsing of ESRI/GRASS ASCII grids.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "cogkit/read/ascii_grid.hpp"
#include "read/text_source.hpp"

namespace cogkit::detail::ascii {

// Parses the header at the start of `text`; data_offset/data_line tell where the
// values start. `name` prefixes error positions ("name:line:column").
// Throws cogkit::error("read", ...).
AsciiGridHeader parse_header(std::string_view text, const std::string& name);

// line:column (1-based, bytes) of `offset` in a piece whose first byte is at (line0, col0).
struct Position {
  std::uint64_t line = 1, column = 1;
};
Position position_in(std::string_view piece, std::size_t offset, Position start);

// Where parsed values go (T = float or double). `reserve` returns room for values
// [first, first + n); `commit` is called once they are written (values come in order).
template <typename T>
struct ValueSink {
  std::function<T*(std::uint64_t first, std::size_t n)> reserve;
  std::function<void(std::uint64_t first, std::size_t n)> commit;
};

struct ParseResult {
  AsciiValueStats stats;
  std::uint64_t values = 0;          // values stored (== width*height on success)
  std::uint64_t extra_values = 0;    // tokens after the last grid value (ignored)
  Position first_extra;              // where the first of them is
  std::uint64_t text_bytes = 0;      // bytes of text parsed (data section)
};

// Parses the values: `first` is the data part of the first piece (already read from
// `source`), then the rest of `source`, piece by piece, in parallel (current TBB arena).
// Missing tokens (nan, null, *) are stored as `missing`. Values are rounded to T as they
// are stored; `stats` says whether T = float kept them all (all_float32_ok).
// Throws cogkit::error("read") with name:line:column on a bad token or a wrong value count.
template <typename T>
ParseResult parse_values(std::string_view first, Position first_pos, TextSource* source, std::uint64_t count,
                         int width, const std::string& name, const ValueSink<T>& sink, T missing,
                         std::size_t piece_bytes = 64u << 20,
                         const std::function<void(std::uint64_t text_pos)>& on_piece = {});

}  // namespace cogkit::detail::ascii
