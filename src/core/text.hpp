// src/core/text.hpp — ASCII case folding for keywords, option values and header keys (internal).
#pragma once

#include <string>
#include <string_view>

namespace cogkit::detail {

inline std::string lower(std::string_view s) {
  std::string r(s);
  for (auto& c : r)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return r;
}

inline std::string upper(std::string_view s) {
  std::string r(s);
  for (auto& c : r)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return r;
}

}  // namespace cogkit::detail
