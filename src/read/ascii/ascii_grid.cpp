#include "cogkit/read/ascii_grid.hpp"

#include <algorithm>
#include <array>
#include <sys/mman.h>
#include <sys/resource.h>

#include <cctype>
#include <charconv>
#include <cfloat>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <ogr_srs_api.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "cogkit/core/error.hpp"
#include "cogkit/core/gdal_handle.hpp"
#include "cogkit/core/threads.hpp"
#include "read/ascii/parse.hpp"
#include "read/ascii/scan.hpp"
#include "read/ascii/grid_text.hpp"
#include "read/crs.hpp"
#include "core/gdal_env.hpp"
#include "core/metadata.hpp"
#include "core/text.hpp"

namespace cogkit {
namespace {

using namespace detail::ascii;
using detail::OpenedText;
using detail::TextSource;

// Shortest text that reads back as v.
std::string shortest(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}
std::string fmt(double v) { return shortest(v); }

// The name used in error positions: the path, or the zip member.
std::string display_name(const std::string& path, const OpenedText& t) {
  return t.compression == "zip" ? t.text_path : path;
}

struct HeaderRead {
  OpenedText text;
  AsciiGridHeader header;
  std::string_view first;  // first piece
  std::string name;
};

HeaderRead read_header(const std::string& path) {
  HeaderRead r;
  r.text = open_text(path, kGridText);
  r.name = display_name(path, r.text);
  r.first = r.text.source->next(1u << 20);
  if (r.first.empty()) throw error("read", path, "empty file");
  // A header cannot be longer than 1 MB; the piece may end mid-header only for absurd files.
  r.header = parse_header(r.first, r.name);
  r.header.compression = r.text.compression;
  r.header.text_path = r.text.text_path;
  return r;
}

// The resolver's view of this input (text_srs_input); this reader rescales arc-seconds.
detail::SrsInput srs_input(const std::string& path, const OpenedText& t, const std::string& a_srs) {
  detail::SrsInput in = detail::text_srs_input(path, t.compression, t.text_path, a_srs, "AsciiGridOptions::a_srs");
  in.converts_arc_seconds = true;
  return in;
}

GDALDataType type_from_name(AsciiType type) {
  return GDALGetDataTypeByName(std::string(to_gdal(type)).c_str());
}

bool fits_type(GDALDataType t, double lo, double hi) {
  switch (t) {
    case GDT_Byte: return lo >= 0 && hi <= 255;
    case GDT_Int16: return lo >= -32768 && hi <= 32767;
    case GDT_UInt16: return lo >= 0 && hi <= 65535;
    case GDT_Int32: return lo >= INT_MIN && hi <= INT_MAX;
    default: return true;
  }
}

template <typename T>
void convert_rows(const double* src, T* dst, std::size_t n, double nodata, bool has_nodata) {
  const T nd = has_nodata ? static_cast<T>(nodata) : T{};
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 1 << 16), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i < r.end(); ++i) {
      const double v = src[i];
      if (std::isnan(v)) {
        dst[i] = has_nodata ? nd : static_cast<T>(v);
      } else if constexpr (std::is_integral_v<T>) {
        dst[i] = static_cast<T>(std::nearbyint(v));
      } else if constexpr (std::is_same_v<T, float>) {
        dst[i] = std::isinf(v) ? static_cast<float>(v)
                               : static_cast<float>(std::clamp(v, -static_cast<double>(FLT_MAX), static_cast<double>(FLT_MAX)));
      } else {
        dst[i] = v;
      }
    }
  });
}

