// cogify — any raster (or a mosaic of many) to a Cloud Optimized GeoTIFF: reproject, fill, clip,
// write, validate, publish.
#include <cstdio>

#include "cli_common.hpp"
#include "cogkit/write/cog.hpp"
#include "cogkit/pipeline/mosaic.hpp"
#include "cogkit/pipeline/pipeline.hpp"
#include "cogkit/validate/validate.hpp"

int main(int argc, char** argv) {
  // `cogify --check FILE...` validates existing COGs.
  if (argc >= 2 && std::string(argv[1]) == "--check") {
    if (argc == 2) {
      std::fprintf(stderr, "cogify: options: --check needs at least one FILE\n");
      return 2;
    }
    int bad = 0;
    for (int i = 2; i < argc; ++i) {
      const auto v = cogkit::validate_cog(argv[i]);
      for (const auto& w : v.warnings) std::printf("%s: warning: %s\n", argv[i], w.c_str());
      for (const auto& e : v.errors) std::printf("%s: error: %s\n", argv[i], e.c_str());
      std::printf("%s: %s\n", argv[i], v.valid ? "valid COG" : "NOT a valid COG");
      bad += !v.valid;
    }
    return bad ? 1 : 0;
  }
  CLI::App app{"cogify: convert a raster to a Cloud Optimized GeoTIFF (reproject, fill, clip, COG) in one pass.\n"
               "Also: cogify --check FILE... validates COG layout."};
  app.name("cogify");
  cogkit::cli::CommonArgs args;
  cogkit::cli::add_common_options(app, args);
  cogkit::MosaicOptions mosaic;
  app.add_flag("--mosaic", args.mosaic,
               "Mosaic: FILES are INPUT... OUTPUT; the inputs (same CRS and bands; types are promoted) become one "
               "raster before reproject/fill/clip, so a fill crosses tile borders")
      ->group("Mosaic");
  cogkit::cli::add_enum_option(app, "--mosaic-resolution", mosaic.resolution, "Mosaic resolution")->group("Mosaic");
  return cogkit::cli::run_tool("cogify", app, args, argc, argv, [&mosaic](const cogkit::cli::CommonArgs& a) {
    if (a.mosaic) return cogkit::convert_mosaic(a.inputs, a.output, a.options, mosaic);
    return cogkit::convert(a.input, a.output, a.options);
  });
}
