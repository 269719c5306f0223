#include "cli_common.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>

#include <gdal.h>

#include "cogkit/jobs/batch.hpp"
#include "cogkit/core/error.hpp"
#include "cogkit/core/staging.hpp"

namespace cogkit::cli {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep)) out.push_back(item);
  return out;
}

// A one-line progress bar on a TTY: "[reproject]  42% |#########            |".
class ProgressBar {
 public:
  void operator()(std::string_view step, double fraction) {
    std::lock_guard lock(mutex_);
    const int pct = static_cast<int>(std::floor(fraction * 100));
    if (step == step_ && pct == pct_) return;
    step_ = std::string(step);
    pct_ = pct;
    const int width = 30, filled = pct * width / 100;
    std::fprintf(stderr, "\r%-10s %3d%% |%.*s%*s|", step_.c_str(), pct, filled,
                 "##############################", width - filled, "");
    std::fflush(stderr);
    dirty_ = true;
  }
  void finish() {
    std::lock_guard lock(mutex_);
    if (dirty_) std::fprintf(stderr, "\r%*s\r", 60, "");
    dirty_ = false;
  }

 private:
  std::mutex mutex_;
  std::string step_;
  int pct_ = -1;
  bool dirty_ = false;
};

}  // namespace

void add_common_options(CLI::App& app, CommonArgs& a) {
  auto& o = a.options;
  app.add_option("FILES", a.files,
                 "INPUT OUTPUT: input raster (GeoTIFF, any GDAL raster, ESRI ASCII grid, XYZ; local or /vsi...) and "
                 "output COG (local path or /vsis3/bucket/key). With --output-dir: INPUT... (one COG per input)");

  // batch
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

  // reproject / resample
  app.add_option("--a-srs", o.read.a_srs,
                 "CRS of the input, as gdal_translate -a_srs (EPSG:code, WKT, PROJ string): replaces a GDAL raster's "
                 "own; for ASCII grids and XYZ files it wins over a .prj sidecar")
      ->group("Read");
  app.add_option("-t,--t-srs", o.reproject.t_srs, "Target CRS (EPSG:code, WKT, PROJ string)")->group("Reproject");
  // Into a.res, not xres: each() would run before CLI11 stores the value (yres stayed 0).
  app.add_option("--res", a.res, "Target resolution (square pixels), in target CRS units")->group("Reproject");
  app.add_option("--tr", a.tr, "Target resolution XRES YRES")->expected(2)->group("Reproject");
  app.add_flag("--tap", o.reproject.tap, "Align the output extent on multiples of the resolution")->group("Reproject");
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

  // write
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
  app.add_option("--co", o.cog.creation_options, "Extra GDAL COG creation option KEY=VALUE (repeatable)")
      ->group("COG")
      ->take_all();
  app.add_option("--config", a.config_pairs, "GDAL configuration option KEY VALUE (repeatable)")
      ->expected(2)
      ->take_all()
      ->group("COG");

  // staging
  app.add_option("--memory-budget", a.memory_budget,
                 "Memory budget, e.g. 448MB, 2GB, 1GiB (default: 25% of the memory available, honouring cgroup limits)")
      ->group("Resources");
  app.add_option("--tmpdir", o.staging.tmpdir, "Directory for temporary files (default: $TMPDIR or /tmp)")
      ->group("Resources");
  add_enum_option(app, "--staging", o.staging.force, "Staging of intermediates")->group("Resources");

  // report
  app.add_flag("--json", a.json, "Print the JSON report on stdout (batch: one JSON line per input, as each ends)")
      ->group("Report");
  app.add_option("--report", a.report_path, "Write the JSON report to FILE (batch: JSON Lines, one per input)")
      ->group("Report");
  app.add_flag("-q,--quiet", a.quiet, "No progress bar")->group("Report");
  app.add_flag("--no-validate", [&o](std::int64_t) { o.validate = false; }, "Skip the COG layout check")
      ->group("Report");
}

namespace {

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
  for (std::size_t i = 0; i + 1 < a.config_pairs.size(); i += 2) o.config.emplace_back(a.config_pairs[i], a.config_pairs[i + 1]);
  validate_cog_options(o.cog);
  if (o.threads < 0) throw error("options", "", "--threads must be 0 (all cores) or more");
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --help-markdown
    std::string msg = e.what();
    std::fprintf(stderr, "%.*s: options: %s\n", int(tool.size()), tool.data(), msg.c_str());
    return e.get_exit_code() ? 2 : 0;
  }
  install_signal_cleanup();
  GDALAllRegister();
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

