#include "gdal_flags.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>

#include "cogkit/core/error.hpp"

namespace cogkit::cli {
namespace {

constexpr std::array<GdalAlias, 33> kAliases{{
    {"-of", "--of", 1, "COG or GTiff; either way the file is a COG (a COG is a GeoTIFF); other formats are refused"},
    {"-co", "--co", 1,
     "COMPRESS, LEVEL, QUALITY, PREDICTOR, BLOCKSIZE (or equal BLOCKXSIZE/BLOCKYSIZE), OVERVIEWS, "
     "OVERVIEW_RESAMPLING/RESAMPLING and NUM_THREADS set cogkit's typed options; TILED=YES and "
     "COPY_SRC_OVERVIEWS=YES are accepted (a COG is tiled); any other COG creation option goes to GDAL's COG "
     "driver (and so selects it); unknown keys are refused"},
    {"-t_srs", "--t-srs", 1, ""},
    {"-s_srs", "--a-srs", 1, "overrides the source's CRS, as -a_srs"},
    {"-a_srs", "--a-srs", 1, "also for ESRI ASCII grids and XYZ files, where it wins over a .prj sidecar"},
    {"-tr", "--tr", 2, ""},
    {"-te", "--te", 4, ""},
    {"-te_srs", "--te-srs", 1, ""},
    {"-ts", "--ts", 2, ""},
    {"-tap", "--tap", 0, ""},
    {"-r", "--resampling", 1, "warp kernels; the overviews' kernel is --overview-resampling (-co OVERVIEW_RESAMPLING)"},
    {"-et", "--et", 1, ""},
    {"-srcnodata", "--src-nodata", 1, "one value for every band"},
    {"-dstnodata", "--dst-nodata", 1, "one value for every band"},
    {"-a_nodata", "--nodata", 1, ""},
    {"-ot", "--ot", 1, "Byte ... Float64; complex types are refused"},
    {"-b", "--band", 1, ""},
    {"-scale", "--scale", -1, "one range for every band (no -scale_N)"},
    {"-unscale", "--unscale", 0, ""},
    {"-wm", "--wm", 1, "the whole job's memory budget (MB below 10000, else bytes; or 2GB, 512MiB...), not only the warper's"},
    {"-multi", "--multi", 0, "accepted: every step already runs on all threads"},
    {"-wo", "--wo", 1, "NUM_THREADS=N or NUM_THREADS=ALL_CPUS only; other warp options are refused"},
    {"-q", "--quiet", 0, ""},
    {"-overwrite", "--overwrite", 0, "accepted: the output is always replaced, atomically"},
    {"-noMD", "--no-metadata", 0, ""},
    {"-cutline", "--cutline", 1, "needs -crop_to_cutline: cogkit always crops to the cutline's extent"},
    {"-crop_to_cutline", "--crop-to-cutline", 0, "the output covers the cutline's extent"},
    {"--config", "--config", 2, "also --config KEY=VALUE"},
    {"-projwin", "", 4, "not supported: --bbox XMIN,YMIN,XMAX,YMAX clips to a box"},
    {"-srcwin", "", 4, "not supported: --bbox clips to a box in georeferenced units"},
    {"-outsize", "", 2, "not supported: -ts sets the output size (with gdalwarp's meaning)"},
    {"-dstalpha", "", 0, "not supported: outputs carry nodata, not an alpha band"},
    {"-mo", "", 1, "not supported"},
}};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_number(const std::string& s) {
  if (s.empty()) return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end && *end == '\0';
}

// "-x", "--xx", "-xx": a flag (GDAL's or cogkit's); not "-", not "-9999", not "-inf".
bool looks_like_flag(const std::string& s) { return s.size() > 1 && s[0] == '-' && !is_number(s); }

const GdalAlias* find_alias(std::string_view token) {
  for (const auto& a : kAliases)
    if (a.gdal.size() > 2 ? iequals(a.gdal, token) : a.gdal == token) return &a;
  return nullptr;
}

// Values a flag of `app` takes: 0 for a switch, else its values per occurrence.
int arity(const CLI::Option* o) { return o->get_expected_max() == 0 ? 0 : std::max(1, o->get_items_expected_min()); }

// "--long" of an option (its first long name), else "-s".
std::string canonical(const CLI::Option* o) {
  if (!o->get_lnames().empty()) return "--" + o->get_lnames().front();
  return "-" + o->get_snames().front();
}

std::vector<std::string> spellings(const CLI::App& app) {
  std::vector<std::string> out;
  for (const CLI::Option* o : app.get_options()) {
    for (const auto& l : o->get_lnames()) out.push_back("--" + l);
    for (const auto& s : o->get_snames()) out.push_back("-" + s);
  }
  for (const auto& a : kAliases) out.emplace_back(a.gdal);
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) == std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

[[noreturn]] void unknown_flag(const std::string& flag, const CLI::App& app) {
  const std::string near = closest_flag(flag, app);
  throw error("options", "", "unknown flag '" + flag + "'" + (near.empty() ? "" : " (did you mean " + near + "?)"));
}

// What one flag token stands for: cogkit's flag and how many values follow it.
struct FlagUse {
  std::string flag;
  int values = 0;
};

FlagUse resolve(const std::string& token, const CLI::App& app) {
  if (const GdalAlias* a = find_alias(token)) {
    if (a->flag.empty()) throw error("options", "", std::string(a->gdal) + " is " + std::string(a->note));
    return {std::string(a->flag), a->values};
  }
  if (const CLI::Option* o = app.get_option_no_throw(token)) {
    FlagUse use{canonical(o), arity(o)};
    for (const auto& a : kAliases)  // cogkit's spelling of a flag of GDAL's arity (--scale, --config)
      if (a.flag == use.flag && (a.values < 0 || a.flag == "--config")) use.values = a.values;
    return use;
  }
  unknown_flag(token, app);
}

// The values of `use` from args[i + 1...]; advances i past them.
std::vector<std::string> take_values(const FlagUse& use, const std::string& token, const std::vector<std::string>& args,
                                     std::size_t& i, const CLI::App& app) {
  std::vector<std::string> values;
  if (use.values < 0) {  // -scale: up to 4 numbers
    while (values.size() < 4 && i + 1 < args.size() && is_number(args[i + 1])) values.push_back(args[++i]);
    if (values.size() != 0 && values.size() != 2 && values.size() != 4)
      throw error("options", "", token + " takes no value, SRC_MIN SRC_MAX, or SRC_MIN SRC_MAX DST_MIN DST_MAX");
    return values;
  }
  int wanted = use.values;
  if (use.flag == "--config" && i + 1 < args.size() && args[i + 1].find('=') != std::string::npos) wanted = 1;
  for (int k = 0; k < wanted; ++k) {
    if (i + 1 >= args.size())
      throw error("options", "", token + " needs " + std::to_string(wanted) + " value(s), got " + std::to_string(k));
    const std::string& v = args[i + 1];
    if (looks_like_flag(v) && (find_alias(v) || app.get_option_no_throw(v)))
      throw error("options", "", token + " needs " + std::to_string(wanted) + " value(s), got the flag " + v);
    values.push_back(v);
    ++i;
  }
  // -tr/-te/-ts take numbers: "-tr 10 dem.tif" would otherwise reach CLI11 as "10,dem.tif".
  if (wanted > 1 && use.flag != "--config")
    for (const auto& v : values)
      if (!is_number(v))
        throw error("options", "", token + " needs " + std::to_string(wanted) + " numbers, got '" + v + "'");
  return values;
}

std::string joined(const FlagUse& use, const std::vector<std::string>& values) {
  // CLI11 reads "--scale=" as "--scale" and would take the next argument: say "no range".
  if (values.empty()) return use.flag + "=" + std::string(kNoRange);
  std::string out = use.flag + "=";
  const char* sep = use.flag == "--config" ? "=" : ",";
  for (std::size_t k = 0; k < values.size(); ++k) out += (k ? sep : "") + values[k];
  return out;
}

// "--flag=value": the flag must exist; passed on as it is.
void check_assignment(const std::string& token, const CLI::App& app) {
  const std::string name = token.substr(0, token.find('='));
  if (!app.get_option_no_throw(name)) unknown_flag(name, app);
}

// "-j4": a short flag of `app` with its value attached.
bool is_attached_short(const std::string& token, const CLI::App& app) {
  // Not "-t_srs" or "-tEPSG:4326": a word after one dash is a flag of its own (GDAL's style).
  if (token.size() < 3 || token[1] == '-' || token[2] == '_' || std::isalpha(static_cast<unsigned char>(token[2])))
    return false;
  const CLI::Option* o = app.get_option_no_throw(token.substr(0, 2));
  return o && arity(o) == 1 && find_alias(token) == nullptr;
}

}  // namespace

std::span<const GdalAlias> gdal_aliases() { return kAliases; }

std::string closest_flag(std::string_view flag, const CLI::App& app) {
  std::string best;
  // Ranked by edit distance, then by length difference ("-foo": "-of" before "-O").
  std::size_t best_d = (std::max<std::size_t>(2, flag.size() / 3) + 1) * 100;
  for (const auto& s : spellings(app)) {
    const std::size_t len = s.size() > flag.size() ? s.size() - flag.size() : flag.size() - s.size();
    const std::size_t d = edit_distance(flag, s) * 100 + len;
    if (d < best_d) {
      best_d = d;
      best = s;
    }
  }
  return best;
}

std::vector<std::string> normalize_args(const std::vector<std::string>& args, const CLI::App& app) {
  std::vector<std::string> out;
  bool positionals_only = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& token = args[i];
    if (positionals_only || !looks_like_flag(token)) {
      out.push_back(token);
    } else if (token == "--") {
      positionals_only = true;
      out.push_back(token);
    } else if (token.rfind("--", 0) == 0 && token.find('=') != std::string::npos) {
      check_assignment(token, app);
      out.push_back(token);
    } else if (is_attached_short(token, app)) {
      out.push_back(token);
    } else {
      const FlagUse use = resolve(token, app);
      if (use.values == 0) {
        out.push_back(use.flag);
      } else {
        out.push_back(joined(use, take_values(use, token, args, i, app)));
      }
    }
  }
  return out;
}

std::string gdal_spellings() {
  std::string out;
  for (const auto& a : kAliases)
    if (!a.flag.empty()) out += (out.empty() ? "" : ", ") + std::string(a.gdal);
  return out;
}

namespace {
std::string escaped(std::string_view cell) {  // a '|' would end the Markdown cell
  std::string out;
  for (char c : cell) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}
}  // namespace

std::string gdal_aliases_markdown() {
  std::string out = "| GDAL | cogkit | Difference from GDAL |\n|---|---|---|\n";
  for (const auto& a : kAliases) {
    out += "| `" + std::string(a.gdal) + "` | " + (a.flag.empty() ? std::string("—") : "`" + std::string(a.flag) + "`") +
           " | " + escaped(a.note) + " |\n";
  }
  return out;
}

}  // namespace cogkit::cli
