// src/pipeline/plan.cpp — see plan.hpp.
#include "pipeline/plan.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <optional>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal_utils.h>
#include <ogr_srs_api.h>

#include "cogkit/core/error.hpp"
#include "cogkit/publish/publish.hpp"
#include "core/data_type.hpp"
#include "core/gdal_env.hpp"
#include "translate/view.hpp"

namespace cogkit::detail {
namespace {

double default_nodata(GDALDataType t) {
  switch (t) {
    case GDT_Byte: return 0;
    case GDT_UInt16: case GDT_UInt32: return 0;
    case GDT_Int16: return -32768;
    case GDT_Int32: return -2147483648.0;
    default: return -9999;
  }
}

}  // namespace

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

namespace {

// What the source says of itself.
struct SourceFacts {
  int width = 0, height = 0;
  double gt[6] = {0, 1, 0, 0, 0, -1};
  bool has_gt = false;
  std::optional<double> nodata;  // band 1's
};

SourceFacts read_source(GDALDatasetH src, const std::string& name, Plan& p) {
  SourceFacts s;
  s.width = GDALGetRasterXSize(src);
  s.height = GDALGetRasterYSize(src);
  p.bands = GDALGetRasterCount(src);
  if (p.bands < 1) throw error("plan", name, "the source has no raster band");
  p.type = GDALGetRasterDataType(GDALGetRasterBand(src, 1));
  s.has_gt = GDALGetGeoTransform(src, s.gt) == CE_None;
  if (OGRSpatialReferenceH ssrs = GDALGetSpatialRef(src)) {
    p.srs.reset(OSRClone(ssrs));
    OSRSetAxisMappingStrategy(p.srs.get(), OAMS_TRADITIONAL_GIS_ORDER);
  }
  int has_nd = 0;
  const double snd = GDALGetRasterNoDataValue(GDALGetRasterBand(src, 1), &has_nd);
  if (has_nd) s.nodata = snd;
  return s;
}

bool same_value(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

std::string number(double v) { return CPLSPrintf("%.17g", v); }

// ReprojectOptions::src_nodata with a different CogOptions::nodata is gdalwarp's
// -srcnodata A -dstnodata B: pixels of A become B, so the step warps even without a grid change.
bool warps(const PipelineOptions& o) {
  const auto& r = o.reproject;
  return r.active() || (r.src_nodata && o.cog.nodata && !same_value(*r.src_nodata, *o.cog.nodata));
}

void check_nodata_fits(GDALDataType type, double v, const char* field, const char* step, const std::string& name) {
  if (!representable(type, v))
    throw error(step, name, std::string(field) + " " + number(v) + " does not fit the data type " +
                                GDALGetDataTypeName(type));
}

// The output's nodata (docs: reproject.hpp): ReprojectOptions::dst_nodata, else CogOptions::nodata,
// else ReprojectOptions::src_nodata (as gdalwarp copies -srcnodata to the output), else the band's.
void resolve_nodata(const PipelineOptions& o, const SourceFacts& s, const std::string& name, Plan& p) {
  const auto& r = o.reproject;
  if (o.cog.nodata) check_nodata_fits(p.type, *o.cog.nodata, "nodata", "plan", name);
  if (r.dst_nodata) check_nodata_fits(p.type, *r.dst_nodata, "ReprojectOptions::dst_nodata", "reproject", name);
  if (o.cog.nodata && r.dst_nodata && !same_value(*o.cog.nodata, *r.dst_nodata))
    throw error("reproject", name,
                "CogOptions::nodata (" + number(*o.cog.nodata) + ") and ReprojectOptions::dst_nodata (" +
                    number(*r.dst_nodata) + ") both set the output's nodata and differ; give one of them");
  if (r.src_nodata && !r.dst_nodata && !o.cog.nodata)
    check_nodata_fits(p.type, *r.src_nodata, "ReprojectOptions::src_nodata (the output's nodata without dst_nodata)",
                      "reproject", name);
  p.nodata = r.dst_nodata ? r.dst_nodata : o.cog.nodata ? o.cog.nodata : r.src_nodata ? r.src_nodata : s.nodata;
}

void check_resolution(const ReprojectOptions& r, const std::string& name) {
  if ((r.xres > 0) != (r.yres > 0) || r.xres < 0 || r.yres < 0 || std::isnan(r.xres) || std::isnan(r.yres))
    throw error("reproject", name, "ReprojectOptions::xres/yres (-tr) need a positive X and Y value");
  if (r.ts_width < 0 || r.ts_height < 0)
    throw error("reproject", name, "ReprojectOptions::ts_width/ts_height (-ts) must be 0 or more");
  if (r.xres > 0 && (r.ts_width > 0 || r.ts_height > 0))
    throw error("reproject", name,
                "ReprojectOptions::xres/yres (-tr) and ReprojectOptions::ts_width/ts_height (-ts) exclude each other");
  if (r.tap && !(r.xres > 0))
    throw error("reproject", name, "ReprojectOptions::tap needs a target resolution (ReprojectOptions::xres/yres)");
}

void check_extent(const ReprojectOptions& r, const std::string& name) {
  if (!r.te) {
    if (!r.te_srs.empty()) throw error("reproject", name, "ReprojectOptions::te_srs needs ReprojectOptions::te");
    return;
  }
  const auto& e = *r.te;
  if (!std::all_of(e.begin(), e.end(), [](double v) { return std::isfinite(v); }) || !(e[0] < e[2]) || !(e[1] < e[3]))
    throw error("reproject", name,
                "ReprojectOptions::te needs xmin < xmax and ymin < ymax, got " + number(e[0]) + " " + number(e[1]) +
                    " " + number(e[2]) + " " + number(e[3]));
  if (r.te_srs.empty()) return;
  SrsHandle srs(OSRNewSpatialReference(nullptr));
  GdalErrorCapture capture;
  if (OSRSetFromUserInput(srs.get(), r.te_srs.c_str()) != OGRERR_NONE)
    throw error("reproject", name, "unknown CRS '" + r.te_srs + "' (ReprojectOptions::te_srs)");
}

// The options alone make sense (checked whether or not the step runs: ts_width = -1 is an error
// even though it does not make the step active).
void check_reproject_options(const ReprojectOptions& r, const std::string& name) {
  check_resolution(r, name);
  check_extent(r, name);
  if (!(r.error_threshold >= 0))
    throw error("reproject", name, "ReprojectOptions::error_threshold must be 0 or more");
}

// ReprojectOptions::t_srs is a CRS, and the source has one to transform from.
void check_target_srs(const ReprojectOptions& r, const Plan& p, const std::string& name) {
  if (r.t_srs.empty()) return;
  SrsHandle target(OSRNewSpatialReference(nullptr));
  GdalErrorCapture capture;
  if (OSRSetFromUserInput(target.get(), r.t_srs.c_str()) != OGRERR_NONE)
    throw error("reproject", name, "unknown CRS '" + r.t_srs + "'");
  if (!p.srs) throw error("reproject", name, "the source has no CRS (assign one or fix the source)");
}

// gdalwarp's arguments for the grid options of `r`.
CPLStringList grid_arguments(const ReprojectOptions& r) {
  CPLStringList a;
  a.AddString("-of");
  a.AddString("VRT");
  if (!r.t_srs.empty()) {
    a.AddString("-t_srs");
    a.AddString(r.t_srs.c_str());
  }
  auto add = [&a](const char* flag, std::initializer_list<double> values) {
    a.AddString(flag);
    for (double v : values) a.AddString(number(v).c_str());
  };
  if (r.xres > 0) add("-tr", {r.xres, r.yres});
  if (r.tap) a.AddString("-tap");
  if (r.ts_width > 0 || r.ts_height > 0) add("-ts", {double(r.ts_width), double(r.ts_height)});
  if (r.te) add("-te", {(*r.te)[0], (*r.te)[1], (*r.te)[2], (*r.te)[3]});
  if (!r.te_srs.empty()) {
    a.AddString("-te_srs");
    a.AddString(r.te_srs.c_str());
  }
  add("-et", {r.error_threshold});
  return a;
}

// The output grid, computed by gdalwarp itself: GDALWarp() into a virtual (VRT) dataset with
// the same grid options — GDAL decides the size, geotransform and CRS; no pixel is computed.
void gdalwarp_grid(GDALDatasetH src, const ReprojectOptions& r, const std::string& name, Plan& p) {
  GdalErrorCapture capture;
  GDALWarpAppOptions* wo = GDALWarpAppOptionsNew(grid_arguments(r).List(), nullptr);
  if (!wo) throw error("reproject", name, "gdalwarp refuses the grid options", capture.last_error());
  GDALDatasetH srcs[1] = {src};
  int usage_error = 0;
  DatasetHandle vrt(GDALWarp("", nullptr, 1, srcs, wo, &usage_error));
  GDALWarpAppOptionsFree(wo);
  if (!vrt) throw error("reproject", name, "cannot compute the output grid", capture.last_error());
  p.width = GDALGetRasterXSize(vrt.get());
  p.height = GDALGetRasterYSize(vrt.get());
  GDALGetGeoTransform(vrt.get(), p.gt);
  p.srs.reset();
  if (OGRSpatialReferenceH srs = GDALGetSpatialRef(vrt.get())) {
    p.srs.reset(OSRClone(srs));
    OSRSetAxisMappingStrategy(p.srs.get(), OAMS_TRADITIONAL_GIS_ORDER);
  }
}

// The output grid exactly as gdalwarp computes it (-t_srs, -tr, -tap, -te, -te_srs, -ts, -et).
void plan_reprojection(GDALDatasetH src, const std::string& name, const ReprojectOptions& r, const SourceFacts& s,
                       Plan& p) {
  if (!s.has_gt) throw error("reproject", name, "the source has no geotransform, it cannot be reprojected");
  check_target_srs(r, p, name);
  gdalwarp_grid(src, r, name, p);
  if (p.width <= 0 || p.height <= 0 || double(p.width) * double(p.height) > 4e10)
    throw error("reproject", name, "the output grid would be " + std::to_string(p.width) + "x" + std::to_string(p.height));
  if (!p.nodata) p.nodata = default_nodata(p.type);
}

// The crop window: the clip geometry's envelope snapped outward to the output grid.
PixelRect clip_window(OGRGeometryH clip, const Plan& p, const std::string& name) {
  OGREnvelope env;
  OGR_G_GetEnvelope(clip, &env);
  const double eps = 1e-6;
  double c0 = (env.MinX - p.gt[0]) / p.gt[1], c1 = (env.MaxX - p.gt[0]) / p.gt[1];
  double r0 = (env.MaxY - p.gt[3]) / p.gt[5], r1 = (env.MinY - p.gt[3]) / p.gt[5];
  if (c0 > c1) std::swap(c0, c1);
  if (r0 > r1) std::swap(r0, r1);
  const double x0 = std::max(0.0, std::floor(c0 + eps)), x1 = std::min<double>(p.width, std::ceil(c1 - eps));
  const double y0 = std::max(0.0, std::floor(r0 + eps)), y1 = std::min<double>(p.height, std::ceil(r1 - eps));
  if (!(x1 > x0 && y1 > y0)) throw error("clip", name, "the clip area does not overlap the raster");
  return {int(x0), int(y0), int(x1 - x0), int(y1 - y0)};
}

void plan_clip(const ClipOptions& c, const SourceFacts& s, const std::string& name, Plan& p) {
  if (!s.has_gt) throw error("clip", name, "the source has no geotransform, it cannot be clipped");
  if (std::fabs(p.gt[2]) > 0 || std::fabs(p.gt[4]) > 0)
    throw error("clip", name, "rotated grids cannot be clipped; reproject first (-t)");
  const bool needs_srs = !c.geometry.empty() || !c.bbox_srs.empty();
  if (needs_srs && !p.srs && !c.bbox_srs.empty())
    throw error("clip", name, "the raster has no CRS, so ClipOptions::bbox_srs cannot be applied");
  p.clip = load_clip_geometry(c, p.srs.get());
  p.crop = clip_window(p.clip.get(), p, name);
  if (!p.nodata) p.nodata = default_nodata(p.type);
}

void check_fill(const FillOptions& f, const Plan& p, const std::string& name) {
  if (!p.nodata)
    throw error("fill", name, "the raster has no nodata value, so there is nothing to fill (set CogOptions::nodata)");
  if (!(f.max_distance > 0)) throw error("fill", name, "FillOptions::max_distance must be positive");
  if (f.smoothing < 0) throw error("fill", name, "FillOptions::smoothing must be 0 or more");
}

}  // namespace

Plan make_plan(GDALDatasetH src, const std::string& name, const PipelineOptions& o) {
  Plan p;
  const SourceFacts s = read_source(src, name, p);
  // -ot: the translate view's type already; with a warp, the work raster's (as gdalwarp -ot:
  // the source warped into a destination of that type).
  if (o.translate.output_type) p.type = gdal_type(*o.translate.output_type);
  check_reproject_options(o.reproject, name);
  resolve_nodata(o, s, name, p);
  p.reproject = warps(o);
  if (p.reproject) {
    plan_reprojection(src, name, o.reproject, s, p);
  } else {
    p.width = s.width;
    p.height = s.height;
    if (s.has_gt) std::copy(s.gt, s.gt + 6, p.gt);
  }
  p.crop = {0, 0, p.width, p.height};
  if (o.clip.active()) plan_clip(o.clip, s, name, p);
  if (o.fill.enabled) check_fill(o.fill, p, name);
  p.work = o.fill.enabled ? p.crop.grown(fill_halo(o.fill), p.width, p.height) : p.crop;
  p.stage = p.reproject || o.fill.enabled || o.clip.active();
  return p;
}

}  // namespace cogkit::detail
