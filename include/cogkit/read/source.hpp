// cogkit/read/source.hpp — the one reader set-up: how any input becomes a dataset.
//
// open_source() is the only place that decides how an input is read, for cogify, asc2cog and
// xyz2cog alike (so the three give the same bytes for the same input and options): ESRI/GRASS
// ASCII grids and XYZ files — recognised by content, any extension, also .gz/.zip/.zst — through
// cogkit's readers, staged by the memory budget; everything else through GDAL.
#pragma once

#include <optional>
#include <string>

#include "cogkit/core/gdal_handle.hpp"
#include "cogkit/core/options.hpp"
#include "cogkit/core/progress.hpp"
#include "cogkit/core/staging.hpp"
#include "cogkit/read/xyz.hpp"
#include "cogkit/report/report.hpp"

namespace cogkit {

// Which readers an input may go to: asc2cog takes only ASCII grids, xyz2cog only XYZ files.
enum class InputFormat { automatic, ascii_grid, xyz };

struct SourceOptions {
  InputFormat format = InputFormat::automatic;
  // The CRS of the input (EPSG:code, WKT, PROJ), as gdal_translate -a_srs: wins over a text
  // input's .prj sidecar and replaces a GDAL raster's own CRS. In a mosaic (open_mosaic) it
  // applies to every input, as gdalbuildvrt -a_srs does.
  std::string a_srs;
  // The output's nodata value, as gdal_translate -a_nodata. The text readers also store it in
  // cells without a value (missing tokens, XYZ cells without a point) when the file declares
  // no nodata; over a declared NODATA_value it replaces it as the nodata, values unchanged.
  std::optional<double> nodata;
  AsciiType ascii_type = AsciiType::automatic;  // ASCII grids: data type (automatic = the rule)
  XyzOptions xyz;  // XYZ files: columns, separator, binning (its a_srs, nodata, threads come from here)
  int threads = 0;  // 0 = all cores
  ProgressFn progress;
};

struct SourceHandle {
  DatasetHandle dataset;  // opened with GDAL
  StagedRaster staged;    // or produced by a cogkit reader
  GDALDatasetH get() const { return dataset ? dataset.get() : staged.get(); }
};

// Opens `path`; records the driver, input size and reader notes in `report`. Throws
// cogkit::error("read") (or "options" for an input of a format the options exclude).
SourceHandle open_source(const std::string& path, const SourceOptions& options, const MemoryBudget& budget,
                         Report& report);

}  // namespace cogkit
