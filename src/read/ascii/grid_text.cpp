// src/read/ascii/grid_text.cpp — see grid_text.hpp.
#include "read/ascii/grid_text.hpp"

#include <cctype>
#include <string>

#include "core/text.hpp"
#include "read/ascii/scan.hpp"

namespace cogkit::detail::ascii {

bool starts_like_grid(std::string_view text) {
  std::size_t i = 0;
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF && static_cast<unsigned char>(text[1]) == 0xBB &&
      static_cast<unsigned char>(text[2]) == 0xBF)
    i = 3;
  while (i < text.size() && is_space(text[i])) ++i;
  std::size_t j = i;
  while (j < text.size() && std::isalpha(static_cast<unsigned char>(text[j]))) ++j;
  if (j < text.size() && text[j] == '_') {
    ++j;
    while (j < text.size() && std::isalpha(static_cast<unsigned char>(text[j]))) ++j;
  }
  const std::string word = lower(text.substr(i, j - i));
  static const char* const esri[] = {"ncols",     "nrows",     "xllcorner", "yllcorner",    "xllcenter",
                                     "yllcenter", "cellsize",  "dx",        "dy",           "nodata_value",
                                     "xllcentre", "yllcentre", "nodata"};
  for (const char* k : esri)
    if (word == k && j < text.size() && is_space(text[j])) {
      // Both dimensions must appear near the start.
      const std::string low = lower(text.substr(0, std::min<std::size_t>(text.size(), 8192)));
      return low.find("ncols") != std::string::npos && low.find("nrows") != std::string::npos;
    }
  static const char* const grass[] = {"north", "south", "east", "west", "rows", "cols", "proj", "zone"};
  for (const char* k : grass) {
    if (word != k) continue;
    std::size_t q = j;
    while (q < text.size() && (text[q] == ' ' || text[q] == '\t')) ++q;
    if (q < text.size() && text[q] == ':') {
      const std::string low = lower(text.substr(0, std::min<std::size_t>(text.size(), 8192)));
      return low.find("rows") != std::string::npos && low.find("cols") != std::string::npos &&
             low.find("north") != std::string::npos;
    }
  }
  return false;
}

}  // namespace cogkit::detail::ascii
