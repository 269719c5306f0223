// asc2cog — ESRI/GRASS ASCII grid (.asc, .agr, .grd, .txt..., also .gz/.zip/.zst) to a COG.
// cogify's options plus --a-srs and --type; the common --nodata is the nodata for files
// that declare none (a file's own NODATA_value wins).
#include <chrono>
#include <cstdio>

#include <gdal.h>

#include "cli_common.hpp"
#include "cogkit/read/ascii_grid.hpp"
#include "cogkit/pipeline/pipeline.hpp"
#include "cogkit/core/staging.hpp"

int main(int argc, char** argv) {
  CLI::App app{"asc2cog: convert an ESRI ASCII grid (or GRASS ASCII grid; plain, .gz, .zip or .zst) to a Cloud "
               "Optimized GeoTIFF, parsing the text once, in parallel.\n"
               "--nodata is the nodata value for grids that declare none (a declared NODATA_value wins)."};
  app.name("asc2cog");
  cogkit::cli::CommonArgs args;
  cogkit::cli::add_common_options(app, args);
  std::string a_srs;
  cogkit::AsciiType type = cogkit::AsciiType::automatic;
  app.add_option("--a-srs", a_srs, "CRS of the grid when there is no .prj sidecar (EPSG:2180, WKT, PROJ string...)")
      ->group("ASCII grid");
  cogkit::cli::add_enum_option(app, "--type", type, "Data type")->group("ASCII grid");
  return cogkit::cli::run_tool("asc2cog", app, args, argc, argv, [&](const cogkit::cli::CommonArgs& a) {
    GDALAllRegister();
    cogkit::PipelineOptions options = a.options;
    options.tool = "asc2cog";
    cogkit::AsciiGridOptions read_options;
    read_options.a_srs = a_srs;
    read_options.type = type;
    read_options.threads = cogkit::resolve_threads(options.threads);
    cogkit::Report seed;
    const auto t0 = std::chrono::steady_clock::now();
    // The common --nodata is "nodata when the file declares none" here.
    if (options.cog.nodata) {
      const cogkit::AsciiGridHeader header = cogkit::read_ascii_grid_header(a.input);
      if (header.nodata) {
        seed.warnings.push_back("--nodata ignored: the grid declares NODATA_value " + header.nodata_text);
        options.cog.nodata.reset();
      } else {
        read_options.nodata = options.cog.nodata;
      }
    }
    const cogkit::MemoryBudget budget(options.staging);
    cogkit::StagedRaster staged = cogkit::read_ascii_grid(a.input, read_options, budget, seed, options.progress);
    seed.total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return cogkit::convert_staged(std::move(staged), a.input, a.output, options, std::move(seed));
  });
}
