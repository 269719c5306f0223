// src/read/xyz/format.hpp — the text format of an XYZ file: separator, decimal mark, columns, header (internal).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fast_float/fast_float.h>

#include "cogkit/read/xyz.hpp"
#include "read/text_source.hpp"
#include "read/xyz/input.hpp"

namespace cogkit::detail::xyz {

inline bool is_blank(char c) { return c == ' ' || c == '\t'; }
inline bool is_comment(char c) { return c == '#' || c == '/' || c == '%' || c == '!'; }

// ---------------------------------------------------------------------------
// Format: separator, decimal mark, columns.
struct Format {
  char sep = ' ';      // ' ' = runs of blanks, else this character
  char decimal = '.';
  int ncols = 0;       // fields per data line
  int ca = 0, cb = 1;  // the two coordinate columns, ca < cb or as given
  int cz = 2;
  // Axis order: known (x is ca) or decided after the scan.
  std::optional<bool> a_is_x;
  std::string order_why;    // why the axis order is known
  std::string columns_why;  // how the columns were chosen
  std::size_t data_start = 0;
  std::vector<std::string> header;
  std::size_t header_line = 0;
};

// Splits a line into fields. Returns false when fields run out.
struct FieldReader {
  const char* p;
  const char* e;
  char sep;
  bool next(const char*& fb, const char*& fe) {
    if (sep == ' ') {
      while (p < e && is_blank(*p)) ++p;
      if (p >= e) return false;
      fb = p;
      while (p < e && !is_blank(*p)) ++p;
      fe = p;
      return true;
    }
    if (p > e) return false;
    while (p < e && is_blank(*p)) ++p;
    fb = p;
    while (p < e && *p != sep) ++p;
    fe = p;
    while (fe > fb && is_blank(fe[-1])) --fe;
    if (p < e) {
      ++p;  // the separator
    } else {
      p = e + 1;  // no more fields after this one
    }
    return true;
  }
};

inline bool parse_number(const char* b, const char* e, char decimal, double& v) {
  if (e - b >= 2 && *b == '"' && e[-1] == '"') ++b, --e;  // "1.5" in quoted CSV
  if (b < e && *b == '+') ++b;
  if (b >= e) return false;
  const fast_float::parse_options opts{fast_float::chars_format::general, decimal};
  const auto r = fast_float::from_chars_advanced(b, e, v, opts);
  return r.ec == std::errc() && r.ptr == e;
}

// Tokens of a header or sniffed line: split at blanks, ';' and ',' outside quotes.
std::vector<std::string> split_tokens(std::string_view line);
// True when every token of the line is a number (a data line, not a header).
bool line_is_numeric(std::string_view line);
// The line starting at `pos` (without "\r\n"); `next` is the offset after it.
std::string_view line_at(const char* data, std::size_t size, std::size_t pos, std::size_t& next);
std::string_view trim(std::string_view s);
int count_fields(std::string_view line, char sep);
// Decides the separator and decimal mark from the first data line (or XyzOptions::separator).
void detect_separator(std::string_view line, const std::string& forced, Format& f);
// Reads comment/header lines and the first data line: the format of the data lines.
Format sniff(const InputText& file, const XyzOptions& o);

// True when `head` (the start of a file's text, up to kSniffBytes) reads like XYZ points: at
// most 3 header lines, then lines of 3 or more numbers, the same count on each; no NUL byte,
// no ASCII grid header.
bool starts_like_xyz(std::string_view head);
// An XYZ file, for open_text/peek_text (the member of a zip that reads like XYZ).
inline constexpr TextKind kXyzText{"XYZ file", starts_like_xyz};

}  // namespace cogkit::detail::xyz
