// src/core/metadata.hpp — what a raster says about its values, carried from one dataset to
// another as gdal_translate and gdalwarp carry it (internal; docs/gdal-differences.md).
#pragma once

#include <string>
#include <vector>

#include <cpl_string.h>

#include <gdal.h>

namespace cogkit::detail {

struct MetadataCopy {
  // Dataset and band metadata (default domain), band descriptions and units; false: as
  // gdalwarp -nomd, except that AREA_OR_POINT is kept (it says where the values sit).
  bool metadata = true;
  bool values_changed = false;  // a step changed or cut the pixels: STATISTICS_* are stale, dropped
  bool resampled = false;       // reprojected: xml:XMP dropped, as gdalwarp drops it
};

// Sets on `dst` (same band count or fewer) what `src` says about its values: per band the
// colour interpretation, colour table, scale and offset always; with `how.metadata` the
// description, unit and metadata; the dataset's metadata (and xml:XMP unless resampled).
// What is not carried is cleared on `dst`, so `src` may be `dst` (strips in place).
// Nodata is not touched: it is the plan's.
void copy_metadata(GDALDatasetH src, GDALDatasetH dst, const MetadataCopy& how);

// The metadata of a mosaic, as gdalwarp carries it from several sources: items of the first
// input, '*' where another input has another value (an AREA_OR_POINT in conflict is dropped,
// STATISTICS_* always); descriptions and units where all inputs agree; bands that every input
// has. Inputs are added one at a time, in mosaic order, while each is open (a mosaic of
// thousands of tiles never holds them all open for it).
class MetadataMerge {
 public:
  void add(GDALDatasetH input);
  void apply(GDALDatasetH dst) const;

 private:
  struct Band {
    CPLStringList items;
    std::string description, unit;  // "" once two inputs disagree
  };
  bool started_ = false;
  CPLStringList items_;
  std::vector<Band> bands_;
};

// The PAM side file `path`.aux.xml of a raster cogkit reads itself (ESRI ASCII grid, XYZ),
// as GDAL's drivers report it: dataset and band metadata, band description, unit, scale
// and offset. Nothing when there is no such file.
void apply_pam_file(const char* path, GDALDatasetH dst);

}  // namespace cogkit::detail
