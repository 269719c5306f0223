// tests/batch_test.cpp — the batch runner: output names planned before any pixel moves,
// each output the same bytes as a single conversion, failures isolated, budget split.
#include "cogkit/jobs/batch.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "demgen.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace cogkit;

namespace {

std::string write_tile(const test::TempDir& dir, const std::string& name, std::uint32_t seed) {
  demgen::DemSpec spec;
  spec.width = 700;  // > one 512 tile: a full-resolution level and one overview
  spec.height = 600;
  spec.seed = seed;
  spec.lakes = 1;
  spec.lake_radius_min = 40;
  spec.lake_radius_max = 80;
  spec.dropout_fraction = 0.01;
  spec.origin_x += 3500.0 * seed;
  const std::string path = dir / name;
  if (name.size() > 4 && name.substr(name.size() - 4) == ".asc")
    demgen::write_ascii_grid(spec, path);
  else
    demgen::write_raster(spec, path);
  return path;
}

std::string write_text(const test::TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir / name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

PipelineOptions options_with(int threads, std::uint64_t budget) {
  PipelineOptions o;
  o.threads = threads;
  o.staging.memory_budget = budget;
  return o;
}

}  // namespace

TEST(BatchPlan, OutputNamesDropExtensionAndCompression) {
  test::TempDir dir;
  const auto items = plan_batch({"a/N50E014.asc", "b/tile.asc.gz", "/vsizip/c.zip/dem.grd", "d/plain"}, dir.path().string());
  ASSERT_EQ(4u, items.size());
  EXPECT_EQ(dir / "N50E014.tif", items[0].output);
  EXPECT_EQ(dir / "tile.tif", items[1].output);
  EXPECT_EQ(dir / "dem.tif", items[2].output);
  EXPECT_EQ(dir / "plain.tif", items[3].output);
  EXPECT_EQ("b/tile.asc.gz", items[1].input);
  const auto s3 = plan_batch({"x/a.asc"}, "/vsis3/bucket/prefix");
  EXPECT_EQ("/vsis3/bucket/prefix/a.tif", s3[0].output);
}

TEST(BatchPlan, RefusesCollisionsAndMissingDirectoryBeforeAnyWork) {
  test::TempDir dir;
  try {
    plan_batch({"one/tile.asc", "two/tile.asc"}, dir.path().string());
    FAIL() << "two inputs with one output name must be refused";
  } catch (const error& e) {
    EXPECT_EQ("plan", e.step());
    EXPECT_EQ("two/tile.asc", e.path());
    EXPECT_NE(std::string::npos, e.message().find("one/tile.asc")) << e.message();
  }
  EXPECT_THROW(plan_batch({}, dir.path().string()), error);
  // A directory that mkdir -p could not make: a file on the way.
  write_text(dir, "file", "x");
  EXPECT_THROW(plan_batch({"a.asc"}, dir / "file"), error);
  EXPECT_THROW(plan_batch({"a.asc"}, dir / "file/sub"), error);
  // An output that is its own input (a .tif converted into its own directory).
  const std::string tif = write_tile(dir, "dem.tif", 1);
  EXPECT_THROW(plan_batch({tif}, dir.path().string()), error);
  EXPECT_THROW(run_batch({{tif, tif}}, options_with(1, 64 << 20)), error);
}

TEST(Batch, CreatesAMissingOutputDirectoryAsMkdirP) {
  test::TempDir dir;
  const std::vector<std::string> inputs = {write_tile(dir, "a.asc", 1)};
  const std::string out = dir / "new/deeper/cogs/";
  const auto items = plan_batch(inputs, out);
  EXPECT_FALSE(fs::exists(dir / "new")) << "planning changes nothing on disk";
  const auto outcomes = run_batch(items, options_with(1, 64 << 20));
  ASSERT_TRUE(outcomes[0].report.has_value()) << (outcomes[0].failure ? outcomes[0].failure->what() : "");
  test::expect_valid_cog(dir / "new/deeper/cogs/a.tif");
  // Again, into the now existing directory; and a relative directory.
  EXPECT_TRUE(run_batch(plan_batch(inputs, out), options_with(1, 64 << 20))[0].report.has_value());
  const auto cwd = fs::current_path();
  fs::current_path(dir.path());
  const auto rel = run_batch(plan_batch(inputs, "rel/out"), options_with(1, 64 << 20));
  fs::current_path(cwd);
  ASSERT_TRUE(rel[0].report.has_value()) << (rel[0].failure ? rel[0].failure->what() : "");
  EXPECT_TRUE(fs::exists(dir / "rel/out/a.tif"));
  // A single conversion keeps refusing an output whose directory does not exist (as GDAL).
  EXPECT_THROW(convert(inputs[0], dir / "nope/a.tif", options_with(1, 64 << 20)), error);
}

TEST(BatchPlan, InputListSkipsBlankLinesAndComments) {
  test::TempDir dir;
  const std::string list = write_text(dir, "list.txt", "# tiles\r\n a.asc \r\n\r\nb dir/c.asc\n#x.asc\n");
  EXPECT_EQ((std::vector<std::string>{"a.asc", "b dir/c.asc"}), read_input_list(list));
  EXPECT_THROW(read_input_list(dir / "nope.txt"), error);
}

TEST(Batch, EachOutputIsTheSingleConversionsBytesAndFailuresStayIsolated) {
  test::TempDir dir;
  fs::create_directory(dir / "out");
  fs::create_directory(dir / "single");
  std::vector<std::string> inputs;
  for (std::uint32_t i = 1; i <= 4; ++i) inputs.push_back(write_tile(dir, "t" + std::to_string(i) + ".asc", i));
  // A bad tile in the middle: 2 rows declared, 1 given.
  inputs.insert(inputs.begin() + 2,
                write_text(dir, "bad.asc", "ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2\n"));
  inputs.push_back(dir / "missing.asc");
  const auto items = plan_batch(inputs, dir / "out");

  BatchOptions batch;
  batch.jobs = 3;
  std::size_t calls = 0, failures = 0;
  std::vector<std::string> lines;
  batch.on_done = [&](std::size_t done, std::size_t total, const BatchOutcome& outcome) {
    ++calls;
    failures += outcome.failure.has_value();
    lines.push_back(batch_report_line(outcome));
    EXPECT_EQ(calls, done);
    EXPECT_EQ(items.size(), total);
  };
  const auto outcomes = run_batch(items, options_with(2, 256 << 20), batch);
  ASSERT_EQ(items.size(), outcomes.size());
  EXPECT_EQ(items.size(), calls);
  EXPECT_EQ(2u, failures);

  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& o = outcomes[i];
    EXPECT_EQ(items[i].input, o.item.input);
    EXPECT_TRUE(o.skipped.empty());
    if (o.item.input == dir / "bad.asc" || o.item.input == dir / "missing.asc") {
      ASSERT_TRUE(o.failure.has_value()) << o.item.input;
      EXPECT_FALSE(o.report.has_value());
      EXPECT_NE(std::string::npos, o.failure->path().find(o.item.input)) << o.failure->what();
      EXPECT_FALSE(fs::exists(o.item.output)) << "nothing at the output of a failed input";
      continue;
    }
    ASSERT_TRUE(o.report.has_value()) << (o.failure ? o.failure->what() : "");
    EXPECT_EQ(o.item.output, o.report->output);
    // Each of the 3 jobs ran with a third of the budget, and wrote what a lone run writes.
    EXPECT_EQ(std::uint64_t(256 << 20) / 3, o.report->memory_budget_bytes);
    const std::string lone = dir / ("single/" + fs::path(o.item.output).filename().string());
    convert(o.item.input, lone, options_with(2, 256 << 20));
    EXPECT_EQ(test::read_file(lone), test::read_file(o.item.output)) << o.item.output;
    test::expect_valid_cog(o.item.output);
  }
  // The bad tile's error names its line.
  const auto& bad = outcomes[2];
  ASSERT_TRUE(bad.failure.has_value());
  EXPECT_NE(std::string::npos, bad.failure->path().find("bad.asc:")) << bad.failure->what();

