#include "cogkit/read/ascii_grid.hpp"

#include <algorithm>
#include <sys/mman.h>
#include <sys/resource.h>

#include <cctype>
#include <charconv>
#include <cfloat>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <sstream>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <ogr_srs_api.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "cogkit/core/error.hpp"
#include "cogkit/core/gdal_handle.hpp"
#include "read/ascii/parse.hpp"
#include "read/ascii/scan.hpp"
#include "read/ascii/text_source.hpp"
#include "core/gdal_env.hpp"
#include "core/text.hpp"

namespace cogkit {
namespace {

using namespace detail::ascii;
namespace fs = std::filesystem;

using detail::lower;

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
  r.text = open_text(path);
  r.name = display_name(path, r.text);
  r.first = r.text.source->next(1u << 20);
  if (r.first.empty()) throw error("read", path, "empty file");
  // A header cannot be longer than 1 MB; the piece may end mid-header only for absurd files.
  r.header = parse_header(r.first, r.name);
  r.header.compression = r.text.compression;
  r.header.text_path = r.text.text_path;
  return r;
}

// The .prj sidecar: <base>.prj or <base>.PRJ (base = path without compression and grid extensions).
std::string find_prj(const std::string& path, const OpenedText& t) {
  std::vector<std::string> bases;
  auto strip_ext = [](const std::string& p) {
    const auto slash = p.find_last_of('/');
    const auto dot = p.find_last_of('.');
    return dot != std::string::npos && (slash == std::string::npos || dot > slash) ? p.substr(0, dot) : p;
  };
  if (t.compression == "zip") {
    bases.push_back(strip_ext(t.text_path));  // inside the zip
    bases.push_back(strip_ext(strip_ext(path)));
    bases.push_back(strip_ext(path));
  } else if (!t.compression.empty()) {
    bases.push_back(strip_ext(strip_ext(path)));  // a.asc.gz -> a
    bases.push_back(strip_ext(path));             // a.asc.gz -> a.asc(.prj)
  } else {
    bases.push_back(strip_ext(path));
  }
  for (const auto& b : bases)
    for (const char* ext : {".prj", ".PRJ"}) {
      VSIStatBufL st{};
      const std::string candidate = b + ext;
      if (VSIStatL(candidate.c_str(), &st) == 0 && !VSI_ISDIR(st.st_mode)) return candidate;
    }
  return {};
}

bool units_ds(char** lines) {
  for (char** p = lines; p && *p; ++p) {
    std::string l = lower(*p);
    std::istringstream is(l);
    std::string k, v;
    is >> k >> v;
    if (k == "units" && v == "ds") return true;
  }
  return false;
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
    return starts_like_grid(peek_text(path, 8192));
  } catch (...) {
    return false;
  }
}

AsciiGridHeader read_ascii_grid_header(const std::string& path) {
  HeaderRead r = read_header(path);
  r.header.prj_path = find_prj(path, r.text);
  return r.header;
}

