// src/translate/view.hpp — the translate step as a lazy view of the source.
//
// translate_view() checks TranslateOptions against the source, then returns GDALTranslate's
// in-memory VRT of it (-b, -ot, -scale, -unscale): no pixel is held, each read converts the
// rows asked for with GDAL's own rounding and clamping.
#pragma once

#include <string>

#include <gdal.h>

#include "cogkit/core/gdal_handle.hpp"
#include "cogkit/translate/translate.hpp"
#include "core/data_type.hpp"

namespace cogkit::detail {

// What the pipeline tells the step about the rest of the job.
struct TranslateContext {
  // A warp follows: -ot is then the warp's output type (the work raster's, as gdalwarp -ot
  // creates its output), so the view keeps the source's type, or one wide enough for scaled
  // values, instead of converting.
  bool reproject = false;
  // The caller gives the output's nodata (CogOptions::nodata): the source's need not fit -ot.
  bool nodata_given = false;
};

// The sample type of the output: TranslateOptions::output_type, else the source's (band 1 of
// the selection).
GDALDataType translated_type(GDALDatasetH src, const TranslateOptions& t);

// Checks `t` against `src` (band numbers, scale values, nodata representable in the output
// type), then builds the view. Throws cogkit::error("translate", name, ...) before any pixel
// moves (-scale without values reads the source's min/max, as gdal_translate does).
DatasetHandle translate_view(GDALDatasetH src, const TranslateOptions& t, const std::string& name,
                             const TranslateContext& context);

}  // namespace cogkit::detail
