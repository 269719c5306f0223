#include "cli_common.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include <gdal.h>
#include <nlohmann/json.hpp>
#include <ogr_srs_api.h>

#include "cogkit/jobs/batch.hpp"
#include "cogkit/core/error.hpp"
#include "cogkit/core/staging.hpp"
#include "cogkit/report/stac.hpp"
#include "cogkit/write/cog.hpp"
#include "cli_docs.hpp"
#include "exit_codes.hpp"
#include "gdal_flags.hpp"
#include "progress.hpp"

namespace cogkit::cli {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep)) out.push_back(item);
  return out;
}

}  // namespace

// gdal_translate's -b, -ot, -scale, -unscale and -noMD.
void add_translate_options(CLI::App& app, CommonArgs& a) {
  auto& t = a.options.translate;
  app.add_option("-b,--band", t.bands, "Source band to keep, 1-based, as gdal_translate -b (repeatable, in output order)")
      ->allow_extra_args(false)
      ->take_all()
      ->group("Translate");
  add_enum_option(app, "--ot", t.output_type, "Output data type, as gdal_translate/gdalwarp -ot (default: the source's)")
      ->group("Translate");
  app.add_option_function<std::string>(
         "--scale", [&a](const std::string& v) { a.scale = v; },
         "Rescale values, as gdal_translate -scale [SRC_MIN SRC_MAX [DST_MIN DST_MAX]] (no range: the source's min..max "
         "to 0..255)")
      ->type_name("[SRC_MIN SRC_MAX [DST_MIN DST_MAX]]")
      ->group("Translate");
  app.add_flag("--unscale", t.unscale, "Apply the bands' scale/offset to the values, as gdal_translate -unscale")
      ->group("Translate");
  app.add_flag("--no-metadata", [&a](std::int64_t) { a.options.copy_metadata = false; },
               "Copy no dataset or band metadata, as gdal_translate -noMD")
      ->group("Translate");
}

// gdalwarp's -te, -te_srs, -ts, -srcnodata, -dstnodata.
void add_grid_options(CLI::App& app, CommonArgs& a) {
  auto& r = a.options.reproject;
  app.add_option("--te", a.te, "Output extent XMIN YMIN XMAX YMAX, as gdalwarp -te (in --te-srs, else the target CRS)")
      ->expected(4)
      ->delimiter(',')
      ->type_name("XMIN YMIN XMAX YMAX")
      ->group("Reproject");
  app.add_option("--te-srs", r.te_srs, "CRS of --te, as gdalwarp -te_srs")->group("Reproject");
  app.add_option("--ts", a.ts, "Output size WIDTH HEIGHT in pixels, as gdalwarp -ts (one 0: kept aspect ratio)")
      ->expected(2)
      ->delimiter(',')
      ->type_name("WIDTH HEIGHT")
      ->group("Reproject");
  app.add_option_function<double>(
         "--src-nodata", [&r](double v) { r.src_nodata = v; },
         "Nodata of the source for the warp, as gdalwarp -srcnodata (overrides the band's)")
      ->group("Reproject");
  app.add_option_function<double>(
         "--dst-nodata", [&r](double v) { r.dst_nodata = v; },
         "Nodata of the output, as gdalwarp -dstnodata: pixels without data get it (warps even without -t)")
      ->group("Reproject");
}

// gdalwarp's -wm, -multi, -wo, -overwrite.
void add_gdal_resource_options(CLI::App& app, CommonArgs& a) {
  app.add_option("--wm", a.warp_memory,
                 "Memory budget, as gdalwarp -wm: MB below 10000, else bytes, or with a unit (2GB); the whole job's")
      ->group("Resources");
  app.add_flag_function("--multi", [](std::int64_t) {}, "Accepted, as gdalwarp -multi: every step runs on all threads already")->group("Resources");
  app.add_option("--wo", a.warp_options, "Warp option, as gdalwarp -wo: NUM_THREADS=N|ALL_CPUS (sets --threads)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false)
      ->take_all()
      ->group("Resources");
  app.add_flag_function("--overwrite", [](std::int64_t) {}, "Accepted, as gdalwarp -overwrite: the output is always replaced, atomically")
      ->group("Resources");
}

// The batch flags: --output-dir and what goes with it.
void add_batch_options(CLI::App& app, CommonArgs& a) {
  app.add_option("-O,--output-dir", a.output_dir,
                 "Batch: convert every INPUT (and --inputs-from) in one process, each to DIR/<name>.tif (local or "
                 "/vsis3/bucket/prefix); one report per output, a failing input does not stop the others")
      ->group("Batch");
  app.add_option("--inputs-from", a.inputs_from,
                 "Batch (and cogify --mosaic): read more inputs from FILE, one per line ('-': stdin)")
      ->group("Batch");
  app.add_option("--jobs", a.jobs,
                 "Batch: conversions at a time (0 = one per thread); threads and memory budget are split between them")
      ->group("Batch")
      ->capture_default_str();
  app.add_flag("--fail-fast", a.fail_fast, "Batch: start no new input after the first failure")->group("Batch");
  app.add_option("--shard", a.shard,
                 "Batch: convert only shard INDEX/COUNT of the inputs (every COUNT-th from INDEX, 0-based), e.g. one "
                 "per pod of a Kubernetes indexed job")
      ->group("Batch");
  app.add_option("--retries", a.retries,
                 "Batch: try an input again up to N times when it failed uploading or reading a remote input "
                 "(after 1 s, 2 s, 4 s...)")
      ->group("Batch")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--skip-existing", a.skip_existing,
               "Batch: do not convert inputs whose output already exists and is a valid COG (resume a run)")
      ->group("Batch");
}

