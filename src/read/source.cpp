#include "read/source.hpp"

#include <cpl_conv.h>
#include <cpl_vsi.h>

#include "cogkit/read/ascii_grid.hpp"
#include "cogkit/core/error.hpp"
#include "cogkit/read/xyz.hpp"
#include "core/gdal_env.hpp"

namespace cogkit::detail {

SourceHandle open_source(const std::string& path, const PipelineOptions& options, Report& report) {
  SourceHandle s;
  VSIStatBufL st;
  if (VSIStatL(path.c_str(), &st) != 0) throw error("read", path, "no such file");
  report.input_bytes = static_cast<std::uint64_t>(st.st_size);
  const MemoryBudget budget(options.staging);
  if (looks_like_ascii_grid(path)) {  // cogkit's ESRI/GRASS ASCII grid reader (any extension, .gz/.zip/.zst)
    AsciiGridOptions ao;
    ao.threads = resolve_threads(options.threads);
    s.staged = read_ascii_grid(path, ao, budget, report, options.progress);
    return s;
  }
  if (looks_like_xyz(path)) {  // cogkit's reader: any order, north-up; never GDAL's XYZ driver
    XyzOptions xo;
    xo.nodata = options.cog.nodata;
    xo.threads = options.threads;
    s.staged = read_xyz(path, xo, budget, report, options.progress);
    report.driver = "XYZ";
    return s;
  }
  GdalErrorCapture capture;
  s.dataset.reset(GDALOpenEx(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  if (!s.dataset) {
    const std::string msg = capture.last_error();
    throw error("read", path, "not a raster GDAL can read", msg);
  }
  if (GDALDriverH d = GDALGetDatasetDriver(s.get())) report.driver = GDALGetDriverShortName(d);
  return s;
}

}  // namespace cogkit::detail