void write_converted(GDALRasterBandH band, GDALDataType type, const double* src, int width, int row0, int rows,
                     double nodata, bool has_nodata, std::vector<unsigned char>& scratch, const std::string& name) {
  const std::size_t n = static_cast<std::size_t>(width) * static_cast<std::size_t>(rows);
  const std::size_t size = static_cast<std::size_t>(GDALGetDataTypeSizeBytes(type));
  scratch.resize(n * size);
  void* out = scratch.data();
  switch (type) {
    case GDT_Byte: convert_rows(src, static_cast<std::uint8_t*>(out), n, nodata, has_nodata); break;
    case GDT_Int16: convert_rows(src, static_cast<std::int16_t*>(out), n, nodata, has_nodata); break;
    case GDT_UInt16: convert_rows(src, static_cast<std::uint16_t*>(out), n, nodata, has_nodata); break;
    case GDT_Int32: convert_rows(src, static_cast<std::int32_t*>(out), n, nodata, has_nodata); break;
    case GDT_Float32: convert_rows(src, static_cast<float*>(out), n, nodata, has_nodata); break;
    default: convert_rows(src, static_cast<double*>(out), n, nodata, has_nodata); break;
  }
  if (GDALRasterIO(band, GF_Write, 0, row0, width, rows, out, width, rows, type, 0, 0) != CE_None)
    throw error("read", name, "cannot write to staging", CPLGetLastErrorMsg());
}

// The MEM band buffer is written once, front to back, by all threads: huge pages make
// that 512x fewer page faults (only where the kernel allows THP on request).
void advise_huge_pages(void* p, std::uint64_t bytes) {
  constexpr std::uintptr_t huge = 2u << 20;
  const auto b = (reinterpret_cast<std::uintptr_t>(p) + huge - 1) & ~(huge - 1);
  const auto e = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(huge - 1);
  if (e > b) ::madvise(reinterpret_cast<void*>(b), e - b, MADV_HUGEPAGE);
}

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Absurd dimensions: every value takes at least one character plus a separator.
void refuse_absurd_dimensions(const HeaderRead& hr, TextSource* source, std::uint64_t count) {
  const AsciiGridHeader& h = hr.header;
  const std::uint64_t max_text = source->max_text_bytes();
  if (max_text && count > 0 && (count - 1) * 2 + 1 > max_text) {
    throw error("read", hr.name + ":" + std::to_string(h.data_line),
                std::to_string(h.width) + " x " + std::to_string(h.height) + " = " + std::to_string(count) +
                    " values need at least " + std::to_string((count - 1) * 2 + 1) + " bytes of text, but the " +
                    (hr.text.compression.empty() ? "file has " : "text can hold at most ") + std::to_string(max_text) +
                    " bytes; refusing to allocate");
  }
}

// The CRS (the user's, else the .prj's); a .prj in arc-seconds ("Units DS") rescales the geotransform.
detail::ResolvedSrs resolve_crs(const std::string& path, HeaderRead& hr, const AsciiGridOptions& options,
                                Report& report) {
  detail::ResolvedSrs crs = detail::resolve_srs(srs_input(path, hr.text, options.a_srs));
  hr.header.prj_path = crs.prj_path;
  if (crs.srs && crs.arc_seconds)
    for (double& g : hr.header.geotransform) g /= 3600.0;
  for (auto& w : crs.warnings) report.warnings.push_back(std::move(w));
  return crs;
}

struct NodataChoice {
  std::optional<double> value;
  std::string note;
  bool float32_ok = true, integral = false;  // facts of the nodata as printed, for the type rule
};

