// warp_bench: cogkit's fast_warp vs GDAL's warper (warp_regions) on the same source and
// destination grid, in the same run.
//
//   build/bench/warp_bench DEM.tif [--t_srs EPSG:3857] [-r bilinear] [--threads 2] [--memory-mb 56]
//                                  [--et 0.125] [--repeat 3] [--mode both|gdal|fast] [--gtiff-dest PREFIX]
//
// The destination is GDAL's suggested grid (as gdalwarp -t_srs picks it), a MEM Float32
// raster with nodata -9999, like cogify's staged raster. The source is reopened for each
// run (no warm block cache); GDAL_CACHEMAX is 56 MB as under a 448 MB budget. Prints the
// seconds of each run, the median ratio, and how the two results differ.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <cpl_conv.h>
#include <gdal_alg.h>
#include <ogr_srs_api.h>

#include "cogkit/core/gdal_handle.hpp"
#include "cogkit/reproject/reproject.hpp"
#include "reproject/fast_warp.hpp"

namespace {

using cogkit::DatasetHandle;

DatasetHandle make_dest(GDALDatasetH src, const std::string& srs, const std::string& file = "") {
  cogkit::SrsHandle s(OSRNewSpatialReference(nullptr));
  OSRSetFromUserInput(s.get(), srs.c_str());
  char* wkt = nullptr;
  OSRExportToWkt(s.get(), &wkt);
  void* tr = GDALCreateGenImgProjTransformer(src, GDALGetProjectionRef(src), nullptr, wkt, FALSE, 0, 1);
  double gt[6];
  int w = 0, h = 0;
  GDALSuggestedWarpOutput(src, GDALGenImgProjTransform, tr, gt, &w, &h);
  GDALDestroyGenImgProjTransformer(tr);
  // A MEM raster, or a tiled ZSTD GeoTIFF like cogify's file staging.
  const char* opts[] = {"TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=ZSTD", "ZSTD_LEVEL=1", nullptr};
  DatasetHandle d(file.empty() ? GDALCreate(GDALGetDriverByName("MEM"), "", w, h, 1, GDT_Float32, nullptr)
                               : GDALCreate(GDALGetDriverByName("GTiff"), file.c_str(), w, h, 1, GDT_Float32,
                                            const_cast<char**>(opts)));
  GDALSetGeoTransform(d.get(), gt);
  GDALSetProjection(d.get(), wkt);
  GDALSetRasterNoDataValue(GDALGetRasterBand(d.get(), 1), -9999);
  CPLFree(wkt);
  return d;
}

std::vector<float> pixels(GDALDatasetH d) {
  const int w = GDALGetRasterXSize(d), h = GDALGetRasterYSize(d);
  std::vector<float> v(std::size_t(w) * h);
  if (GDALRasterIO(GDALGetRasterBand(d, 1), GF_Read, 0, 0, w, h, v.data(), w, h, GDT_Float32, 0, 0) != CE_None)
    v.clear();
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: warp_bench DEM.tif [--t_srs S] [-r K] [--threads N] [--memory-mb M] [--et E] "
                         "[--repeat R] [--mode both|gdal|fast]\n");
    return 2;
  }
  std::string path = argv[1], srs = "EPSG:3857", mode = "both", gtiff;
  cogkit::Resampling kernel = cogkit::Resampling::bilinear;
  int threads = 2, repeat = 3;
  double memory_mb = 56, et = 0.125;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--t_srs") srs = v;
    else if (k == "-r") kernel = cogkit::parse<cogkit::Resampling>(v);
    else if (k == "--threads") threads = std::stoi(v);
    else if (k == "--memory-mb") memory_mb = std::stod(v);
    else if (k == "--et") et = std::stod(v);
    else if (k == "--repeat") repeat = std::stoi(v);
    else if (k == "--mode") mode = v;
    else if (k == "--gtiff-dest") gtiff = v;  // prefix of two GeoTIFF destinations instead of MEM
  }
  GDALAllRegister();
  GDALSetCacheMax64(56LL << 20);
  DatasetHandle probe(GDALOpen(path.c_str(), GA_ReadOnly));
  if (!probe) return 1;
  DatasetHandle gdal_out = make_dest(probe.get(), srs, gtiff.empty() ? "" : gtiff + "_gdal.tif");
  DatasetHandle fast_out = make_dest(probe.get(), srs, gtiff.empty() ? "" : gtiff + "_fast.tif");
  std::printf("source %dx%d -> %s %dx%d, %s, %d threads, %.0f MB, et %g\n", GDALGetRasterXSize(probe.get()),
              GDALGetRasterYSize(probe.get()), srs.c_str(), GDALGetRasterXSize(gdal_out.get()),
              GDALGetRasterYSize(gdal_out.get()), std::string(cogkit::to_name(kernel)).c_str(), threads, memory_mb, et);
  probe.reset();
  cogkit::WarpSettings ws;  // the same settings for both warpers
  ws.resampling = kernel;
  ws.dst_nodata = -9999;
  ws.error_threshold = et;
  ws.threads = threads;
  ws.warp_memory = std::uint64_t(memory_mb * (1 << 20));
  std::vector<double> tg, tf;
  for (int run = 0; run < repeat; ++run) {
    if (mode != "fast") {
      DatasetHandle src(GDALOpen(path.c_str(), GA_ReadOnly));
      const auto t0 = std::chrono::steady_clock::now();
      cogkit::warp_regions(src.get(), gdal_out.get(), ws);
      tg.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    if (mode != "gdal") {
      DatasetHandle src(GDALOpen(path.c_str(), GA_ReadOnly));
      const std::string why = cogkit::detail::fast_warp_unsupported(src.get(), fast_out.get(), ws);
      if (!why.empty()) {
        std::printf("fast_warp unsupported: %s\n", why.c_str());
        return 1;
      }
      const auto t0 = std::chrono::steady_clock::now();
      cogkit::detail::fast_warp(src.get(), fast_out.get(), ws);
      tf.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::printf("run %d:", run + 1);
    if (!tg.empty()) std::printf("  gdal warper %.3f s", tg.back());
    if (!tf.empty()) std::printf("  fast_warp %.3f s", tf.back());
    if (!tg.empty() && !tf.empty()) std::printf("  ratio fast/gdal %.3f", tf.back() / tg.back());
    std::printf("\n");
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
  };
  if (!tg.empty() && !tf.empty()) {
    std::printf("median: gdal warper %.3f s, fast_warp %.3f s, ratio fast/gdal %.3f (speed-up %.2fx)\n", median(tg),
                median(tf), median(tf) / median(tg), median(tg) / median(tf));
    const auto a = pixels(gdal_out.get()), b = pixels(fast_out.get());
    std::size_t bits = 0, beyond = 0, mask = 0, valid = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const bool na = a[i] == -9999, nb = b[i] == -9999;
      valid += !na;
      bits += std::memcmp(&a[i], &b[i], sizeof(float)) != 0;
      if (na != nb)
        ++mask;
      else if (!na && std::abs(double(a[i]) - b[i]) > 1e-3)
        ++beyond;
    }
    std::printf("pixels %zu (valid %zu): %zu differ in bits, %zu by > 1e-3, %zu in the nodata mask\n", a.size(), valid,
                bits, beyond, mask);
  }
  return 0;
}
