// bench/demgen.hpp — the project's synthetic DEM generator (tests and benchmarks).
//
// Fractal value-noise terrain with holes: round "lakes" (radius lake_radius_min..max
// pixels) and small dropout blobs. Every pixel is a pure function of (spec, col, row),
// so any window can be generated on its own and a raster of any size is written in
// bounded memory, identically on every machine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <gdal.h>

namespace cogkit::demgen {

struct DemSpec {
  int width = 512, height = 512;
  double res = 5.0;                 // pixel size in CRS units
  double origin_x = 500000, origin_y = 500000;  // top-left corner
  int epsg = 2180;                  // 0 = no CRS
  std::uint32_t seed = 1;
  double base = 200, relief = 400;  // height range (metres)
  int lakes = 0;                    // number of lakes
  int lake_radius_min = 110, lake_radius_max = 180;
  double dropout_fraction = 0.0;    // approximate fraction of pixels in small dropouts
  double nodata = -9999;
  GDALDataType type = GDT_Float32;  // Float32, Float64, Int16, Int32, UInt16, Byte
};

// Height (no holes) at the centre of pixel (col,row).
double height(const DemSpec& spec, double col, double row);
// True when pixel (col,row) is in a hole.
bool is_hole(const DemSpec& spec, int col, int row);
// Pixel value (nodata in holes), as stored in spec.type (rounded for integer types).
double value(const DemSpec& spec, int col, int row);

// Fills a window (row-major, w*h doubles).
void window(const DemSpec& spec, int x0, int y0, int w, int h, std::vector<double>& out);

// Writes a GeoTIFF (or any GDAL driver that supports Create), in row bands.
void write_raster(const DemSpec& spec, const std::string& path, const std::string& driver = "GTiff",
                  const std::vector<std::string>& creation_options = {"TILED=YES", "COMPRESS=DEFLATE"});

// Writes an ESRI ASCII grid (xllcorner form, %.6g values) in row bands.
void write_ascii_grid(const DemSpec& spec, const std::string& path, int precision = 6);

// Writes an XYZ file of cell centres, rows north to south, X increasing ("x y z" lines).
void write_xyz(const DemSpec& spec, const std::string& path, int precision = 6);

}  // namespace cogkit::demgen