bool same_value(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

// Nodata: the file's, else the one given in the options.
NodataChoice choose_nodata(const AsciiGridHeader& h, const AsciiGridOptions& options) {
  NodataChoice nd;
  nd.value = h.nodata;
  if (nd.value) {
    nd.note = h.nodata_is_null ? "NODATA_value null (12D): -FLT_MAX" : "declared " + fmt(*nd.value);
  } else if (options.nodata) {
    nd.value = options.nodata;
    nd.note = "from the nodata given for the input " + fmt(*nd.value) + " (the file declares none)";
  }
  if (h.nodata && options.nodata && !same_value(*h.nodata, *options.nodata))
    nd.note += "; the output's nodata is " + fmt(*options.nodata) + " (as gdal_translate -a_nodata: the cells that held " +
               fmt(*h.nodata) + " keep that value)";
  if (nd.value && std::isfinite(*nd.value)) {
    // The digit rule applies to the nodata as printed (e.g. -3.4028235e+38, Float32's lowest, printed short).
    const std::string text = h.nodata && !h.nodata_is_null ? h.nodata_text : shortest(*nd.value);
    const Token t = scan_token(text.data(), text.data() + text.size());
    nd.integral = t.integral;
    nd.float32_ok = t.float32_ok;
  }
  return nd;
}

// Missing tokens (nan, null, *) are stored as the nodata when there is one, else NaN.
double missing_value(const AsciiGridHeader& h, const std::optional<double>& nodata, GDALDataType storage) {
  if (!nodata) return std::nan("");
  if (h.nodata_is_null && storage == GDT_Float64) return -DBL_MAX;
  return *nodata;
}

// What a parse needs besides the text.
struct ParseSetup {
  const MemoryBudget& budget;
  const AsciiGridHeader& header;
  const std::string& name;
  tbb::task_arena& arena;
  std::uint64_t count = 0;
  std::size_t piece_bytes = 0;
  std::function<void(std::uint64_t)> on_piece;
};

// Values of a file staging wait here until whole rows can be written.
template <typename T>
struct RowBuffer {
  std::vector<T> values;
  std::uint64_t first = 0;  // grid index of values[0]
};

// In memory the values land in the MEM band's own buffer.
template <typename T>
ValueSink<T> memory_sink(T* direct) {
  ValueSink<T> sink;
  sink.reserve = [direct](std::uint64_t first, std::size_t) { return direct + first; };
  sink.commit = [](std::uint64_t, std::size_t) {};
  return sink;
}

// A file staging gets bands of complete rows; the partial row stays for the next piece.
template <typename T>
ValueSink<T> file_sink(GDALDatasetH ds, int width, const std::string& name, RowBuffer<T>& buf) {
  constexpr GDALDataType storage = std::is_same_v<T, float> ? GDT_Float32 : GDT_Float64;
  ValueSink<T> sink;
  sink.reserve = [&buf](std::uint64_t first, std::size_t n) {
    const std::size_t keep = static_cast<std::size_t>(first - buf.first);
    buf.values.resize(keep + n);
    return buf.values.data() + keep;
  };
  sink.commit = [ds, width, &name, &buf](std::uint64_t first, std::size_t n) {
    const std::uint64_t w = static_cast<std::uint64_t>(width);
    const std::uint64_t rows = (first + n - buf.first) / w;
    if (rows == 0) return;
    const int row0 = static_cast<int>(buf.first / w);
    if (GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Write, 0, row0, width, static_cast<int>(rows), buf.values.data(),
                     width, static_cast<int>(rows), storage, 0, 0) != CE_None)
      throw error("read", name, "cannot write to staging", CPLGetLastErrorMsg());
    const std::size_t used = static_cast<std::size_t>(rows * w);
    buf.values.erase(buf.values.begin(), buf.values.begin() + static_cast<std::ptrdiff_t>(used));
    buf.first += used;
  };
  return sink;
}

template <typename T>
ParseResult parse_staged(const ParseSetup& ps, const StagedRaster& st, TextSource* src, std::string_view first,
                         Position start, T missing) {
  T* direct = st.in_memory ? static_cast<T*>(GDALGetInternalHandle(st.get(), "MEMORY1")) : nullptr;
  if (direct) advise_huge_pages(direct, ps.count * sizeof(T));
  RowBuffer<T> rows;
  const ValueSink<T> sink = direct ? memory_sink(direct) : file_sink(st.get(), ps.header.width, ps.name, rows);
  ParseResult pr;
  ps.arena.execute([&] {
    pr = parse_values<T>(first, start, src, ps.count, ps.header.width, ps.name, sink, missing, ps.piece_bytes,
                         ps.on_piece);
  });
  return pr;
}

