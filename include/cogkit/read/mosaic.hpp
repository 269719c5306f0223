// cogkit/read/mosaic.hpp — many tiles, one output raster: the mosaic source.
//
// What users chain as `gdalbuildvrt mosaic.vrt tiles/*` + gdalwarp/gdal_fillnodata.py/
// gdal_translate, in one call: the inputs are opened (ESRI ASCII grids and XYZ through
// cogkit's readers, everything else through GDAL), checked, and put side by side in an
// in-memory VRT (GDAL's BuildVRT, later inputs on top where they overlap); the pipeline then
// reprojects, fills, clips and writes that mosaic as one raster, so a fill crosses tile
// borders instead of stopping at them (no seams).
//
// Where gdalbuildvrt warns and silently leaves a tile out (another CRS, another band count,
// another data type, a rotated geotransform), open_mosaic refuses with an error naming the
// tile — except for data types, where the mosaic takes the smallest type that holds all of
// them (an Int16 tile beside Float32 tiles: Float32), as ASCII tiles typed by their content do.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cogkit/core/gdal_handle.hpp"
#include "cogkit/core/options.hpp"
#include "cogkit/read/source.hpp"
#include "cogkit/report/report.hpp"
#include "cogkit/core/staging.hpp"

namespace cogkit {

struct MosaicOptions {
  MosaicResolution resolution = MosaicResolution::average;  // of the inputs' (gdalbuildvrt -resolution)
};

// The mosaic and everything it reads from (the VRT refers to the inputs' open datasets).
struct Mosaic {
  std::vector<StagedRaster> staged;    // inputs read by cogkit's readers
  std::vector<DatasetHandle> opened;   // inputs opened by GDAL, each followed by its wrapper (if any)
  DatasetHandle vrt;
  std::uint64_t held_bytes = 0;        // memory the in-memory staged inputs hold
  GDALDatasetH get() const noexcept { return vrt.get(); }

  Mosaic() = default;
  Mosaic(Mosaic&&) = default;
  Mosaic& operator=(Mosaic&&) = delete;
  // Closes what refers to a dataset before that dataset: the VRT, then `opened` last to
  // first (a wrapper comes after the input it wraps; a vector's elements would otherwise be
  // destroyed first to last, and the wrapper flush a closed input), then `staged`.
  ~Mosaic() {
    vrt.reset();
    while (!opened.empty()) opened.pop_back();
  }
};

// Opens `inputs` and builds the mosaic. The rasters cogkit's readers stage (ASCII grids,
// XYZ) are held in memory while `memory_share` bytes last, in input order; the rest go
// to temp files. Throws cogkit::error (step "read" or "plan", path = the offending input).
// `read` says how each input is read (as open_source); `budget` is the job's (its tmpdir and
// staging mode; each input stages within what is left of `memory_share`).
Mosaic open_mosaic(const std::vector<std::string>& inputs, const SourceOptions& read, const MemoryBudget& budget,
                   const MosaicOptions& mosaic, std::uint64_t memory_share, Report& report);

}  // namespace cogkit
