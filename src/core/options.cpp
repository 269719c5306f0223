// src/core/options.cpp — the option tables: the one place that spells option values.
#include "cogkit/core/options.hpp"

#include <array>

#include "cogkit/core/error.hpp"

namespace cogkit {

namespace detail {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

void throw_unknown_value(std::string_view option, std::string_view text, const std::string& names) {
  throw error("options", "", "unknown " + std::string(option) + " '" + std::string(text) + "' (one of: " + names + ")");
}

}  // namespace detail

namespace {

using R = Resampling;
constexpr std::array<EnumEntry<R>, 14> kResampling{{
    {"nearest", R::nearest, "nearest neighbour", "near"},
    {"bilinear", R::bilinear, "2x2 bilinear", "bilinear"},
    {"cubic", R::cubic, "4x4 cubic convolution", "cubic"},
    {"cubicspline", R::cubicspline, "4x4 cubic B-spline", "cubicspline"},
    {"lanczos", R::lanczos, "6x6 Lanczos windowed sinc", "lanczos"},
    {"average", R::average, "weighted mean of the valid pixels", "average"},
    {"rms", R::rms, "root mean square of the valid pixels", "rms"},
    {"mode", R::mode, "most frequent value", "mode"},
    {"max", R::max, "maximum", "max"},
    {"min", R::min, "minimum", "min"},
    {"med", R::med, "median", "med"},
    {"q1", R::q1, "first quartile", "q1"},
    {"q3", R::q3, "third quartile", "q3"},
    {"sum", R::sum, "weighted sum", "sum"},
}};
constexpr std::array<EnumAlias<R>, 1> kResamplingAliases{{{"near", R::nearest}}};

using C = Compression;
constexpr std::array<EnumEntry<C>, 10> kCompression{{
    {"deflate", C::deflate, "lossless, levels 1..12", "DEFLATE"},
    {"zstd", C::zstd, "lossless, levels 1..22", "ZSTD"},
    {"lzw", C::lzw, "lossless", "LZW"},
    {"lerc", C::lerc, "limited error, set by MAX_Z_ERROR", "LERC"},
    {"lerc_deflate", C::lerc_deflate, "LERC, then deflate", "LERC_DEFLATE"},
    {"lerc_zstd", C::lerc_zstd, "LERC, then zstd", "LERC_ZSTD"},
    {"webp", C::webp, "8-bit only, quality 1..100", "WEBP"},
    {"jpeg", C::jpeg, "8-bit only, quality 1..100", "JPEG"},
    {"lzma", C::lzma, "lossless, levels 0..9", "LZMA"},
    {"none", C::none, "uncompressed", "NONE"},
}};

using P = Predictor;
constexpr std::array<EnumEntry<P>, 4> kPredictor{{
    {"auto", P::automatic, "standard for integers, floating_point for floats", ""},
    {"none", P::none, "no predictor", ""},
    {"standard", P::standard, "also 2: horizontal differencing", "STANDARD"},
    {"floating_point", P::floating_point, "also 3: floating-point differencing", "FLOATING_POINT"},
}};
constexpr std::array<EnumAlias<P>, 2> kPredictorAliases{{{"2", P::standard}, {"3", P::floating_point}}};

using V = Overviews;
constexpr std::array<EnumEntry<V>, 2> kOverviews{{
    {"auto", V::automatic, "halve until a level fits one tile", "AUTO"},
    {"none", V::none, "no overviews", "NONE"},
}};

using O = OverviewResampling;
constexpr std::array<EnumEntry<O>, 9> kOverviewResampling{{
    {"nearest", O::nearest, "nearest neighbour", "NEAREST"},
    {"average", O::average, "mean of the valid pixels", "AVERAGE"},
    {"bilinear", O::bilinear, "2x2 bilinear", "BILINEAR"},
    {"cubic", O::cubic, "cubic convolution", "CUBIC"},
    {"cubicspline", O::cubicspline, "cubic B-spline", "CUBICSPLINE"},
    {"lanczos", O::lanczos, "Lanczos windowed sinc", "LANCZOS"},
    {"mode", O::mode, "most frequent value", "MODE"},
    {"rms", O::rms, "root mean square", "RMS"},
    {"gauss", O::gauss, "Gaussian", "GAUSS"},
}};
constexpr std::array<EnumAlias<O>, 1> kOverviewResamplingAliases{{{"near", O::nearest}}};

using W = Writer;
constexpr std::array<EnumEntry<W>, 3> kWriter{{
    {"auto", W::automatic, "cogkit's parallel writer when it supports the raster, else GDAL's COG driver", ""},
    {"cogkit", W::cogkit, "cogkit's writer, or an error", ""},
    {"gdal", W::gdal, "GDAL's COG driver", ""},
}};

using S = StagingMode;
constexpr std::array<EnumEntry<S>, 3> kStaging{{
    {"auto", S::by_budget, "memory when the raster fits the budget, else a temp file", ""},
    {"memory", S::memory, "always in memory", ""},
    {"file", S::file, "always a temp GeoTIFF", ""},
}};

using F = FillMethod;
constexpr std::array<EnumEntry<F>, 2> kFill{{
    {"invdist", F::invdist, "inverse distance, GDAL's algorithm", ""},
    {"nearest", F::nearest, "value of the nearest valid pixel", ""},
}};

using M = MosaicResolution;
constexpr std::array<EnumEntry<M>, 3> kMosaic{{
    {"highest", M::highest, "the finest of the inputs'", "highest"},
    {"lowest", M::lowest, "the coarsest of the inputs'", "lowest"},
    {"average", M::average, "the mean of the inputs'", "average"},
}};

using B = XyzBin;
constexpr std::array<EnumEntry<B>, 6> kBin{{
    {"mean", B::mean, "mean of the points in the cell", ""},
    {"min", B::min, "lowest point", ""},
    {"max", B::max, "highest point", ""},
    {"count", B::count, "number of points", ""},
    {"nearest", B::nearest, "point nearest the cell centre", ""},
    {"idw", B::idw, "inverse-distance weighted mean", ""},
}};

using A = AsciiType;
constexpr std::array<EnumEntry<A>, 7> kAscii{{
    {"auto", A::automatic, "integers stay integers, decimals Float32 unless they need Float64", ""},
    {"byte", A::byte, "", "Byte"},
    {"int16", A::int16, "", "Int16"},
    {"uint16", A::uint16, "", "UInt16"},
    {"int32", A::int32, "", "Int32"},
    {"float32", A::float32, "", "Float32"},
    {"float64", A::float64, "", "Float64"},
}};
constexpr std::array<EnumAlias<A>, 1> kAsciiAliases{{{"uint8", A::byte}}};

using T = DataType;
constexpr std::array<EnumEntry<T>, 9> kDataType{{
    {"byte", T::byte, "8-bit unsigned", "Byte"},
    {"uint16", T::uint16, "16-bit unsigned", "UInt16"},
    {"int16", T::int16, "16-bit signed", "Int16"},
    {"uint32", T::uint32, "32-bit unsigned", "UInt32"},
    {"int32", T::int32, "32-bit signed", "Int32"},
    {"uint64", T::uint64, "64-bit unsigned", "UInt64"},
    {"int64", T::int64, "64-bit signed", "Int64"},
    {"float32", T::float32, "32-bit IEEE float", "Float32"},
    {"float64", T::float64, "64-bit IEEE float", "Float64"},
}};
constexpr std::array<EnumAlias<T>, 1> kDataTypeAliases{{{"uint8", T::byte}}};

using OF = OutputFormat;
constexpr std::array<EnumEntry<OF>, 2> kOutputFormat{{
    {"cog", OF::cog, "Cloud Optimized GeoTIFF", "COG"},
    {"gtiff", OF::gtiff, "accepted for gdal_translate command lines: the file is a COG, which is a GeoTIFF", "GTiff"},
}};

using PS = ProgressStyle;
constexpr std::array<EnumEntry<PS>, 5> kProgressStyle{{
    {"auto", PS::automatic, "bar on a terminal, else plain", ""},
    {"bar", PS::bar, "one redrawn line", ""},
    {"plain", PS::plain, "GDAL's 0...10...100 - done. lines, one per step", ""},
    {"json", PS::json, "one JSON object per line", ""},
    {"none", PS::none, "nothing", ""},
}};

}  // namespace

template <>
const EnumTable<Resampling>& table<Resampling>() {
  static const EnumTable<Resampling> t{"resampling", kResampling, kResamplingAliases};
  return t;
}
template <>
const EnumTable<Compression>& table<Compression>() {
  static const EnumTable<Compression> t{"compression", kCompression, {}};
  return t;
}
template <>
const EnumTable<Predictor>& table<Predictor>() {
  static const EnumTable<Predictor> t{"predictor", kPredictor, kPredictorAliases};
  return t;
}
template <>
const EnumTable<Overviews>& table<Overviews>() {
  static const EnumTable<Overviews> t{"overviews", kOverviews, {}};
  return t;
}
template <>
const EnumTable<OverviewResampling>& table<OverviewResampling>() {
  static const EnumTable<OverviewResampling> t{"overview resampling", kOverviewResampling, kOverviewResamplingAliases};
  return t;
}
template <>
const EnumTable<Writer>& table<Writer>() {
  static const EnumTable<Writer> t{"writer", kWriter, {}};
  return t;
}
template <>
const EnumTable<StagingMode>& table<StagingMode>() {
  static const EnumTable<StagingMode> t{"staging", kStaging, {}};
  return t;
}
template <>
const EnumTable<FillMethod>& table<FillMethod>() {
  static const EnumTable<FillMethod> t{"fill method", kFill, {}};
  return t;
}
template <>
const EnumTable<MosaicResolution>& table<MosaicResolution>() {
  static const EnumTable<MosaicResolution> t{"mosaic resolution", kMosaic, {}};
  return t;
}
template <>
const EnumTable<XyzBin>& table<XyzBin>() {
  static const EnumTable<XyzBin> t{"binning", kBin, {}};
  return t;
}
template <>
const EnumTable<AsciiType>& table<AsciiType>() {
  static const EnumTable<AsciiType> t{"data type", kAscii, kAsciiAliases};
  return t;
}

template <>
const EnumTable<DataType>& table<DataType>() {
  static const EnumTable<DataType> t{"data type", kDataType, kDataTypeAliases};
  return t;
}
template <>
const EnumTable<OutputFormat>& table<OutputFormat>() {
  static const EnumTable<OutputFormat> t{"output format", kOutputFormat, {}};
  return t;
}

template <>
const EnumTable<ProgressStyle>& table<ProgressStyle>() {
  static const EnumTable<ProgressStyle> t{"progress style", kProgressStyle, {}};
  return t;
}

}  // namespace cogkit
