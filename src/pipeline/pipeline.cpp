#include "cogkit/pipeline/pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <tbb/task_arena.h>

#include "cogkit/core/error.hpp"
#include "cogkit/core/threads.hpp"
#include "cogkit/core/gdal_handle.hpp"
#include "cogkit/publish/publish.hpp"
#include "cogkit/validate/validate.hpp"
#include "clip/apply.hpp"
#include "core/gdal_env.hpp"
#include "core/metadata.hpp"
#include "pipeline/plan.hpp"
#include "pipeline/views.hpp"
#include "pipeline/source_options.hpp"
#include "report/describe.hpp"
#include "report/stats.hpp"
#include "reproject/fast_warp.hpp"
#include "translate/view.hpp"

namespace cogkit {

namespace {

using Clock = std::chrono::steady_clock;
using detail::Plan;
using detail::base_name;
using detail::check_output;
using detail::make_plan;

struct StepTimer {
  Report& report;
  std::string step;
  Clock::time_point start = Clock::now();
  ~StepTimer() { report.step_seconds.emplace_back(step, std::chrono::duration<double>(Clock::now() - start).count()); }
};

struct StepProgress {
  const ProgressFn* fn;
  const char* step;
  bool stopped = false;  // the callback cancelled: GDAL was told to stop
};

int CPL_STDCALL step_progress(double complete, const char*, void* data) {
  auto* p = static_cast<StepProgress*>(data);
  if (p->fn && *p->fn && !(*p->fn)(p->step, std::clamp(complete, 0.0, 1.0))) p->stopped = true;
  return p->stopped ? FALSE : TRUE;
}

void warp_into(GDALDatasetH src, GDALDatasetH dst, const std::string& name, const PipelineOptions& o,
               const Plan& plan, const MemoryBudget& budget, int threads, Report& rep) {
  // The whole work window (clip extent + the fill's halo) in one warp operation.
  // Restricting the warp to the rows/columns near a clip polygon was measured and
  // dropped: each extra warp operation costs ~0.1 s in GDAL 3.6, more than it saves.
  const WarpSettings ws = warp_settings(o.reproject, plan.nodata, threads, budget.warp_memory());
  try {
    // cogkit's kernel where it gives GDAL's pixels (docs/fast-warp.md), else GDAL's warper.
    const std::string why = detail::fast_warp_unsupported(src, dst, ws);
    rep.notes.emplace_back("warper", why.empty() ? "cogkit" : "gdal (" + why + ")");
    if (why.empty())
      detail::fast_warp(src, dst, ws, o.progress);
    else
      warp_regions(src, dst, ws, {}, o.progress);
  } catch (const cancelled& e) {
    throw cancelled(e.stopped_step(), name);
  } catch (const error& e) {
    throw error("reproject", name, e.message(), e.gdal_message());
  }
}

void copy_window(GDALDatasetH src, GDALDatasetH dst, const PixelRect& w, const std::string& name,
                 const ProgressFn& progress) {
  // The whole source is read as it is: a view of it would be GDALTranslate's clone, which
  // cannot reopen a source that is itself an in-memory view (the translate step's).
  DatasetHandle view;
  if (!w.covers(GDALGetRasterXSize(src), GDALGetRasterYSize(src))) view = detail::window_view(src, w, std::nullopt, false);
  detail::GdalErrorCapture capture;
  StepProgress pd{&progress, "read"};
  const CPLErr err = GDALDatasetCopyWholeRaster(view ? view.get() : src, dst, nullptr, step_progress, &pd);
  if (pd.stopped) throw cancelled("read", name);
  if (err != CE_None)
    throw error("read", name, "reading the source failed", capture.last_error());
}

}  // namespace

namespace {

bool user_set(const PipelineOptions& o, const char* key) {
  return std::any_of(o.config.begin(), o.config.end(), [key](const auto& kv) { return EQUAL(kv.first.c_str(), key); });
}

// One conversion while it runs: what it was given, what it decided, what it holds.
struct Job {
  GDALDatasetH src;
  const StagedRaster* owned;  // src is a reader's staged raster (writable, ours)
  const std::string& name;
  const std::string& output;
  const PipelineOptions& o;
  Report& rep;
  const MemoryBudget& budget;
  int threads = 1;
  Plan plan;
  StagedRaster staged;           // the work raster, when it is not the reader's own
  DatasetHandle view;            // the published window of the work raster, or a nodata / no-metadata override
  GDALDatasetH write_src = nullptr;
  DatasetHandle translated;      // the translate step's view of the source, when it is active
};

Report begin_report(GDALDatasetH src, const std::string& name, const std::string& output, const PipelineOptions& o,
                    Report seed) {
  Report rep = std::move(seed);
  rep.tool = o.tool;
  if (rep.input.empty()) rep.input = name;
  rep.output = output;
  if (rep.driver.empty())
    if (GDALDriverH d = GDALGetDatasetDriver(src)) rep.driver = GDALGetDriverShortName(d);
  return rep;
}

// The job's budget: the whole budget, less what a reader's in-memory raster already holds
// (at least a quarter is left for the steps).
MemoryBudget job_budget(const MemoryBudget& whole, const StagedRaster* owned, Report& rep) {
  rep.memory_budget_bytes = whole.total();
  if (!owned || !owned->in_memory) return whole;
  const std::uint64_t held = owned->held_bytes();
  return whole.with_total(std::max(whole.total() - std::min(held, whole.total()), whole.total() / 4));
}

// Defaults that keep GDAL's COG writer inside the budget, unless the caller set them: the
// temporary overview file is ZSTD-compressed at level 9 by default (a ~4 MB context per
// writer thread) and overviews are computed in 10 MB chunks. Then the caller's options.
void set_gdal_config(detail::ConfigScope& config, const PipelineOptions& o, const MemoryBudget& budget) {
  if (!user_set(o, "ZSTD_LEVEL_OVERVIEW")) config.set("ZSTD_LEVEL_OVERVIEW", "1");
  if (!user_set(o, "GDAL_OVR_CHUNK_MAX_SIZE"))
    config.set("GDAL_OVR_CHUNK_MAX_SIZE",
               std::to_string(std::clamp<std::uint64_t>(budget.work_memory() / 2, 2 << 20, 10 << 20)));
  for (const auto& [k, v] : o.config) config.set(k, v);
}

// The translate step wraps the source before the plan, so every later step sees the selected
// bands, the type and the scaled values; a reader's staged raster is then read through the
// view instead of being changed in place.
void translate_source(Job& j) {
  if (!j.o.translate.active()) return;
  const bool nodata_given = j.o.cog.nodata || j.o.reproject.dst_nodata;
  j.translated = detail::translate_view(j.src, j.o.translate, j.name, {j.o.reproject.active(), nodata_given});
  j.src = j.translated.get();
  j.owned = nullptr;
}

// Everything is checked before any pixel moves.
Plan plan_job(Job& j) {
  StepTimer t{j.rep, "plan"};
  try {
    validate_cog_options(j.o.cog);
  } catch (const error& e) {
    throw error(e.step(), j.name, e.message());
  }
  check_output(j.name, j.output);
  translate_source(j);
  return make_plan(j.src, j.name, j.o);
}

// A staged raster for the work window, with the plan's grid, CRS, nodata and what the
// source says about its values (core/metadata.hpp: statistics dropped, they will be stale).
StagedRaster create_work_raster(const Job& j) {
  const Plan& p = j.plan;
  StagedRaster staged = create_staged(j.budget, p.work.w, p.work.h, p.bands, p.type, base_name(j.output) + ".stage");
  const double wgt[6] = {p.gt[0] + p.work.x * p.gt[1] + p.work.y * p.gt[2], p.gt[1], p.gt[2],
                         p.gt[3] + p.work.x * p.gt[4] + p.work.y * p.gt[5], p.gt[4], p.gt[5]};
  GDALSetGeoTransform(staged.get(), const_cast<double*>(wgt));
  if (p.srs) GDALSetSpatialRef(staged.get(), p.srs.get());
  for (int b = 1; b <= p.bands; ++b)
    if (p.nodata) GDALSetRasterNoDataValue(GDALGetRasterBand(staged.get(), b), *p.nodata);
  detail::copy_metadata(j.src, staged.get(), {j.o.copy_metadata, true, p.reproject});
  return staged;
}

// The raster the steps change: the reader's own (in place: no copy, when nothing is
// reprojected), else a staged copy of the work window, warped or read.
GDALDatasetH stage_work(Job& j) {
  if (j.owned && !j.plan.reproject) {
    j.plan.work = {0, 0, j.plan.width, j.plan.height};
    j.rep.staging = "in place (reader's " +
                    std::string(to_name(j.owned->in_memory ? StagingMode::memory : StagingMode::file)) + " staging)";
    for (int b = 1; b <= j.plan.bands; ++b)
      if (j.plan.nodata) GDALSetRasterNoDataValue(GDALGetRasterBand(j.src, b), *j.plan.nodata);
    detail::copy_metadata(j.src, j.src, {j.o.copy_metadata, true, false});
    return j.src;
  }
  j.staged = create_work_raster(j);
  j.rep.staging = to_name(j.staged.in_memory ? StagingMode::memory : StagingMode::file);
  if (j.plan.reproject) {
    StepTimer t{j.rep, "reproject"};
    warp_into(j.src, j.staged.get(), j.name, j.o, j.plan, j.budget, j.threads, j.rep);
  } else {
    StepTimer t{j.rep, "read"};
    copy_window(j.src, j.staged.get(), j.plan.work, j.name, j.o.progress);
  }
  return j.staged.get();
}

void fill_work(const Job& j, GDALDatasetH work) {
  StepTimer t{j.rep, "fill"};
  FillOptions fo = j.o.fill;
  if (fo.threads <= 0) fo.threads = j.threads;
  for (int b = 1; b <= j.plan.bands; ++b) {
    try {
      fill_nodata(GDALGetRasterBand(work, b), fo, j.budget, j.o.progress);
    } catch (const cancelled& e) {
      throw cancelled(e.stopped_step(), j.name);
    } catch (const error& e) {
      throw error("fill", j.name, e.message(), e.gdal_message());
    }
  }
}

// Stage, fill, clip and measure; the writer then reads the published window of the work raster.
void run_steps(Job& j) {
  GDALDatasetH work = stage_work(j);
  if (j.o.fill.enabled) fill_work(j, work);
  const PixelRect crop_in_work = j.plan.crop.relative_to(j.plan.work);
  {
    StepTimer t{j.rep, j.plan.clip ? "clip" : "stats"};
    j.rep.band_stats = detail::clip_and_measure(work, crop_in_work, {j.plan.clip.get(), j.plan.nodata}, j.name,
                                                j.o.progress, true, j.budget.work_memory() / 2);
  }
  j.write_src = work;
  if (!crop_in_work.covers(j.plan.work.w, j.plan.work.h)) {
    j.view = detail::mem_window_view(work, crop_in_work);
    if (!j.view) j.view = detail::window_view(work, crop_in_work, std::nullopt, false);
    j.write_src = j.view.get();
  }
}

// No step changes pixels: the writer reads the source (through a view for a nodata override
// or without its metadata).
void pass_through(Job& j) {
  j.rep.staging = "none";
  j.write_src = j.src;
  // An assigned nodata (src_nodata alone: gdalwarp's output nodata), or metadata left out.
  const bool assign = j.o.cog.nodata || j.o.reproject.src_nodata;
  if (assign || !j.o.copy_metadata) {
    j.view = detail::window_view(j.src, j.plan.crop, assign ? j.plan.nodata : std::nullopt, true,
                                 {j.o.copy_metadata, assign, false});
    j.write_src = j.view.get();
  }
  // A reader's in-memory raster (create_staged's layout): statistics straight from its
  // pixels. Else they are taken while the writer reads the rows (write_output).
  StepTimer t{j.rep, "stats"};
  std::optional<std::vector<BandStats>> direct;
  if (j.owned && j.write_src == j.src) direct = detail::measure_in_memory(j.src, j.plan.crop, j.plan.nodata);
  if (direct) j.rep.band_stats = std::move(*direct);
}

// Statistics still pending after the write, or when the writer asks for them: from the rows
// the writer read when it read them all, else by a pass of their own over what it writes.
void measure_pending(Job& j, const std::optional<detail::RowStats>& row_stats, bool rows_observed) {
  if (!j.rep.band_stats.empty()) return;
  const std::uint64_t pixels = std::uint64_t(j.plan.crop.w) * std::uint64_t(j.plan.crop.h);
  if (rows_observed && row_stats)
    if (auto st = row_stats->finish(pixels)) {
      j.rep.band_stats = std::move(*st);
      j.rep.notes.emplace_back("stats", "measured on the rows the COG writer read (no pass of their own)");
      return;
    }
  StepTimer t{j.rep, "stats"};
  j.rep.band_stats = detail::clip_and_measure(j.write_src, j.plan.crop, {j.plan.clip.get(), j.plan.nodata}, j.name,
                                              j.o.progress, false, j.budget.work_memory() / 2);
}

// What the writer stores as STATISTICS_* (PipelineOptions::write_statistics).
StatisticsFn statistics_for(Job& j, const std::optional<detail::RowStats>& row_stats) {
  if (!j.o.write_statistics) return {};
  return [&j, &row_stats](bool rows_observed) {
    measure_pending(j, row_stats, rows_observed);
    BandMetadata md;
    for (const auto& s : j.rep.band_stats) md.push_back(detail::statistics_metadata(s));
    return md;
  };
}

// Writes the COG to `temp`; statistics still pending are taken on the rows the writer reads,
// or, when it reads none (GDAL's writer, no overview pass), by a pass of their own — before
// the write when they are stored in the COG (its header comes first), after it otherwise.
void write_output(Job& j, const TempPath& temp) {
  std::optional<detail::RowStats> row_stats;
  if (j.rep.band_stats.empty() && GDALGetRasterXSize(j.write_src) == j.plan.crop.w &&
      GDALGetRasterYSize(j.write_src) == j.plan.crop.h)
    row_stats.emplace(j.plan.crop.h, GDALGetRasterCount(j.write_src), j.plan.nodata);
  bool rows_observed = false;
  {
    StepTimer t{j.rep, "write"};
    // Overview computation in GDAL's COG driver uses GDAL_NUM_THREADS (same bytes, measured
    // ~5-10 % faster on 2 cores). Only here: elsewhere it would make GTiff reads bypass the
    // block cache.
    detail::ConfigScope write_config;
    if (!user_set(j.o, "GDAL_NUM_THREADS")) write_config.set("GDAL_NUM_THREADS", std::to_string(j.threads));
    try {
      RowObserver observer;
      if (row_stats) observer = std::ref(*row_stats);
      const CogWriteResult w = write_cog(j.write_src, temp.path(), j.o.cog, j.threads, j.budget, j.o.progress, observer,
                                         statistics_for(j, row_stats));
      j.rep.notes.emplace_back("writer", std::string(to_name(w.writer)) +
                                             (w.reason.empty() ? "" : " (cogkit's writer does not support " + w.reason + ")"));
      rows_observed = w.rows_observed;
    } catch (const cancelled& e) {
      throw cancelled(e.stopped_step(), j.output);
    } catch (const error& e) {
      throw error("write", j.output, e.message(), e.gdal_message());
    }
  }
  measure_pending(j, row_stats, rows_observed);
}

void validate_and_describe(const Job& j, const TempPath& temp) {
  StepTimer t{j.rep, "validate"};
  if (j.o.validate) {
    const CogValidation v = validate_cog(temp.path());
    if (!v.valid) {
      std::string msg;
      for (const auto& e : v.errors) msg += (msg.empty() ? "" : "; ") + e;
      throw error("validate", j.output, "the written file is not a valid COG: " + msg);
    }
  }
  detail::describe_output(j.rep, temp.path());
  j.rep.sha256 = sha256_file(temp.path());
  VSIStatBufL st;
  if (VSIStatL(temp.path().c_str(), &st) == 0) j.rep.output_bytes = static_cast<std::uint64_t>(st.st_size);
}

void publish_output(const Job& j, TempPath& temp) {
  StepTimer t{j.rep, "publish"};
  publish(temp.path(), j.output, j.o.progress);
  if (is_remote_path(j.output))
    temp.remove();  // uploaded: the local copy goes
  else
    temp.release();  // renamed into place: it is the output now
}

// The pipeline. `owned`: `src` is a raster a cogkit reader staged (writable, ours), so
// without reprojection the fill and clip work on it in place instead of on a copy, and
// the memory it holds counts against the budget.
Report run_pipeline_in_arena(GDALDatasetH src, const StagedRaster* owned, const std::string& name,
                             const std::string& output, const PipelineOptions& o, const MemoryBudget& whole,
                             Report seed) {
  const auto t0 = Clock::now();
  Report rep = begin_report(src, name, output, o, std::move(seed));
  const MemoryBudget budget = job_budget(whole, owned, rep);
  detail::ConfigScope config;
  set_gdal_config(config, o, budget);
  const detail::CacheShare cache_share(budget.block_cache());
  detail::GdalErrorCapture capture;
  Job j{src, owned, name, output, o, rep, budget, resolve_threads(o.threads), {}, {}, {}, nullptr, {}};
  j.plan = plan_job(j);
  if (j.plan.stage)
    run_steps(j);
  else
    pass_through(j);
  TempPath temp(staging_dir_for(output, budget.tmpdir()), base_name(output), ".tif");
  write_output(j, temp);
  j.view.reset();
  j.staged = StagedRaster{};  // free staging before hashing and publishing
  j.translated.reset();
  validate_and_describe(j, temp);
  publish_output(j, temp);
  for (const auto& w : capture.warnings())
    if (std::find(rep.warnings.begin(), rep.warnings.end(), w) == rep.warnings.end()) rep.warnings.push_back(w);
  rep.total_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
  rep.peak_rss_bytes = peak_rss();
  rep.threads = j.threads;
  return rep;
}

// The pipeline runs in a task arena of its own: --threads bounds this conversion's
// parallel loops without touching other conversions running in the same process.
Report run_pipeline(GDALDatasetH src, const StagedRaster* owned, const std::string& name, const std::string& output,
                    const PipelineOptions& o, const MemoryBudget& budget, Report seed) {
  GDALAllRegister();
  const int threads = resolve_threads(o.threads);
  allow_parallelism(threads);
  // Already in an arena of that size (the default one, for a lone conversion on all cores):
  // no nested arena, whose workers would have to migrate from the outer one.
  if (threads == tbb::this_task_arena::max_concurrency())
    return run_pipeline_in_arena(src, owned, name, output, o, budget, std::move(seed));
  tbb::task_arena arena(threads);
  return arena.execute([&] { return run_pipeline_in_arena(src, owned, name, output, o, budget, std::move(seed)); });
}

}  // namespace

Report convert_dataset(GDALDatasetH source, const std::string& source_name, const std::string& output,
                       const PipelineOptions& options, const MemoryBudget& budget, Report seed) {
  return run_pipeline(source, nullptr, source_name, output, options, budget, std::move(seed));
}

Report convert_dataset(GDALDatasetH source, const std::string& source_name, const std::string& output,
                       const PipelineOptions& options, Report seed) {
  return convert_dataset(source, source_name, output, options, MemoryBudget(options.staging), std::move(seed));
}

Report convert_staged(StagedRaster source, const std::string& source_name, const std::string& output,
                      const PipelineOptions& options, const MemoryBudget& budget, Report seed) {
  return run_pipeline(source.get(), &source, source_name, output, options, budget, std::move(seed));
}

Report convert_staged(StagedRaster source, const std::string& source_name, const std::string& output,
                      const PipelineOptions& options, Report seed) {
  return convert_staged(std::move(source), source_name, output, options, MemoryBudget(options.staging),
                        std::move(seed));
}

Report convert(const std::string& input, const std::string& output, const PipelineOptions& options) {
  GDALAllRegister();
  const auto t0 = Clock::now();
  Report seed;
  const MemoryBudget budget(options.staging);  // the job's one budget: the reader's, then the steps'
  SourceHandle source = open_source(input, detail::source_options(options), budget, seed);
  seed.total_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!source.dataset) return convert_staged(std::move(source.staged), input, output, options, budget, std::move(seed));
  return convert_dataset(source.get(), input, output, options, budget, std::move(seed));
}

}  // namespace cogkit
