// src/pipeline/plan.hpp — the plan: everything decided before any pixel moves.
//
// make_plan() reads the source's facts and checks every option: the target CRS, the output
// grid exactly as gdalwarp computes it (GDALWarp() into a VRT: gdalwarp's own arithmetic),
// the clip geometry and the crop window it gives, the fill's halo (the work window), nodata
// and type. Errors found here cost milliseconds.
#pragma once

#include <optional>
#include <string>

#include <gdal.h>

#include "cogkit/core/gdal_handle.hpp"
#include "cogkit/core/grid.hpp"
#include "cogkit/pipeline/pipeline.hpp"

namespace cogkit::detail {

struct Plan {
  int width = 0, height = 0, bands = 0;  // full output grid
  double gt[6] = {0, 1, 0, 0, 0, -1};
  SrsHandle srs;
  GDALDataType type = GDT_Unknown;
  std::optional<double> nodata;
  PixelRect crop;  // the published window
  PixelRect work;  // crop + the fill's halo
  GeometryHandle clip;
  bool reproject = false;
  bool stage = false;  // any step that changes pixels
};

// Throws cogkit::error (step "plan", "reproject", "clip" or "fill", path `name`).
Plan make_plan(GDALDatasetH src, const std::string& name, const PipelineOptions& options);

// The output path is usable: not empty, not a directory, not the input, its directory exists.
void check_output(const std::string& input, const std::string& output);

// File name of a path ("output" when it has none), for temp names.
std::string base_name(const std::string& path);

}  // namespace cogkit::detail
