// cogkit/report/info.hpp — what `cogify info` shows of an existing file (rio-cogeo's `info`):
// COG validity (validate_cog: errors and warnings), layout, overviews, codec, block size, CRS,
// grid, nodata and the band statistics stored in the file.
#pragma once

#include <string>

namespace cogkit {

// A JSON object describing the raster at `path` (local or /vsi...). Throws cogkit::error("info")
// when GDAL cannot open it as a raster.
std::string cog_info_json(const std::string& path, int indent = 2);

// The same, as lines for a terminal.
std::string cog_info_text(const std::string& path);

}  // namespace cogkit
