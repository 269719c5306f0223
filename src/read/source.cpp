// src/read/source.cpp — see cogkit/read/source.hpp.
#include "cogkit/read/source.hpp"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>

#include "cogkit/core/error.hpp"
#include "cogkit/core/threads.hpp"
#include "cogkit/read/ascii_grid.hpp"
#include "core/gdal_env.hpp"

namespace cogkit {
namespace {

StagedRaster read_ascii(const std::string& path, const SourceOptions& o, const MemoryBudget& budget, Report& report) {
  AsciiGridOptions ao;
  ao.a_srs = o.a_srs;
  ao.type = o.ascii_type;
  ao.nodata = o.nodata;
  ao.threads = resolve_threads(o.threads);
  return read_ascii_grid(path, ao, budget, report, o.progress);
}

StagedRaster read_points(const std::string& path, const SourceOptions& o, const MemoryBudget& budget, Report& report) {
  XyzOptions xo = o.xyz;
  xo.a_srs = o.a_srs;
  xo.nodata = o.nodata;
  xo.threads = o.threads;
  StagedRaster staged = read_xyz(path, xo, budget, report, o.progress);
  report.driver = "XYZ";
  return staged;
}

// The raster with `a_srs` as its CRS, as gdal_translate -a_srs does: an in-memory VRT over it
// that owns it.
DatasetHandle assign_srs(DatasetHandle ds, const std::string& path, const std::string& a_srs) {
  CPLStringList argv;
  for (const char* a : {"-a_srs", a_srs.c_str()}) argv.AddString(a);
  std::string gdal_error;
  DatasetHandle out = detail::translate_to_vrt(ds.get(), argv, gdal_error);
  if (!out) throw error("options", path, "SourceOptions::a_srs: cannot use '" + a_srs + "' as a CRS", gdal_error);
  // The VRT refers to the source dataset by handle: it keeps it open and closes it with itself.
  GDALDereferenceDataset(ds.get());
  ds.release();
  return out;
}

DatasetHandle open_with_gdal(const std::string& path, const std::string& a_srs, Report& report) {
  detail::GdalErrorCapture capture;
  DatasetHandle ds(GDALOpenEx(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  if (!ds) throw error("read", path, "not a raster GDAL can read", capture.last_error());
  if (GDALDriverH d = GDALGetDatasetDriver(ds.get())) report.driver = GDALGetDriverShortName(d);
  if (!a_srs.empty()) {
    ds = assign_srs(std::move(ds), path, a_srs);
    report.notes.emplace_back("crs", "from the CRS given for the input (" + a_srs + "), replacing the raster's own");
  }
  return ds;
}

}  // namespace

SourceHandle open_source(const std::string& path, const SourceOptions& options, const MemoryBudget& budget,
                         Report& report) {
  SourceHandle s;
  VSIStatBufL st;
  if (VSIStatL(path.c_str(), &st) != 0) throw error("read", path, "no such file");
  report.input_bytes = static_cast<std::uint64_t>(st.st_size);
  // ASCII grids first (a grid's numeric lines would also look like XYZ), each reader only where
  // the options allow it; asc2cog's and xyz2cog's readers refuse what they cannot read.
  const InputFormat f = options.format;
  if (f == InputFormat::ascii_grid || (f == InputFormat::automatic && looks_like_ascii_grid(path))) {
    s.staged = read_ascii(path, options, budget, report);
  } else if (f == InputFormat::xyz || looks_like_xyz(path)) {  // never GDAL's XYZ driver
    s.staged = read_points(path, options, budget, report);
  } else {
    s.dataset = open_with_gdal(path, options.a_srs, report);
  }
  return s;
}

}  // namespace cogkit