// One parse of the text straight into a staged raster of `storage` (Float32 or Float64).
StagedRaster parse_into(const ParseSetup& ps, GDALDataType storage, TextSource* src, std::string_view first,
                        Position start, double missing, ParseResult& pr) {
  StagedRaster st = create_staged(ps.budget, ps.header.width, ps.header.height, 1, storage, "asc");
  if (storage == GDT_Float32)
    pr = parse_staged<float>(ps, st, src, first, start, static_cast<float>(missing));
  else
    pr = parse_staged<double>(ps, st, src, first, start, missing);
  return st;
}

// The second pass: the text again, from the start, into Float64.
StagedRaster parse_float64_again(const ParseSetup& ps, const std::string& path, Position start, double missing) {
  HeaderRead again = read_header(path);
  ParseResult wide;
  return parse_into(ps, GDT_Float64, again.text.source.get(),
                    again.first.substr(static_cast<std::size_t>(again.header.data_offset)), start, missing, wide);
}

// `nan` tokens are missing values: they make NaN the nodata when the file declares none.
void note_missing(const AsciiValueStats& stats, NodataChoice& nd) {
  if (stats.missing > 0 && !nd.value) {
    nd.value = std::nan("");
    nd.note = std::to_string(stats.missing) + " nan/null values and no declared nodata: nodata NaN";
  } else if (stats.missing > 0) {
    nd.note += "; " + std::to_string(stats.missing) + " nan/null/* values stored as the nodata";
  }
}

struct TypeChoice {
  GDALDataType type = GDT_Unknown;
  std::string note;
};

std::string rule_note(GDALDataType type, const AsciiValueStats& s, const std::optional<double>& nodata) {
  if (type == GDT_Float64) return "Float64: some value (or the nodata) has more significant digits than Float32 keeps";
  if (type == GDT_Float32) return "Float32: decimal values that all round-trip through Float32 to their printed digits";
  return std::string(GDALGetDataTypeName(type)) + ": every value is an integer in [" + fmt(s.min) + ", " + fmt(s.max) +
         "]" + (nodata ? " and nodata " + fmt(*nodata) : "");
}

// A forced integer type must hold every value (rounded) and the nodata.
void check_forced_fits(GDALDataType forced, AsciiType option, const AsciiValueStats& s,
                       const std::optional<double>& nodata, const std::string& name) {
  if (!GDALDataTypeIsInteger(forced)) return;
  if (s.count && !fits_type(forced, std::nearbyint(s.min), std::nearbyint(s.max)))
    throw error("options", name,
                "AsciiGridOptions::type " + std::string(to_name(option)) + ": values range from " + fmt(s.min) +
                    " to " + fmt(s.max) + ", which " + GDALGetDataTypeName(forced) + " cannot hold");
  if (nodata && (!std::isfinite(*nodata) || !fits_type(forced, *nodata, *nodata)))
    throw error("options", name,
                "AsciiGridOptions::type " + std::string(to_name(option)) + ": nodata " + fmt(*nodata) +
                    " does not fit " + GDALGetDataTypeName(forced) + (s.missing ? " (the grid has nan/null values)" : ""));
}

// The values the type must hold: the grid's, and the output's nodata when it replaces a declared
// one (AsciiGridOptions::nodata over NODATA_value, as gdal_translate -a_nodata).
AsciiValueStats with_output_nodata(AsciiValueStats s, const AsciiGridHeader& h, const AsciiGridOptions& options) {
  if (!h.nodata || !options.nodata || same_value(*h.nodata, *options.nodata) || !std::isfinite(*options.nodata)) return s;
  const std::string text = shortest(*options.nodata);
  const Token t = scan_token(text.data(), text.data() + text.size());
  ++s.count;
  s.min = std::min(s.min, *options.nodata);
  s.max = std::max(s.max, *options.nodata);
  s.all_integral = s.all_integral && t.integral;
  s.all_float32_ok = s.all_float32_ok && t.float32_ok;
  return s;
}

