// src/pipeline/plan.cpp — see plan.hpp.
#include "pipeline/plan.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdalwarper.h>
#include <ogr_srs_api.h>

#include "cogkit/core/error.hpp"
#include "cogkit/publish/publish.hpp"
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
};

SourceFacts read_source(GDALDatasetH src, const std::string& name, const PipelineOptions& o, Plan& p) {
  SourceFacts s;
  s.width = GDALGetRasterXSize(src);
  s.height = GDALGetRasterYSize(src);
  p.bands = GDALGetRasterCount(src);
  if (p.bands < 1) throw error("plan", name, "the source has no raster band");
  p.type = GDALGetRasterDataType(GDALGetRasterBand(src, 1));
  // -ot: the translate view's type already; with a warp, the work raster's (as gdalwarp -ot:
  // the source warped into a destination of that type).
  if (o.translate.output_type) p.type = gdal_type(*o.translate.output_type);
  s.has_gt = GDALGetGeoTransform(src, s.gt) == CE_None;
  if (OGRSpatialReferenceH ssrs = GDALGetSpatialRef(src)) {
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
  return s;
}

void check_reprojection(const ReprojectOptions& r, const SourceFacts& s, const std::string& name) {
  if (!s.has_gt) throw error("reproject", name, "the source has no geotransform, it cannot be reprojected");
  if ((r.xres > 0) != (r.yres > 0) || r.xres < 0 || r.yres < 0)
    throw error("reproject", name, "the resolution needs a positive X and Y value");
  if (r.tap && !(r.xres > 0))
    throw error("reproject", name, "ReprojectOptions::tap needs a target resolution (ReprojectOptions::xres/yres)");
  if (!(r.error_threshold >= 0))
    throw error("reproject", name, "ReprojectOptions::error_threshold must be 0 or more");
}

// The target CRS: ReprojectOptions::t_srs, else the source's.
SrsHandle target_srs(const ReprojectOptions& r, const Plan& p, const std::string& name) {
  SrsHandle target;
  if (!r.t_srs.empty()) {
    target.reset(OSRNewSpatialReference(nullptr));
    GdalErrorCapture capture;
    if (OSRSetFromUserInput(target.get(), r.t_srs.c_str()) != OGRERR_NONE)
      throw error("reproject", name, "unknown CRS '" + r.t_srs + "'");
    OSRSetAxisMappingStrategy(target.get(), OAMS_TRADITIONAL_GIS_ORDER);
    if (!p.srs) throw error("reproject", name, "the source has no CRS (assign one or fix the source)");
  } else if (p.srs) {
    target.reset(OSRClone(p.srs.get()));
  }
  return target;
}

// gdalwarp's -tr / -tap arithmetic on the suggested extent `ext` (xmin, ymin, xmax, ymax).
void apply_resolution(const ReprojectOptions& r, const double ext[4], double gt[6], int& w, int& h) {
  double minx = ext[0], miny = ext[1], maxx = ext[2], maxy = ext[3];
  if (r.tap) {
    minx = std::floor(minx / r.xres) * r.xres;
    maxx = std::ceil(maxx / r.xres) * r.xres;
    miny = std::floor(miny / r.yres) * r.yres;
    maxy = std::ceil(maxy / r.yres) * r.yres;
    w = static_cast<int>(std::lround((maxx - minx) / r.xres));
    h = static_cast<int>(std::lround((maxy - miny) / r.yres));
  } else {
    w = static_cast<int>((maxx - minx + r.xres / 2) / r.xres);
    h = static_cast<int>((maxy - miny + r.yres / 2) / r.yres);
  }
  const double out[6] = {minx, r.xres, 0, maxy, 0, -r.yres};
  std::copy(out, out + 6, gt);
}

// The output grid as gdalwarp computes it.
void plan_reprojection(GDALDatasetH src, const std::string& name, const ReprojectOptions& r, const SourceFacts& s,
                       Plan& p) {
  check_reprojection(r, s, name);
  SrsHandle target = target_srs(r, p, name);
  char* wkt = nullptr;
  if (target) OSRExportToWkt(target.get(), &wkt);
  CPLStringList topts;
  if (wkt) topts.SetNameValue("DST_SRS", wkt);
  CPLFree(wkt);
  GdalErrorCapture capture;
  void* tr = GDALCreateGenImgProjTransformer2(src, nullptr, topts.List());
  if (!tr) throw error("reproject", name, "cannot transform from the source CRS to the target CRS", capture.last_error());
  double ext[4];
  int w = 0, h = 0;
  const CPLErr e = GDALSuggestedWarpOutput2(src, GDALGenImgProjTransform, tr, p.gt, &w, &h, ext, 0);
  GDALDestroyGenImgProjTransformer(tr);
  if (e != CE_None) throw error("reproject", name, "cannot compute the output grid", capture.last_error());
  if (r.xres > 0) apply_resolution(r, ext, p.gt, w, h);
  if (w <= 0 || h <= 0 || double(w) * double(h) > 4e10)
    throw error("reproject", name, "the output grid would be " + std::to_string(w) + "x" + std::to_string(h));
  p.width = w;
  p.height = h;
  p.srs = std::move(target);
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
  const SourceFacts s = read_source(src, name, o, p);
  p.reproject = o.reproject.active();
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
