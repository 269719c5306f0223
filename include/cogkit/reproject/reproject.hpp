// cogkit/reproject/reproject.hpp — reprojection and resampling (step "reproject").
//
// Runs GDAL's warper (multi-threaded, warp memory from the budget) into a staged
// raster covering only the output window the later steps need.
//
// The output grid is gdalwarp's own: the plan runs GDALWarp() into a virtual (VRT) dataset with
// the same -t_srs/-tr/-tap/-te/-te_srs/-ts/-et and takes its size, geotransform and CRS (no
// pixel computed), so every combination gives gdalwarp 3.6's grid by construction.
//
// Nodata (ReprojectOptions against CogOptions::nodata):
//  * the source is masked with src_nodata when given (instead of the bands' own nodata; as
//    gdalwarp 3.6, a pixel is masked only where every band has the value), else with each
//    band's own nodata, band by band — both as gdalwarp;
//  * the output's nodata (the value of masked pixels and of pixels outside the source) is
//    dst_nodata, else CogOptions::nodata, else src_nodata (gdalwarp copies -srcnodata to the
//    output), else the source band's, else the type's default (-9999 for floats, the minimum of
//    signed and 0 of unsigned integers; gdalwarp sets none and writes 0 there:
//    docs/gdal-differences.md);
//  * so while the step warps, CogOptions::nodata acts as -dstnodata; without a warp it only
//    assigns the nodata (gdal_translate -a_nodata). dst_nodata makes the step warp (as gdalwarp,
//    also without t_srs: source nodata pixels become dst_nodata); so does src_nodata A with a
//    CogOptions::nodata B != A (gdalwarp -srcnodata A -dstnodata B). src_nodata alone without
//    any grid option changes no pixel: it becomes the output's nodata;
//  * CogOptions::nodata and dst_nodata both given and different is refused (both would be the
//    output's nodata); the output's nodata must fit the data type.
//
// Refused at plan time (cogkit::error, step "reproject"): xres/yres not both positive, xres/yres
// with ts_width/ts_height, a negative ts_width/ts_height, te with xmin >= xmax or ymin >= ymax,
// te_srs without te, an unknown t_srs or te_srs, tap without xres/yres.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gdal.h>

#include "cogkit/core/grid.hpp"
#include "cogkit/core/options.hpp"
#include "cogkit/core/progress.hpp"

namespace cogkit {

struct ReprojectOptions {
  std::string t_srs;                 // target CRS: EPSG code, WKT, PROJ string; "" = keep source CRS
  double xres = 0, yres = 0;         // gdalwarp -tr: target resolution (positive), 0 = derived
  bool tap = false;                  // align the output extent on multiples of the resolution
  double error_threshold = 0.125;    // pixels, as gdalwarp -et; 0 = exact transformation of every pixel
  Resampling resampling = Resampling::nearest;  // any GDAL warp kernel
  std::optional<std::array<double, 4>> te;   // gdalwarp -te: output extent xmin, ymin, xmax, ymax
  std::string te_srs;                        // gdalwarp -te_srs: CRS of te ("" = the target CRS)
  int ts_width = 0, ts_height = 0;           // gdalwarp -ts: output size (one 0: kept aspect ratio)
  std::optional<double> src_nodata;          // gdalwarp -srcnodata: the source's nodata for masking
  std::optional<double> dst_nodata;          // gdalwarp -dstnodata: masked pixels get it; the output's nodata
  // True when the step changes the grid or the pixels at all (gdalwarp warps whenever any of
  // these is given).
  bool active() const {
    return !t_srs.empty() || xres > 0 || yres > 0 || tap || te || ts_width > 0 || ts_height > 0 || dst_nodata;
  }
};

// How one warp runs — the kernel, its accuracy, the destination nodata and the resources — for
// GDAL's warper (warp_regions) and cogkit's own kernel alike: built once per warp, by
// warp_settings() from the options and the job's budget.
struct WarpSettings {
  Resampling resampling = Resampling::nearest;
  double error_threshold = 0.125;            // pixels, as gdalwarp -et (0 = exact transformer)
  std::optional<double> src_nodata;          // masks the source instead of its bands' nodata (-srcnodata;
                                             // as gdalwarp: masked where every band has it)
  std::optional<double> dst_nodata;
  int threads = 1;
  std::uint64_t warp_memory = 64ULL << 20;  // bytes, as gdalwarp -wm (source windows + buffers, all threads)
};

// The settings that warp with `options`' kernel, error threshold and source nodata into a destination whose
// nodata is `dst_nodata`, on `threads` threads within `warp_memory` bytes.
WarpSettings warp_settings(const ReprojectOptions& options, std::optional<double> dst_nodata, int threads,
                           std::uint64_t warp_memory);

// Warps `source` into the existing `dest` (its grid and CRS already set), computing only
// the destination pixels inside `regions` (all of `dest` when empty) — GDAL's warper,
// multi-threaded. Pixels outside the regions are left untouched. Throws cogkit::error("reproject").
void warp_regions(GDALDatasetH source, GDALDatasetH dest, const WarpSettings& settings,
                  const std::vector<PixelRect>& regions = {}, const ProgressFn& progress = {});

}  // namespace cogkit
