// src/clip/apply.hpp — applying the clip to a staged raster, and measuring what is published.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gdal.h>

#include "cogkit/core/grid.hpp"
#include "cogkit/core/progress.hpp"
#include "cogkit/report/report.hpp"

namespace cogkit::detail {

// What the clip needs to know of the plan: the geometry in the raster's CRS (null: no clip)
// and the nodata the clipped pixels get.
struct ClipTarget {
  OGRGeometryH clip = nullptr;
  std::optional<double> nodata;
};

// Clips (pixels whose centre is outside the polygon become nodata) and gathers the
// per-band statistics over the published window, one row band at a time.
// `write`: ds is cogkit's own staged raster (writable; plain MEM layout when in memory).
// Rows are read in bands of about `buffer_bytes`. Throws cogkit::error("clip").
std::vector<BandStats> clip_and_measure(GDALDatasetH ds, const PixelRect& crop, const ClipTarget& plan,
                                        const std::string& name, const ProgressFn& progress, bool write,
                                        std::uint64_t buffer_bytes);

}  // namespace cogkit::detail
