// tools/cli_common.hpp — the one option table shared by cogify, asc2cog and xyz2cog.
//
// Every pipeline option is declared once here (flag, help text, target field); the
// same table feeds --help and `--help-markdown` (which generates docs/cli.md).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "cogkit/core/options.hpp"
#include "cogkit/pipeline/pipeline.hpp"
#include "cogkit/report/report.hpp"

namespace cogkit::cli {

struct CommonArgs {
  PipelineOptions options;
  std::string input, output;  // of this conversion (one item of a batch)
  // Batch: with --output-dir every positional is an input; else INPUT OUTPUT.
  std::vector<std::string> files;
  std::string output_dir, inputs_from, shard;
  int jobs = 0, retries = 0;
  // Mosaic (cogify --mosaic): INPUT... OUTPUT, all inputs into one output.
  bool mosaic = false;
  std::vector<std::string> inputs;
  bool fail_fast = false, skip_existing = false;
  bool json = false;          // print the report on stdout
  std::string report_path;    // write the report to a file
  bool quiet = false;         // -q: no progress, no warnings (errors still)
  ProgressStyle progress = ProgressStyle::automatic;  // --progress
  std::string memory_budget;  // text form, parsed after CLI parsing
  std::vector<std::string> config_pairs;  // KEY=VALUE
  std::vector<double> tr, te;
  std::vector<int> ts;
  double res = 0;             // --res: both xres and yres, set after parsing
  std::string bbox;
  // GDAL's flags that need the others to be read first (finish_args).
  OutputFormat output_format = OutputFormat::cog;
  std::optional<std::string> scale;  // "", "a,b" or "a,b,c,d"
  std::string warp_memory;           // -wm
  std::vector<std::string> warp_options;  // -wo KEY=VALUE
  std::string cutline;               // -cutline (needs -crop_to_cutline)
  bool crop_to_cutline = false;
  // STAC Item per output (add_stac_options): --stac FILE (one output), --stac-dir DIR (DIR/<name>.json).
  std::string stac_path, stac_dir;
  std::optional<std::string> stac_datetime;
};

// "<intro>: name (help), name (help), ...": the help of an enum flag, from its table.
template <class E>
std::string enum_help(std::string_view intro) {
  std::string out(intro);
  const char* sep = ": ";
  for (const auto& e : table<E>().entries) {
    out += sep + std::string(e.name) + (e.help.empty() ? "" : " (" + std::string(e.help) + ")");
    sep = ", ";
  }
  return out;
}

// The flag's parser: the table's parser (every name and alias, any case), handing CLI11 the
// enumerator's number. Not CLI::CheckedTransformer: it also takes the numbers themselves
// ("--compress 3") and its error lists them; the help lists the names already (enum_help).
template <class E>
CLI::Validator enum_transformer() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const auto value = try_parse<E>(text);
        if (!value)
          return "unknown " + std::string(table<E>().option) + " '" + text + "' (one of: " + names<E>() + ")";
        text = std::to_string(static_cast<int>(*value));
        return {};
      },
      "");
}

// An enum flag declared from its table: parser, help and default.
template <class E>
CLI::Option* add_enum_option(CLI::App& app, const std::string& flags, E& target, std::string_view intro) {
  return app.add_option(flags, target, enum_help<E>(intro))
      ->transform(enum_transformer<E>())
      ->type_name("NAME")
      ->default_str(std::string(to_name(target)));
}

// Same for an option that may stay unset (std::nullopt: the library's default, said in `intro`).
template <class E>
CLI::Option* add_enum_option(CLI::App& app, const std::string& flags, std::optional<E>& target, std::string_view intro) {
  return app.add_option_function<E>(flags, [&target](const E& v) { target = v; }, enum_help<E>(intro))
      ->transform(enum_transformer<E>())
      ->type_name("NAME");
}

// Declares the positionals (INPUT OUTPUT, or INPUT... with --output-dir), the batch
// flags and every pipeline flag on `app`.
void add_common_options(CLI::App& app, CommonArgs& args);

// Runs a tool: parses argv, installs signal cleanup and the progress bar, calls
// `job` (which returns the report) once, or once per input through run_batch with
// --output-dir, prints/writes the report(s). The single catch of
// each tool is here: any error becomes one line "<tool>: <path>: <step>: <message>"
// on stderr (and, with --json/--report, a "status": "failed" object) and the exit status of
// its class (tools/exit_codes.hpp). `extra_options` is called after parsing, before the
// job, to validate tool-specific flags. After the job it ends the process (flushes stdio,
// skips GDAL's teardown); it returns only for --help and option errors.
int run_tool(std::string_view tool, CLI::App& app, CommonArgs& args, int argc, char** argv,
             const std::function<Report(const CommonArgs&)>& job);

}  // namespace cogkit::cli