// --stac, --stac-dir and --datetime: a STAC Item per output (docs/stac.md).
void add_stac_options(CLI::App& app, CommonArgs& a) {
  app.add_option("--stac", a.stac_path,
                 "Write a STAC 1.0.0 Item describing the output to FILE, after the output is published (one "
                 "conversion; batch: --stac-dir)")
      ->type_name("FILE")
      ->group("Report");
  app.add_option("--stac-dir", a.stac_dir,
                 "Write one STAC Item per output to DIR/<output name>.json (created if missing; the -O DIR puts each "
                 "beside its COG)")
      ->type_name("DIR")
      ->group("Report");
  app.add_option_function<std::string>(
         "--datetime", [&a](const std::string& v) { a.stac_datetime = v; },
         "The STAC Item's datetime, RFC 3339 (e.g. 2024-05-01T10:00:00Z); default: the output's TIFFTAG_DATETIME, "
         "else the input's modification time")
      ->type_name("DATETIME")
      ->group("Report");
}

void add_common_options(CLI::App& app, CommonArgs& a) {
  auto& o = a.options;
  app.add_option("FILES", a.files,
                 "INPUT OUTPUT: input raster (GeoTIFF, any GDAL raster, ESRI ASCII grid, XYZ; local or /vsi...) and "
                 "output COG (local path or /vsis3/bucket/key). With --output-dir: INPUT... (one COG per input)");

  add_batch_options(app, a);

  // reproject / resample
  app.add_option("--a-srs,--s-srs", o.read.a_srs,
                 "CRS of the input (EPSG:code, WKT, PROJ string), as gdal_translate -a_srs / gdalwarp -s_srs: "
                 "replaces a GDAL raster's own CRS, and the .prj sidecar of an ASCII grid or XYZ file; with --mosaic, "
                 "of every input")
      ->group("Read");
  add_translate_options(app, a);
  app.add_option("-t,--t-srs", o.reproject.t_srs, "Target CRS (EPSG:code, WKT, PROJ string)")->group("Reproject");
  // Into a.res, not xres: each() would run before CLI11 stores the value (yres stayed 0).
  app.add_option("--res", a.res, "Target resolution (square pixels), in target CRS units")->group("Reproject");
  app.add_option("--tr", a.tr, "Target resolution XRES YRES, as gdalwarp -tr")
      ->expected(2)
      ->delimiter(',')
      ->type_name("XRES YRES")
      ->group("Reproject");
  app.add_flag("--tap", o.reproject.tap, "Align the output extent on multiples of the resolution")->group("Reproject");
  add_grid_options(app, a);
  add_enum_option(app, "-r,--resampling", o.reproject.resampling, "Resampling kernel")->group("Reproject");
  app.add_option("--et", o.reproject.error_threshold,
                 "Approximation error threshold of the transformer, pixels (0 = exact), as gdalwarp -et")
      ->group("Reproject")
      ->capture_default_str();
  app.add_option("-j,--threads", o.threads, "Worker threads (0 = all cores)")->capture_default_str();

  // fill
  app.add_flag("--fill", o.fill.enabled, "Fill nodata holes by inverse-distance interpolation")->group("Fill");
  app.add_option("--fill-max-distance", o.fill.max_distance, "Maximum search distance, pixels")
      ->group("Fill")
      ->capture_default_str();
  app.add_option("--fill-smoothing", o.fill.smoothing, "Smoothing iterations over filled pixels")
      ->group("Fill")
      ->capture_default_str();
  add_enum_option(app, "--fill-method", o.fill.method, "Fill method")->group("Fill");
  app.add_flag("--fill-interior-only", o.fill.interior_only,
               "Fill only holes enclosed by data (not touching the raster edge or the nodata collar)")
      ->group("Fill");

  // clip
  app.add_option("--clip", o.clip.geometry, "Clip polygon: an OGR-readable file (any CRS) or WKT")->group("Clip");
  app.add_option("--bbox", a.bbox, "Clip box XMIN,YMIN,XMAX,YMAX")->group("Clip");
  app.add_option("--bbox-srs", o.clip.bbox_srs, "CRS of --bbox and of WKT given to --clip (default: output CRS)")
      ->group("Clip");
  app.add_option("--cutline", a.cutline, "As gdalwarp -cutline: --clip, with --crop-to-cutline")->group("Clip");
  app.add_flag("--crop-to-cutline", a.crop_to_cutline,
               "As gdalwarp -crop_to_cutline (cogkit always crops to the clip geometry's extent)")
      ->group("Clip");

  // write
  add_enum_option(app, "--of", a.output_format, "Output format, as gdal_translate -of")->group("COG");
  add_enum_option(app, "--compress", o.cog.compress, "Compression")->group("COG");
  app.add_option("--level", o.cog.level, "Compression level (JPEG/WEBP: quality)")->group("COG");
  add_enum_option(app, "--predictor", o.cog.predictor, "Predictor (with deflate, zstd, lzw, lzma)")->group("COG");
  app.add_option("--blocksize", o.cog.blocksize, "Tile size in pixels")->group("COG")->capture_default_str();
  add_enum_option(app, "--overviews", o.cog.overviews, "Overviews")->group("COG");
  add_enum_option(app, "--overview-resampling", o.cog.overview_resampling,
                  "Overview resampling (default GDAL's: cubic, nearest with a colour table)")
      ->group("COG");
  app.add_option("--nodata", o.cog.nodata, "Assign/override the nodata value")->group("COG");
  add_enum_option(app, "--writer", o.cog.writer, "COG writer")->group("COG");
  app.add_option("--co", o.cog.creation_options,
                 "Creation option KEY=VALUE, as gdal_translate -co (repeatable): COMPRESS, LEVEL, QUALITY, PREDICTOR, "
                 "BLOCKSIZE, OVERVIEWS, OVERVIEW_RESAMPLING, NUM_THREADS set the options above; others go to GDAL's "
                 "COG driver")
      ->group("COG")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false)
      ->take_all();
  app.add_option("--config", a.config_pairs, "GDAL configuration option KEY VALUE or KEY=VALUE (repeatable)")
      ->type_name("KEY VALUE")
      ->allow_extra_args(false)
      ->take_all()
      ->group("COG");

  // staging
  app.add_option("--memory-budget", a.memory_budget,
                 "Memory budget, e.g. 448MB, 2GB, 1GiB (default: 25% of the memory available, honouring cgroup limits)")
      ->group("Resources");
  app.add_option("--tmpdir", o.staging.tmpdir, "Directory for temporary files (default: $TMPDIR or /tmp)")
      ->group("Resources");
  add_enum_option(app, "--staging", o.staging.force, "Staging of intermediates")->group("Resources");
  add_gdal_resource_options(app, a);

  // report
  app.add_flag("--json", a.json, "Print the JSON report on stdout (batch: one JSON line per input, as each ends)")
      ->group("Report");
  app.add_option("--report", a.report_path, "Write the JSON report to FILE (batch: JSON Lines, one per input)")
      ->group("Report");
  add_stac_options(app, a);
  app.add_flag("-q,--quiet", a.quiet, "No progress and no warnings on stderr (errors still)")->group("Report");
  add_enum_option(app, "--progress", a.progress, "Progress on stderr")->group("Report");
  app.add_flag("--no-validate", [&o](std::int64_t) { o.validate = false; }, "Skip the COG layout check")
      ->group("Report");
  app.add_flag("--no-stats", [&o](std::int64_t) { o.write_statistics = false; },
               "Do not store the band statistics (STATISTICS_*) in the COG")
      ->group("Report");
}

