#include "cogkit/read/mosaic.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <cpl_string.h>
#include <gdal_utils.h>
#include <ogr_srs_api.h>

#include "cogkit/core/error.hpp"
#include "core/gdal_env.hpp"
#include "core/metadata.hpp"

namespace cogkit {
namespace {

bool same_crs(OGRSpatialReferenceH a, OGRSpatialReferenceH b) {
  if (!a || !b) return !a && !b;
  const char* opts[] = {"IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES", nullptr};
  return OSRIsSameEx(a, b, opts) != 0;
}

std::string crs_name(OGRSpatialReferenceH s) {
  if (!s) return "none";
  const char* name = OSRGetName(s);
  const char* code = OSRGetAuthorityCode(s, nullptr);
  std::string out = name ? name : "unnamed";
  if (code) out += std::string(" (EPSG:") + code + ")";
  return out;
}

// What the checks need to know about one input (its dataset may be closed by then).
struct InputInfo {
  int bands = 0;
  double gt[6] = {};
  bool has_gt = false;
  SrsHandle crs;
  std::vector<GDALDataType> types;
  std::vector<GDALColorInterp> interp;
  int staged = -1;  // index in m.staged, or -1: opened by GDAL
};

// Opens each input, notes what the checks need (and its metadata, into `metadata`), closes what GDAL opened (thousands of tiles
// must not hold thousands of files open). Text inputs are staged by cogkit's readers, in
// memory while `remaining` lasts (first come, first served; it shrinks by what they hold),
// else in temp files.
std::vector<InputInfo> inspect_inputs(const std::vector<std::string>& inputs, const SourceOptions& read,
                                      const MemoryBudget& budget, std::uint64_t& remaining, Mosaic& m,
                                      detail::MetadataMerge& metadata, Report& report) {
  SourceOptions per_input = read;
  per_input.progress = {};
  std::vector<InputInfo> info(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    Report scratch;
    SourceHandle s = open_source(inputs[i], per_input, budget.with_total(std::max<std::uint64_t>(1, remaining)), scratch);
    report.input_bytes += scratch.input_bytes;
    // The readers' warnings (e.g. a .prj GDAL cannot parse) stay in the mosaic's report.
    for (auto& w : scratch.warnings) report.warnings.push_back(std::move(w));
    GDALDatasetH h = s.get();
    metadata.add(h);
    InputInfo& in = info[i];
    in.bands = GDALGetRasterCount(h);
    in.has_gt = GDALGetGeoTransform(h, in.gt) == CE_None;
    if (OGRSpatialReferenceH crs = GDALGetSpatialRef(h)) in.crs.reset(OSRClone(crs));
    for (int b = 1; b <= in.bands; ++b) {
      in.types.push_back(GDALGetRasterDataType(GDALGetRasterBand(h, b)));
      in.interp.push_back(GDALGetRasterColorInterpretation(GDALGetRasterBand(h, b)));
    }
    if (!s.dataset) {
      remaining -= std::min(remaining, s.staged.held_bytes());
      in.staged = static_cast<int>(m.staged.size());
      m.staged.push_back(std::move(s.staged));
    }
  }
  return info;
}

// What gdalbuildvrt would skip with a warning is an error here. Returns the data type that
// holds every input's values.
GDALDataType check_inputs(const std::vector<std::string>& inputs, const std::vector<InputInfo>& info) {
  const InputInfo& first = info.front();
  GDALDataType type = GDT_Unknown;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const InputInfo& in = info[i];
    const std::string& path = inputs[i];
    if (in.bands < 1) throw error("plan", path, "has no raster band");
    if (in.bands != first.bands)
      throw error("plan", path,
                  "has " + std::to_string(in.bands) + " bands, " + inputs[0] + " has " + std::to_string(first.bands) +
                      ": a mosaic needs the same bands in every input");
    if (!in.has_gt) throw error("plan", path, "has no geotransform: it cannot be placed in a mosaic");
    if (in.gt[2] != 0 || in.gt[4] != 0)
      throw error("plan", path, "has a rotated geotransform: a mosaic needs north-up inputs");
    const auto crs = in.crs.get();
    const auto crs0 = first.crs.get();
    if (!same_crs(crs0, crs))
      throw error("plan", path,
                  "is in " + crs_name(crs) + ", " + inputs[0] + " in " + crs_name(crs0) +
                      ": a mosaic needs one CRS (reproject the odd tile first)");
    for (GDALDataType t : in.types) type = type == GDT_Unknown ? t : GDALDataTypeUnion(type, t);
  }
  return type;
}

// Another type or colour interpretation (GDAL's tiles say Gray, a reader's raster Undefined;
// BuildVRT would skip either): such inputs get a VRT with the common ones.
std::vector<bool> inputs_to_wrap(const std::vector<InputInfo>& info, GDALDataType type) {
  const InputInfo& first = info.front();
  std::vector<bool> wrap(info.size(), false);
  for (std::size_t i = 0; i < info.size(); ++i)
    for (int b = 0; b < first.bands; ++b)
      wrap[i] = wrap[i] || info[i].types[b] != type || info[i].interp[b] != first.interp[b];
  return wrap;
}

// A VRT of `h` with the mosaic's data type and the first input's colour interpretations.
GDALDatasetH wrap_input(GDALDatasetH h, const std::string& path, GDALDataType type, const InputInfo& first) {
  CPLStringList to_args;
  to_args.AddString("-ot");
  to_args.AddString(GDALGetDataTypeName(type));
  for (int b = 1; b <= first.bands; ++b) {
    to_args.AddString(CPLSPrintf("-colorinterp_%d", b));
    to_args.AddString(CPLString(GDALGetColorInterpretationName(first.interp[b - 1])).tolower().c_str());
  }
  std::string gdal_error;
  DatasetHandle wrapped = detail::translate_to_vrt(h, to_args, gdal_error);
  if (!wrapped) throw error("plan", path, "cannot convert to " + std::string(GDALGetDataTypeName(type)), gdal_error);
  return wrapped.release();
}

// The datasets BuildVRT mosaics: staged rasters, inputs reopened by GDAL, wrapped where needed.
std::vector<GDALDatasetH> mosaic_handles(const std::vector<std::string>& inputs, const std::vector<InputInfo>& info,
                                         const std::vector<bool>& wrap, GDALDataType type, Mosaic& m,
                                         const detail::GdalErrorCapture& capture) {
  std::vector<GDALDatasetH> handles;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    GDALDatasetH h = nullptr;
    if (info[i].staged >= 0) {
      h = m.staged[static_cast<std::size_t>(info[i].staged)].get();
    } else {
      m.opened.emplace_back(
          GDALOpenEx(inputs[i].c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
      h = m.opened.back().get();
      if (!h) throw error("read", inputs[i], "cannot reopen", capture.last_error());
    }
    if (wrap[i]) {
      GDALDatasetH wrapped = wrap_input(h, inputs[i], type, info.front());
      m.opened.emplace_back(wrapped);
      h = wrapped;
    }
    handles.push_back(h);
  }
  return handles;
}

// BuildVRT's arguments. With SourceOptions::a_srs every input's CRS is that one (open_source
// gave it to each input when they were checked; GDAL inputs are reopened as they are), so
// the mosaic gets it as gdalbuildvrt -a_srs does, whatever CRS an input file says.
CPLStringList build_vrt_args(const SourceOptions& read, const MosaicOptions& mosaic) {
  CPLStringList args;
  args.AddString("-resolution");
  args.AddString(std::string(to_gdal(mosaic.resolution)).c_str());
  if (!read.a_srs.empty()) {
    args.AddString("-a_srs");
    args.AddString(read.a_srs.c_str());
    args.AddString("-allow_projection_difference");
  }
  return args;
}

GDALDatasetH build_vrt(const std::vector<std::string>& inputs, const std::vector<InputInfo>& info,
                       const std::vector<bool>& wrap, GDALDataType type, const SourceOptions& read,
                       const MosaicOptions& mosaic, Mosaic& m, const detail::GdalErrorCapture& capture) {
  const bool any_wrap = std::find(wrap.begin(), wrap.end(), true) != wrap.end();
  CPLStringList args = build_vrt_args(read, mosaic);
  GDALBuildVRTOptions* bo = GDALBuildVRTOptionsNew(args.List(), nullptr);
  int usage_error = 0;
  GDALDatasetH vrt = nullptr;
  try {
    if (m.staged.empty() && !any_wrap) {
      // All opened by GDAL, nothing to adapt: by name, so GDAL's pool of open files serves them.
      CPLStringList names;
      for (const auto& p : inputs) names.AddString(p.c_str());
      vrt = GDALBuildVRT("", names.Count(), nullptr, names.List(), bo, &usage_error);
    } else {
      std::vector<GDALDatasetH> handles = mosaic_handles(inputs, info, wrap, type, m, capture);
      vrt = GDALBuildVRT("", static_cast<int>(handles.size()), handles.data(), nullptr, bo, &usage_error);
    }
  } catch (...) {
    GDALBuildVRTOptionsFree(bo);
    throw;
  }
  GDALBuildVRTOptionsFree(bo);
  return vrt;
}

}  // namespace

Mosaic open_mosaic(const std::vector<std::string>& inputs, const SourceOptions& read, const MemoryBudget& budget,
                   const MosaicOptions& mosaic, std::uint64_t memory_share, Report& report) {
  if (inputs.empty()) throw error("plan", "", "a mosaic needs at least one input");
  Mosaic m;
  std::uint64_t remaining = memory_share;
  detail::MetadataMerge metadata;
  const std::vector<InputInfo> info = inspect_inputs(inputs, read, budget, remaining, m, metadata, report);
  const GDALDataType type = check_inputs(inputs, info);
  const std::vector<bool> wrap = inputs_to_wrap(info, type);

  detail::GdalErrorCapture capture;
  GDALDatasetH vrt = build_vrt(inputs, info, wrap, type, read, mosaic, m, capture);
  if (!vrt) throw error("plan", inputs[0], "building the mosaic failed", capture.last_error());
  m.vrt.reset(vrt);
  // Every input must be in it: BuildVRT leaves out what it cannot mosaic with only a warning.
  for (const auto& w : capture.warnings())
    if (w.find("Skipping") != std::string::npos || w.find("skipping") != std::string::npos)
      throw error("plan", inputs[0], "an input was left out of the mosaic", w);
  metadata.apply(m.vrt.get());  // BuildVRT carries none of it
  m.held_bytes = memory_share - remaining;
  report.driver = "mosaic";
  report.notes.emplace_back("mosaic", std::to_string(inputs.size()) + " inputs (" + std::to_string(m.staged.size()) +
                                          " read by cogkit's readers), " + GDALGetDataTypeName(type) + ", " +
                                          std::to_string(GDALGetRasterXSize(vrt)) + " x " +
                                          std::to_string(GDALGetRasterYSize(vrt)) + ", resolution " + std::string(to_name(mosaic.resolution)));
  return m;
}

}  // namespace cogkit