// The type rule's pick, or the forced type when it can hold the grid.
TypeChoice choose_type(const AsciiValueStats& s, const NodataChoice& nd, const AsciiGridOptions& options,
                       const std::string& name) {
  TypeChoice c;
  c.type = choose_ascii_grid_type(s, nd.value, nd.float32_ok, nd.integral);
  c.note = rule_note(c.type, s, nd.value);
  if (options.type == AsciiType::automatic) return c;
  const GDALDataType forced = type_from_name(options.type);
  check_forced_fits(forced, options.type, s, nd.value, name);
  c.note = std::string(GDALGetDataTypeName(forced)) + ": forced by the type option (the rule would pick " +
           GDALGetDataTypeName(c.type) + ")" +
           (GDALDataTypeIsInteger(forced) && !s.all_integral ? "; decimals rounded to the nearest integer" : "");
  c.type = forced;
  return c;
}

// The first pass stores Float32. When Float32 did not hold every value (a Float64 grid, or
// integers beyond 2^24), the text is parsed a second time into Float64.
bool needs_float64_pass(GDALDataType storage, GDALDataType type, const AsciiValueStats& s,
                        const std::optional<double>& nodata) {
  double max_abs = s.count ? std::max(std::fabs(s.min), std::fabs(s.max)) : 0.0;
  if (nodata && std::isfinite(*nodata)) max_abs = std::max(max_abs, std::fabs(*nodata));  // missing tokens hold it
  return storage == GDT_Float32 && (type == GDT_Float64 || (GDALDataTypeIsInteger(type) && max_abs > 16777216.0));
}

// The nodata as the output type stores it.
std::optional<double> stored_nodata(std::optional<double> nodata, const AsciiGridHeader& h, GDALDataType type) {
  if (nodata && h.nodata_is_null && type == GDT_Float64) nodata = -DBL_MAX;
  if (nodata && type == GDT_Float32 && std::isfinite(*nodata)) nodata = static_cast<double>(static_cast<float>(*nodata));
  return nodata;
}

// The final staged raster of `type`, converted from the parse target band by band.
StagedRaster convert_staged(const ParseSetup& ps, const StagedRaster& staged, GDALDataType type,
                            const std::optional<double>& nodata) {
  const AsciiGridHeader& h = ps.header;
  StagedRaster out = create_staged(ps.budget, h.width, h.height, 1, type, "asc");
  GDALRasterBandH dst = GDALGetRasterBand(out.get(), 1);
  GDALRasterBandH src = GDALGetRasterBand(staged.get(), 1);
  std::vector<unsigned char> scratch;
  std::vector<double> rows_buf;
  const int band_rows = std::max(1, static_cast<int>(std::min<std::uint64_t>(
                                        static_cast<std::uint64_t>(h.height),
                                        std::clamp<std::uint64_t>(ps.budget.work_memory() / 2, 1u << 20, 16u << 20) /
                                            (8u * static_cast<std::uint64_t>(h.width) + 1))));
  ps.arena.execute([&] {
    for (int r0 = 0; r0 < h.height; r0 += band_rows) {
      const int rows = std::min(band_rows, h.height - r0);
      rows_buf.resize(static_cast<std::size_t>(rows) * static_cast<std::size_t>(h.width));
      if (GDALRasterIO(src, GF_Read, 0, r0, h.width, rows, rows_buf.data(), h.width, rows, GDT_Float64, 0, 0) !=
          CE_None)
        throw error("read", ps.name, "cannot read back staging", CPLGetLastErrorMsg());
      write_converted(dst, type, rows_buf.data(), h.width, r0, rows, nodata.value_or(0), nodata.has_value(), scratch,
                      ps.name);
    }
  });
  return out;
}

void georeference(const StagedRaster& out, const AsciiGridHeader& h, const SrsHandle& srs,
                  const std::optional<double>& nodata) {
  GDALDatasetH ds = out.get();
  std::array<double, 6> gt = h.geotransform;  // GDAL takes a non-const pointer
  GDALSetGeoTransform(ds, gt.data());
  if (srs) GDALSetSpatialRef(ds, srs.get());
  if (nodata) GDALSetRasterNoDataValue(GDALGetRasterBand(ds, 1), *nodata);
  if (h.cell_centre) GDALSetMetadataItem(ds, "AREA_OR_POINT", "Point", nullptr);
}

