// src/pipeline/views.hpp — windows of a raster as datasets of their own, without copying pixels.
#pragma once

#include <optional>

#include <gdal.h>

#include "cogkit/core/gdal_handle.hpp"
#include "cogkit/core/grid.hpp"
#include "core/metadata.hpp"

namespace cogkit::detail {

// A MEM dataset over window `w` of the MEM dataset `ds`, sharing its pixels and carrying
// its metadata, or an empty handle when `ds` is not a MEM dataset.
DatasetHandle mem_window_view(GDALDatasetH ds, const PixelRect& w);

// An in-memory VRT exposing window `w` of `ds` (all of it when `whole`), with an optional
// nodata override, carrying the metadata of `ds` as `md` says (gdal_translate -srcwin alone
// drops the units in GDAL 3.6). Throws cogkit::error("plan").
DatasetHandle window_view(GDALDatasetH ds, const PixelRect& w, std::optional<double> nodata, bool whole,
                          const MetadataCopy& md = {});

}  // namespace cogkit::detail
