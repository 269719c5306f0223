#include "cogkit/reproject.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "cogkit/error.hpp"

namespace cogkit {

std::string normalize_resampling(const std::string& name) {
  static constexpr std::array<const char*, 14> kKernels = {"near", "bilinear", "cubic", "cubicspline", "lanczos",
                                                           "average", "rms", "mode", "max", "min", "med", "q1", "q3",
                                                           "sum"};
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  if (n == "nearest") n = "near";
  for (const char* k : kKernels)
    if (n == k) return n;
  std::string list;
  for (const char* k : kKernels) list += std::string(list.empty() ? "" : ", ") + k;
  throw error("options", "", "unknown resampling '" + name + "' (expected one of: nearest, " + list.substr(6) + ")");
}

}  // namespace cogkit