// What the report says about a read, gathered as the read goes.
struct ReadFacts {
  std::string type_note, nodata_note, crs_note;
  bool has_crs = false;
  ParseResult parsed;
  double parse_s = 0, parse_cpu = 0, stage_s = 0, total_s = 0;
  bool in_memory = true;
  std::vector<std::pair<std::string, std::string>> extra_notes;
};

std::string parse_note(const ReadFacts& f) {
  char speed[256];
  std::snprintf(speed, sizeof speed,
                "%llu values, %.1f MB of text parsed in %.3f s (%.0f MB/s; %.3f CPU-s, %.0f MB per CPU-second), "
                "staged in %.3f s (%s)",
                static_cast<unsigned long long>(f.parsed.values), double(f.parsed.text_bytes) / 1e6, f.parse_s,
                f.parse_s > 0 ? double(f.parsed.text_bytes) / 1e6 / f.parse_s : 0.0, f.parse_cpu,
                f.parse_cpu > 0 ? double(f.parsed.text_bytes) / 1e6 / f.parse_cpu : 0.0, f.stage_s,
                std::string(to_name(f.in_memory ? StagingMode::memory : StagingMode::file)).c_str());
  return speed;
}

void add_to_report(Report& report, const HeaderRead& hr, TextSource* source, ReadFacts& f) {
  const AsciiGridHeader& h = hr.header;
  const bool grass = h.flavor == AsciiGridFlavor::grass;
  report.driver = grass ? "GRASSASCIIGrid" : "AAIGrid";
  report.input_bytes = source->input_bytes();
  report.step_seconds.emplace_back("read", f.total_s);
  auto& notes = report.notes;
  notes.emplace_back("reader", std::string("cogkit ascii_grid (") + (grass ? "GRASS" : "ESRI") +
                                   (hr.text.compression.empty() ? "" : ", " + hr.text.compression) + ")");
  notes.emplace_back("data_type", f.type_note);
  if (!f.nodata_note.empty()) notes.emplace_back("nodata", f.nodata_note);
  notes.emplace_back("crs", f.has_crs ? f.crs_note : "none (no .prj, no CRS given for the input (a_srs))");
  if (h.cell_centre) notes.emplace_back("origin", "xllcenter/yllcenter: origin shifted half a cell to the corner");
  notes.emplace_back("parse", parse_note(f));
  for (auto& n : f.extra_notes) notes.push_back(std::move(n));
  if (f.parsed.extra_values)
    report.warnings.push_back(hr.name + ":" + std::to_string(f.parsed.first_extra.line) + ":" +
                              std::to_string(f.parsed.first_extra.column) + ": " +
                              std::to_string(f.parsed.extra_values) + " values after the last grid value ignored");
  for (const auto& w : h.warnings) report.warnings.push_back(w);
}

}  // namespace

GDALDataType choose_ascii_grid_type(const AsciiValueStats& stats, std::optional<double> nodata, bool nodata_float32_ok,
                                    bool nodata_integral) {
  const bool nd_finite = nodata && std::isfinite(*nodata);
  bool integers = stats.all_integral && (!nodata || (nd_finite && nodata_integral)) && (stats.missing == 0 || nd_finite);
  double lo = stats.min, hi = stats.max;
  if (nd_finite) {
    lo = std::min(lo, *nodata);
    hi = std::max(hi, *nodata);
  }
  if (integers && lo <= hi) {
    for (GDALDataType t : {GDT_Byte, GDT_Int16, GDT_UInt16, GDT_Int32})
      if (fits_type(t, lo, hi)) return t;
  }
  const bool f32 = stats.all_float32_ok && (!nodata || std::isnan(*nodata) || nodata_float32_ok);
  return f32 ? GDT_Float32 : GDT_Float64;
}

bool looks_like_ascii_grid(const std::string& path) {
  try {
    return starts_like_grid(peek_text(path, 8192, kGridText));
  } catch (...) {
    return false;
  }
}