namespace {

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// "KEY=VALUE" split at the first '='; `flag` names the flag in the error.
std::pair<std::string, std::string> key_value(const std::string& kv, const std::string& flag) {
  const auto eq = kv.find('=');
  if (eq == std::string::npos || eq == 0) throw error("options", "", flag + " expects KEY=VALUE, got '" + kv + "'");
  return {kv.substr(0, eq), kv.substr(eq + 1)};
}

double to_number(const std::string& text, const std::string& what) {
  try {
    std::size_t pos = 0;
    const double v = std::stod(text, &pos);
    if (pos == text.size()) return v;
  } catch (const std::exception&) {
  }
  throw error("options", "", what + " expects a number, got '" + text + "'");
}

int to_int(const std::string& text, const std::string& what) {
  const double v = to_number(text, what);
  if (v != std::floor(v) || std::fabs(v) > 1e9) throw error("options", "", what + " expects an integer, got '" + text + "'");
  return static_cast<int>(v);
}

// NUM_THREADS=N|ALL_CPUS (of -co and -wo).
int thread_count(const std::string& value, const std::string& what) {
  return upper(value) == "ALL_CPUS" ? 0 : to_int(value, what);
}

// A creation option GDAL's COG driver declares.
void check_cog_driver_option(const std::string& key, const std::string& kv) {
  GDALDriverH cog = GDALGetDriverByName("COG");
  const char* list = cog ? GDALGetMetadataItem(cog, GDAL_DMD_CREATIONOPTIONLIST, nullptr) : nullptr;
  if (list && std::string(list).find("name='" + key + "'") == std::string::npos)
    throw error("options", "", "-co " + kv + ": GDAL's COG driver has no creation option " + key);
}

// -co PREDICTOR=: GDAL's YES/NO too.
Predictor predictor_value(const std::string& value) {
  const std::string v = upper(value);
  if (v == "YES") return Predictor::automatic;
  if (v == "NO" || v == "1") return Predictor::none;
  return parse<Predictor>(value);
}

// One -co KEY=VALUE: the keys cogkit has typed options for set them (true); false: the option is GDAL's.
bool apply_typed_creation_option(const std::string& key, const std::string& value, const std::string& kv,
                                 PipelineOptions& o, std::optional<int>& bx, std::optional<int>& by) {
  CogOptions& cog = o.cog;
  const std::string what = "-co " + key;
  if (key == "COMPRESS") {
    const auto c = from_gdal<Compression>(value);
    cog.compress = c ? *c : parse<Compression>(value);
  } else if (key == "LEVEL" || key == "QUALITY") {
    cog.level = to_int(value, what);
  } else if (key == "PREDICTOR") {
    cog.predictor = predictor_value(value);
  } else if (key == "BLOCKSIZE") {
    cog.blocksize = to_int(value, what);
  } else if (key == "BLOCKXSIZE" || key == "BLOCKYSIZE") {
    (key == "BLOCKXSIZE" ? bx : by) = to_int(value, what);
  } else if (key == "OVERVIEWS" && try_parse<Overviews>(value)) {
    cog.overviews = parse<Overviews>(value);
  } else if (key == "OVERVIEW_RESAMPLING" || key == "RESAMPLING") {
    cog.overview_resampling = parse<OverviewResampling>(value);
  } else if (key == "NUM_THREADS") {
    o.threads = thread_count(value, what);
  } else if (key == "TILED" || key == "COPY_SRC_OVERVIEWS") {
    if (upper(value) != "YES") throw error("options", "", "-co " + kv + ": a COG is always tiled, with its overviews");
  } else {
    return false;
  }
  return true;
}

// -co KEY=VALUE, after the typed flags: cogkit's keys set its options, the rest (checked
// against GDAL's COG driver) stay creation options for it.
void apply_creation_options(PipelineOptions& o) {
  std::vector<std::string> rest;
  std::optional<int> bx, by;
  for (const auto& kv : o.cog.creation_options) {
    auto [key, value] = key_value(kv, "--co");
    key = upper(key);
    if (apply_typed_creation_option(key, value, kv, o, bx, by)) continue;
    check_cog_driver_option(key, kv);
    rest.push_back(key + "=" + value);
  }
  if (bx || by) {
    if (bx != by) throw error("options", "", "-co BLOCKXSIZE and BLOCKYSIZE must be equal (COG tiles are square)");
    o.cog.blocksize = *bx;
  }
  o.cog.creation_options = std::move(rest);
}

// -wm: MB below 10000, else bytes, as gdalwarp; or a size with its unit.
std::uint64_t warp_memory(const std::string& text) {
  if (text.find_first_not_of("0123456789.") != std::string::npos) return parse_size(text);
  const double v = to_number(text, "--wm");
  if (!(v > 0)) throw error("options", "", "--wm must be positive, got '" + text + "'");
  return static_cast<std::uint64_t>(v < 10000 ? v * 1024 * 1024 : v);
}

std::vector<double> numbers(const std::string& text, const std::string& flag) {
  std::vector<double> out;
  if (text.empty()) return out;
  for (const auto& part : split(text, ',')) out.push_back(to_number(part, flag));
  return out;
}

// GDAL's flags whose meaning depends on others: -te, -ts, -scale, -wm, -wo, -cutline, --config, -co.
void finish_gdal_flags(CommonArgs& a) {
  auto& o = a.options;
  if (!a.te.empty()) o.reproject.te = std::array<double, 4>{a.te[0], a.te[1], a.te[2], a.te[3]};
  if (!a.ts.empty()) {
    o.reproject.ts_width = a.ts[0];
    o.reproject.ts_height = a.ts[1];
  }
  if (a.scale) o.translate.scale = *a.scale == kNoRange ? std::vector<double>{} : numbers(*a.scale, "--scale");
  if (!a.warp_memory.empty()) {
    if (!a.memory_budget.empty()) throw error("options", "", "--wm and --memory-budget both set the memory budget");
    o.staging.memory_budget = warp_memory(a.warp_memory);
  }
  for (const auto& kv : a.warp_options) {
    const auto [key, value] = key_value(kv, "--wo");
    if (upper(key) != "NUM_THREADS")
      throw error("options", "", "--wo " + kv + ": only NUM_THREADS is supported (cogkit sets the other warp options)");
    o.threads = thread_count(value, "--wo NUM_THREADS");
  }
  if (!a.cutline.empty()) {
    if (!a.crop_to_cutline)
      throw error("options", "", "-cutline without -crop_to_cutline keeps the whole extent in gdalwarp; cogkit always "
                                 "crops to the cutline: add -crop_to_cutline (or use --clip)");
    if (!o.clip.geometry.empty()) throw error("options", "", "--cutline and --clip both give a clip geometry");
    o.clip.geometry = a.cutline;
  }
  for (const auto& kv : a.config_pairs) o.config.push_back(key_value(kv, "--config"));
  apply_creation_options(o);
}

// The STAC flags checked before any pixel moves: RFC 3339 --datetime, writable Item paths.
void finish_stac_args(CommonArgs& a) {
  if (a.stac_datetime && !is_rfc3339(*a.stac_datetime))
    throw error("options", "", "--datetime expects an RFC 3339 date-time (e.g. 2024-05-01T10:00:00Z), got '" +
                                   *a.stac_datetime + "'");
  if (a.stac_datetime && a.stac_path.empty() && a.stac_dir.empty())
    throw error("options", "", "--datetime is the STAC Item's: it needs --stac FILE or --stac-dir DIR");
  if (!a.stac_path.empty() && !a.output_dir.empty())
    throw error("options", "", "--stac FILE is for one output; with --output-dir use --stac-dir DIR");
  if (!a.stac_path.empty() && !a.stac_dir.empty()) throw error("options", "", "give --stac or --stac-dir, not both");
  check_stac_writable(a.stac_path);
  if (a.stac_dir.empty() || a.stac_dir.rfind("/vsi", 0) == 0) return;
  std::error_code ec;
  std::filesystem::create_directories(a.stac_dir, ec);
  check_stac_writable((std::filesystem::path(a.stac_dir) / "item.json").string());
}

void finish_args(CommonArgs& a) {
  auto& o = a.options;
  if (a.mosaic) {
    if (!a.output_dir.empty()) throw error("options", "", "--mosaic writes one OUTPUT: it does not take --output-dir");
    if (!a.shard.empty()) throw error("options", "", "--shard is for --output-dir batches, not --mosaic");
    if (a.files.empty()) throw error("options", "", "--mosaic expects INPUT... OUTPUT");
    a.output = a.files.back();
    a.inputs.assign(a.files.begin(), a.files.end() - 1);
    if (!a.inputs_from.empty())
      for (auto& f : read_input_list(a.inputs_from)) a.inputs.push_back(std::move(f));
    if (a.inputs.empty()) throw error("options", "", "--mosaic expects INPUT... OUTPUT, got only " + a.output);
    a.input = a.inputs.size() == 1 ? a.inputs[0] : "mosaic of " + std::to_string(a.inputs.size()) + " inputs";
  } else if (a.output_dir.empty()) {
    if (!a.inputs_from.empty()) throw error("options", "", "--inputs-from needs --output-dir (or --mosaic)");
    if (!a.shard.empty()) throw error("options", "", "--shard needs --output-dir");
    if (a.files.size() != 2)
      throw error("options", "", "expected INPUT OUTPUT (or --output-dir DIR with INPUT...), got " +
                                     std::to_string(a.files.size()) + " file argument(s)");
    a.input = a.files[0];
    a.output = a.files[1];
  } else {
    if (!a.inputs_from.empty())
      for (auto& f : read_input_list(a.inputs_from)) a.files.push_back(std::move(f));
    if (a.files.empty()) throw error("options", "", "--output-dir given but no INPUT");
  }
  if (a.jobs < 0) throw error("options", "", "--jobs must be 0 (one per thread) or more");
  if (a.res != 0) o.reproject.xres = o.reproject.yres = a.res;
  if (!a.tr.empty()) {
    if (!(a.tr[0] > 0 && a.tr[1] > 0))  // as gdalwarp: 0 is no "derive it" here
      throw error("options", "", "--tr needs a positive XRES and YRES, got " + std::to_string(a.tr[0]) + " " +
                                     std::to_string(a.tr[1]));
    o.reproject.xres = a.tr[0];
    o.reproject.yres = a.tr[1];
  }
  if (!a.bbox.empty()) {
    const auto parts = split(a.bbox, ',');
    std::array<double, 4> b{};
    if (parts.size() != 4) throw error("options", "", "--bbox expects XMIN,YMIN,XMAX,YMAX, got '" + a.bbox + "'");
    for (int i = 0; i < 4; ++i) {
      try {
        std::size_t pos = 0;
        b[i] = std::stod(parts[i], &pos);
        if (pos != parts[i].size()) throw std::invalid_argument("trailing");
      } catch (const std::exception&) {
        throw error("options", "", "--bbox expects numbers, got '" + parts[i] + "'");
      }
    }
    o.clip.bbox = b;
  }
  if (!a.memory_budget.empty()) o.staging.memory_budget = parse_size(a.memory_budget);
  finish_gdal_flags(a);
  validate_cog_options(o.cog);
  if (o.threads < 0) throw error("options", "", "--threads must be 0 (all cores) or more");
  finish_stac_args(a);
}

// Markdown table of every option, generated from the same declarations as --help.
void print_markdown(const CLI::App& app) {
  std::printf("### `%s`\n\n%s\n\n| Option | Description | Default |\n|---|---|---|\n", app.get_name().c_str(),
              app.get_description().c_str());
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_name().empty() || opt->get_group().empty()) continue;
    std::string names = opt->get_name(false, true);
    std::string desc = opt->get_description();
    for (auto& c : desc)
      if (c == '|') c = '/';
    std::printf("| `%s` | %s | %s |\n", names.c_str(), desc.c_str(), opt->get_default_str().c_str());
  }
  std::printf("\n");
}

}  // namespace

