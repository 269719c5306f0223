// XYZ reader: mmap + parallel chunk parsing (TBB, fast_float), grid inference in any
// point order, binning of scattered points, staging within the memory budget. The phases
// live beside this file: format (sniffing), parse (pass 1), order (axis order),
// raster_grid (the grid), bin (pass 2), raster (data type, writing).
#include "cogkit/read/xyz.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <ogr_srs_api.h>
#include <tbb/task_arena.h>

#include "cogkit/core/error.hpp"
#include "cogkit/core/gdal_handle.hpp"
#include "cogkit/core/threads.hpp"
#include "core/text.hpp"
#include "read/crs.hpp"
#include "read/xyz/bin.hpp"
#include "read/xyz/format.hpp"
#include "read/xyz/input.hpp"
#include "read/xyz/limits.hpp"
#include "read/xyz/notes.hpp"
#include "read/xyz/order.hpp"
#include "read/xyz/parse.hpp"
#include "read/xyz/raster.hpp"
#include "read/xyz/raster_grid.hpp"

namespace cogkit {
namespace {

using namespace detail::xyz;
using detail::lower;

// ---------------------------------------------------------------------------
// CRS and axis order.
// The user's CRS, else a .prj beside the file (name.prj or name.xyz.prj; name.prj beside
// name.xyz.gz; inside a zip, the member's), found as the ASCII grid reader finds it; read_xyz
// reports the resolver's warnings (an unparsable .prj: no CRS).
detail::ResolvedSrs load_srs(const std::string& path, const InputText& file, const std::string& a_srs) {
  return detail::resolve_srs(detail::text_srs_input(path, file.compression(), file.text_path(), a_srs, "XyzOptions::a_srs"));
}

void check_options(const XyzOptions& o) {
  if (o.res < 0 || !std::isfinite(o.res)) throw error("options", "", "XyzOptions::res must be positive");
  if (o.nodata && std::isinf(*o.nodata)) throw error("options", "", "XyzOptions::nodata must be finite or nan");
}

// Keep the parsed points for the second pass when they fit comfortably (a point line is
// at least ~10 bytes). Such small files are also mapped with all pages at once; large
// ones are streamed and their pages released chunk by chunk.
bool points_fit(std::uint64_t file_bytes, const MemoryBudget& budget) {
  return file_bytes / 10 * sizeof(Point) <= budget.work_memory() / 2;
}

// Without kept points, a batch of `threads` chunks is held as spill records (about as
// many bytes as text): bound the chunks by the work memory.
std::size_t max_chunk_bytes(bool keep, const MemoryBudget& budget, int threads) {
  return keep ? std::size_t(16) << 20
              : std::clamp<std::size_t>(budget.work_memory() / (std::size_t(threads) * 4), 1 << 20, std::size_t(16) << 20);
}

void note_format(const Format& f, const Notes& note) {
  std::string sepname = f.sep == ' ' ? "blanks (spaces/tabs)" : f.sep == ';' ? "';'" : "','";
  note("separator", sepname + ", decimal mark '" + std::string(1, f.decimal) + "'");
  note("columns", f.columns_why);
}

// What the summary notes report, gathered from the phases.
struct ReadSummary {
  const ScanTotals& scan;
  const PlaceStats& placed;
  std::uint64_t cells;
  std::optional<double> nodata;
  bool has_srs;
  std::string srs_source;
  std::size_t file_bytes;
  double parse_seconds;
  int threads;
  bool keep;
  StripPlan plan;
};

void note_summary(const ReadSummary& r, const XyzOptions& o, const Notes& note) {
  const std::size_t missing = std::size_t(r.cells - r.placed.filled);
  note("points", std::to_string(r.scan.points) + " points, " + std::to_string(missing) + " of " + std::to_string(r.cells) +
                     " cells without a point" + (r.scan.nan_z ? ", " + std::to_string(r.scan.nan_z) + " NaN Z values skipped" : std::string()) +
                     (r.placed.duplicates ? ", " + std::to_string(r.placed.duplicates) + " duplicate points (the last one in file order kept)"
                                          : std::string()));
  if (r.nodata) note("nodata", num(*r.nodata) + (o.nodata ? " (--nodata)" : " (default for cells without a point)"));
  if (r.has_srs) note("crs", r.srs_source);
  note("parse", num(double(r.file_bytes) / 1e6) + " MB parsed in " + num(r.parse_seconds) + " s (" +
                    num(double(r.file_bytes) / 1e6 / std::max(r.parse_seconds, 1e-9)) + " MB/s, " + std::to_string(r.threads) +
                    " threads" + (r.keep ? "" : ", two passes over the file") + ")");
  if (r.plan.strips > 1)
    note("staging", std::to_string(r.plan.strips) + " strips of " + std::to_string(r.plan.rows_per_strip) + " rows within the memory budget" +
                        (r.keep ? std::string() : std::string(", points spilled to one temp file per strip")));
  note("peak_rss_after_read", num(double(peak_rss()) / 1e6) + " MB");
}

}  // namespace

// ---------------------------------------------------------------------------
bool looks_like_xyz(const std::string& path) {
  return starts_like_xyz(detail::peek_text(path, detail::kSniffBytes, kXyzText));
}

StagedRaster read_xyz(const std::string& path, const XyzOptions& o, const MemoryBudget& budget, Report& report,
                      const ProgressFn& progress) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  const Notes note(report);
  check_options(o);
  const bool binning = o.res > 0;
  const Bin bin = binning ? parse_bin(o.bin) : Bin::grid;