AsciiGridHeader read_ascii_grid_header(const std::string& path) {
  HeaderRead r = read_header(path);
  r.header.prj_path = detail::find_prj(srs_input(path, r.text, {}));
  return r.header;
}

StagedRaster read_ascii_grid(const std::string& path, const AsciiGridOptions& options, const MemoryBudget& budget,
                             Report& report, const ProgressFn& progress) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  // GDAL's block cache (file staging goes through it) stays within the budget's share.
  const detail::CacheShare cache_share(budget.block_cache());
  HeaderRead hr = read_header(path);
  const AsciiGridHeader& h = hr.header;
  TextSource* source = hr.text.source.get();
  const std::uint64_t count = static_cast<std::uint64_t>(h.width) * static_cast<std::uint64_t>(h.height);
  refuse_absurd_dimensions(hr, source, count);
  const detail::ResolvedSrs crs = resolve_crs(path, hr, options, report);
  NodataChoice nd = choose_nodata(h, options);

  const int threads = options.threads > 0 ? options.threads : tbb::this_task_arena::max_concurrency();
  allow_parallelism(threads);
  tbb::task_arena arena(threads);
  const std::uint64_t total_text = source->max_text_bytes();
  ParseSetup ps{budget, h, hr.name, arena, count,
                static_cast<std::size_t>(std::clamp<std::uint64_t>(budget.work_memory() / 8, 4u << 20, 64u << 20)),
                [&](std::uint64_t pos) {
                  if (progress && total_text && hr.text.compression.empty())
                    report_progress(progress, "read", std::min(1.0, double(pos) / double(total_text)));
                }};

  ReadFacts f;
  const double cpu0 = cpu_seconds();
  const auto t_parse0 = Clock::now();
  const bool forced64 = options.type != AsciiType::automatic && type_from_name(options.type) == GDT_Float64;
  GDALDataType storage = forced64 ? GDT_Float64 : GDT_Float32;
  const Position start = position_in(hr.first, static_cast<std::size_t>(h.data_offset), Position{1, 1});
  StagedRaster staged = parse_into(ps, storage, source, hr.first.substr(static_cast<std::size_t>(h.data_offset)),
                                   start, missing_value(h, nd.value, storage), f.parsed);
  note_missing(f.parsed.stats, nd);
  const TypeChoice type = choose_type(with_output_nodata(f.parsed.stats, hr.header, options), nd, options, hr.name);
  if (needs_float64_pass(storage, type.type, f.parsed.stats, nd.value)) {
    staged = StagedRaster{};  // before the second staging: the budget holds one
    staged = parse_float64_again(ps, path, start, missing_value(h, nd.value, GDT_Float64));
    storage = GDT_Float64;
    f.extra_notes.emplace_back("parse_passes", "2: the first pass stores Float32; a value needed Float64");
  }
  const auto t_parse = Clock::now();
  f.parse_cpu = cpu_seconds() - cpu0;

  const std::optional<double> nodata = stored_nodata(nd.value, h, type.type);
  // The parse target is the result when the type matches.
  StagedRaster out = type.type == storage ? std::move(staged) : convert_staged(ps, staged, type.type, nodata);
  staged = StagedRaster{};
  if (!out.in_memory) GDALFlushCache(out.get());
  georeference(out, h, crs.srs, nodata);
  detail::apply_pam_file(path.c_str(), out.get());  // what GDAL's AAIGrid driver reports from a .aux.xml
  const auto t_end = Clock::now();

  f.type_note = type.note;
  f.nodata_note = nd.note;
  f.crs_note = crs.note;
  f.has_crs = static_cast<bool>(crs.srs);
  f.parse_s = std::chrono::duration<double>(t_parse - t_parse0).count();
  f.stage_s = std::chrono::duration<double>(t_end - t_parse).count();
  f.total_s = std::chrono::duration<double>(t_end - t0).count();
  f.in_memory = out.in_memory;
  add_to_report(report, hr, source, f);
  report_progress(progress, "read", 1.0);
  return out;
}

}  // namespace cogkit
