// cogkit-demgen: writes a synthetic DEM (GeoTIFF, ESRI ASCII grid or XYZ) in bounded memory.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "cogkit/core/error.hpp"
#include "demgen.hpp"

int main(int argc, char** argv) {
  cogkit::demgen::DemSpec spec;
  std::string out, format = "tif", type = "float32";
  CLI::App app{"cogkit-demgen: synthetic fractal DEM with lakes and dropouts"};
  app.add_option("output", out, "Output path")->required();
  app.add_option("--width", spec.width, "Columns");
  app.add_option("--height", spec.height, "Rows");
  app.add_option("--res", spec.res, "Pixel size");
  app.add_option("--origin-x", spec.origin_x, "Left edge");
  app.add_option("--origin-y", spec.origin_y, "Top edge");
  app.add_option("--epsg", spec.epsg, "EPSG code (0 = none)");
  app.add_option("--seed", spec.seed, "Random seed");
  app.add_option("--lakes", spec.lakes, "Number of lakes");
  app.add_option("--lake-radius-min", spec.lake_radius_min, "Lake radius min (px)");
  app.add_option("--lake-radius-max", spec.lake_radius_max, "Lake radius max (px)");
  app.add_option("--dropouts", spec.dropout_fraction, "Fraction of pixels in small dropouts");
  app.add_option("--nodata", spec.nodata, "Nodata value");
  app.add_option("--type", type, "float32|float64|int16|int32|uint16|byte");
  app.add_option("--format", format, "tif|asc|xyz");
  CLI11_PARSE(app, argc, argv);
  spec.type = GDALGetDataTypeByName(type == "float32"   ? "Float32"
                                    : type == "float64" ? "Float64"
                                    : type == "int16"   ? "Int16"
                                    : type == "int32"   ? "Int32"
                                    : type == "uint16"  ? "UInt16"
                                                        : "Byte");
  try {
    if (format == "asc")
      cogkit::demgen::write_ascii_grid(spec, out);
    else if (format == "xyz")
      cogkit::demgen::write_xyz(spec, out);
    else
      cogkit::demgen::write_raster(spec, out);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cogkit-demgen: %s\n", e.what());
    return 1;
  }
  return 0;
}
