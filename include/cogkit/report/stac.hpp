// cogkit/report/stac.hpp — a STAC 1.0.0 Item describing one written COG.
//
// The Item carries the projection (v1.1.0), raster (v1.1.0) and file (v2.1.0) extensions;
// everything comes from the Report, whose size, CRS, bands' scale/offset/unit and TIFF date
// were read from the written file's header before it was published (docs/stac.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cogkit/report/report.hpp"

namespace cogkit {

struct StacItemOptions {
  std::string item_path;                // where the Item goes: local hrefs are relative to its folder
  std::optional<std::string> datetime;  // RFC 3339 (checked by is_rfc3339); else stac_datetime's rule
  int densify = 21;                     // points per footprint edge before reprojecting to EPSG:4326
};

// True for an RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM), 't'/'z' allowed.
bool is_rfc3339(std::string_view text);

// The Item's datetime when none is given: the file's TIFFTAG_DATETIME ("YYYY:MM:DD HH:MM:SS",
// taken as UTC), else the input's modification time, else now; RFC 3339, UTC.
std::string stac_datetime(const Report& rep);

// The asset's href for `output`: /vsis3/b/k -> s3://b/k (also /vsigs/ -> gs://, /vsiaz/ ->
// az://, /vsicurl/URL -> URL); a local path relative to the folder of `item_path`.
std::string stac_href(const std::string& output, const std::string& item_path);

// The Item, as JSON text (2-space indent).
std::string stac_item(const Report& rep, const StacItemOptions& options);

// Throws cogkit::error("stac", path) when an Item could not be written at `path` (a local path
// whose folder is missing or not writable, or which is a folder). /vsi paths are not checked.
void check_stac_writable(const std::string& path);

// Writes `text` at `path`: local paths through a temporary file in the same folder renamed
// over it, /vsi paths (one PUT) directly. Throws cogkit::error("stac", path) on failure.
void write_stac_file(const std::string& path, const std::string& text);

}  // namespace cogkit
