// bench/fill_bench.cpp — runs cogkit's fill alone: fills a GeoTIFF's first band into a
// staged raster (MEM or temp tiled GeoTIFF by memory budget, as the pipeline stages) or into
// a plain GeoTIFF, and optionally compares the result bit for bit with a reference raster
// (e.g. the output of gdal_fillnodata.py). Used by bench/fill_bench.sh.
//
//   fill_bench INPUT [--md PX] [--smoothing N] [--threads N] [--memory-budget SIZE]
//              [--staging auto|memory|file] [--tile-rows N] [--method invdist|nearest]
//              [--interior-only] [--compare REF.tif] [--output OUT.tif] [--target OUT.tif]
//              [--preload]
//   --target   fill into a plain GeoTIFF (GTiff defaults, as gdal_fillnodata.py writes)
//              instead of a staged raster
//   --output   copy the filled staged raster to OUT.tif afterwards (not timed)
//   --preload  decode the source into memory before the timed fill
//   --in-place copy the source into the staged raster first (reported as "open"), then
//              fill it in place (what the pipeline does)
// GDAL's block cache is set to the budget's block_cache(). FILL_BENCH_GDAL_THREADS=1 in the
// environment sets GDAL_NUM_THREADS (multi-threaded GTiff (de)compression) — off by default:
// GDAL 3.6 then decodes straight into the request buffer, bypassing the block cache, and
// re-decodes tiles shared by consecutive strips.
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <cpl_conv.h>
#include <gdal.h>

#include "cogkit/core/error.hpp"
#include "cogkit/fill/fill.hpp"
#include "cogkit/core/gdal_handle.hpp"
#include "cogkit/core/staging.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void check(CPLErr err, const char* what) {
  if (err != CE_None) throw cogkit::error("bench", what, "GDAL I/O failed", CPLGetLastErrorMsg());
}

// Pixels whose raw bits differ between two bands of the same type and size.
std::uint64_t differing(GDALRasterBandH a, GDALRasterBandH b) {
  const int w = GDALGetRasterBandXSize(a), h = GDALGetRasterBandYSize(a);
  if (w != GDALGetRasterBandXSize(b) || h != GDALGetRasterBandYSize(b)) return ~0ull;
  const GDALDataType type = GDALGetRasterDataType(a);
  const int size = GDALGetDataTypeSizeBytes(type);
  const int rows_per_chunk = 256;
  std::vector<unsigned char> ba(static_cast<std::size_t>(w) * rows_per_chunk * size), bb(ba.size());
  std::uint64_t diff = 0;
  for (int y = 0; y < h; y += rows_per_chunk) {
    const int rows = std::min(rows_per_chunk, h - y);
    check(GDALRasterIO(a, GF_Read, 0, y, w, rows, ba.data(), w, rows, type, 0, 0), "read");
    check(GDALRasterIO(b, GF_Read, 0, y, w, rows, bb.data(), w, rows, type, 0, 0), "read");
    for (std::size_t i = 0; i < static_cast<std::size_t>(w) * rows; ++i)
      if (std::memcmp(&ba[i * size], &bb[i * size], static_cast<std::size_t>(size)) != 0) ++diff;
  }
  return diff;
}

}  // namespace