StagedRaster read_ascii_grid(const std::string& path, const AsciiGridOptions& options, const MemoryBudget& budget,
                             Report& report, const ProgressFn& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  // GDAL's block cache (file staging goes through it) stays within the budget's share.
  const detail::CacheShare cache_share(budget.block_cache());
  HeaderRead hr = read_header(path);
  AsciiGridHeader& h = hr.header;
  const std::string& name = hr.name;
  TextSource* source = hr.text.source.get();
  const std::uint64_t count = static_cast<std::uint64_t>(h.width) * static_cast<std::uint64_t>(h.height);

  // Absurd dimensions: every value takes at least one character plus a separator.
  const std::uint64_t max_text = source->max_text_bytes();
  if (max_text && count > 0 && (count - 1) * 2 + 1 > max_text) {
    throw error("read", name + ":" + std::to_string(h.data_line),
                std::to_string(h.width) + " x " + std::to_string(h.height) + " = " + std::to_string(count) +
                    " values need at least " + std::to_string((count - 1) * 2 + 1) + " bytes of text, but the " +
                    (hr.text.compression.empty() ? "file has " : "text can hold at most ") + std::to_string(max_text) +
                    " bytes; refusing to allocate");
  }

  std::vector<std::pair<std::string, std::string>> notes_extra;
  // Type override checked before any work.
  const bool forced = options.type != AsciiType::automatic;
  const GDALDataType forced_type = forced ? type_from_name(options.type) : GDT_Unknown;

  // CRS.
  SrsHandle srs;
  std::string crs_note;
  h.prj_path = find_prj(path, hr.text);
  if (!options.a_srs.empty()) {
    srs.reset(OSRNewSpatialReference(nullptr));
    if (OSRSetFromUserInput(srs.get(), options.a_srs.c_str()) != OGRERR_NONE)
      throw error("options", "", "AsciiGridOptions::a_srs: cannot understand '" + options.a_srs + "'", CPLGetLastErrorMsg());
    OSRSetAxisMappingStrategy(srs.get(), OAMS_TRADITIONAL_GIS_ORDER);
    crs_note = "from --a-srs " + options.a_srs + (h.prj_path.empty() ? "" : " (overrides " + h.prj_path + ")");
  } else if (!h.prj_path.empty()) {
    char** lines = CSLLoad(h.prj_path.c_str());
    srs.reset(OSRNewSpatialReference(nullptr));
    auto* s = srs.get();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    OGRErr err = lines ? OSRImportFromESRI(s, lines) : OGRERR_CORRUPT_DATA;
    if (err != OGRERR_NONE && lines) {
      std::string joined;
      for (char** p = lines; *p; ++p) joined += std::string(*p) + "\n";
      err = OSRSetFromUserInput(s, joined.c_str());
    }
    const std::string gdal_msg = CPLGetLastErrorMsg();
    CPLPopErrorHandler();
    CPLErrorReset();
    if (err != OGRERR_NONE) {
      report.warnings.push_back(h.prj_path + ": not a CRS GDAL understands (" + gdal_msg + "); written without CRS");
      srs.reset();
    } else {
      crs_note = "from " + h.prj_path;
      if (OSRIsGeographic(s) && units_ds(lines)) {
        for (double& g : h.geotransform) g /= 3600.0;
        crs_note += " (Units DS: arc-seconds converted to degrees)";
      }
      // An ESRI .prj carries no authority code: adopt the EPSG definition when OGR finds an
      // exact (100 %) match that is also the same CRS, so the COG gets a proper EPSG key.
      int n = 0;
      int* confidence = nullptr;
      CPLPushErrorHandler(CPLQuietErrorHandler);
      OGRSpatialReferenceH* matches = OSRFindMatches(s, nullptr, &n, &confidence);
      CPLPopErrorHandler();
      if (n >= 1 && confidence && confidence[0] == 100 && OSRGetAuthorityName(matches[0], nullptr) &&
          EQUAL(OSRGetAuthorityName(matches[0], nullptr), "EPSG") && OSRIsSame(s, matches[0])) {
        crs_note += " (identified as EPSG:" + std::string(OSRGetAuthorityCode(matches[0], nullptr)) + ")";
        srs.reset(OSRClone(matches[0]));
      }
      if (matches) OSRFreeSRSArray(matches);
      CPLFree(confidence);
      OSRSetAxisMappingStrategy(srs.get(), OAMS_TRADITIONAL_GIS_ORDER);
    }
    CSLDestroy(lines);
  }

  // Nodata: the file's, else --nodata.
  std::optional<double> nodata = h.nodata;
  std::string nodata_note;
  if (nodata) {
    nodata_note = h.nodata_is_null ? "NODATA_value null (12D): -FLT_MAX" : "declared " + fmt(*nodata);
  } else if (options.nodata) {
    nodata = options.nodata;
    nodata_note = "from --nodata " + fmt(*nodata) + " (the file declares none)";
  }
  bool nodata_f32 = true, nodata_integral = false;
  if (nodata && std::isfinite(*nodata)) {
    // The digit rule applies to the nodata as printed (e.g. -3.4028235e+38, Float32's lowest, printed short).
    const std::string text = h.nodata && !h.nodata_is_null ? h.nodata_text : shortest(*nodata);
    const Token t = scan_token(text.data(), text.data() + text.size());
    nodata_integral = t.integral;
    nodata_f32 = t.float32_ok;
  }

  const int threads = options.threads > 0 ? options.threads : tbb::this_task_arena::max_concurrency();
  tbb::task_arena arena(threads);
  const std::uint64_t total_text = source->max_text_bytes();
  auto on_piece = [&](std::uint64_t pos) {
    if (progress && total_text && hr.text.compression.empty())
      progress("read", std::min(1.0, double(pos) / double(total_text)));
  };
  const std::size_t piece_bytes =
      static_cast<std::size_t>(std::clamp<std::uint64_t>(budget.work_memory() / 8, 4u << 20, 64u << 20));
  // Missing tokens (nan, null, *) are stored as the nodata when there is one, else NaN.
  auto missing_for = [&](GDALDataType storage) {
    if (!nodata) return std::nan("");
    if (h.nodata_is_null && storage == GDT_Float64) return -DBL_MAX;
    return *nodata;
  };
  // One parse of the text straight into a staged raster of `storage` (Float32 or Float64):
  // in memory the values land in the MEM band's own buffer; a file staging gets row bands.
  auto parse_into = [&](GDALDataType storage, TextSource* src, std::string_view first, Position start,
                        ParseResult& pr) {
    StagedRaster st = create_staged(budget, h.width, h.height, 1, storage, "asc");
    auto run = [&](auto tag) {
      using T = decltype(tag);
      T* direct = st.in_memory ? static_cast<T*>(GDALGetInternalHandle(st.get(), "MEMORY1")) : nullptr;
      if (direct) advise_huge_pages(direct, count * sizeof(T));
      std::vector<T> band_buf;
      std::uint64_t band_first = 0;  // index of band_buf[0]
      ValueSink<T> sink;
      if (direct) {
        sink.reserve = [direct](std::uint64_t first, std::size_t) { return direct + first; };
        sink.commit = [](std::uint64_t, std::size_t) {};
      } else {
        sink.reserve = [&](std::uint64_t first, std::size_t n) {
          const std::size_t keep = static_cast<std::size_t>(first - band_first);
          band_buf.resize(keep + n);
          return band_buf.data() + keep;
        };
        sink.commit = [&](std::uint64_t first, std::size_t n) {
          const std::uint64_t w = static_cast<std::uint64_t>(h.width);
          const std::uint64_t rows = (first + n - band_first) / w;
          if (rows == 0) return;
          const int row0 = static_cast<int>(band_first / w);
          if (GDALRasterIO(GDALGetRasterBand(st.get(), 1), GF_Write, 0, row0, h.width, static_cast<int>(rows),
                           band_buf.data(), h.width, static_cast<int>(rows), storage, 0, 0) != CE_None)
            throw error("read", name, "cannot write to staging", CPLGetLastErrorMsg());
          const std::size_t used = static_cast<std::size_t>(rows * w);
          band_buf.erase(band_buf.begin(), band_buf.begin() + static_cast<std::ptrdiff_t>(used));
          band_first += used;
        };
      }
      arena.execute([&] {
        pr = parse_values<T>(first, start, src, count, h.width, name, sink, static_cast<T>(missing_for(storage)),
                             piece_bytes, on_piece);
      });
    };
    if (storage == GDT_Float32)
      run(float{});
    else
      run(double{});
    return st;
  };

  const double cpu0 = cpu_seconds();
  const auto t_parse0 = std::chrono::steady_clock::now();
  ParseResult parsed;
  GDALDataType storage = forced && forced_type == GDT_Float64 ? GDT_Float64 : GDT_Float32;
  const Position start = position_in(hr.first, static_cast<std::size_t>(h.data_offset), Position{1, 1});
  StagedRaster staged =
      parse_into(storage, source, hr.first.substr(static_cast<std::size_t>(h.data_offset)), start, parsed);

  // `nan` tokens: missing values.
  if (parsed.stats.missing > 0 && !nodata) {
    nodata = std::nan("");
    nodata_note = std::to_string(parsed.stats.missing) + " nan/null values and no declared nodata: nodata NaN";
  } else if (parsed.stats.missing > 0) {
    nodata_note += "; " + std::to_string(parsed.stats.missing) + " nan/null/* values stored as the nodata";
  }

  // Data type.
  GDALDataType type = choose_ascii_grid_type(parsed.stats, nodata, nodata_f32, nodata_integral);
  std::string type_note;
  {
    const auto& s = parsed.stats;
    if (type == GDT_Float64)
      type_note = "Float64: some value (or the nodata) has more significant digits than Float32 keeps";
    else if (type == GDT_Float32)
      type_note = "Float32: decimal values that all round-trip through Float32 to their printed digits";
    else
      type_note = std::string(GDALGetDataTypeName(type)) + ": every value is an integer in [" + fmt(s.min) + ", " +
                  fmt(s.max) + "]" + (nodata ? " and nodata " + fmt(*nodata) : "");
  }
  if (forced) {
    const auto& s = parsed.stats;
    if (GDALDataTypeIsInteger(forced_type)) {
      if (s.count && !fits_type(forced_type, std::nearbyint(s.min), std::nearbyint(s.max)))
        throw error("options", name,
                    "AsciiGridOptions::type " + std::string(to_name(options.type)) + ": values range from " + fmt(s.min) + " to " + fmt(s.max) +
                        ", which " + GDALGetDataTypeName(forced_type) + " cannot hold");
      if (nodata && (!std::isfinite(*nodata) || !fits_type(forced_type, *nodata, *nodata)))
        throw error("options", name,
                    "AsciiGridOptions::type " + std::string(to_name(options.type)) + ": nodata " + fmt(*nodata) + " does not fit " +
                        GDALGetDataTypeName(forced_type) + (s.missing ? " (the grid has nan/null values)" : ""));
    }
    type_note = std::string(GDALGetDataTypeName(forced_type)) + ": forced by --type (the rule would pick " +
                GDALGetDataTypeName(type) + ")" +
                (GDALDataTypeIsInteger(forced_type) && !s.all_integral ? "; decimals rounded to the nearest integer" : "");
    type = forced_type;
  }

  // The first pass stores Float32. When Float32 did not hold every value (a Float64 grid, or
  // integers beyond 2^24), the text is parsed a second time into Float64.
  double max_abs = parsed.stats.count ? std::max(std::fabs(parsed.stats.min), std::fabs(parsed.stats.max)) : 0.0;
  if (nodata && std::isfinite(*nodata)) max_abs = std::max(max_abs, std::fabs(*nodata));  // missing tokens hold it
  const bool need_wide = storage == GDT_Float32 &&
                         (type == GDT_Float64 || (GDALDataTypeIsInteger(type) && max_abs > 16777216.0));
  if (need_wide) {
    staged = StagedRaster{};
    HeaderRead again = read_header(path);
    ParseResult wide;
    staged = parse_into(GDT_Float64, again.text.source.get(),
                        again.first.substr(static_cast<std::size_t>(again.header.data_offset)), start, wide);
    storage = GDT_Float64;
    notes_extra.emplace_back("parse_passes", "2: the first pass stores Float32; a value needed Float64");
  }
  const auto t_parse = std::chrono::steady_clock::now();
  const double parse_cpu = cpu_seconds() - cpu0;

  if (nodata && h.nodata_is_null && type == GDT_Float64) nodata = -DBL_MAX;
  if (nodata && type == GDT_Float32 && std::isfinite(*nodata))
    nodata = static_cast<double>(static_cast<float>(*nodata));
  const bool has_nd = nodata.has_value();
  const double nd = nodata.value_or(0);

  // Final staged raster: the parse target itself when the type matches, else converted.
  StagedRaster out;
  if (type == storage) {
    out = std::move(staged);
  } else {
    out = create_staged(budget, h.width, h.height, 1, type, "asc");
    GDALRasterBandH dst = GDALGetRasterBand(out.get(), 1);
    GDALRasterBandH src = GDALGetRasterBand(staged.get(), 1);
    std::vector<unsigned char> scratch;
    std::vector<double> rows_buf;
    const int band_rows = std::max(1, static_cast<int>(std::min<std::uint64_t>(
                                          static_cast<std::uint64_t>(h.height),
                                          std::clamp<std::uint64_t>(budget.work_memory() / 2, 1u << 20, 16u << 20) /
                                              (8u * static_cast<std::uint64_t>(h.width) + 1))));
    arena.execute([&] {
      for (int r0 = 0; r0 < h.height; r0 += band_rows) {
        const int rows = std::min(band_rows, h.height - r0);
        rows_buf.resize(static_cast<std::size_t>(rows) * static_cast<std::size_t>(h.width));
        if (GDALRasterIO(src, GF_Read, 0, r0, h.width, rows, rows_buf.data(), h.width, rows, GDT_Float64, 0, 0) !=
            CE_None)
          throw error("read", name, "cannot read back staging", CPLGetLastErrorMsg());
        write_converted(dst, type, rows_buf.data(), h.width, r0, rows, nd, has_nd, scratch, name);
      }
    });
    staged = StagedRaster{};
  }
  GDALRasterBandH band = GDALGetRasterBand(out.get(), 1);
  if (!out.in_memory) GDALFlushCache(out.get());

  GDALDatasetH ds = out.get();
  GDALSetGeoTransform(ds, h.geotransform.data());
  if (srs) GDALSetSpatialRef(ds, srs.get());
  if (has_nd) GDALSetRasterNoDataValue(band, nd);
  if (h.cell_centre) GDALSetMetadataItem(ds, "AREA_OR_POINT", "Point", nullptr);
  const auto t_end = std::chrono::steady_clock::now();

  const double parse_s = std::chrono::duration<double>(t_parse - t_parse0).count();
  const double stage_s = std::chrono::duration<double>(t_end - t_parse).count();
  report.driver = h.flavor == AsciiGridFlavor::grass ? "GRASSASCIIGrid" : "AAIGrid";
  report.input_bytes = source->input_bytes();
  report.step_seconds.emplace_back("read", std::chrono::duration<double>(t_end - t0).count());
  auto& notes = report.notes;
  notes.emplace_back("reader", std::string("cogkit ascii_grid (") + (h.flavor == AsciiGridFlavor::grass ? "GRASS" : "ESRI") +
                                   (hr.text.compression.empty() ? "" : ", " + hr.text.compression) + ")");
  notes.emplace_back("data_type", type_note);
  if (!nodata_note.empty()) notes.emplace_back("nodata", nodata_note);
  notes.emplace_back("crs", srs ? crs_note : "none (no .prj, no --a-srs)");
  if (h.cell_centre) notes.emplace_back("origin", "xllcenter/yllcenter: origin shifted half a cell to the corner");
  char speed[256];
  std::snprintf(speed, sizeof speed,
                "%llu values, %.1f MB of text parsed in %.3f s (%.0f MB/s; %.3f CPU-s, %.0f MB per CPU-second), "
                "staged in %.3f s (%s)",
                static_cast<unsigned long long>(parsed.values), double(parsed.text_bytes) / 1e6, parse_s,
                parse_s > 0 ? double(parsed.text_bytes) / 1e6 / parse_s : 0.0, parse_cpu,
                parse_cpu > 0 ? double(parsed.text_bytes) / 1e6 / parse_cpu : 0.0, stage_s, out.in_memory ? "memory" : "file");
  notes.emplace_back("parse", speed);
  for (auto& n : notes_extra) notes.push_back(std::move(n));
  if (parsed.extra_values)
    report.warnings.push_back(name + ":" + std::to_string(parsed.first_extra.line) + ":" +
                              std::to_string(parsed.first_extra.column) + ": " + std::to_string(parsed.extra_values) +
                              " values after the last grid value ignored");
  for (const auto& w : h.warnings) report.warnings.push_back(w);
  if (progress) progress("read", 1.0);
  return out;
}

}  // namespace cogkit
