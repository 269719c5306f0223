// src/report/describe.hpp — the report's description of a written file.
#pragma once

#include <string>

#include "cogkit/report/report.hpp"

namespace cogkit::detail {

// Fills size, type, geotransform, bounds (native and EPSG:4326), nodata, CRS (WKT2, EPSG),
// compression, block size and overview sizes of `rep` from the file at `path`.
// Throws cogkit::error("validate") when the file cannot be reopened.
void describe_output(Report& rep, const std::string& path);

}  // namespace cogkit::detail