int main(int argc, char** argv) {
  std::string input, compare, output, staging = "auto", budget_text = "256MB", method = "invdist", target_path;
  bool preload = false, in_place = false;
  cogkit::FillOptions options;
  options.enabled = true;
  options.threads = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "fill_bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--md") options.max_distance = std::stod(next());
    else if (a == "--smoothing") options.smoothing = std::stoi(next());
    else if (a == "--threads") options.threads = std::stoi(next());
    else if (a == "--tile-rows") options.tile_rows = std::stoi(next());
    else if (a == "--memory-budget") budget_text = next();
    else if (a == "--staging") staging = next();
    else if (a == "--method") method = next();
    else if (a == "--interior-only") options.interior_only = true;
    else if (a == "--compare") compare = next();
    else if (a == "--output") output = next();
    else if (a == "--preload") preload = true;
    else if (a == "--in-place") in_place = true;
    else if (a == "--target") target_path = next();
    else if (!a.empty() && a[0] != '-' && input.empty()) input = a;
    else {
      std::fprintf(stderr, "fill_bench: unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  if (input.empty()) {
    std::fprintf(stderr, "usage: fill_bench INPUT [--md PX] [--smoothing N] [--threads N] [--memory-budget SIZE] "
                         "[--staging auto|memory|file] [--tile-rows N] [--compare REF] [--output OUT]\n");
    return 2;
  }
  options.method = cogkit::try_parse<cogkit::FillMethod>(method).value_or(cogkit::FillMethod::invdist);
  try {
    GDALAllRegister();
    cogkit::StagingOptions so;
    so.force = cogkit::parse<cogkit::StagingMode>(staging);
    so.memory_budget = cogkit::parse_size(budget_text);
    const cogkit::MemoryBudget budget(so);
    GDALSetCacheMax64(static_cast<GIntBig>(budget.block_cache()));
    const std::string threads = std::to_string(options.threads > 0 ? options.threads : 2);
    if (std::getenv("FILL_BENCH_GDAL_THREADS")) CPLSetConfigOption("GDAL_NUM_THREADS", threads.c_str());

    const auto t0 = std::chrono::steady_clock::now();
    cogkit::DatasetHandle src(GDALOpen(input.c_str(), GA_ReadOnly));
    if (!src) throw cogkit::error("bench", input, "cannot open", CPLGetLastErrorMsg());
    if (preload) {  // decode the source into memory first (not timed): measures the fill alone
      cogkit::DatasetHandle mem(GDALCreateCopy(GDALGetDriverByName("MEM"), "", src.get(), FALSE, nullptr,
                                               nullptr, nullptr));
      src = std::move(mem);
    }
    GDALRasterBandH sband = GDALGetRasterBand(src.get(), 1);
    const int w = GDALGetRasterBandXSize(sband), h = GDALGetRasterBandYSize(sband);
    int has_nodata = 0;
    const double nodata = GDALGetRasterNoDataValue(sband, &has_nodata);
    const auto t0b = std::chrono::steady_clock::now();
    cogkit::StagedRaster staged;
    if (!target_path.empty()) {
      // A plain GeoTIFF target, like gdal_fillnodata.py's output (GTiff defaults).
      staged.dataset.reset(GDALCreate(GDALGetDriverByName("GTiff"), target_path.c_str(), w, h, 1,
                                      GDALGetRasterDataType(sband), nullptr));
      if (!staged.dataset) throw cogkit::error("bench", target_path, "cannot create", CPLGetLastErrorMsg());
      staged.in_memory = false;
    } else {
      staged = cogkit::create_staged(budget, w, h, 1, GDALGetRasterDataType(sband), "fill-bench");
    }
    GDALRasterBandH band = GDALGetRasterBand(staged.get(), 1);
    if (has_nodata) GDALSetRasterNoDataValue(band, nodata);
    const double open_s = seconds_since(t0b);

    // The fill reads the source and writes the staged raster: one pass, like
    // gdal_fillnodata.py's copy + fill.
    if (in_place) {  // copy first (timed as "open"), then fill the staged band in place
      const int w0 = GDALGetRasterBandXSize(sband), h0 = GDALGetRasterBandYSize(sband);
      std::vector<float> buf(static_cast<std::size_t>(w0) * 256);
      for (int y = 0; y < h0; y += 256) {
        const int rows = std::min(256, h0 - y);
        check(GDALRasterIO(sband, GF_Read, 0, y, w0, rows, buf.data(), w0, rows, GDT_Float32, 0, 0), "read");
        check(GDALRasterIO(band, GF_Write, 0, y, w0, rows, buf.data(), w0, rows, GDT_Float32, 0, 0), "write");
      }
    }
    const double copy_in_s = seconds_since(t0b);
    const auto t1 = std::chrono::steady_clock::now();
    const cogkit::FillStats stats = in_place ? cogkit::fill_nodata_stats(band, options, budget)
                                             : cogkit::fill_nodata_copy_stats(sband, band, options, budget);
    GDALFlushCache(staged.get());
    src.reset();
    const double fill_s = seconds_since(t1);
    const double copy_s = in_place ? copy_in_s : open_s;
    std::printf("fill_bench: %dx%d staged in %s, open %.2f s, fill %.2f s, filled %llu px, strip %d rows, halo %d, "
                "work buffers %.1f MB, peak RSS %.1f MB (compute %.2f s, read/wait %.2f s, write %.2f s)\n",
                w, h, !target_path.empty() ? "a plain GeoTIFF" : staged.in_memory ? "memory" : "temp GeoTIFF", copy_s, fill_s,
                static_cast<unsigned long long>(stats.filled), stats.tile_rows, stats.halo,
                static_cast<double>(stats.work_bytes) / 1e6, static_cast<double>(cogkit::peak_rss()) / 1e6, stats.compute_seconds, stats.read_wait_seconds,
                stats.write_seconds);

    int rc = 0;
    if (!compare.empty()) {
      cogkit::DatasetHandle ref(GDALOpen(compare.c_str(), GA_ReadOnly));
      if (!ref) throw cogkit::error("bench", compare, "cannot open", CPLGetLastErrorMsg());
      const std::uint64_t diff = differing(band, GDALGetRasterBand(ref.get(), 1));
      std::printf("fill_bench: %llu pixels differ (raw bits) from %s\n", static_cast<unsigned long long>(diff),
                  compare.c_str());
      rc = diff == 0 ? 0 : 1;
    }
    if (!output.empty()) {
      cogkit::DatasetHandle out(GDALCreateCopy(GDALGetDriverByName("GTiff"), output.c_str(), staged.get(), FALSE,
                                               nullptr, nullptr, nullptr));
      if (!out) throw cogkit::error("bench", output, "cannot write", CPLGetLastErrorMsg());
    }
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fill_bench: %s\n", e.what());
    return 1;
  }
}
