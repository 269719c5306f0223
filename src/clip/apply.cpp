// src/clip/apply.cpp — see apply.hpp.
#include "clip/apply.hpp"

#include <algorithm>
#include <cmath>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal_alg.h>
#include <tbb/parallel_for.h>

#include "cogkit/core/error.hpp"
#include "cogkit/core/gdal_handle.hpp"
#include "core/gdal_env.hpp"
#include "report/stats.hpp"

namespace cogkit::detail {

std::vector<BandStats> clip_and_measure(GDALDatasetH ds, const PixelRect& crop, const ClipTarget& plan,
                                        const std::string& name, const ProgressFn& progress, bool write,
                                        std::uint64_t buffer_bytes) {
  if (write && !plan.clip)
      if (auto in_memory = measure_in_memory(ds, crop, plan.nodata)) return *in_memory;
  const int bands = GDALGetRasterCount(ds);
  std::vector<std::vector<StatsPart>> band_parts(bands);
  // Row bands of doubles (plus a mask when clipping) within `buffer_bytes`.
  const std::uint64_t per_row = 9 * std::uint64_t(std::max(1, crop.w));
  const int rows = int(std::clamp<std::uint64_t>(std::clamp<std::uint64_t>(buffer_bytes, 1 << 20, 16 << 20) / per_row, 1,
                                                 std::uint64_t(std::max(1, crop.h))));
  std::vector<double> buf;
  std::vector<unsigned char> mask;
  double dsgt[6];
  GDALGetGeoTransform(ds, dsgt);
  const bool nd_nan = plan.nodata && std::isnan(*plan.nodata);
  for (int y = crop.y; y < crop.y + crop.h; y += rows) {
    const int h = std::min(rows, crop.y + crop.h - y);
    const std::size_t n = std::size_t(crop.w) * h;
    if (plan.clip) {
      mask.assign(n, 0);
      const double gt[6] = {dsgt[0] + crop.x * dsgt[1], dsgt[1], 0, dsgt[3] + y * dsgt[5], 0, dsgt[5]};
      DatasetHandle m(GDALCreate(GDALGetDriverByName("MEM"), "", crop.w, h, 0, GDT_Byte, nullptr));
      CPLStringList band_opts;
      band_opts.AddString(CPLSPrintf("DATAPOINTER=%p", static_cast<void*>(mask.data())));
      GDALAddBand(m.get(), GDT_Byte, band_opts.List());
      GDALSetGeoTransform(m.get(), const_cast<double*>(gt));
      int band_list[1] = {1};
      double burn[1] = {1};
      OGRGeometryH geoms[1] = {plan.clip};
      detail::GdalErrorCapture capture;
      if (GDALRasterizeGeometries(m.get(), 1, band_list, 1, geoms, nullptr, nullptr, burn, nullptr, nullptr, nullptr) !=
          CE_None)
        throw error("clip", name, "rasterizing the clip polygon failed", capture.last_error());
    }
    for (int b = 0; b < bands; ++b) {
      GDALRasterBandH band = GDALGetRasterBand(ds, b + 1);
      buf.resize(n);
      if (GDALRasterIO(band, GF_Read, crop.x, y, crop.w, h, buf.data(), crop.w, h, GDT_Float64, 0, 0) != CE_None)
        throw error("clip", name, "reading the staged raster failed", CPLGetLastErrorMsg());
      // Fixed 64 Ki-pixel parts, summed in order: the statistics do not depend on threads.
      constexpr std::size_t kPart = 1 << 16;
      const std::size_t parts = (n + kPart - 1) / kPart;
      std::vector<StatsPart> part(parts);
      std::vector<char> part_changed(parts, 0);
      tbb::parallel_for(std::size_t(0), parts, [&](std::size_t k) {
        StatsPart& pt = part[k];
        if (!plan.clip) {
          const std::size_t i = k * kPart;
          pt.add_run(buf.data() + i, std::min(n, i + kPart) - i, plan.nodata);
          return;
        }
        for (std::size_t i = k * kPart, end = std::min(n, i + kPart); i < end; ++i) {
          double& v = buf[i];
          if (plan.clip && !mask[i]) {
            const bool already = plan.nodata && (nd_nan ? std::isnan(v) : v == *plan.nodata);
            if (!already) {
              v = *plan.nodata;
              part_changed[k] = 1;
            }
            continue;
          }
          if (std::isnan(v) || (plan.nodata && v == *plan.nodata)) continue;
          pt.add(v);
        }
      });
      band_parts[b].insert(band_parts[b].end(), part.begin(), part.end());
      const bool changed = std::find(part_changed.begin(), part_changed.end(), 1) != part_changed.end();
      if (write && changed &&
          GDALRasterIO(band, GF_Write, crop.x, y, crop.w, h, buf.data(), crop.w, h, GDT_Float64, 0, 0) != CE_None)
        throw error("clip", name, "writing the staged raster failed", CPLGetLastErrorMsg());
    }
    report_progress(progress, plan.clip ? "clip" : "stats", double(y + h - crop.y) / crop.h);
  }
  std::vector<BandStats> stats;
  for (const auto& parts : band_parts)
    stats.push_back(finish_stats(parts, std::uint64_t(crop.w) * std::uint64_t(crop.h)));
  return stats;
}

}  // namespace cogkit::detail