namespace {
int run_job(std::string_view tool, CommonArgs& args, const std::function<Report(const CommonArgs&)>& job);

void print_version(std::string_view tool) {
  int major = 0, minor = 0, patch = 0;
  OSRGetPROJVersion(&major, &minor, &patch);
  std::printf("%.*s (cogkit %s)\n%s\nPROJ %d.%d.%d\n", int(tool.size()), tool.data(), COGKIT_VERSION,
              GDALVersionInfo("--version"), major, minor, patch);
}

// The codecs (and which writer encodes them), output formats and data types.
void print_formats() {
  std::printf("Compression (--compress, -co COMPRESS=):\n");
  for (const auto& c : codec_support()) {
    const auto& e = entry(c.codec);
    const char* who = c.cogkit_writer && c.gdal_driver ? "cogkit's writer and GDAL's COG driver"
                      : c.gdal_driver                  ? "GDAL's COG driver"
                      : c.cogkit_writer                ? "cogkit's writer"
                                                       : "not available in this GDAL build";
    std::printf("  %-13s %-13s %-38s %s\n", std::string(e.name).c_str(), std::string(e.gdal).c_str(), who,
                std::string(e.help).c_str());
  }
  std::printf("Output formats (-of): ");
  for (const auto& e : table<OutputFormat>().entries) std::printf("%s ", std::string(e.gdal).c_str());
  std::printf("(a COG either way)\nData types (-ot): ");
  for (const auto& e : table<DataType>().entries) std::printf("%s ", std::string(e.gdal).c_str());
  std::printf("\n");
}

void add_info_flags(std::string_view tool, CLI::App& app) {
  app.add_flag_callback(
         "--version",
         [tool] {
           print_version(tool);
           throw CLI::Success();
         },
         "Print the versions of cogkit, GDAL and PROJ")
      ->group("Report");
  app.add_flag_callback(
         "--formats",
         [] {
           GDALAllRegister();
           print_formats();
           throw CLI::Success();
         },
         "List the compression codecs (and which writer encodes them), output formats and data types")
      ->group("Report");
  app.add_flag_callback(
         "--help-gdal-markdown",
         [] {
           std::printf("%s", gdal_aliases_markdown().c_str());
           throw CLI::Success();
         },
         "Print the table of GDAL's flags (docs/gdal-compat.md is generated with it)")
      ->group("");
}
}  // namespace