// --output-dir: every input through run_batch; one error line per failed input, then a
// summary line; exit status 1 when any input failed. Reports are JSON Lines, one per input,
// written (and flushed) as each input ends.
int run_batch_job(std::string_view tool, CommonArgs& args, ProgressBar& bar, bool tty,
                  const std::function<Report(const CommonArgs&)>& job) {
  std::vector<std::string> inputs = args.files;
  if (!args.shard.empty()) {
    int index = -1, count = 0;
    char slash = 0;
    std::istringstream in(args.shard);
    if (!(in >> index >> slash >> count) || slash != '/' || !in.eof())
      throw error("options", "", "--shard expects INDEX/COUNT (e.g. 0/8), got '" + args.shard + "'");
    inputs = shard_inputs(inputs, index, count);
    if (inputs.empty()) return 0;  // more shards than inputs: nothing for this one
  }
  const std::vector<BatchItem> items = plan_batch(inputs, args.output_dir);
  std::ofstream report_file;
  if (!args.report_path.empty()) {
    report_file.open(args.report_path);
    if (!report_file) throw error("report", args.report_path, "cannot write the report");
  }
  BatchOptions batch;
  batch.jobs = args.jobs;
  batch.keep_going = !args.fail_fast;
  batch.skip_existing = args.skip_existing;
  batch.retries = args.retries;
  batch.on_done = [&](std::size_t done, std::size_t total, const BatchOutcome& outcome) {
    if (outcome.failure) {
      bar.finish();
      std::fprintf(stderr, "%s\n", error_line(tool, outcome.item.input, *outcome.failure).c_str());
    }
    const std::string line = batch_report_line(outcome);
    if (report_file.is_open()) report_file << line << std::endl;
    if (args.json) {
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);
    }
    if (tty) bar("batch", double(done) / double(total));
  };
  const auto outcomes = run_batch(items, args.options, batch, [&](const BatchItem& item, const PipelineOptions& o) {
    CommonArgs one = args;
    one.input = item.input;
    one.output = item.output;
    one.options = o;
    return job(one);
  });
  bar.finish();
  // Inputs never started (--fail-fast) have no on_done call: their lines come last.
  for (const auto& o : outcomes)
    if (o.skipped.rfind("not started", 0) == 0) {
      const std::string line = batch_report_line(o);
      if (report_file.is_open()) report_file << line << "\n";
      if (args.json) std::printf("%s\n", line.c_str());
    }
  if (report_file.is_open() && !report_file.flush())
    throw error("report", args.report_path, "cannot write the report");
  const auto failed = std::count_if(outcomes.begin(), outcomes.end(), [](const auto& o) { return o.failure.has_value(); });
  const auto skipped = std::count_if(outcomes.begin(), outcomes.end(), [](const auto& o) {
    return o.skipped.rfind("not started", 0) == 0;
  });
  if (failed == 0) return 0;
  std::fprintf(stderr, "%.*s: %ld of %zu inputs failed%s\n", int(tool.size()), tool.data(), long(failed), outcomes.size(),
               skipped ? (", " + std::to_string(skipped) + " not started (--fail-fast)").c_str() : "");
  return 1;
}


int run_job(std::string_view tool, CommonArgs& args, const std::function<Report(const CommonArgs&)>& job) {
  ProgressBar bar;
  const bool tty = isatty(STDERR_FILENO) && !args.quiet;
  try {
    finish_args(args);
    args.options.tool = std::string(tool);
    if (!args.output_dir.empty()) return run_batch_job(tool, args, bar, tty, job);
    if (tty) args.options.progress = [&bar](std::string_view s, double f) { bar(s, f); };
    const Report report = job(args);
    bar.finish();
    write_report(args, report.to_json(2));
    return 0;
  } catch (const error& e) {
    bar.finish();
    std::fprintf(stderr, "%s\n", error_line(tool, args.input, e).c_str());
    return 1;
  } catch (const std::exception& e) {
    bar.finish();
    std::fprintf(stderr, "%.*s: %s: %s\n", int(tool.size()), tool.data(), args.input.c_str(), e.what());
    return 1;
  }
}
}  // namespace

}  // namespace cogkit::cli
