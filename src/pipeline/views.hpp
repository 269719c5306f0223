// src/pipeline/views.hpp — windows of a raster as datasets of their own, without copying pixels.
#pragma once

#include <optional>

#include <gdal.h>

#include "cogkit/core/gdal_handle.hpp"
#include "cogkit/core/grid.hpp"

namespace cogkit::detail {

// A MEM dataset over window `w` of the MEM dataset `ds`, sharing its pixels, or an empty
// handle when `ds` is not a MEM dataset.
DatasetHandle mem_window_view(GDALDatasetH ds, const PixelRect& w);

// An in-memory VRT exposing window `w` of `ds` (all of it when `whole`), with an optional
// nodata override. Throws cogkit::error("plan").
DatasetHandle window_view(GDALDatasetH ds, const PixelRect& w, std::optional<double> nodata, bool whole);

}  // namespace cogkit::detail
