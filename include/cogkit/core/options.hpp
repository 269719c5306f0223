// cogkit/core/options.hpp — every option with a fixed set of values, typed.
//
// Each such option is an enum class with ONE table of {name, value, help, gdal}: the string
// is parsed once, at the edge (the CLI, a config file), and the same table feeds the CLI
// flags, --help, docs/cli.md and the JSON report. The library takes the enums; only
// src/core/options.cpp spells the values.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cogkit {

// GDAL warp kernels (gdalwarp -r).
enum class Resampling { nearest, bilinear, cubic, cubicspline, lanczos, average, rms, mode, max, min, med, q1, q3, sum };
// TIFF codecs (COMPRESS=).
enum class Compression { deflate, zstd, lzw, lerc, lerc_deflate, lerc_zstd, webp, jpeg, lzma, none };
// TIFF predictor (PREDICTOR=); automatic = standard for integers, floating_point for floats.
enum class Predictor { automatic, none, standard, floating_point };
enum class Overviews { automatic, none };
// Overview kernels of GDAL's COG driver (OVERVIEW_RESAMPLING=); unset (std::nullopt) = GDAL's
// default (cubic; nearest with a colour table).
enum class OverviewResampling { nearest, average, bilinear, cubic, cubicspline, lanczos, mode, rms, gauss };
// automatic: cogkit's writer when it supports the raster and options, else GDAL's COG driver.
enum class Writer { automatic, cogkit, gdal };
// Where intermediates live: by_budget decides per raster; memory/file force it (tests: both agree).
enum class StagingMode { by_budget, memory, file };
enum class FillMethod { invdist, nearest };
// gdalbuildvrt -resolution.
enum class MosaicResolution { highest, lowest, average };
// How scattered XYZ points become cells.
enum class XyzBin { mean, min, max, count, nearest, idw };
// Data type of an ASCII grid: automatic = the reader's rule (cogkit/read/ascii_grid.hpp).
enum class AsciiType { automatic, byte, int16, uint16, int32, float32, float64 };
// Output sample type (gdal_translate -ot / gdalwarp -ot); GDAL's names, any case.
enum class DataType { byte, uint16, int16, uint32, int32, uint64, int64, float32, float64 };
// Output format (-of): always a COG. gtiff is accepted so that gdal_translate command lines run
// unchanged (a COG is a GeoTIFF); any other format is an error.
enum class OutputFormat { cog, gtiff };
// How the tools show progress on stderr (--progress): automatic = bar on a terminal, plain lines otherwise.
enum class ProgressStyle { automatic, bar, plain, json, none };

template <class E>
struct EnumEntry {
  std::string_view name;  // canonical, lower-case: what the CLI takes and the docs and report print
  E value;
  std::string_view help;  // a few words for --help and docs/cli.md
  std::string_view gdal;  // GDAL's spelling ("" where GDAL takes none)
};

template <class E>
struct EnumAlias {
  std::string_view name;  // also accepted ("near", "2"), never printed
  E value;
};

template <class E>
struct EnumTable {
  std::string_view option;  // the option in plain words, for errors: "compression"
  std::span<const EnumEntry<E>> entries;
  std::span<const EnumAlias<E>> aliases;
};

// The table of each enum above (src/core/options.cpp).
template <class E>
const EnumTable<E>& table();
template <> const EnumTable<Resampling>& table<Resampling>();
template <> const EnumTable<Compression>& table<Compression>();
template <> const EnumTable<Predictor>& table<Predictor>();
template <> const EnumTable<Overviews>& table<Overviews>();
template <> const EnumTable<OverviewResampling>& table<OverviewResampling>();
template <> const EnumTable<Writer>& table<Writer>();
template <> const EnumTable<StagingMode>& table<StagingMode>();
template <> const EnumTable<FillMethod>& table<FillMethod>();
template <> const EnumTable<MosaicResolution>& table<MosaicResolution>();
template <> const EnumTable<XyzBin>& table<XyzBin>();
template <> const EnumTable<AsciiType>& table<AsciiType>();
template <> const EnumTable<DataType>& table<DataType>();
template <> const EnumTable<OutputFormat>& table<OutputFormat>();
template <> const EnumTable<ProgressStyle>& table<ProgressStyle>();

namespace detail {
bool iequals(std::string_view a, std::string_view b) noexcept;
[[noreturn]] void throw_unknown_value(std::string_view option, std::string_view text, const std::string& names);
}  // namespace detail

// The value named `text` (a name or an alias, any case); nullopt if none.
template <class E>
std::optional<E> try_parse(std::string_view text) {
  for (const auto& e : table<E>().entries)
    if (detail::iequals(e.name, text)) return e.value;
  for (const auto& a : table<E>().aliases)
    if (detail::iequals(a.name, text)) return a.value;
  return std::nullopt;
}

// "a, b, c": the names, in table order (help texts, errors).
template <class E>
std::string names() {
  std::string out;
  for (const auto& e : table<E>().entries) out += std::string(out.empty() ? "" : ", ") + std::string(e.name);
  return out;
}

// Same as try_parse; throws cogkit::error("options", "", "unknown <option> '<text>' (one of: ...)").
template <class E>
E parse(std::string_view text) {
  if (const auto v = try_parse<E>(text)) return *v;
  detail::throw_unknown_value(table<E>().option, text, names<E>());
}

template <class E>
const EnumEntry<E>& entry(E value) {
  for (const auto& e : table<E>().entries)
    if (e.value == value) return e;
  return table<E>().entries.front();  // unreachable: every enumerator has a row (tests/core/options_test.cpp)
}

template <class E>
std::string_view to_name(E value) {
  return entry(value).name;
}

template <class E>
std::string_view to_gdal(E value) {
  return entry(value).gdal;
}

// The value GDAL spells `text` (any case), e.g. the COMPRESSION metadata of a file; nullopt if none.
template <class E>
std::optional<E> from_gdal(std::string_view text) {
  for (const auto& e : table<E>().entries)
    if (!e.gdal.empty() && detail::iequals(e.gdal, text)) return e.value;
  return std::nullopt;
}

}  // namespace cogkit