  // One JSON line per input as it ended: every input once.
  std::vector<std::string> seen;
  for (const auto& line : lines) {
    ASSERT_EQ(std::string::npos, line.find('\n'));
    seen.push_back(nlohmann::json::parse(line)["input"]);
  }
  std::sort(seen.begin(), seen.end());
  std::vector<std::string> want = inputs;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(want, seen);

  const auto json = nlohmann::json::parse(batch_report_json(outcomes));
  ASSERT_TRUE(json.is_array());
  ASSERT_EQ(items.size(), json.size());
  EXPECT_EQ(items[0].output, json[0]["output"]);
  EXPECT_TRUE(json[0].contains("bands_stats"));
  EXPECT_TRUE(json[2].contains("error"));
  EXPECT_NE(std::string::npos, json[2]["error"].get<std::string>().find("bad.asc"));
}

TEST(Batch, FailFastStartsNothingAfterAFailure) {
  test::TempDir dir;
  fs::create_directory(dir / "out");
  const std::vector<std::string> inputs = {
      write_text(dir, "bad.asc", "ncols 2\nnrows 1\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 x\n"),
      write_tile(dir, "good.asc", 3)};
  BatchOptions batch;
  batch.jobs = 1;
  batch.keep_going = false;
  const auto outcomes = run_batch(plan_batch(inputs, dir / "out"), options_with(1, 64 << 20), batch);
  ASSERT_EQ(2u, outcomes.size());
  EXPECT_TRUE(outcomes[0].failure.has_value());
  EXPECT_FALSE(outcomes[1].skipped.empty());
  EXPECT_FALSE(outcomes[1].report.has_value());
  EXPECT_FALSE(fs::exists(dir / "out/good.tif"));
  EXPECT_TRUE(nlohmann::json::parse(batch_report_json(outcomes))[1].contains("skipped"));
}