  struct stat st_probe {};
  const bool small_file = ::stat(path.c_str(), &st_probe) == 0 && points_fit(std::uint64_t(st_probe.st_size), budget);
  InputText file(path, small_file, budget);
  report.input_bytes = file.input_bytes();
  if (!file.compression().empty()) note("input", file.compression_note());
  if (report.driver.empty()) report.driver = "XYZ";
  detail::ResolvedSrs crs = load_srs(path, file, o.a_srs);
  for (auto& w : crs.warnings) report.warnings.push_back(std::move(w));
  SrsHandle srs = std::move(crs.srs);
  const Format f = sniff(file, o);
  note_format(f, note);

  const int threads = resolve_threads(o.threads);
  tbb::task_arena arena(threads);
  const bool keep = points_fit(file.size(), budget) || budget.force() == StagingMode::memory;
  std::vector<Chunk> chunks = make_chunks(file, f.data_start, threads, max_chunk_bytes(keep, budget, threads));
  ByteProgress bytes(progress, file.size() - f.data_start);
  ScanTotals s = scan(arena, file, f, chunks, keep, !binning, bytes);
  if (s.points == 0) throw error(kStep, path, "no data lines (only comments or header lines)");
  const double parse_seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  const AxisOrder order = decide_axis_order(f, s, srs.get());
  note_orders(f, order, chunks, note);
  const Extent extent = orient(s, order.a_is_x);
  const Grid g = binning ? binned_grid(extent, o.res, o.bin, file, note) : inferred_grid(s, extent, path, file, note);
  std::vector<double>().swap(s.ua);
  std::vector<double>().swap(s.ub);

  const StripPlan plan = plan_strips(g, budget);
  StripPlacer placer(PointSource{file, f, chunks, arena, bytes, threads, keep, order.a_is_x}, g, bin, o.idw_power, plan);
  RasterType type;
  StagedRaster staged = rasterize(placer, plan, g, RasterSpec{s.z, bin, o, budget, srs.get(), path, keep}, note, type);
  const PlaceStats& placed = placer.stats();
  if (placed.off_grid)
    throw error(kStep, file.where(placed.off_grid_off),
                std::to_string(placed.off_grid) + " point(s) are not on the inferred grid; set XyzOptions::res to bin them");
  placer.free_strip();

  const std::uint64_t cells = std::uint64_t(g.width) * std::uint64_t(g.height);
  note_summary(ReadSummary{s, placed, cells, type.nodata, bool(srs), crs.note, file.size(), parse_seconds, threads, keep, plan},
               o, note);
  report.step_seconds.emplace_back("read", std::chrono::duration<double>(Clock::now() - t0).count());
  report_progress(progress, kStep, 1.0);
  return staged;
}

}  // namespace cogkit