int run_tool(std::string_view tool, CLI::App& app, CommonArgs& args, int argc, char** argv,
             const std::function<Report(const CommonArgs&)>& job) {
  app.add_flag_callback(
         "--help-markdown",
         [&app] {
           print_markdown(app);
           throw CLI::Success();
         },
         "Print the options as a Markdown table (docs/cli.md is generated with it)")
      ->group("");
  add_doc_flags(app);  // --help-man, --help-bash-completion (cli_docs.cpp)
  add_info_flags(tool, app);
  app.footer("GDAL's spellings work too, with GDAL's meanings: " + gdal_spellings() + " (docs/gdal-compat.md).\n" +
             exit_codes_help());
  // A flag takes its values only: never the positionals after it (normalize_args joins them).
  for (CLI::Option* opt : app.get_options())
    if (opt->nonpositional()) opt->allow_extra_args(false);
  GDALAllRegister();
  try {
    std::vector<std::string> args = normalize_args(std::vector<std::string>(argv + 1, argv + argc), app);
    std::reverse(args.begin(), args.end());  // CLI11 takes a vector last argument first
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --help-markdown, --version, --formats
    std::string msg = e.what();
    std::fprintf(stderr, "%.*s: options: %s\n", int(tool.size()), tool.data(), msg.c_str());
    return e.get_exit_code() ? exit_usage : exit_ok;
  } catch (const error& e) {
    std::fprintf(stderr, "%.*s: options: %s\n", int(tool.size()), tool.data(), e.message().c_str());
    return exit_usage;
  }
  install_signal_cleanup();
  capture_gdal_diagnostics();
  const int code = run_job(tool, args, job);
  // Every dataset, temp file and upload is closed by now: end the process without GDAL's
  // driver-manager teardown (~5 ms, paid by every process when a pipeline converts
  // thousands of tiles one process each).
  std::fflush(nullptr);
  _exit(code);
}

