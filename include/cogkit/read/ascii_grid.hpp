// cogkit/read/ascii_grid.hpp — ESRI ASCII grids (and GRASS ASCII grids), read fast and right.
//
// read_ascii_grid() parses the text once, in parallel, into a staged raster (memory
// or a temp file, by the MemoryBudget) with geotransform, CRS, nodata and the data
// type already set; tools hand it to cogkit::convert_dataset(). Files are
// recognised by content (any extension), also inside .gz, .zip and .zst.
//
// Data type rule (docs/asc2cog.md): every value (and the nodata) an integer ⇒ the
// smallest of Byte, Int16, UInt16, Int32 that holds them all; otherwise Float32,
// unless some value printed with more digits than Float32 keeps (printing the
// Float32 with the same number of significant digits would not give it back) ⇒
// Float64. `type` overrides.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gdal.h>

#include "cogkit/core/options.hpp"
#include "cogkit/core/progress.hpp"
#include "cogkit/report/report.hpp"
#include "cogkit/core/staging.hpp"

namespace cogkit {

struct AsciiGridOptions {
  std::string a_srs;                 // CRS when there is no .prj (any GDAL user input: EPSG:2180, WKT, PROJ)
  AsciiType type = AsciiType::automatic;  // automatic = the rule above
  std::optional<double> nodata;      // nodata when the file declares none
  int threads = 0;                   // 0 = all cores
};

enum class AsciiGridFlavor { esri, grass };

struct AsciiGridHeader {
  AsciiGridFlavor flavor = AsciiGridFlavor::esri;
  int width = 0, height = 0;
  std::array<double, 6> geotransform{};  // corner-based, north-up for a positive cell size
  bool cell_centre = false;              // xllcenter/yllcenter given (AREA_OR_POINT=Point)
  std::optional<double> nodata;          // declared NODATA_value / null: (NaN for `nan`)
  std::string nodata_text;               // the nodata as printed in the header
  bool nodata_is_null = false;           // NODATA_value null (12D): data `null` tokens are nodata
  std::uint64_t data_offset = 0;         // byte offset of the first value (in the decompressed text)
  int data_line = 0;                     // 1-based line of the first value
  std::string compression;               // "", "gzip", "zip", "zstd"
  std::string text_path;                 // the path the text is read from (e.g. /vsizip/a.zip/a.asc)
  std::string prj_path;                  // .prj sidecar found ("" if none)
  std::vector<std::string> warnings;     // ignored keys, odd values
};

// True when the file (any extension; also a .gz/.zip/.zst holding one) starts like an
// ESRI or GRASS ASCII grid. Never throws.
bool looks_like_ascii_grid(const std::string& path);

// Parses the header only. Throws cogkit::error("read", "file:line:column", ...).
AsciiGridHeader read_ascii_grid_header(const std::string& path);

// Reads the whole grid into a staged raster (GT, CRS, nodata, type set). Adds the
// reader's decisions (type rule, nodata, CRS source, timings) to report.notes and
// sets report.driver / input_bytes. Throws cogkit::error with file:line:column.
StagedRaster read_ascii_grid(const std::string& path, const AsciiGridOptions& options, const MemoryBudget& budget,
                             Report& report, const ProgressFn& progress = {});

// The data type the rule above picks for values with these properties (exposed for tests).
struct AsciiValueStats {
  std::uint64_t count = 0;      // numbers read (not counting missing tokens)
  std::uint64_t missing = 0;    // nan / null / * tokens
  double min = HUGE_VAL, max = -HUGE_VAL;
  bool all_integral = true;
  bool all_float32_ok = true;
};
GDALDataType choose_ascii_grid_type(const AsciiValueStats& stats, std::optional<double> nodata,
                                    bool nodata_float32_ok, bool nodata_integral);

}  // namespace cogkit
