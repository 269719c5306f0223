// cogkit/clip/clip.hpp — clipping to a polygon or a box (step "clip").
//
// The output is cropped to the clip extent (snapped outward to the output grid);
// pixels whose centre lies outside the polygon become nodata.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "cogkit/core/gdal_handle.hpp"

namespace cogkit {

struct ClipOptions {
  std::string geometry;                       // OGR-readable file (any CRS) or WKT (in bbox_srs, else output CRS)
  std::optional<std::array<double, 4>> bbox;  // xmin, ymin, xmax, ymax
  std::string bbox_srs;                       // CRS of bbox / WKT; "" = output CRS
  bool active() const { return !geometry.empty() || bbox.has_value(); }
};

// Loads the clip geometry (union of all polygons of a file, or WKT, intersected with
// bbox if both are given) and transforms it to `target_srs`. Throws cogkit::error("clip").
GeometryHandle load_clip_geometry(const ClipOptions& options, OGRSpatialReferenceH target_srs);

}  // namespace cogkit
