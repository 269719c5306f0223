// cogkit/validate/validate.hpp — the COG layout check (step "validate").
//
// Promise: a file validate_cog() calls valid is one GDAL's validate_cloud_optimized_geotiff.py
// calls valid: the same checks, read straight from the TIFF structure (no GDAL Python, no
// decoding of pixels), so the pipeline checks every output before it publishes it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cogkit {

// Result of the layout check (no GDAL Python needed).
struct CogValidation {
  bool valid = false;
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
  std::uint64_t header_size = 0;  // offset of the first tile's data
};

// Checks the COG layout like GDAL's validate_cloud_optimized_geotiff.py: ghost header,
// IFDs before data, main IFD first, overviews internal, decreasing and in order,
// tiles stored from the smallest overview to full resolution, row-major tile order,
// block leaders/trailers and interleaved masks as declared in the ghost header.
CogValidation validate_cog(const std::string& path, bool full_check = true);

}  // namespace cogkit
