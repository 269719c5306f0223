// src/report/stats.cpp — statistics of a staged raster's memory (see stats.hpp).
#include "report/stats.hpp"

#include <cpl_string.h>

namespace cogkit::detail {

std::optional<std::vector<BandStats>> measure_in_memory(GDALDatasetH ds, const PixelRect& crop,
                                                        std::optional<double> nodata) {
  GDALDriverH drv = GDALGetDatasetDriver(ds);
  if (!drv || !EQUAL(GDALGetDriverShortName(drv), "MEM")) return std::nullopt;
  std::vector<BandStats> stats;
  for (int b = 1; b <= GDALGetRasterCount(ds); ++b) {
    const auto* base = static_cast<const unsigned char*>(GDALGetInternalHandle(ds, CPLSPrintf("MEMORY%d", b)));
    const GDALDataType type = GDALGetRasterDataType(GDALGetRasterBand(ds, b));
    if (!base) return std::nullopt;
    const std::size_t size = std::size_t(GDALGetDataTypeSizeBytes(type));
    const std::size_t line = std::size_t(GDALGetRasterXSize(ds)) * size;
    RowStats rows(crop.h, 1, nodata);
    rows.add_rows(0, crop.h, base + std::size_t(crop.y) * line + std::size_t(crop.x) * size, line, crop.w, 1, type);
    auto band = rows.finish(std::uint64_t(crop.w) * std::uint64_t(crop.h));
    if (!band) return std::nullopt;
    stats.push_back(band->front());
  }
  return stats;
}

std::vector<std::pair<std::string, std::string>> statistics_metadata(const BandStats& s) {
  auto g = [](const char* fmt, double v) { return std::string(CPLSPrintf(fmt, v)); };
  std::string percent = s.valid_pixels == 0 ? "0" : s.valid_pixels == s.total_pixels ? "100" : g("%.4g", s.valid_percent());
  if (percent == "100" && s.valid_pixels != s.total_pixels) percent = "99.999";
  if (s.valid_pixels == 0) return {{"STATISTICS_VALID_PERCENT", percent}};
  return {{"STATISTICS_MAXIMUM", g("%.14g", s.max)},
          {"STATISTICS_MEAN", g("%.14g", s.mean)},
          {"STATISTICS_MINIMUM", g("%.14g", s.min)},
          {"STATISTICS_STDDEV", g("%.14g", s.stddev)},
          {"STATISTICS_VALID_PERCENT", percent}};
}

}  // namespace cogkit::detail
