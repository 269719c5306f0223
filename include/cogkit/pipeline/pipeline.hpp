// cogkit/pipeline/pipeline.hpp — the whole job in one call.
//
//   source ─► plan ─► reproject/resample ─► fill ─► clip ─► write COG ─► validate ─► publish ─► report
//
// plan opens the source, resolves CRSs, the output grid, the clip geometry, data type
// and nodata, and checks every option before any pixel moves. Only the window the
// output needs (the clip extent plus the fill's halo) is ever warped or filled.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <gdal.h>

#include "cogkit/clip/clip.hpp"
#include "cogkit/write/cog.hpp"
#include "cogkit/fill/fill.hpp"
#include "cogkit/core/progress.hpp"
#include "cogkit/core/threads.hpp"
#include "cogkit/read/source.hpp"
#include "cogkit/report/report.hpp"
#include "cogkit/reproject/reproject.hpp"
#include "cogkit/core/staging.hpp"
#include "cogkit/translate/translate.hpp"

namespace cogkit {

struct PipelineOptions {
  SourceOptions read;  // how the input is read (its nodata, threads and progress: the job's, below)
  TranslateOptions translate;  // bands, type and value scaling, as gdal_translate -b/-ot/-scale/-unscale
  ReprojectOptions reproject;
  FillOptions fill;
  ClipOptions clip;
  CogOptions cog;
  StagingOptions staging;
  int threads = 0;                 // 0 = all cores
  bool validate = true;            // run validate_cog before publishing
  // Store the band statistics in the COG as GDAL does (STATISTICS_* band metadata, those
  // gdalinfo -stats computes), in place of the source's; false: the source's left as they are
  // (gone after a step that changes the values).
  bool write_statistics = true;
  // Carry the source's metadata (dataset and band metadata, descriptions, units, scale/offset,
  // AREA_OR_POINT) to the output through every step; false: as gdal_translate -noMD.
  bool copy_metadata = true;
  std::vector<std::pair<std::string, std::string>> config;  // GDAL config options (thread-local for the call)
  std::string tool = "cogkit";     // recorded in the report
  ProgressFn progress;
};

// Converts the raster at `input` (any GDAL-readable raster; ESRI ASCII grids and XYZ
// files go through cogkit's own readers) to a COG at `output` (local path or /vsis3/...).
Report convert(const std::string& input, const std::string& output, const PipelineOptions& options);

// Same, for a dataset a reader already opened (borrowed, not closed). `source_name`
// names it in errors and the report; `seed` carries reader notes/timings into the report.
Report convert_dataset(GDALDatasetH source, const std::string& source_name, const std::string& output,
                       const PipelineOptions& options, Report seed = {});

// Same, for a raster a cogkit reader staged (read_ascii_grid, read_xyz), handed over: the
// memory it holds counts against the budget, and without reprojection the fill and clip
// run on it in place instead of on a copy.
Report convert_staged(StagedRaster source, const std::string& source_name, const std::string& output,
                      const PipelineOptions& options, Report seed = {});

// The same two, inside a budget the caller built for the job (the one convert() and
// convert_mosaic() build once and pass down) instead of one from options.staging.
Report convert_dataset(GDALDatasetH source, const std::string& source_name, const std::string& output,
                       const PipelineOptions& options, const MemoryBudget& budget, Report seed = {});
Report convert_staged(StagedRaster source, const std::string& source_name, const std::string& output,
                      const PipelineOptions& options, const MemoryBudget& budget, Report seed = {});

}  // namespace cogkit
