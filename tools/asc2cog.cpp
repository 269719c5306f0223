// asc2cog — ESRI/GRASS ASCII grid (.asc, .agr, .grd, .txt..., also .gz/.zip/.zst) to a COG.
// cogify's options plus --type, through cogify's reader set-up; --nodata means -a_nodata.
#include "cli_common.hpp"
#include "cogkit/pipeline/pipeline.hpp"

int main(int argc, char** argv) {
  CLI::App app{"asc2cog: convert an ESRI ASCII grid (or GRASS ASCII grid; plain, .gz, .zip or .zst) to a Cloud "
               "Optimized GeoTIFF, parsing the text once, in parallel.\n"
               "--nodata is the output's nodata, as gdal_translate -a_nodata (also the nodata of grids that declare "
               "none)."};
  app.name("asc2cog");
  cogkit::cli::CommonArgs args;
  cogkit::cli::add_common_options(app, args);
  cogkit::cli::add_enum_option(app, "--type", args.options.read.ascii_type, "Data type")->group("ASCII grid");
  // The same reader set-up as cogify's (cogkit::open_source), limited to ASCII grids.
  args.options.read.format = cogkit::InputFormat::ascii_grid;
  return cogkit::cli::run_tool("asc2cog", app, args, argc, argv, [](const cogkit::cli::CommonArgs& a) {
    return cogkit::convert(a.input, a.output, a.options);
  });
}
