// src/read/source.hpp — opening an input by content: cogkit's own readers for
// ESRI ASCII grids and XYZ, GDAL for everything else (internal).
#pragma once

#include <string>

#include "cogkit/core/gdal_handle.hpp"
#include "cogkit/pipeline/pipeline.hpp"
#include "cogkit/report/report.hpp"
#include "cogkit/core/staging.hpp"

namespace cogkit::detail {

struct SourceHandle {
  DatasetHandle dataset;   // opened with GDAL
  StagedRaster staged;     // or produced by a cogkit reader
  GDALDatasetH get() const { return dataset ? dataset.get() : staged.get(); }
};

// Opens `path`; records the driver and reader notes in `report`. Throws cogkit::error("read").
SourceHandle open_source(const std::string& path, const PipelineOptions& options, Report& report);

}  // namespace cogkit::detail
