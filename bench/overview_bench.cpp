// bench/overview_bench.cpp — one overview level (N x N -> N/2 x N/2) computed by cogkit's
// kernels (detail::downsample) and, in the same run, by GDAL's own overview code
// (GDALRegenerateOverviews on MEM bands, GDAL_NUM_THREADS=1), on a generated DEM with nodata
// holes. Best of three runs each. Prints source MPixel/s of both, the time ratio, and whether the results are identical.
//
//   overview_bench [SIZE=8000] [KERNEL=cubic] [THREADS=2] [TYPE=Float32]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <cpl_conv.h>
#include <gdal.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include "demgen.hpp"
#include "write/overview.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 8000;
  const std::string kernel = argc > 2 ? argv[2] : "cubic";
  const int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  const GDALDataType type = argc > 4 ? GDALGetDataTypeByName(argv[4]) : GDT_Float32;
  const auto parsed = cogkit::try_parse<cogkit::OverviewResampling>(kernel);
  const auto r = parsed ? cogkit::detail::overview_kernel(parsed) : std::nullopt;
  if (!r || type == GDT_Unknown) {
    std::fprintf(stderr, "usage: overview_bench [SIZE] [nearest|average|bilinear|cubic] [THREADS] [GDAL type]\n");
    return 2;
  }
  GDALAllRegister();
  const int sz = GDALGetDataTypeSizeBytes(type);
  const double nodata = -9999;

  // Source raster, generated in row bands.
  cogkit::demgen::DemSpec spec;
  spec.width = n;
  spec.height = n;
  spec.lakes = 40;
  spec.dropout_fraction = 0.01;
  spec.nodata = nodata;
  std::vector<unsigned char> src(static_cast<std::size_t>(n) * n * sz);
  {
    std::vector<double> band;
    for (int y = 0; y < n; y += 512) {
      const int h = std::min(512, n - y);
      cogkit::demgen::window(spec, 0, y, n, h, band);
      GDALCopyWords64(band.data(), GDT_Float64, 8, src.data() + static_cast<std::size_t>(y) * n * sz, type, sz,
                      static_cast<GPtrDiff_t>(band.size()));
    }
  }
  const cogkit::detail::LevelSize g{n, n, n / 2, n / 2};
  const double mpix = static_cast<double>(n) * n / 1e6;
  std::vector<unsigned char> ours(static_cast<std::size_t>(g.dst_w) * g.dst_h * sz);

  constexpr int kRepeats = 3;  // best of three (the machine may be shared)
  auto t0 = std::chrono::steady_clock::now();
  // cogkit, one thread, one call.
  double t_ours1 = 1e30;
  for (int rep = 0; rep < kRepeats; ++rep) {
    t0 = std::chrono::steady_clock::now();
    cogkit::detail::downsample(*r, type, 1, g, src.data(), 0, ours.data(), 0, g.dst_h, nodata);
    t_ours1 = std::min(t_ours1, seconds_since(t0));
  }

  // cogkit, THREADS threads on disjoint row ranges (as the writer calls it).
  std::vector<unsigned char> ours_mt(ours.size());
  double t_ours_mt = 1e30;
  for (int rep = 0; rep < kRepeats; ++rep) {
    t0 = std::chrono::steady_clock::now();
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    constexpr int kRows = 128;
    tbb::parallel_for(0, (g.dst_h + kRows - 1) / kRows, [&](int i) {
      const int y0 = i * kRows, y1 = std::min(g.dst_h, y0 + kRows);
      const auto [first, last] = cogkit::detail::overview_source_rows(*r, g, y0, y1);
      (void)last;
      cogkit::detail::downsample(*r, type, 1, g, src.data() + static_cast<std::size_t>(first) * n * sz, first,
                                 ours_mt.data() + static_cast<std::size_t>(y0) * g.dst_w * sz, y0, y1, nodata);
    });
    t_ours_mt = std::min(t_ours_mt, seconds_since(t0));
  }

  // GDAL 3.6: MEM source band -> MEM overview band, single thread.
  CPLSetConfigOption("GDAL_NUM_THREADS", "1");
  GDALDriverH mem = GDALGetDriverByName("MEM");
  GDALDatasetH sds = GDALCreate(mem, "", n, n, 1, type, nullptr);
  GDALDatasetH ods = GDALCreate(mem, "", g.dst_w, g.dst_h, 1, type, nullptr);
  GDALRasterBandH sb = GDALGetRasterBand(sds, 1), ob = GDALGetRasterBand(ods, 1);
  GDALSetRasterNoDataValue(sb, nodata);
  GDALSetRasterNoDataValue(ob, nodata);
  if (GDALRasterIO(sb, GF_Write, 0, 0, n, n, src.data(), n, n, type, 0, 0) != CE_None) return 1;
  const std::string gdal_name = kernel == "nearest" ? "NEAREST" : kernel == "average" ? "AVERAGE"
                                : kernel == "bilinear" ? "BILINEAR" : "CUBIC";
  double t_gdal = 1e30;
  for (int rep = 0; rep < kRepeats; ++rep) {
    t0 = std::chrono::steady_clock::now();
    if (GDALRegenerateOverviews(sb, 1, &ob, gdal_name.c_str(), nullptr, nullptr) != CE_None) return 1;
    t_gdal = std::min(t_gdal, seconds_since(t0));
  }
  std::vector<unsigned char> ref(ours.size());
  if (GDALRasterIO(ob, GF_Read, 0, 0, g.dst_w, g.dst_h, ref.data(), g.dst_w, g.dst_h, type, 0, 0) != CE_None) return 1;
  GDALClose(sds);
  GDALClose(ods);

  std::size_t diff = 0, diff_mt = 0;
  for (std::size_t i = 0; i < ref.size(); i += sz) {
    diff += std::memcmp(&ours[i], &ref[i], sz) != 0;
    diff_mt += std::memcmp(&ours_mt[i], &ours[i], sz) != 0;
  }
  std::printf("overview %s %s %dx%d -> %dx%d (nodata %g)\n", kernel.c_str(), GDALGetDataTypeName(type), n, n, g.dst_w,
              g.dst_h, nodata);
  std::printf("  cogkit 1 thread   %7.3f s  %8.1f MPixel/s (source)\n", t_ours1, mpix / t_ours1);
  std::printf("  cogkit %d threads  %7.3f s  %8.1f MPixel/s\n", threads, t_ours_mt, mpix / t_ours_mt);
  std::printf("  GDAL   1 thread   %7.3f s  %8.1f MPixel/s\n", t_gdal, mpix / t_gdal);
  std::printf("  time ratio cogkit/GDAL (1 thread) %.2f\n", t_ours1 / t_gdal);
  std::printf("  pixels differing from GDAL: %zu of %zu; threaded vs one call: %zu\n", diff, ref.size() / sz, diff_mt);
  return diff_mt == 0 ? 0 : 1;
}
