// src/translate/translate.cpp — see view.hpp.
#include "translate/view.hpp"

#include <cmath>
#include <limits>

#include <cpl_string.h>

#include "cogkit/core/error.hpp"
#include "core/gdal_env.hpp"

namespace cogkit::detail {
namespace {

std::string number(double v) { return CPLSPrintf("%.17g", v); }

// The source bands of the output, 1-based, in output order.
std::vector<int> selected_bands(GDALDatasetH src, const TranslateOptions& t) {
  if (!t.bands.empty()) return t.bands;
  std::vector<int> all(static_cast<std::size_t>(GDALGetRasterCount(src)));
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i) + 1;
  return all;
}

void check_bands(GDALDatasetH src, const TranslateOptions& t, const std::string& name) {
  const int count = GDALGetRasterCount(src);
  if (count < 1) throw error("translate", name, "the source has no raster band");
  for (int b : t.bands)
    if (b < 1 || b > count)
      throw error("translate", name, "TranslateOptions::bands: band " + std::to_string(b) + " does not exist (the source has " +
                                         std::to_string(count) + (count == 1 ? " band)" : " bands)"));
}

void check_scale(const TranslateOptions& t, const std::string& name) {
  if (!t.scale) return;
  const std::size_t n = t.scale->size();
  if (n != 0 && n != 2 && n != 4)
    throw error("translate", name, "TranslateOptions::scale takes 0, 2 or 4 values (src_min src_max [dst_min dst_max]), got " +
                                       std::to_string(n));
  for (double v : *t.scale)
    if (!std::isfinite(v)) throw error("translate", name, "TranslateOptions::scale: " + number(v) + " is not a finite number");
  if (n >= 2 && (*t.scale)[0] == (*t.scale)[1])
    throw error("translate", name, "TranslateOptions::scale: src_min and src_max are both " + number((*t.scale)[0]));
  if (t.unscale)
    throw error("translate", name,
                "TranslateOptions::scale and TranslateOptions::unscale cannot be combined (gdal_translate ignores -scale then)");
}

// Each selected band's nodata is kept as is by the view (gdal_translate neither scales nor
// unscales it), so it must be a value of the output type; gdal_translate would clamp or round
// it with a warning, turning valid pixels into nodata or the reverse.
void check_nodata(GDALDatasetH src, const TranslateOptions& t, const std::string& name, bool nodata_given) {
  if (nodata_given) return;
  const GDALDataType type = translated_type(src, t);
  for (int b : selected_bands(src, t)) {
    int has = 0;
    const double nd = GDALGetRasterNoDataValue(GDALGetRasterBand(src, b), &has);
    if (has && !representable(type, nd))
      throw error("translate", name,
                  "the nodata value " + number(nd) + " of band " + std::to_string(b) + " cannot be represented in " +
                      GDALGetDataTypeName(type) + " (TranslateOptions::output_type); give one that can (CogOptions::nodata)");
  }
}

// The view's type: -ot, or with a warp following (which converts to -ot itself) the
// source's type, widened to -ot when values are scaled so that the scaled values are not
// rounded before the warp. nullopt: the source's.
std::optional<GDALDataType> view_type(GDALDatasetH src, const TranslateOptions& t, bool reproject) {
  if (!t.output_type) return std::nullopt;
  const GDALDataType out = gdal_type(*t.output_type);
  if (!reproject) return out;
  if (!t.scale && !t.unscale) return std::nullopt;
  return GDALDataTypeUnion(GDALGetRasterDataType(GDALGetRasterBand(src, selected_bands(src, t).front())), out);
}

CPLStringList translate_argv(GDALDatasetH src, const TranslateOptions& t, bool reproject) {
  CPLStringList argv;
  for (int b : t.bands) {
    argv.AddString("-b");
    argv.AddString(std::to_string(b).c_str());
  }
  if (const auto type = view_type(src, t, reproject)) {
    argv.AddString("-ot");
    argv.AddString(GDALGetDataTypeName(*type));
  }
  if (t.scale) {
    argv.AddString("-scale");
    for (double v : *t.scale) argv.AddString(number(v).c_str());
  }
  if (t.unscale) argv.AddString("-unscale");
  return argv;
}

}  // namespace

GDALDataType translated_type(GDALDatasetH src, const TranslateOptions& t) {
  if (t.output_type) return gdal_type(*t.output_type);
  return GDALGetRasterDataType(GDALGetRasterBand(src, selected_bands(src, t).front()));
}

DatasetHandle translate_view(GDALDatasetH src, const TranslateOptions& t, const std::string& name,
                             const TranslateContext& context) {
  check_bands(src, t, name);
  check_scale(t, name);
  check_nodata(src, t, name, context.nodata_given);
  CPLStringList argv = translate_argv(src, t, context.reproject);
  std::string gdal_error;
  DatasetHandle view = translate_to_vrt(src, argv, gdal_error);
  if (!view) throw error("translate", name, "cannot create the translated view", gdal_error);
  return view;
}

}  // namespace cogkit::detail