TEST(Batch, SkipExistingResumesARunAndRedoesIncompleteOutputs) {
  test::TempDir dir;
  fs::create_directory(dir / "out");
  std::vector<std::string> inputs;
  for (std::uint32_t i = 1; i <= 3; ++i) inputs.push_back(write_tile(dir, "r" + std::to_string(i) + ".asc", i));
  const auto items = plan_batch(inputs, dir / "out");
  const PipelineOptions o = options_with(2, 128 << 20);
  // A finished output for r1; a truncated file (as a crashed non-cogkit writer would leave) for r2.
  convert(inputs[0], items[0].output, o);
  const auto r1_time = fs::last_write_time(items[0].output);
  const std::string r1_bytes = test::read_file(items[0].output);
  {
    convert(inputs[1], items[1].output, o);
    const std::string full = test::read_file(items[1].output);
    std::ofstream(items[1].output, std::ios::binary | std::ios::trunc) << full.substr(0, full.size() / 3);
  }
  BatchOptions batch;
  batch.skip_existing = true;
  const auto outcomes = run_batch(items, o, batch);
  EXPECT_EQ("the output exists and is a valid COG", outcomes[0].skipped);
  EXPECT_FALSE(outcomes[0].report.has_value());
  EXPECT_EQ(r1_time, fs::last_write_time(items[0].output));
  EXPECT_EQ(r1_bytes, test::read_file(items[0].output));
  for (int i : {1, 2}) {
    EXPECT_TRUE(outcomes[i].skipped.empty()) << i;
    ASSERT_TRUE(outcomes[i].report.has_value()) << (outcomes[i].failure ? outcomes[i].failure->what() : "");
    test::expect_valid_cog(items[i].output);
  }
}

TEST(Batch, RetriesOnlyWhatMayBeTransient) {
  test::TempDir dir;
  fs::create_directory(dir / "out");
  const std::vector<std::string> inputs = {write_tile(dir, "up.asc", 1), write_tile(dir, "bad.asc", 2)};
  const auto items = plan_batch(inputs, dir / "out");
  // A conversion whose upload fails twice, then works; and one that fails to parse.
  std::map<std::string, int> calls;
  std::mutex m;
  const BatchConvertFn flaky = [&](const BatchItem& item, const PipelineOptions& o) -> Report {
    int n;
    {
      std::lock_guard lock(m);
      n = ++calls[item.input];
    }
    if (item.input == inputs[0] && n <= 2) throw error("publish", item.output, "upload failed (HTTP 503)");
    if (item.input == inputs[1]) throw error("read", item.input + ":7:3", "bad value 'x'");
    return convert(item.input, item.output, o);
  };
  BatchOptions batch;
  batch.retries = 3;
  batch.retry_delay = std::chrono::milliseconds(1);
  const auto outcomes = run_batch(items, options_with(2, 128 << 20), batch, flaky);
  EXPECT_TRUE(outcomes[0].report.has_value()) << (outcomes[0].failure ? outcomes[0].failure->what() : "");
  EXPECT_EQ(3, outcomes[0].attempts);
  EXPECT_EQ(3, nlohmann::json::parse(batch_report_line(outcomes[0]))["attempts"].get<int>());
  ASSERT_TRUE(outcomes[1].failure.has_value());
  EXPECT_EQ(1, outcomes[1].attempts) << "a parse error is not retried";
  // Without retries the upload failure is final.
  calls.clear();
  batch.retries = 0;
  fs::remove(dir / "out/up.tif");
  const auto once = run_batch(items, options_with(2, 128 << 20), batch, flaky);
  EXPECT_TRUE(once[0].failure.has_value());
  EXPECT_EQ(1, once[0].attempts);
}

TEST(BatchPlan, ShardsPartitionTheInputs) {
  const std::vector<std::string> in = {"a", "b", "c", "d", "e"};
  EXPECT_EQ((std::vector<std::string>{"a", "c", "e"}), shard_inputs(in, 0, 2));
  EXPECT_EQ((std::vector<std::string>{"b", "d"}), shard_inputs(in, 1, 2));
  EXPECT_EQ(in, shard_inputs(in, 0, 1));
  EXPECT_TRUE(shard_inputs(in, 6, 7).empty());
  EXPECT_THROW(shard_inputs(in, 2, 2), error);
  EXPECT_THROW(shard_inputs(in, 0, 0), error);
}

TEST(Batch, JobsNeverExceedInputsOrThreads) {
  PipelineOptions o;
  o.threads = 4;
  EXPECT_EQ(4, batch_jobs({}, o, 100));
  EXPECT_EQ(2, batch_jobs({}, o, 2));
  BatchOptions b;
  b.jobs = 3;
  EXPECT_EQ(3, batch_jobs(b, o, 100));
  EXPECT_EQ(1, batch_jobs(b, o, 1));
}