namespace {

// The library names a setting by its struct field (its errors speak of options); the CLI
// says the flag that sets it.
std::string with_flags(std::string text) {
  static constexpr std::pair<std::string_view, std::string_view> kFlags[] = {
      {"ReprojectOptions::xres/yres", "--res/--tr"},
      {"ReprojectOptions::te_srs", "--te-srs"},
      {"ReprojectOptions::te", "--te"},
      {"ReprojectOptions::ts_width/ts_height", "--ts"},
      {"ReprojectOptions::src_nodata", "--src-nodata"},
      {"ReprojectOptions::dst_nodata", "--dst-nodata"},
      {"TranslateOptions::bands", "--band"},
      {"TranslateOptions::scale", "--scale"},
      {"TranslateOptions::unscale", "--unscale"},
      {"TranslateOptions::output_type", "--ot"},
      {"ReprojectOptions::tap", "--tap"},
      {"ReprojectOptions::error_threshold", "--et"},
      {"ClipOptions::bbox_srs", "--bbox-srs"},
      {"CogOptions::nodata", "--nodata"},
      {"FillOptions::max_distance", "--fill-max-distance"},
      {"FillOptions::smoothing", "--fill-smoothing"},
      {"AsciiGridOptions::type", "--type"},
      {"AsciiGridOptions::a_srs", "--a-srs"},
      {"XyzOptions::a_srs", "--a-srs"},
      {"SourceOptions::a_srs", "--a-srs"},
      {"XyzOptions::nodata", "--nodata"},
      {"XyzOptions::separator", "--separator"},
      {"XyzOptions::columns", "--columns"},
      {"XyzOptions::res", "--grid-res"},
  };
  for (const auto& [field, flag] : kFlags)
    for (auto at = text.find(field); at != std::string::npos; at = text.find(field, at + flag.size()))
      text.replace(at, field.size(), flag);
  return text;
}

// The one line a failure prints: "<tool>: <path>: <step>: <message> (GDAL: ...)".
std::string error_line(std::string_view tool, const std::string& input, const error& e) {
  std::string path = e.path().empty() ? input : e.path();
  std::string line = std::string(tool) + ": ";
  if (!path.empty()) line += path + ": ";
  line += (e.step().empty() ? std::string() : e.step() + ": ") + e.message();
  if (!e.gdal_message().empty() && e.message().find(e.gdal_message()) == std::string::npos)
    line += " (GDAL: " + e.gdal_message() + ")";
  for (auto& c : line)
    if (c == '\n') c = ' ';
  return with_flags(std::move(line));
}

void write_report(const CommonArgs& args, const std::string& text) {
  if (!args.report_path.empty()) {
    std::ofstream f(args.report_path);
    f << text << "\n";
    if (!f) throw error("report", args.report_path, "cannot write the report");
  }
  if (args.json) std::printf("%s\n", text.c_str());
}

// The STAC Item of a published output, if asked for: --stac FILE, or DIR/<output name>.json.
void write_stac(const CommonArgs& args, const Report& report) {
  if (args.stac_path.empty() && args.stac_dir.empty()) return;
  std::string path = args.stac_path;
  if (path.empty()) {
    std::string name = std::filesystem::path(report.output).filename().string();
    name = name.substr(0, name.rfind('.') == 0 ? name.size() : name.rfind('.')) + ".json";
    path = args.stac_dir + (args.stac_dir.ends_with('/') ? "" : "/") + name;
  }
  StacItemOptions o;
  o.item_path = path;
  o.datetime = args.stac_datetime;
  write_stac_file(path, stac_item(report, o));
}

// write_stac for one batch output; false (after its error line) when the Item failed.
bool write_batch_stac(std::string_view tool, const CommonArgs& args, const BatchOutcome& outcome) {
  if (!outcome.report || !outcome.skipped.empty()) return true;
  try {
    write_stac(args, *outcome.report);
    return true;
  } catch (const error& e) {
    std::fprintf(stderr, "%s\n", error_line(tool, outcome.item.input, e).c_str());
    return false;
  }
}

// "<tool>: <input>: warning: <text>" for each of the report's warnings (GDAL's and cogkit's).
void print_warnings(std::string_view tool, const CommonArgs& args, const Report& report, Progress& progress) {
  if (args.quiet) return;
  for (const auto& w : report.warnings)
    progress.print_line(std::string(tool) + ": " + (report.input.empty() ? args.input : report.input) + ": warning: " + w);
}

// The object --json/--report get for a failed run, with the fields of a batch's failed line.
std::string failure_json(std::string_view tool, const CommonArgs& args, const std::string& step,
                         const std::string& message, const std::string& gdal_message) {
  nlohmann::ordered_json j{{"tool", tool},    {"status", "failed"}, {"step", step},
                           {"input", args.input}, {"output", args.output}, {"message", message},
                           {"gdal_message", gdal_message}};
  return j.dump(2);
}

// Never throws: the run has failed already (the report file may be what failed).
void write_failure(const CommonArgs& args, const std::string& text) {
  if (!args.report_path.empty()) std::ofstream(args.report_path) << text << "\n";
  if (args.json) std::printf("%s\n", text.c_str());
}

// The inputs of this batch: the positionals and --inputs-from, of --shard.
std::vector<std::string> batch_inputs(const CommonArgs& args) {
  if (args.shard.empty()) return args.files;
  int index = -1, count = 0;
  char slash = 0;
  std::istringstream in(args.shard);
  if (!(in >> index >> slash >> count) || slash != '/' || !in.eof())
    throw error("options", "", "--shard expects INDEX/COUNT (e.g. 0/8), got '" + args.shard + "'");
  return shard_inputs(args.files, index, count);
}

// One JSON line per input to --report FILE and/or stdout (--json).
struct BatchLines {
  const CommonArgs& args;
  std::ofstream file;
  explicit BatchLines(const CommonArgs& a) : args(a) {
    if (args.report_path.empty()) return;
    file.open(args.report_path);
    if (!file) throw error("report", args.report_path, "cannot write the report");
  }
  void add(const BatchOutcome& o) {
    const std::string line = batch_report_line(o);
    if (file.is_open()) file << line << std::endl;
    if (args.json) {
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);
    }
  }
};

