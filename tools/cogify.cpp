// cogify — any raster (or a mosaic of many) to a Cloud Optimized GeoTIFF: reproject, fill, clip,
// write, validate, publish.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "cogkit/write/cog.hpp"
#include "cogkit/pipeline/mosaic.hpp"
#include "cogkit/pipeline/pipeline.hpp"
#include "cogkit/validate/validate.hpp"
#include "cogkit/report/info.hpp"
#include "cogkit/core/error.hpp"

namespace {
// cogify info FILE... [--json]: exit 0 when every FILE is a valid COG, 1 when one is not, 2 for usage.
int info_main(int argc, char** argv) {
  bool json = false;
  std::vector<std::string> files;
  for (int i = 2; i < argc; ++i) (std::string(argv[i]) == "--json" ? json = true : (files.emplace_back(argv[i]), false));
  if (files.empty()) {
    std::fprintf(stderr, "cogify: options: info needs FILE... (and optionally --json)\n");
    return 2;
  }
  int status = 0;
  for (const auto& f : files) {
    try {
      std::printf("%s\n", (json ? cogkit::cog_info_json(f) : cogkit::cog_info_text(f)).c_str());
      if (cogkit::validate_cog(f).valid == false) status = std::max(status, 1);
    } catch (const cogkit::error& e) {
      std::fprintf(stderr, "cogify: %s: %s: %s\n", f.c_str(), e.step().c_str(), e.message().c_str());
      status = 3;  // bad input (docs/cli.md's exit codes)
    }
  }
  return status;
}
}  // namespace

int main(int argc, char** argv) {
  // `cogify info FILE [--json]`: what the file is (COG validity, layout, overviews, codec, stats, CRS).
  if (argc >= 2 && std::string(argv[1]) == "info") return info_main(argc, argv);
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
               "Also: cogify --check FILE... validates COG layout; cogify info FILE... [--json] describes a file (COG "
               "validity, layout, overviews, codec, statistics, CRS)."};
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
