#include "cogkit/pipeline/pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <thread>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal_alg.h>
#include <gdal_utils.h>
#include <gdalwarper.h>
#include <ogr_srs_api.h>
#include <tbb/task_arena.h>
#include <tbb/parallel_for.h>

#include "cogkit/core/error.hpp"
#include "cogkit/core/threads.hpp"
#include "cogkit/core/gdal_handle.hpp"
#include "cogkit/publish/publish.hpp"
#include "cogkit/validate/validate.hpp"
#include "reproject/fast_warp.hpp"
#include "core/gdal_env.hpp"
#include "core/text.hpp"
#include "read/source.hpp"

namespace cogkit {

namespace {

using Clock = std::chrono::steady_clock;

struct Window {
  int x = 0, y = 0, w = 0, h = 0;
  bool empty() const { return w <= 0 || h <= 0; }
  Window grow(int by, int max_w, int max_h) const {
    Window r;
    r.x = std::max(0, x - by);
    r.y = std::max(0, y - by);
    r.w = std::min(max_w, x + w + by) - r.x;
    r.h = std::min(max_h, y + h + by) - r.y;
    return r;
  }
};

// The output grid and everything else decided before any pixel moves.
struct Plan {
  int width = 0, height = 0, bands = 0;  // full output grid
  double gt[6] = {0, 1, 0, 0, 0, -1};
  SrsHandle srs;
  GDALDataType type = GDT_Unknown;
  std::optional<double> nodata;
  Window crop;  // the published window
  Window work;  // crop + the fill's halo
  GeometryHandle clip;
  bool reproject = false;
  bool stage = false;  // any step that changes pixels
};


double default_nodata(GDALDataType t) {
  switch (t) {
    case GDT_Byte: return 0;
    case GDT_UInt16: case GDT_UInt32: return 0;
    case GDT_Int16: return -32768;
    case GDT_Int32: return -2147483648.0;
    default: return -9999;
  }
}

bool nodata_fits(GDALDataType t, double v) {
  if (std::isnan(v)) return GDALDataTypeIsFloating(t);
  if (GDALDataTypeIsFloating(t)) return t == GDT_Float64 || std::fabs(v) <= std::numeric_limits<float>::max() || std::isinf(v);
  if (v != std::floor(v)) return false;
  switch (t) {
    case GDT_Byte: return v >= 0 && v <= 255;
    case GDT_UInt16: return v >= 0 && v <= 65535;
    case GDT_Int16: return v >= -32768 && v <= 32767;
    case GDT_UInt32: return v >= 0 && v <= 4294967295.0;
    case GDT_Int32: return v >= -2147483648.0 && v <= 2147483647.0;
    default: return true;
  }
}

std::string base_name(const std::string& path) {
  auto b = std::filesystem::path(path).filename().string();
  return b.empty() ? std::string("output") : b;
}

void check_output(const std::string& input, const std::string& output) {
  if (output.empty()) throw error("plan", output, "no output path");
  if (is_remote_path(output)) return;
  std::error_code ec;
  if (std::filesystem::is_directory(output, ec)) throw error("plan", output, "the output path is a directory");
  if (std::filesystem::exists(input, ec) && std::filesystem::exists(output, ec) &&
      std::filesystem::equivalent(input, output, ec))
    throw error("plan", output, "the output would overwrite the input");
  const auto dir = std::filesystem::path(output).parent_path();
  if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
    throw error("plan", output, "the output directory does not exist");
}

Plan make_plan(GDALDatasetH src, const std::string& name, const PipelineOptions& o) {
  Plan p;
  const int sw = GDALGetRasterXSize(src), sh = GDALGetRasterYSize(src);
  p.bands = GDALGetRasterCount(src);
  if (p.bands < 1) throw error("plan", name, "the source has no raster band");
  p.type = GDALGetRasterDataType(GDALGetRasterBand(src, 1));
  double sgt[6];
  const bool has_gt = GDALGetGeoTransform(src, sgt) == CE_None;
  OGRSpatialReferenceH ssrs = GDALGetSpatialRef(src);
  if (ssrs) {
    p.srs.reset(OSRClone(ssrs));
    OSRSetAxisMappingStrategy(p.srs.get(), OAMS_TRADITIONAL_GIS_ORDER);
  }
  int has_nd = 0;
  const double snd = GDALGetRasterNoDataValue(GDALGetRasterBand(src, 1), &has_nd);
  if (has_nd) p.nodata = snd;
  if (o.cog.nodata) {
    if (!nodata_fits(p.type, *o.cog.nodata))
      throw error("plan", name, "nodata " + std::to_string(*o.cog.nodata) + " does not fit the data type " +
                                    GDALGetDataTypeName(p.type));
    p.nodata = *o.cog.nodata;
  }

  const auto& r = o.reproject;
  p.reproject = r.active();
  if (p.reproject) {
    if (!has_gt) throw error("reproject", name, "the source has no geotransform, it cannot be reprojected");
    if ((r.xres > 0) != (r.yres > 0) || r.xres < 0 || r.yres < 0)
      throw error("reproject", name, "the resolution needs a positive X and Y value");
    if (r.tap && !(r.xres > 0)) throw error("reproject", name, "ReprojectOptions::tap needs a target resolution (ReprojectOptions::xres/yres)");
    if (!(r.error_threshold >= 0)) throw error("reproject", name, "ReprojectOptions::error_threshold must be 0 or more");
    SrsHandle target;
    if (!r.t_srs.empty()) {
      target.reset(OSRNewSpatialReference(nullptr));
      detail::GdalErrorCapture capture;
      if (OSRSetFromUserInput(target.get(), r.t_srs.c_str()) != OGRERR_NONE)
        throw error("reproject", name, "unknown CRS '" + r.t_srs + "'");
      OSRSetAxisMappingStrategy(target.get(), OAMS_TRADITIONAL_GIS_ORDER);
      if (!p.srs) throw error("reproject", name, "the source has no CRS (assign one or fix the source)");
    } else if (p.srs) {
      target.reset(OSRClone(p.srs.get()));
    }
    // Suggested output grid, as gdalwarp computes it.
    char* wkt = nullptr;
    if (target) OSRExportToWkt(target.get(), &wkt);
    CPLStringList topts;
    if (wkt) topts.SetNameValue("DST_SRS", wkt);
    CPLFree(wkt);
    detail::GdalErrorCapture capture;
    void* tr = GDALCreateGenImgProjTransformer2(src, nullptr, topts.List());
    if (!tr) throw error("reproject", name, "cannot transform from the source CRS to the target CRS", capture.last_error());
    double ext[4];
    int w = 0, h = 0;
    const CPLErr e = GDALSuggestedWarpOutput2(src, GDALGenImgProjTransform, tr, p.gt, &w, &h, ext, 0);
    GDALDestroyGenImgProjTransformer(tr);
    if (e != CE_None) throw error("reproject", name, "cannot compute the output grid", capture.last_error());
    if (r.xres > 0) {
      double minx = ext[0], miny = ext[1], maxx = ext[2], maxy = ext[3];
      if (r.tap) {
        minx = std::floor(minx / r.xres) * r.xres;
        maxx = std::ceil(maxx / r.xres) * r.xres;
        miny = std::floor(miny / r.yres) * r.yres;
        maxy = std::ceil(maxy / r.yres) * r.yres;
      }
      w = static_cast<int>(std::lround((maxx - minx) / r.xres));
      h = static_cast<int>(std::lround((maxy - miny) / r.yres));
      if (!r.tap) {
        w = static_cast<int>((maxx - minx + r.xres / 2) / r.xres);
        h = static_cast<int>((maxy - miny + r.yres / 2) / r.yres);
      }
      const double gt[6] = {minx, r.xres, 0, maxy, 0, -r.yres};
      std::copy(gt, gt + 6, p.gt);
    }
    if (w <= 0 || h <= 0 || double(w) * double(h) > 4e10)
      throw error("reproject", name, "the output grid would be " + std::to_string(w) + "x" + std::to_string(h));
    p.width = w;
    p.height = h;
    p.srs = std::move(target);
    if (!p.nodata) p.nodata = default_nodata(p.type);
  } else {
    p.width = sw;
    p.height = sh;
    if (has_gt) std::copy(sgt, sgt + 6, p.gt);
  }
  p.crop = {0, 0, p.width, p.height};

  if (o.clip.active()) {
    if (!has_gt) throw error("clip", name, "the source has no geotransform, it cannot be clipped");
    if (std::fabs(p.gt[2]) > 0 || std::fabs(p.gt[4]) > 0)
      throw error("clip", name, "rotated grids cannot be clipped; reproject first (-t)");
    const bool needs_srs = !o.clip.geometry.empty() || !o.clip.bbox_srs.empty();
    if (needs_srs && !p.srs && !o.clip.bbox_srs.empty())
      throw error("clip", name, "the raster has no CRS, so ClipOptions::bbox_srs cannot be applied");
    p.clip = load_clip_geometry(o.clip, p.srs.get());
    OGREnvelope env;
    OGR_G_GetEnvelope(p.clip.get(), &env);
    const double eps = 1e-6;
    double c0 = (env.MinX - p.gt[0]) / p.gt[1], c1 = (env.MaxX - p.gt[0]) / p.gt[1];
    double r0 = (env.MaxY - p.gt[3]) / p.gt[5], r1 = (env.MinY - p.gt[3]) / p.gt[5];
    if (c0 > c1) std::swap(c0, c1);
    if (r0 > r1) std::swap(r0, r1);
    const double x0 = std::max(0.0, std::floor(c0 + eps)), x1 = std::min<double>(p.width, std::ceil(c1 - eps));
    const double y0 = std::max(0.0, std::floor(r0 + eps)), y1 = std::min<double>(p.height, std::ceil(r1 - eps));
    if (!(x1 > x0 && y1 > y0)) throw error("clip", name, "the clip area does not overlap the raster");
    p.crop = {int(x0), int(y0), int(x1 - x0), int(y1 - y0)};
    if (!p.nodata) p.nodata = default_nodata(p.type);
  }
  if (o.fill.enabled) {
    if (!p.nodata) throw error("fill", name, "the raster has no nodata value, so there is nothing to fill (set CogOptions::nodata)");
    if (!(o.fill.max_distance > 0)) throw error("fill", name, "FillOptions::max_distance must be positive");
    if (o.fill.smoothing < 0) throw error("fill", name, "FillOptions::smoothing must be 0 or more");
  }
  p.work = o.fill.enabled ? p.crop.grow(fill_halo(o.fill), p.width, p.height) : p.crop;
  p.stage = p.reproject || o.fill.enabled || o.clip.active();
  return p;
}

// A MEM dataset over window `w` of the MEM dataset `ds`, sharing its pixels (no copy), or
// null when `ds` is not a MEM dataset. GDAL's COG driver reads a MEM source ~7 % faster
// than the same window through a VRT (measured on the 8000² benchmark).
DatasetHandle mem_window_view(GDALDatasetH ds, const Window& w) {
  GDALDriverH drv = GDALGetDatasetDriver(ds);
  if (!drv || !EQUAL(GDALGetDriverShortName(drv), "MEM")) return {};
  const int bands = GDALGetRasterCount(ds);
  const GDALDataType type = GDALGetRasterDataType(GDALGetRasterBand(ds, 1));
  const int px = GDALGetDataTypeSizeBytes(type);
  const std::size_t line = std::size_t(GDALGetRasterXSize(ds)) * px;
  DatasetHandle view(GDALCreate(GDALGetDriverByName("MEM"), "", w.w, w.h, 0, type, nullptr));
  if (!view) return {};
  for (int b = 1; b <= bands; ++b) {
    auto* base = static_cast<unsigned char*>(GDALGetInternalHandle(ds, CPLSPrintf("MEMORY%d", b)));
    if (!base) return {};
    CPLStringList opts;
    opts.AddString(CPLSPrintf("DATAPOINTER=%p", static_cast<void*>(base + std::size_t(w.y) * line + std::size_t(w.x) * px)));
    opts.AddString(CPLSPrintf("PIXELOFFSET=%d", px));
    opts.AddString(CPLSPrintf("LINEOFFSET=%llu", static_cast<unsigned long long>(line)));
    if (GDALAddBand(view.get(), type, opts.List()) != CE_None) return {};
    GDALRasterBandH from = GDALGetRasterBand(ds, b), to = GDALGetRasterBand(view.get(), b);
    int has = 0;
    const double nd = GDALGetRasterNoDataValue(from, &has);
    if (has) GDALSetRasterNoDataValue(to, nd);
    GDALSetRasterColorInterpretation(to, GDALGetRasterColorInterpretation(from));
    if (GDALColorTableH ct = GDALGetRasterColorTable(from)) GDALSetRasterColorTable(to, ct);
  }
  double gt[6];
  if (GDALGetGeoTransform(ds, gt) == CE_None) {
    const double vgt[6] = {gt[0] + w.x * gt[1] + w.y * gt[2], gt[1], gt[2], gt[3] + w.x * gt[4] + w.y * gt[5], gt[4], gt[5]};
    GDALSetGeoTransform(view.get(), const_cast<double*>(vgt));
  }
  if (OGRSpatialReferenceH srs = GDALGetSpatialRef(ds)) GDALSetSpatialRef(view.get(), srs);
  return view;
}

// An in-memory VRT exposing window `w` of `ds` (with an optional nodata override).
DatasetHandle window_view(GDALDatasetH ds, const Window& w, std::optional<double> nodata, bool whole) {
  CPLStringList argv;
  argv.AddString("-of");
  argv.AddString("VRT");
  if (!whole) {
    argv.AddString("-srcwin");
    for (int v : {w.x, w.y, w.w, w.h}) argv.AddString(std::to_string(v).c_str());
  }
  if (nodata) {
    argv.AddString("-a_nodata");
    argv.AddString(std::isnan(*nodata) ? "nan" : CPLSPrintf("%.17g", *nodata));
  }
  GDALTranslateOptions* to = GDALTranslateOptionsNew(argv.List(), nullptr);
  detail::GdalErrorCapture capture;
  DatasetHandle out(GDALTranslate("", ds, to, nullptr));
  GDALTranslateOptionsFree(to);
  if (!out) throw error("plan", "", "cannot create a window view", capture.last_error());
  return out;
}

struct StepTimer {
  Report& report;
  std::string step;
  Clock::time_point start = Clock::now();
  ~StepTimer() { report.step_seconds.emplace_back(step, std::chrono::duration<double>(Clock::now() - start).count()); }
};

int CPL_STDCALL step_progress(double complete, const char*, void* data) {
  auto* pair = static_cast<std::pair<const ProgressFn*, const char*>*>(data);
  if (pair->first && *pair->first) (*pair->first)(pair->second, std::clamp(complete, 0.0, 1.0));
  return TRUE;
}

void warp_into(GDALDatasetH src, const StagedRaster& dst, const std::string& name, const PipelineOptions& o,
               const Plan& plan, const MemoryBudget& budget, int threads, Report& rep) {
  // The whole work window (clip extent + the fill's halo) in one warp operation.
  // Restricting the warp to the rows/columns near a clip polygon was measured and
  // dropped: each extra warp operation costs ~0.1 s in GDAL 3.6, more than it saves.
  WarpSettings ws;
  ws.threads = threads;
  ws.warp_memory = budget.warp_memory();
  ws.dst_nodata = plan.nodata;
  ws.error_threshold = o.reproject.error_threshold;
  detail::FastWarpRequest fr;
  fr.source = src;
  fr.dest = dst.get();
  fr.resampling = o.reproject.resampling;
  fr.dst_nodata = plan.nodata;
  fr.error_threshold = o.reproject.error_threshold;
  fr.threads = threads;
  fr.memory = budget.warp_memory();
  try {
    // cogkit's kernel where it gives GDAL's pixels (docs/fast-warp.md), else GDAL's warper.
    const std::string why = detail::fast_warp_unsupported(fr);
    rep.notes.emplace_back("warper", why.empty() ? "cogkit" : "gdal (" + why + ")");
    if (why.empty())
      detail::fast_warp(fr, o.progress);
    else
      warp_regions(src, dst.get(), o.reproject, ws, {}, o.progress);
  } catch (const error& e) {
    throw error("reproject", name, e.message(), e.gdal_message());
  }
}

void copy_window(GDALDatasetH src, GDALDatasetH dst, const Window& w, const std::string& name, const ProgressFn& progress) {
  DatasetHandle view = window_view(src, w, std::nullopt, w.x == 0 && w.y == 0 && w.w == GDALGetRasterXSize(src) &&
                                                               w.h == GDALGetRasterYSize(src));
  detail::GdalErrorCapture capture;
  std::pair<const ProgressFn*, const char*> pd{&progress, "read"};
  if (GDALDatasetCopyWholeRaster(view.get(), dst, nullptr, step_progress, &pd) != CE_None)
    throw error("read", name, "reading the source failed", capture.last_error());
}

// Sums of one part of a band, combined in a fixed order (statistics independent of threads).
struct StatsPart {
  std::uint64_t valid = 0;
  double sum = 0, sumsq = 0;
  double mn = std::numeric_limits<double>::infinity(), mx = -std::numeric_limits<double>::infinity();
  void add(double v) {
    ++valid;
    sum += v;
    sumsq += v * v;
    mn = std::min(mn, v);
    mx = std::max(mx, v);
  }
  // Adds the values of v[0..n) that are neither NaN nor `nodata`, in 8 independent lanes
  // (no serial add chain, and the branch-free lanes vectorise); lanes are merged in order.
  template <typename T>
  void add_run(const T* v, std::size_t n, const std::optional<double>& nodata) {
    add_run_strided<T, 1>(v, n, nodata, 1);
  }
  // Every `stride`-th value (one band of pixel-interleaved rows); S = 1 lets the compiler
  // know the common case.
  template <typename T, std::size_t S>
  void add_run_strided(const T* v, std::size_t n, const std::optional<double>& nodata, std::size_t stride) {
    const std::size_t step = S ? S : stride;
    constexpr int kLanes = 8;
    const double nd = nodata ? *nodata : std::numeric_limits<double>::quiet_NaN();  // NaN: never equal
    double s[kLanes] = {}, q[kLanes] = {}, lo[kLanes], hi[kLanes];
    std::uint64_t c[kLanes] = {};
    std::fill(lo, lo + kLanes, std::numeric_limits<double>::infinity());
    std::fill(hi, hi + kLanes, -std::numeric_limits<double>::infinity());
    std::size_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
      for (int l = 0; l < kLanes; ++l) {
        const double x = static_cast<double>(v[(i + l) * step]);
        const bool ok = x == x && x != nd;
        const double y = ok ? x : 0.0;
        s[l] += y;
        q[l] += y * y;
        c[l] += ok;
        lo[l] = ok && x < lo[l] ? x : lo[l];
        hi[l] = ok && x > hi[l] ? x : hi[l];
      }
    for (int l = 0; l < kLanes; ++l) {
      valid += c[l];
      sum += s[l];
      sumsq += q[l];
      mn = std::min(mn, lo[l]);
      mx = std::max(mx, hi[l]);
    }
    for (; i < n; ++i) {
      const double x = static_cast<double>(v[i * step]);
      if (x == x && x != nd) add(x);
    }
  }
};

BandStats finish_stats(const std::vector<StatsPart>& parts, std::uint64_t total) {
  BandStats s;
  StatsPart all;
  for (const auto& p : parts) {
    all.valid += p.valid;
    all.sum += p.sum;
    all.sumsq += p.sumsq;
    all.mn = std::min(all.mn, p.mn);
    all.mx = std::max(all.mx, p.mx);
  }
  s.total_pixels = total;
  s.valid_pixels = all.valid;
  if (all.valid) {
    s.min = all.mn;
    s.max = all.mx;
    s.mean = all.sum / double(all.valid);
    s.stddev = std::sqrt(std::max(0.0, all.sumsq / double(all.valid) - s.mean * s.mean));
  }
  return s;
}

// Statistics of rows — those cogkit's COG writer reads anyway (a RowObserver), or a staged
// raster's memory: parts of 64 rows, rows added in order, so the sums depend neither on how
// the rows arrive nor on threads.
class RowStats {
 public:
  RowStats(int height, int bands, std::optional<double> nodata)
      : parts_(static_cast<std::size_t>(bands), std::vector<StatsPart>(static_cast<std::size_t>((height + kRows - 1) / kRows))),
        nodata_(nodata) {}

