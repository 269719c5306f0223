// cogkit/read/xyz.hpp — XYZ point files (gridded in any order, or scattered) to a staged raster (step "read").
//
// Gridded files may list their points in any order (rows north→south or south→north,
// column-major, fully shuffled), X-Y-Z or Y-X-Z, with header/comment lines, extra
// columns, separators space/tab/';'/',' and a decimal comma. Points are cell centres;
// spacing and origin are inferred from the sorted unique coordinates (robust to
// coordinates rounded to a few decimals). The result is always north-up.
// Scattered points need `res` (> 0): they are binned to a grid aligned on multiples of res.
#pragma once

#include <optional>
#include <string>

#include "cogkit/core/options.hpp"
#include "cogkit/core/progress.hpp"
#include "cogkit/report/report.hpp"
#include "cogkit/core/staging.hpp"

namespace cogkit {

struct XyzOptions {
  // "auto" (header names, then CRS area of use, geographic ranges, file structure),
  // "x,y,z" or "y,x,z" (the first three columns in that order), or three column
  // names / 1-based indices in X,Y,Z order ("lon,lat,height", "2,1,3").
  std::string columns = "auto";
  std::string separator;            // "" = detect; "space", "tab", ";", ","
  std::string a_srs;                // CRS of the coordinates (EPSG:code, WKT, PROJ); "" = none (or a .prj beside the file)
  std::optional<double> nodata;     // value for missing cells; default -9999 (declared)
  double res = 0;                   // > 0: bin the points to this cell size instead of inferring the grid
  XyzBin bin = XyzBin::mean;        // with res
  double idw_power = 1.0;           // idw weight = 1 / distance^power (PDAL's default power is 1)
  int threads = 0;                  // 0 = all cores
};

// True when the start of the file looks like an XYZ point list (≥ 3 numeric columns,
// optional comment/header lines; ESRI ASCII grids and binary files are rejected).
bool looks_like_xyz(const std::string& path);

// Reads the points and returns a north-up staged raster (geotransform, CRS, nodata and
// data type set). Decisions (columns, axis order and why, separator, spacing, order of
// the file, missing cells, data type rule) are appended to report.notes.
// Throws cogkit::error("read", "file:line", ...) on malformed input.
StagedRaster read_xyz(const std::string& path, const XyzOptions& options, const MemoryBudget& budget, Report& report,
                      const ProgressFn& progress = {});

}  // namespace cogkit