// After run_batch: the lines of inputs never started (--fail-fast has no on_done call for
// them), then "<tool>: N of M inputs failed"; exit_partial_batch when any failed.
int batch_summary(std::string_view tool, const std::vector<BatchOutcome>& outcomes, BatchLines& lines) {
  for (const auto& o : outcomes)
    if (o.skipped.rfind("not started", 0) == 0) lines.add(o);
  if (lines.file.is_open() && !lines.file.flush())
    throw error("report", lines.args.report_path, "cannot write the report");
  const auto failed = std::count_if(outcomes.begin(), outcomes.end(), [](const auto& o) { return o.failure.has_value(); });
  const auto skipped = std::count_if(outcomes.begin(), outcomes.end(), [](const auto& o) {
    return o.skipped.rfind("not started", 0) == 0;
  });
  if (failed == 0) return exit_ok;
  std::fprintf(stderr, "%.*s: %ld of %zu inputs failed%s\n", int(tool.size()), tool.data(), long(failed), outcomes.size(),
               skipped ? (", " + std::to_string(skipped) + " not started (--fail-fast)").c_str() : "");
  return exit_partial_batch;
}

// --output-dir: every input through run_batch; one error line per failed input, a progress line
// per ended input, then a summary line; exit status 5 when any input failed. Reports are JSON
// Lines, one per input, written (and flushed) as each input ends.
int run_batch_job(std::string_view tool, CommonArgs& args, Progress& progress,
                  const std::function<Report(const CommonArgs&)>& job) {
  const std::vector<std::string> inputs = batch_inputs(args);
  if (inputs.empty()) return exit_ok;  // more shards than inputs: nothing for this one
  const std::vector<BatchItem> items = plan_batch(inputs, args.output_dir);
  BatchLines lines(args);
  BatchOptions batch;
  batch.jobs = args.jobs;
  batch.keep_going = !args.fail_fast;
  batch.skip_existing = args.skip_existing;
  batch.retries = args.retries;
  bool stac_failed = false;
  BatchCounts counts;
  batch.on_done = [&](std::size_t done, std::size_t total, const BatchOutcome& outcome) {
    if (outcome.failure) progress.print_line(error_line(tool, outcome.item.input, *outcome.failure));
    if (outcome.report) print_warnings(tool, args, *outcome.report, progress);
    if (!write_batch_stac(tool, args, outcome)) stac_failed = true;
    lines.add(outcome);
    counts.failed += outcome.failure.has_value();
    counts.skipped += !outcome.skipped.empty();
    counts.done = done;
    counts.total = total;
    progress.batch(counts);
  };
  const auto outcomes = run_batch(items, args.options, batch, [&](const BatchItem& item, const PipelineOptions& o) {
    CommonArgs one = args;
    one.input = item.input;
    one.output = item.output;
    one.options = o;
    return job(one);
  });
  progress.finish();
  const int code = batch_summary(tool, outcomes, lines);
  return code == exit_ok && stac_failed ? exit_partial_batch : code;  // an Item not written fails its input
}

