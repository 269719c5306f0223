// src/detail/fill_driver.cpp — reads strips (original values + mask), runs the kernel,
// writes the core rows back in place.
#include "detail/fill_driver.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <cpl_error.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>

#include "cogkit/error.hpp"
#include "detail/fill_components.hpp"
#include "detail/fill_kernel.hpp"

namespace cogkit::detail {

namespace {

std::string band_name(GDALRasterBandH band) {
  GDALDatasetH ds = GDALGetBandDataset(band);
  const char* d = ds ? GDALGetDescription(ds) : "";
  return d && *d ? std::string(d) : std::string("<band>");
}

[[noreturn]] void fail(GDALRasterBandH band, const std::string& message) {
  const char* gdal = CPLGetLastErrorMsg();
  throw error("fill", band_name(band), message, gdal ? gdal : "");
}

void read_rows(GDALRasterBandH band, GDALRasterBandH mask, int width, int y, int rows, float* values,
               std::uint8_t* valid) {
  if (rows <= 0) return;
  CPLErrorReset();
  if (values && GDALRasterIO(band, GF_Read, 0, y, width, rows, values, width, rows, GDT_Float32, 0, 0) != CE_None)
    fail(band, "cannot read rows " + std::to_string(y) + ".." + std::to_string(y + rows - 1));
  if (GDALRasterIO(mask, GF_Read, 0, y, width, rows, valid, width, rows, GDT_Byte, 0, 0) != CE_None)
    fail(band, "cannot read the mask of rows " + std::to_string(y) + ".." + std::to_string(y + rows - 1));
}

// ARE_REAL_EQUAL of gdal_priv.h (GDAL 3.6), which GDALNoDataMaskBand uses for floats.
template <class T>
bool are_real_equal(T a, T b) {
  return a == b || std::abs(a - b) < std::numeric_limits<float>::epsilon() * std::abs(a + b) * 2;
}

}  // namespace

int choose_fill_tile_rows(int width, int height, int halo, int smoothing, bool interior_only,
                          std::uint64_t work_bytes) {
  int best = 0;
  for (int rows = 64; rows <= 2048; rows *= 2)
    if (fill_strip_bytes(width, rows, halo, smoothing, interior_only) <= work_bytes) best = rows;
  if (best == 0) best = 16;
  return std::max(1, std::min(best, std::max(height, 1)));
}

FillStats fill_band(GDALRasterBandH band, const FillOptions& options, std::uint64_t work_bytes,
                    const ProgressFn& progress) {
  if (!band) throw error("fill", "<band>", "no band to fill");
  int has_nodata = 0;
  const double nodata = GDALGetRasterNoDataValue(band, &has_nodata);
  if (!has_nodata) fail(band, "the band has no nodata value, so there is nothing to fill");
  if (!(options.max_distance >= 0)) fail(band, "fill max distance must be >= 0");
  if (options.smoothing < 0) fail(band, "fill smoothing iterations must be >= 0");

  const int width = GDALGetRasterBandXSize(band);
  const int height = GDALGetRasterBandYSize(band);
  const GDALDataType type = GDALGetRasterDataType(band);
  GDALRasterBandH mask = GDALGetMaskBand(band);
  const int mask_flags = GDALGetMaskFlags(band);

  FillKernelParams params;
  params.width = width;
  params.height = height;
  params.max_distance =
      options.max_distance == 0 ? static_cast<double>(std::max(width, height) + 1) : options.max_distance;
  params.smoothing = options.smoothing;
  params.method = options.method == FillMethod::nearest ? FillKernelMethod::nearest : FillKernelMethod::invdist;
  params.interior_only = options.interior_only;

  // GDAL writes the filled scanline to the band and, before smoothing, reads it back as
  // Float32 together with a recomputed mask: mirror both.
  if (type != GDT_Float32) {
    params.round_trip = [type](float* v, std::size_t count) {
      std::vector<double> tmp(count);  // wide enough for every non-complex type
      GDALCopyWords64(v, GDT_Float32, 4, tmp.data(), type, GDALGetDataTypeSizeBytes(type),
                      static_cast<GPtrDiff_t>(count));
      GDALCopyWords64(tmp.data(), type, GDALGetDataTypeSizeBytes(type), v, GDT_Float32, 4,
                      static_cast<GPtrDiff_t>(count));
    };
  }
  if (mask_flags == GMF_NODATA) {
    switch (type) {
      case GDT_Float32: {
        const float nd = static_cast<float>(nodata);
        const bool nan = std::isnan(nodata);
        params.reads_as_nodata = [nd, nan](float v) { return nan ? std::isnan(v) : are_real_equal(v, nd); };
        break;
      }
      case GDT_Float64: {
        const bool nan = std::isnan(nodata);
        params.reads_as_nodata = [nodata, nan](float v) {
          return nan ? std::isnan(v) : are_real_equal(static_cast<double>(v), nodata);
        };
        break;
      }
      default: {
        // Integer bands: the round-tripped value is an exact integer; GDAL compares in the
        // band's integer work type.
        const double nd = std::trunc(nodata);
        params.reads_as_nodata = [nd](float v) { return static_cast<double>(v) == nd; };
        break;
      }
    }
  } else if (mask_flags & GMF_ALL_VALID) {
    params.reads_as_nodata = [](float) { return false; };
  } else {
    // Per-dataset / alpha masks do not change when pixels are filled.
    params.reads_as_nodata = [](float) { return true; };
  }

  const int halo = std::min(fill_kernel_halo(params.max_distance, params.smoothing), height);
  const int tile_rows = options.tile_rows > 0
                            ? std::min(options.tile_rows, std::max(height, 1))
                            : choose_fill_tile_rows(width, height, halo, params.smoothing,
                                                    options.interior_only, work_bytes);
  FillStats stats;
  stats.tile_rows = tile_rows;
  stats.halo = halo;
  stats.work_bytes = fill_strip_bytes(width, tile_rows, halo, params.smoothing, options.interior_only);
  if (width <= 0 || height <= 0) return stats;

  const int threads = options.threads > 0 ? options.threads : tbb::info::default_concurrency();
  tbb::task_arena arena(threads);

  const std::size_t w = static_cast<std::size_t>(width);
  FillStrip strip;
  const std::size_t capacity = static_cast<std::size_t>(std::min(height, tile_rows + 2 * halo)) * w;
  strip.values.resize(capacity);
  strip.valid.resize(capacity);

  // Interior-only: label the holes of the whole band first (streamed by strips).
  HoleLabels labels(width, height);
  if (options.interior_only) {
    strip.interior.resize(capacity);
    const int band_rows = std::max(1, std::min(height, tile_rows + 2 * halo));
    for (int y = 0; y < height; y += band_rows) {
      const int rows = std::min(band_rows, height - y);
      read_rows(band, mask, width, y, rows, nullptr, strip.valid.data());
      for (int r = 0; r < rows; ++r) labels.add_row(&strip.valid[static_cast<std::size_t>(r) * w]);
    }
    labels.finish();
    stats.work_bytes += labels.memory_bytes();
  }

  FillScratch scratch;
  std::vector<float> out(static_cast<std::size_t>(tile_rows) * w);
  const bool lossless_rewrite = type == GDT_Float32 || type == GDT_Byte || type == GDT_Int16 || type == GDT_UInt16;
  strip.in_begin = strip.in_end = 0;
  for (int y0 = 0; y0 < height; y0 += tile_rows) {
    const int y1 = std::min(height, y0 + tile_rows);
    const int need_begin = std::max(0, y0 - halo);
    const int need_end = std::min(height, y1 + halo);
    // Keep the rows shared with the previous strip: they hold original values even where
    // the band has already been overwritten.
    int keep_begin = std::max(need_begin, strip.in_begin);
    const int keep_end = std::min(need_end, strip.in_end);
    if (keep_end > keep_begin) {
      const std::size_t from = static_cast<std::size_t>(keep_begin - strip.in_begin) * w;
      const std::size_t count = static_cast<std::size_t>(keep_end - keep_begin) * w;
      std::memmove(strip.values.data(), strip.values.data() + from, count * sizeof(float));
      std::memmove(strip.valid.data(), strip.valid.data() + from, count);
      if (options.interior_only) std::memmove(strip.interior.data(), strip.interior.data() + from, count);
    } else {
      keep_begin = need_begin;
    }
    const int read_begin = std::max(keep_end, need_begin);
    const std::size_t dst = static_cast<std::size_t>(read_begin - need_begin) * w;
    read_rows(band, mask, width, read_begin, need_end - read_begin, strip.values.data() + dst,
              strip.valid.data() + dst);
    if (options.interior_only)
      for (int y = read_begin; y < need_end; ++y)
        labels.interior_row(y, strip.interior.data() + static_cast<std::size_t>(y - need_begin) * w);
    strip.in_begin = need_begin;
    strip.in_end = need_end;

    std::size_t filled = 0;
    arena.execute([&] { filled = fill_strip(params, strip, y0, y1, scratch, out.data()); });
    stats.filled += filled;

    if (filled > 0 || !lossless_rewrite) {
      CPLErrorReset();
      if (GDALRasterIO(band, GF_Write, 0, y0, width, y1 - y0, out.data(), width, y1 - y0, GDT_Float32, 0, 0) !=
          CE_None)
        fail(band, "cannot write rows " + std::to_string(y0) + ".." + std::to_string(y1 - 1));
    }
    if (progress) progress("fill", static_cast<double>(y1) / height);
  }
  // Cached mask blocks describe the unfilled band.
  GDALFlushRasterCache(mask);
  return stats;
}

}  // namespace cogkit::detail