  // A RowObserver: rows of `width` pixel-interleaved pixels, one after the other.
  void operator()(int y0, int rows, const void* data, int width, int bands, GDALDataType type) {
    add_rows(y0, rows, data, std::size_t(width) * std::size_t(bands) * std::size_t(GDALGetDataTypeSizeBytes(type)),
             width, bands, type);
  }
  // Rows `line_bytes` apart (a window of a wider raster).
  void add_rows(int y0, int rows, const void* data, std::size_t line_bytes, int width, int bands, GDALDataType type) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    switch (type) {
      case GDT_Byte: add<std::uint8_t>(y0, rows, bytes, line_bytes, width, bands); break;
      case GDT_UInt16: add<std::uint16_t>(y0, rows, bytes, line_bytes, width, bands); break;
      case GDT_Int16: add<std::int16_t>(y0, rows, bytes, line_bytes, width, bands); break;
      case GDT_UInt32: add<std::uint32_t>(y0, rows, bytes, line_bytes, width, bands); break;
      case GDT_Int32: add<std::int32_t>(y0, rows, bytes, line_bytes, width, bands); break;
      case GDT_Float32: add<float>(y0, rows, bytes, line_bytes, width, bands); break;
      case GDT_Float64: add<double>(y0, rows, bytes, line_bytes, width, bands); break;
      default: complete_ = false;
    }
  }
  // nullopt when a row was of a type it does not measure.
  std::optional<std::vector<BandStats>> finish(std::uint64_t total) const {
    if (!complete_) return std::nullopt;
    std::vector<BandStats> out;
    for (const auto& p : parts_) out.push_back(finish_stats(p, total));
    return out;
  }