int run_job(std::string_view tool, CommonArgs& args, const std::function<Report(const CommonArgs&)>& job) {
  Progress progress(args.progress, args.quiet);
  try {
    finish_args(args);
  } catch (const error& e) {  // a usage error, as the parser's: exit status 2
    std::fprintf(stderr, "%s\n", error_line(tool, "", e).c_str());
    return exit_usage;
  }
  try {
    args.options.tool = std::string(tool);
    if (!args.output_dir.empty()) return run_batch_job(tool, args, progress, job);
    if (!progress.silent()) args.options.progress = [&progress](std::string_view s, double f) { progress.step(s, f); };
    const Report report = job(args);
    progress.finish();
    print_warnings(tool, args, report, progress);
    write_report(args, report.to_json(2));
    write_stac(args, report);
    return exit_ok;
  } catch (const error& e) {
    progress.print_line(error_line(tool, args.input, e));
    if (args.output_dir.empty())
      write_failure(args, failure_json(tool, args, e.step(), with_flags(e.message()), e.gdal_message()));
    const bool on_output = !e.path().empty() && (e.path() == args.output || e.path() == args.output_dir);
    return exit_code_for_step(e.step(), on_output);
  } catch (const std::exception& e) {
    progress.print_line(std::string(tool) + ": " + args.input + ": " + e.what());
    if (args.output_dir.empty()) write_failure(args, failure_json(tool, args, "", e.what(), ""));
    return exit_failure;
  }
}
}  // namespace

}  // namespace cogkit::cli
