// cogkit/jobs/batch.hpp — many inputs, one process: the batch runner.
//
// Converting thousands of tiles one process each pays GDAL's start-up (~35 ms of dynamic
// linking for libgdal's ~115 libraries) per tile and leaves cores idle while one tile's last
// blocks compress. run_batch converts a list of inputs in one process, several at once:
//
//   plan_batch(inputs, output_dir)  — output names, checked before any pixel moves
//                                     (two inputs writing one output, output == input)
//   run_batch(items, options, ...)  — `jobs` conversions at a time; the memory budget and
//                                     the threads are split between them, so the whole run
//                                     stays inside the one budget
//
// Each conversion is the same call a single-file run makes (same bytes out, tested), with
// its own report; a failing input leaves nothing at its output and does not stop the others
// (unless `keep_going` is false: then no new input starts after the first failure).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cogkit/core/error.hpp"
#include "cogkit/pipeline/pipeline.hpp"
#include "cogkit/report/report.hpp"

namespace cogkit {

struct BatchItem {
  std::string input, output;
};


struct BatchOutcome {
  BatchItem item;
  std::optional<Report> report;   // set when the conversion succeeded
  std::optional<error> failure;   // set when it failed
  std::string skipped;            // why it was not converted ("" when it was attempted)
  int attempts = 0;               // conversions tried (more than 1 after retries)
};

// Called after each input ends (from the thread that ran it, one call at a time): inputs
// ended so far, total, and the outcome.
using BatchDoneFn = std::function<void(std::size_t, std::size_t, const BatchOutcome&)>;

struct BatchOptions {
  int jobs = 0;             // conversions at a time; 0 = one per thread (at most one per input)
  bool keep_going = true;   // false: start no new input after a failure
  // true: an input whose output already exists and passes validate_cog is not converted
  // again (resuming an interrupted or partly failed run; outputs are only ever renamed or
  // uploaded complete, so an existing one is a finished one).
  bool skip_existing = false;
  // Failures that may be transient — publishing (an upload), or reading a remote (/vsis3/,
  // /vsicurl/...) input — are tried again up to `retries` times, after retry_delay, then
  // twice that, and so on (at most 60 s). Other failures (a bad token, a CRS) are final.
  int retries = 0;
  std::chrono::milliseconds retry_delay{1000};
  BatchDoneFn on_done;
};

// Output path of each input in `output_dir` (a local directory or /vsis3/bucket/prefix):
// the input's file name without its extension (and without .gz/.zip/.zst) plus
// `extension`. Throws cogkit::error (step "plan") when two inputs map to the same output,
// when an output would overwrite its input, when there are no inputs, or when a local
// `output_dir` cannot be created (it, or its nearest existing ancestor, is not a directory).
// A missing local `output_dir` is not an error: run_batch creates it (as `mkdir -p`).
std::vector<BatchItem> plan_batch(const std::vector<std::string>& inputs, const std::string& output_dir,
                                  const std::string& extension = ".tif");

// Reads an input list: one path per line, blank lines and lines starting with '#' ignored;
// "-" reads standard input.
std::vector<std::string> read_input_list(const std::string& path);

// The conversion of one item, with the per-job options (threads, memory budget) already
// set. The default is convert(item.input, item.output, options).
using BatchConvertFn = std::function<Report(const BatchItem&, const PipelineOptions&)>;

// Runs every item; outcomes are in the order of `items`. First creates the local
// directories the outputs go to (as `mkdir -p`; throws cogkit::error, step "plan", if one
// cannot be created). `options` is the whole run's:
// its memory budget and threads are divided between the `jobs` running at once.
std::vector<BatchOutcome> run_batch(const std::vector<BatchItem>& items, const PipelineOptions& options,
                                    const BatchOptions& batch = {}, const BatchConvertFn& convert_one = {});

// One input's outcome as one line of JSON (no newline): its report, or {"input", "output",
// "error"} / {"input", "output", "skipped": reason}. The tools write these as JSON Lines while
// the run goes on, so a run that is killed still leaves the reports of what it finished.
std::string batch_report_line(const BatchOutcome& outcome);

// The run's JSON: an array, in input order, of each output's report, or for inputs that
// failed or were skipped {"input", "output", "error"} / {"input", "output", "skipped": reason}.
std::string batch_report_json(const std::vector<BatchOutcome>& outcomes, int indent = 2);

// Inputs of shard `index` of `count` (0-based): every count-th input from index on, for
// Kubernetes indexed jobs and similar fan-outs. Throws cogkit::error (step "options") unless
// 0 <= index < count.
std::vector<std::string> shard_inputs(const std::vector<std::string>& inputs, int index, int count);

// Number of conversions run_batch runs at once for `items` inputs.
int batch_jobs(const BatchOptions& batch, const PipelineOptions& options, std::size_t items);

}  // namespace cogkit