 private:
  static constexpr int kRows = 64;
  template <typename T>
  void add(int y0, int rows, const unsigned char* data, std::size_t line_bytes, int width, int bands) {
    if (static_cast<std::size_t>(bands) != parts_.size()) {
      complete_ = false;
      return;
    }
    tbb::parallel_for(y0 / kRows, (y0 + rows - 1) / kRows + 1, [&](int k) {
      for (int y = std::max(y0, k * kRows), end = std::min(y0 + rows, (k + 1) * kRows); y < end; ++y) {
        const T* row = reinterpret_cast<const T*>(data + std::size_t(y - y0) * line_bytes);
        for (int b = 0; b < bands; ++b) {
          StatsPart& pt = parts_[std::size_t(b)][std::size_t(k)];
          if (bands == 1)
            pt.add_run(row, std::size_t(width), nodata_);
          else
            pt.add_run_strided<T, 0>(row + b, std::size_t(width), nodata_, std::size_t(bands));
        }
      }
    });
  }
  std::vector<std::vector<StatsPart>> parts_;
  std::optional<double> nodata_;
  bool complete_ = true;
};

// Statistics straight from the pixels of a MEM raster created by create_staged (contiguous
// rows; no copy, no conversion), when there is no clip to apply; nullopt for other rasters.
std::optional<std::vector<BandStats>> measure_in_memory(GDALDatasetH ds, const Window& crop, const Plan& plan) {
  GDALDriverH drv = GDALGetDatasetDriver(ds);
  if (plan.clip || !drv || !EQUAL(GDALGetDriverShortName(drv), "MEM")) return std::nullopt;
  std::vector<BandStats> stats;
  for (int b = 1; b <= GDALGetRasterCount(ds); ++b) {
    const auto* base = static_cast<const unsigned char*>(GDALGetInternalHandle(ds, CPLSPrintf("MEMORY%d", b)));
    const GDALDataType type = GDALGetRasterDataType(GDALGetRasterBand(ds, b));
    if (!base) return std::nullopt;
    const std::size_t size = std::size_t(GDALGetDataTypeSizeBytes(type));
    const std::size_t line = std::size_t(GDALGetRasterXSize(ds)) * size;
    RowStats rows(crop.h, 1, plan.nodata);
    rows.add_rows(0, crop.h, base + std::size_t(crop.y) * line + std::size_t(crop.x) * size, line, crop.w, 1, type);
    auto band = rows.finish(std::uint64_t(crop.w) * std::uint64_t(crop.h));
    if (!band) return std::nullopt;
    stats.push_back(band->front());
  }
  return stats;
}

// Clips (pixels whose centre is outside the polygon become nodata) and gathers the
// per-band statistics over the published window, one row band at a time.
std::vector<BandStats> clip_and_measure(GDALDatasetH ds, const Window& crop, const Plan& plan, const std::string& name,
                                        const ProgressFn& progress, bool write, std::uint64_t buffer_bytes) {
  // `write`: ds is cogkit's own staged raster (create_staged: plain MEM layout when in memory).
  if (write)
    if (auto in_memory = measure_in_memory(ds, crop, plan)) return *in_memory;
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
      OGRGeometryH geoms[1] = {plan.clip.get()};
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
    if (progress) progress(plan.clip ? "clip" : "stats", double(y + h - crop.y) / crop.h);
  }
  std::vector<BandStats> stats;
  for (const auto& parts : band_parts)
    stats.push_back(finish_stats(parts, std::uint64_t(crop.w) * std::uint64_t(crop.h)));
  return stats;
}

