// cogkit/write/cog.hpp — writing COGs (step "write").
//
// Promise: write_cog() leaves a complete COG at `path` or nothing: GDAL's layout, tags and
// tile bytes (cogkit's own parallel writer where it supports the raster, GDAL's COG driver
// otherwise), overviews computed inside the memory budget.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gdal.h>

#include "cogkit/core/options.hpp"
#include "cogkit/core/progress.hpp"
#include "cogkit/core/staging.hpp"

namespace cogkit {

struct CogOptions {
  Compression compress = Compression::deflate;
  int level = -1;                       // codec level, -1 = GDAL default
  Predictor predictor = Predictor::automatic;
  int blocksize = 512;
  Overviews overviews = Overviews::automatic;
  std::optional<OverviewResampling> overview_resampling;  // nullopt = GDAL's default (cubic; nearest with a colour table)
  std::optional<double> nodata;         // assign / override the nodata value
  std::vector<std::string> creation_options;  // extra KEY=VALUE passed to GDAL's COG driver
  // automatic: cogkit's own writer whenever it supports the raster and options (same layout
  // and tags as GDAL's COG driver, tiles and overviews computed in parallel), else GDAL's
  // COG driver; cogkit: own writer or an error; gdal: always GDAL's COG driver.
  Writer writer = Writer::automatic;
};

// Checks the combinations (level range of the codec, predictor and codec, block size,
// creation options). Throws cogkit::error("options").
void validate_cog_options(const CogOptions& options);

// The COG driver creation options for `source_type`.
std::vector<std::string> cog_creation_options(const CogOptions& options, GDALDataType source_type,
                                              int threads);

// Which writer wrote a file, and why GDAL's when options.writer was automatic.
struct CogWriteResult {
  Writer writer = Writer::cogkit;  // cogkit or gdal
  std::string reason;  // why not cogkit's ("" when it was, or when GDAL's was asked for)
  bool rows_observed = false;  // the RowObserver saw every full-resolution row
};

// Sees the full-resolution rows of the source as cogkit's writer reads them for the overview
// pass: rows [y0, y0 + rows), `width` pixels of `bands` interleaved samples of `type` each,
// every row once, in order. Whatever it computes over the pixels (the report's statistics)
// then costs no read of its own. Not called by GDAL's driver, nor when the raster has no
// overview (no such pass); CogWriteResult::rows_observed says whether it saw every row.
using RowObserver = std::function<void(int y0, int rows, const void* data, int width, int bands, GDALDataType type)>;

// Band statistics stored in the COG as GDAL stores them (STATISTICS_* band metadata in the
// GDAL_METADATA tag), replacing the source's STATISTICS_* items: per band, KEY=VALUE pairs.
// write_cog calls the function once, before it lays out the header: cogkit's writer after
// its row pass (`rows_observed`: the RowObserver saw every full-resolution row, so the
// statistics can come from those rows), before any pixel is read otherwise (GDAL's driver, or
// no overview pass). Empty function: the source's metadata as it is.
using BandMetadata = std::vector<std::vector<std::pair<std::string, std::string>>>;
using StatisticsFn = std::function<BandMetadata(bool rows_observed)>;

// Writes `source` as a COG at `path` (a local path), with cogkit's writer or GDAL's COG
// driver (options.writer). Temporary files (overview tiles beyond the budget, GDAL's
// overview file) go to budget.tmpdir() / beside `path`. Throws cogkit::error("write") and
// then leaves nothing at `path`.
CogWriteResult write_cog(GDALDatasetH source, const std::string& path, const CogOptions& options, int threads,
                         const MemoryBudget& budget, const ProgressFn& progress = {},
                         const RowObserver& observer = {}, const StatisticsFn& statistics = {});
// Same with the default memory budget.
CogWriteResult write_cog(GDALDatasetH source, const std::string& path, const CogOptions& options, int threads,
                         const ProgressFn& progress = {});

// Which writer can encode a codec in this build: cogkit's own, GDAL's COG driver (as GDAL was
// built). `cogify --formats` lists them.
struct CodecSupport {
  Compression codec;
  bool cogkit_writer = false;
  bool gdal_driver = false;
};
std::vector<CodecSupport> codec_support();

}  // namespace cogkit
