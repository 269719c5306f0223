// xyz2cog — XYZ point files (gridded in any order, or scattered with --grid-res) to a
// Cloud Optimized GeoTIFF, with every cogify option (reproject, fill, clip, COG).
#include <map>

#include "cli_common.hpp"
#include "cogkit/pipeline/pipeline.hpp"
#include "cogkit/read/xyz.hpp"

int main(int argc, char** argv) {
  CLI::App app{"xyz2cog: XYZ points (plain, .gz, .zip or .zst; gridded in any order: rows N→S or S→N, column-major, shuffled, X-Y-Z or Y-X-Z;\n"
               "or scattered points with --grid-res) to a north-up Cloud Optimized GeoTIFF."};
  app.name("xyz2cog");
  cogkit::cli::CommonArgs args;
  cogkit::cli::add_common_options(app, args);
  cogkit::XyzOptions& xo = args.options.read.xyz;
  app.add_option("--columns", xo.columns,
                 "Columns: auto (header names, CRS area of use, ranges, file structure), x,y,z, y,x,z, or three "
                 "header names / 1-based indices in X,Y,Z order (e.g. lon,lat,h or 2,1,3)")
      ->group("XYZ")
      ->capture_default_str();
  app.add_option("--separator", xo.separator, "Field separator: space, tab, ';' or ',' (default: detected)")->group("XYZ");
  app.add_option("--grid-res", xo.res,
                 "Bin the points to square cells of this size, aligned on multiples of it (needed for scattered points; "
                 "--res is the reprojection resolution)")
      ->group("XYZ");
  cogkit::cli::add_enum_option(app, "--bin", xo.bin, "Binning with --grid-res")->group("XYZ");
  app.add_option("--idw-power", xo.idw_power, "Power of the idw weights 1/distance^p")->group("XYZ")->capture_default_str();
  // The same reader set-up as cogify's (cogkit::open_source), limited to XYZ files.
  args.options.read.format = cogkit::InputFormat::xyz;
  return cogkit::cli::run_tool("xyz2cog", app, args, argc, argv, [](const cogkit::cli::CommonArgs& a) {
    return cogkit::convert(a.input, a.output, a.options);
  });
}
