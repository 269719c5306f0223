// tools/gdal_flags.hpp — GDAL's spellings of cogkit's flags (one table), and the rewrite of the
// command line that makes every flag unambiguous before CLI11 parses it.
//
// gdalwarp/gdal_translate spell their flags with one dash and underscores (-t_srs, -tr 20 20,
// -co KEY=VALUE). CLI11 would read -t_srs as -t with the value "_srs". normalize_args() turns
// each GDAL spelling into cogkit's flag, and every flag that takes values into one
// "--flag=VALUE" token, taking exactly as many values as the flag takes: no flag ever takes a
// positional or another flag as its value, and a flag before the positionals leaves them alone.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace cogkit::cli {

struct GdalAlias {
  std::string_view gdal;  // GDAL's spelling: "-t_srs"
  std::string_view flag;  // cogkit's flag it stands for: "--t-srs"; "" = not supported (see note)
  int values;             // values it takes; -1: up to 4 numbers (-scale)
  std::string_view note;  // what differs from GDAL, for docs/gdal-compat.md; why, when unsupported
};

// The value normalize_args gives a -scale without a range.
inline constexpr std::string_view kNoRange = "source-range";

// The table (gdal_flags.cpp): every GDAL flag cogkit takes or knowingly refuses.
std::span<const GdalAlias> gdal_aliases();

// `args` (argv without the program name) with GDAL spellings replaced by cogkit's flags and
// each value-taking flag of `app` joined with its values into "--flag=V" ("--flag=V1,V2" for
// flags of several values). Throws cogkit::error("options") for an unknown flag (naming the
// closest known one), a flag without its values, or a GDAL flag cogkit does not support.
std::vector<std::string> normalize_args(const std::vector<std::string>& args, const CLI::App& app);

// The known spelling closest to `flag` (edit distance), or "" when none is close.
std::string closest_flag(std::string_view flag, const CLI::App& app);

// "-of, -co, -t_srs, ...": the GDAL spellings the tools take (for --help).
std::string gdal_spellings();

// docs/gdal-compat.md's flag table, in Markdown.
std::string gdal_aliases_markdown();

}  // namespace cogkit::cli