void describe_output(Report& rep, const std::string& path) {
  DatasetHandle ds(GDALOpenEx(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  if (!ds) throw error("validate", path, "cannot reopen the written COG", CPLGetLastErrorMsg());
  rep.width = GDALGetRasterXSize(ds.get());
  rep.height = GDALGetRasterYSize(ds.get());
  rep.bands = GDALGetRasterCount(ds.get());
  GDALRasterBandH b = GDALGetRasterBand(ds.get(), 1);
  rep.data_type = GDALGetDataTypeName(GDALGetRasterDataType(b));
  double gt[6];
  if (GDALGetGeoTransform(ds.get(), gt) == CE_None) std::copy(gt, gt + 6, rep.geotransform.begin());
  rep.xres = std::fabs(gt[1]);
  rep.yres = std::fabs(gt[5]);
  const double xs[4] = {gt[0], gt[0] + rep.width * gt[1], gt[0] + rep.height * gt[2],
                        gt[0] + rep.width * gt[1] + rep.height * gt[2]};
  const double ys[4] = {gt[3], gt[3] + rep.width * gt[4], gt[3] + rep.height * gt[5],
                        gt[3] + rep.width * gt[4] + rep.height * gt[5]};
  rep.bounds = {*std::min_element(xs, xs + 4), *std::min_element(ys, ys + 4), *std::max_element(xs, xs + 4),
                *std::max_element(ys, ys + 4)};
  int has = 0;
  const double nd = GDALGetRasterNoDataValue(b, &has);
  if (has) rep.nodata = nd;
  if (OGRSpatialReferenceH srs = GDALGetSpatialRef(ds.get())) {
    const char* opts[] = {"FORMAT=WKT2_2019", "MULTILINE=NO", nullptr};
    char* wkt = nullptr;
    OSRExportToWktEx(srs, &wkt, opts);
    rep.crs_wkt2 = wkt ? wkt : "";
    CPLFree(wkt);
    const char* auth = OSRGetAuthorityName(srs, nullptr);
    const char* code = OSRGetAuthorityCode(srs, nullptr);
    if (auth && code && EQUAL(auth, "EPSG")) rep.epsg = std::atoi(code);
    SrsHandle wgs(OSRNewSpatialReference(nullptr));
    OSRImportFromEPSG(wgs.get(), 4326);
    OSRSetAxisMappingStrategy(wgs.get(), OAMS_TRADITIONAL_GIS_ORDER);
    SrsHandle from(OSRClone(srs));
    OSRSetAxisMappingStrategy(from.get(), OAMS_TRADITIONAL_GIS_ORDER);
    detail::GdalErrorCapture quiet;
    TransformHandle ct(OCTNewCoordinateTransformation(from.get(), wgs.get()));
    if (ct) {
      double a, bb, c, d;
      if (OCTTransformBounds(ct.get(), rep.bounds[0], rep.bounds[1],
                             rep.bounds[2], rep.bounds[3], &a, &bb, &c, &d, 21))
        rep.bounds_4326 = std::array<double, 4>{a, bb, c, d};
    }
  }
  const char* comp = GDALGetMetadataItem(ds.get(), "COMPRESSION", "IMAGE_STRUCTURE");
  const std::optional<Compression> codec = comp ? from_gdal<Compression>(comp) : Compression::none;
  rep.compression = codec ? std::string(to_name(*codec)) : detail::lower(comp);
  GDALGetBlockSize(b, &rep.block_width, &rep.block_height);
  rep.overviews.clear();
  for (int i = 0; i < GDALGetOverviewCount(b); ++i) {
    GDALRasterBandH ov = GDALGetOverview(b, i);
    rep.overviews.emplace_back(GDALGetRasterBandXSize(ov), GDALGetRasterBandYSize(ov));
  }
}

}  // namespace

namespace {

// The pipeline. `owned`: `src` is a raster a cogkit reader staged (writable, ours), so
// without reprojection the fill and clip work on it in place instead of on a copy, and
// the memory it holds counts against the budget.
Report run_pipeline_in_arena(GDALDatasetH src, const StagedRaster* owned, const std::string& name,
                             const std::string& output, const PipelineOptions& o, Report seed) {
  const auto t0 = Clock::now();
  Report rep = std::move(seed);
  rep.tool = o.tool;
  if (rep.input.empty()) rep.input = name;
  rep.output = output;
  if (rep.driver.empty())
    if (GDALDriverH d = GDALGetDatasetDriver(src)) rep.driver = GDALGetDriverShortName(d);
  const int threads = resolve_threads(o.threads);
  StagingOptions staging = o.staging;
  {
    const MemoryBudget whole(o.staging);
    rep.memory_budget_bytes = whole.total();
    if (owned && owned->in_memory) {
      const std::uint64_t held = std::uint64_t(GDALGetRasterXSize(src)) * GDALGetRasterYSize(src) *
                                 GDALGetRasterCount(src) *
                                 GDALGetDataTypeSizeBytes(GDALGetRasterDataType(GDALGetRasterBand(src, 1)));
      staging.memory_budget = std::max(whole.total() - std::min(held, whole.total()), whole.total() / 4);
    }
  }
  const MemoryBudget budget(staging);
  detail::ConfigScope config;
  // Defaults that keep GDAL's COG writer inside the budget, unless the caller set them:
  // the temporary overview file is ZSTD-compressed at level 9 by default (a ~4 MB
  // context per writer thread) and overviews are computed in 10 MB chunks.
  const auto user_set = [&o](const char* key) {
    return std::any_of(o.config.begin(), o.config.end(), [key](const auto& kv) { return EQUAL(kv.first.c_str(), key); });
  };
  if (!user_set("ZSTD_LEVEL_OVERVIEW")) config.set("ZSTD_LEVEL_OVERVIEW", "1");
  if (!user_set("GDAL_OVR_CHUNK_MAX_SIZE"))
    config.set("GDAL_OVR_CHUNK_MAX_SIZE",
               std::to_string(std::clamp<std::uint64_t>(budget.work_memory() / 2, 2 << 20, 10 << 20)));
  for (const auto& [k, v] : o.config) config.set(k, v);
  const detail::CacheShare cache_share(budget.block_cache());
  detail::GdalErrorCapture capture;

  // ---- plan: everything is checked before any pixel moves.
  Plan plan;
  {
    StepTimer t{rep, "plan"};
    try {
      validate_cog_options(o.cog);
    } catch (const error& e) {
      throw error(e.step(), name, e.message());
    }
    check_output(name, output);
    plan = make_plan(src, name, o);
  }

  // ---- pixels
  StagedRaster staged;
  DatasetHandle view;
  GDALDatasetH write_src = src;
  const bool in_place = owned && plan.stage && !plan.reproject;
  if (in_place) {
    // The reader's raster is the work raster: no copy.
    plan.work = {0, 0, plan.width, plan.height};
    rep.staging = std::string("in place (reader's ") + std::string(to_name(owned->in_memory ? StagingMode::memory : StagingMode::file)) + " staging)";
    for (int b = 1; b <= plan.bands; ++b)
      if (plan.nodata) GDALSetRasterNoDataValue(GDALGetRasterBand(src, b), *plan.nodata);
  }
  if (plan.stage) {
    if (!in_place) {
    const std::string stem = base_name(output) + ".stage";
    staged = create_staged(budget, plan.work.w, plan.work.h, plan.bands, plan.type, stem);
    // Staged files are written next to nothing the user sees; put them in tmpdir.
    rep.staging = to_name(staged.in_memory ? StagingMode::memory : StagingMode::file);
    const double wgt[6] = {plan.gt[0] + plan.work.x * plan.gt[1] + plan.work.y * plan.gt[2], plan.gt[1], plan.gt[2],
                           plan.gt[3] + plan.work.x * plan.gt[4] + plan.work.y * plan.gt[5], plan.gt[4], plan.gt[5]};
    GDALSetGeoTransform(staged.get(), const_cast<double*>(wgt));
    if (plan.srs) GDALSetSpatialRef(staged.get(), plan.srs.get());
    for (int b = 1; b <= plan.bands; ++b) {
      GDALRasterBandH band = GDALGetRasterBand(staged.get(), b);
      if (plan.nodata) GDALSetRasterNoDataValue(band, *plan.nodata);
      GDALRasterBandH sb = GDALGetRasterBand(src, b);
      GDALSetRasterColorInterpretation(band, GDALGetRasterColorInterpretation(sb));
      if (GDALColorTableH ct = GDALGetRasterColorTable(sb)) GDALSetRasterColorTable(band, ct);
    }
    if (plan.reproject) {
      StepTimer t{rep, "reproject"};
      warp_into(src, staged, name, o, plan, budget, threads, rep);
    } else {
      StepTimer t{rep, "read"};
      copy_window(src, staged.get(), plan.work, name, o.progress);
    }
    }
    GDALDatasetH work = in_place ? src : staged.get();
    if (o.fill.enabled) {
      StepTimer t{rep, "fill"};
      FillOptions fo = o.fill;
      if (fo.threads <= 0) fo.threads = threads;
      for (int b = 1; b <= plan.bands; ++b) {
        try {
          fill_nodata(GDALGetRasterBand(work, b), fo, budget, o.progress);
        } catch (const error& e) {
          throw error("fill", name, e.message(), e.gdal_message());
        }
      }
    }
    const Window crop_in_work{plan.crop.x - plan.work.x, plan.crop.y - plan.work.y, plan.crop.w, plan.crop.h};
    {
      StepTimer t{rep, plan.clip ? "clip" : "stats"};
      rep.band_stats = clip_and_measure(work, crop_in_work, plan, name, o.progress, true, budget.work_memory() / 2);
    }
    const bool whole = crop_in_work.x == 0 && crop_in_work.y == 0 && crop_in_work.w == plan.work.w &&
                       crop_in_work.h == plan.work.h;
    if (!whole) {
      view = mem_window_view(work, crop_in_work);
      if (!view) view = window_view(work, crop_in_work, std::nullopt, false);
      write_src = view.get();
    } else {
      write_src = work;
    }
  } else {
    rep.staging = "none";
    if (o.cog.nodata) {
      view = window_view(src, plan.crop, plan.nodata, true);
      write_src = view.get();
    }
    // A reader's in-memory raster (create_staged's layout): statistics straight from its
    // pixels. Else they are taken while the writer reads the rows (below).
    StepTimer t{rep, "stats"};
    std::optional<std::vector<BandStats>> direct;
    if (owned && write_src == src) direct = measure_in_memory(src, plan.crop, plan);
    if (direct) rep.band_stats = std::move(*direct);
  }
  const bool stats_pending = rep.band_stats.empty();
  std::optional<RowStats> row_stats;
  if (stats_pending && GDALGetRasterXSize(write_src) == plan.crop.w && GDALGetRasterYSize(write_src) == plan.crop.h)
    row_stats.emplace(plan.crop.h, GDALGetRasterCount(write_src), plan.nodata);

  // ---- write, validate, publish
  TempPath temp(staging_dir_for(output, budget.tmpdir()), base_name(output), ".tif");
  {
    StepTimer t{rep, "write"};
    // Overview computation in GDAL's COG driver uses GDAL_NUM_THREADS (same bytes, measured
    // ~5-10 % faster on 2 cores). Only here: elsewhere it would make GTiff reads bypass the
    // block cache.
    detail::ConfigScope write_config;
    if (!user_set("GDAL_NUM_THREADS")) write_config.set("GDAL_NUM_THREADS", std::to_string(threads));
    try {
      RowObserver observer;
      if (row_stats) observer = std::ref(*row_stats);
      const CogWriteResult w = write_cog(write_src, temp.path(), o.cog, threads, budget, o.progress, observer);
      rep.notes.emplace_back("writer", std::string(to_name(w.writer)) + (w.reason.empty() ? "" : " (cogkit's writer does not support " + w.reason + ")"));
      if (w.rows_observed && row_stats)
        if (auto st = row_stats->finish(std::uint64_t(plan.crop.w) * std::uint64_t(plan.crop.h))) {
          rep.band_stats = std::move(*st);
          rep.notes.emplace_back("stats", "measured on the rows the COG writer read (no pass of their own)");
        }
    } catch (const error& e) {
      throw error("write", output, e.message(), e.gdal_message());
    }
  }
  if (stats_pending && rep.band_stats.empty()) {  // GDAL's writer, or no overview pass: a pass of their own
    StepTimer t{rep, "stats"};
    rep.band_stats = clip_and_measure(write_src, plan.crop, plan, name, o.progress, false, budget.work_memory() / 2);
  }
  view.reset();
  staged = StagedRaster{};  // free staging before hashing and publishing
  {
    StepTimer t{rep, "validate"};
    if (o.validate) {
      const CogValidation v = validate_cog(temp.path());
      if (!v.valid) {
        std::string msg;
        for (const auto& e : v.errors) msg += (msg.empty() ? "" : "; ") + e;
        throw error("validate", output, "the written file is not a valid COG: " + msg);
      }
    }
    describe_output(rep, temp.path());
    rep.sha256 = sha256_file(temp.path());
    VSIStatBufL st;
    if (VSIStatL(temp.path().c_str(), &st) == 0) rep.output_bytes = static_cast<std::uint64_t>(st.st_size);
  }
  {
    StepTimer t{rep, "publish"};
    publish(temp.path(), output, o.progress);
    if (is_remote_path(output))
      temp.remove();  // uploaded: the local copy goes
    else
      temp.release();  // renamed into place: it is the output now
  }
  for (const auto& w : capture.warnings())
    if (std::find(rep.warnings.begin(), rep.warnings.end(), w) == rep.warnings.end()) rep.warnings.push_back(w);
  rep.total_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
  rep.peak_rss_bytes = peak_rss();
  return rep;
}

// The pipeline runs in a task arena of its own: --threads bounds this conversion's
// parallel loops without touching other conversions running in the same process.
Report run_pipeline(GDALDatasetH src, const StagedRaster* owned, const std::string& name, const std::string& output,
                    const PipelineOptions& o, Report seed) {
  GDALAllRegister();
  const int threads = resolve_threads(o.threads);
  // Already in an arena of that size (the default one, for a lone conversion on all cores):
  // no nested arena, whose workers would have to migrate from the outer one.
  if (threads == tbb::this_task_arena::max_concurrency())
    return run_pipeline_in_arena(src, owned, name, output, o, std::move(seed));
  tbb::task_arena arena(threads);
  return arena.execute([&] { return run_pipeline_in_arena(src, owned, name, output, o, std::move(seed)); });
}

}  // namespace

Report convert_dataset(GDALDatasetH source, const std::string& source_name, const std::string& output,
                       const PipelineOptions& options, Report seed) {
  return run_pipeline(source, nullptr, source_name, output, options, std::move(seed));
}

Report convert_staged(StagedRaster source, const std::string& source_name, const std::string& output,
                      const PipelineOptions& options, Report seed) {
  return run_pipeline(source.get(), &source, source_name, output, options, std::move(seed));
}

Report convert(const std::string& input, const std::string& output, const PipelineOptions& options) {
  GDALAllRegister();
  const auto t0 = Clock::now();
  Report seed;
  detail::SourceHandle source = detail::open_source(input, options, seed);
  seed.total_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!source.dataset) return convert_staged(std::move(source.staged), input, output, options, std::move(seed));
  return convert_dataset(source.get(), input, output, options, std::move(seed));
}

}  // namespace cogkit
