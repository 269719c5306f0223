// TEMPORARY development stub (not to be committed): replaced by the helper's overview.cpp.
#include "detail/overview.hpp"
#include <cstdint>
#include <cstring>
#include <cmath>
#include <algorithm>
#include "detail/text.hpp"
namespace cogkit::detail {
std::optional<OverviewResampling> parse_overview_resampling(std::string_view name) {
  const std::string n = upper(std::string(name));
  if (n.empty() || n == "CUBIC") return OverviewResampling::cubic;
  if (n == "NEAREST") return OverviewResampling::nearest;
  if (n == "AVERAGE") return OverviewResampling::average;
  if (n == "BILINEAR") return OverviewResampling::bilinear;
  return std::nullopt;
}
std::pair<int, int> overview_source_rows(OverviewResampling, const LevelSize& g, int y0, int y1) {
  return {std::max(0, 2 * y0 - 4), std::min(g.src_h, 2 * y1 + 4)};
}
template <typename T>
static void ds(int bands, const LevelSize& g, const void* src, int src_first, void* dst, int y0, int y1) {
  const T* s = static_cast<const T*>(src);
  T* d = static_cast<T*>(dst);
  for (int y = y0; y < y1; ++y)
    for (int x = 0; x < g.dst_w; ++x)
      for (int b = 0; b < bands; ++b) {
        int sy = std::min(g.src_h - 1, 2 * y + 1), sx = std::min(g.src_w - 1, 2 * x + 1);
        d[(std::size_t(y - y0) * g.dst_w + x) * bands + b] = s[(std::size_t(sy - src_first) * g.src_w + sx) * bands + b];
      }
}
void downsample(OverviewResampling, GDALDataType type, int bands, const LevelSize& g, const void* src,
                int src_first, void* dst, int y0, int y1, std::optional<double>) {
  switch (type) {
    case GDT_Byte: ds<uint8_t>(bands, g, src, src_first, dst, y0, y1); break;
    case GDT_Int16: case GDT_UInt16: ds<uint16_t>(bands, g, src, src_first, dst, y0, y1); break;
    case GDT_Float64: ds<double>(bands, g, src, src_first, dst, y0, y1); break;
    default: ds<uint32_t>(bands, g, src, src_first, dst, y0, y1); break;
  }
}
}
