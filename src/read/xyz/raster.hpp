// src/read/xyz/raster.hpp — the staged raster: data type, creation, strips written as they are placed (internal).
#pragma once

#include <optional>
#include <string>

#include <gdal.h>
#include <ogr_srs_api.h>

#include "cogkit/core/staging.hpp"
#include "cogkit/read/xyz.hpp"
#include "read/xyz/bin.hpp"
#include "read/xyz/grid.hpp"
#include "read/xyz/notes.hpp"
#include "read/xyz/raster_grid.hpp"

namespace cogkit::detail::xyz {

// What the raster is made of, besides the placed cells.
struct RasterSpec {
  const ZStats& z;
  Bin bin;
  const XyzOptions& options;
  const MemoryBudget& budget;
  OGRSpatialReferenceH srs;  // may be null
  const std::string& path;   // for write errors
  bool keep;                 // the chunks hold their points
};

struct RasterType {
  GDALDataType type = GDT_Unknown;
  std::optional<double> nodata;
};

// Places the strips and writes them to a new staged raster. With one strip the data
// type is chosen knowing whether cells are missing; with several, nodata is declared up
// front (missing cells are only known at the end). The "data_type" note is added here.
StagedRaster rasterize(StripPlacer& placer, const StripPlan& plan, const Grid& g, const RasterSpec& spec,
                       const Notes& note, RasterType& chosen);

}  // namespace cogkit::detail::xyz
