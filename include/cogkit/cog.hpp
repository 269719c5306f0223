// cogkit/cog.hpp — writing (step "write") and validating (step "validate") COGs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <gdal.h>

#include "cogkit/progress.hpp"

namespace cogkit {

struct CogOptions {
  std::string compress = "DEFLATE";     // DEFLATE, ZSTD, LZW, LERC, WEBP, JPEG, NONE
  int level = -1;                       // codec level, -1 = GDAL default
  std::string predictor = "auto";       // auto (2 for integers, 3 for floats), none, 2, 3
  int blocksize = 512;
  std::string overviews = "auto";       // auto, none
  std::string overview_resampling;      // "" = GDAL's default (CUBIC; NEAREST with a colour table)
  std::optional<double> nodata;         // assign / override the nodata value
  std::vector<std::string> creation_options;  // extra KEY=VALUE passed to GDAL's COG driver
};

// Checks option values (codec names, levels, block size...). Throws cogkit::error("options").
void validate_cog_options(const CogOptions& options);

// The COG driver creation options for `source_type`.
std::vector<std::string> cog_creation_options(const CogOptions& options, GDALDataType source_type,
                                              int threads);

// Writes `source` as a COG at `path` (a local path) with GDAL's COG driver; its temporary
// overview files sit beside `path`. Throws cogkit::error("write").
void write_cog(GDALDatasetH source, const std::string& path, const CogOptions& options, int threads,
               const ProgressFn& progress = {});

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
