#include "cogkit/jobs/batch.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include <cpl_vsi.h>
#include <gdal.h>
#include <nlohmann/json.hpp>

#include "cogkit/write/cog.hpp"
#include "cogkit/publish/publish.hpp"
#include "cogkit/core/staging.hpp"
#include "cogkit/validate/validate.hpp"
#include "cogkit/core/threads.hpp"

namespace cogkit {
namespace {

bool ends_with_nocase(const std::string& s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  return std::equal(suffix.begin(), suffix.end(), s.end() - static_cast<std::ptrdiff_t>(suffix.size()),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); });
}

// "dir/N50E014.asc.gz" -> "N50E014"; "/vsizip/a.zip/b.asc" -> "b".
std::string output_stem(const std::string& input) {
  std::string name = input;
  while (!name.empty() && name.back() == '/') name.pop_back();
  if (const auto slash = name.find_last_of('/'); slash != std::string::npos) name = name.substr(slash + 1);
  for (std::string_view packed : {".gz", ".zip", ".zst"})
    if (ends_with_nocase(name, packed) && name.size() > packed.size()) {
      name.resize(name.size() - packed.size());
      break;
    }
  if (const auto dot = name.find_last_of('.'); dot != std::string::npos && dot > 0) name.resize(dot);
  return name;
}

// Key under which two outputs are the same file.
std::string output_key(const std::string& path) {
  if (path.rfind("/vsi", 0) == 0) return path;  // GDAL virtual paths: compared as written
  std::error_code ec;
  const auto abs = std::filesystem::absolute(path, ec);
  return (ec ? std::filesystem::path(path) : abs).lexically_normal().string();
}

void check_distinct(const std::vector<BatchItem>& items) {
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string key = output_key(items[i].output);
    if (key == output_key(items[i].input))
      throw error("plan", items[i].input, "the output " + items[i].output + " would overwrite the input");
    const auto [it, fresh] = seen.emplace(key, i);
    if (!fresh)
      throw error("plan", items[i].input,
                  "writes the same output as " + items[it->second].input + " (" + items[i].output + ")");
  }
}

bool is_local_path(const std::string& path) { return path.rfind("/vsi", 0) != 0; }

// Refuses, before any work, an output directory that `mkdir -p` could not make: the path
// itself, or its nearest existing ancestor, is not a directory. A missing one is fine (run_batch
// creates it); /vsi... prefixes (/vsis3/ and the like) need no directory.
void check_can_create(const std::string& output_dir) {
  if (!is_local_path(output_dir)) return;
  std::error_code ec;
  auto dir = std::filesystem::absolute(output_dir, ec).lexically_normal();
  if (ec) dir = std::filesystem::path(output_dir);
  while (!std::filesystem::exists(dir, ec) && dir.has_parent_path() && dir.parent_path() != dir)
    dir = dir.parent_path();
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec))
    throw error("plan", output_dir,
                "the output directory cannot be created: " + dir.string() + " exists and is not a directory");
}

// Creates the local directories the outputs go to, as `mkdir -p` would.
void create_output_dirs(const std::vector<BatchItem>& items) {
  for (const auto& item : items) {
    if (!is_local_path(item.output)) continue;
    const auto dir = std::filesystem::path(item.output).parent_path();
    std::error_code ec;
    if (dir.empty() || std::filesystem::is_directory(dir, ec)) continue;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw error("plan", dir.string(), "cannot create the output directory: " + ec.message());
  }
}

bool may_be_transient(const error& e, const BatchItem& item) {
  if (e.step() == "publish") return true;
  const bool remote = is_remote_path(item.input) || item.input.rfind("/vsicurl", 0) == 0;
  return remote && e.step() == "read";
}

bool output_is_complete(const std::string& output) {
  VSIStatBufL st;
  if (VSIStatExL(output.c_str(), &st, VSI_STAT_EXISTS_FLAG) != 0) return false;
  return validate_cog(output).valid;
}

}  // namespace

std::vector<BatchItem> plan_batch(const std::vector<std::string>& inputs, const std::string& output_dir,
                                  const std::string& extension) {
  if (inputs.empty()) throw error("plan", output_dir, "no inputs");
  if (output_dir.empty()) throw error("plan", "", "no output directory");
  check_can_create(output_dir);
  const std::string dir = output_dir.back() == '/' ? output_dir : output_dir + "/";
  std::vector<BatchItem> items;
  items.reserve(inputs.size());
  for (const auto& in : inputs) items.push_back({in, dir + output_stem(in) + extension});
  check_distinct(items);
  return items;
}

std::vector<std::string> read_input_list(const std::string& path) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path);
    if (!file) throw error("plan", path, "cannot read the input list");
    in = &file;
  }
  std::vector<std::string> out;
  std::string line;
  while (std::getline(*in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto last = line.find_last_not_of(" \t");
    out.push_back(line.substr(first, last - first + 1));
  }
  return out;
}

namespace {
nlohmann::ordered_json outcome_json(const BatchOutcome& o) {
  using json = nlohmann::ordered_json;
  json j;
  if (o.report) {
    j = json::parse(o.report->to_json(-1));
  } else {
    j = json{{"status", o.failure ? "failed" : "skipped"}, {"input", o.item.input}, {"output", o.item.output}};
    if (o.failure) {
      j["step"] = o.failure->step();
      j["message"] = o.failure->message();
      j["gdal_message"] = o.failure->gdal_message();
      j["error"] = o.failure->what();
    } else {
      j["skipped"] = o.skipped;
    }
  }
  if (o.attempts > 1) j["attempts"] = o.attempts;
  return j;
}
}  // namespace

std::string batch_report_line(const BatchOutcome& outcome) { return outcome_json(outcome).dump(-1); }

std::string batch_report_json(const std::vector<BatchOutcome>& outcomes, int indent) {
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  for (const auto& o : outcomes) all.push_back(outcome_json(o));
  return all.dump(indent);
}

std::vector<std::string> shard_inputs(const std::vector<std::string>& inputs, int index, int count) {
  if (count < 1 || index < 0 || index >= count)
    throw error("options", "", "shard " + std::to_string(index) + "/" + std::to_string(count) +
                                   ": expected INDEX/COUNT with 0 <= INDEX < COUNT");
  std::vector<std::string> out;
  for (std::size_t i = static_cast<std::size_t>(index); i < inputs.size(); i += static_cast<std::size_t>(count))
    out.push_back(inputs[i]);
  return out;
}

int batch_jobs(const BatchOptions& batch, const PipelineOptions& options, std::size_t items) {
  const int threads = resolve_threads(options.threads);
  allow_parallelism(threads);
  const int wanted = batch.jobs > 0 ? batch.jobs : threads;
  return static_cast<int>(std::max<std::size_t>(1, std::min<std::size_t>(static_cast<std::size_t>(wanted), items)));
}

std::vector<BatchOutcome> run_batch(const std::vector<BatchItem>& items, const PipelineOptions& options,
                                    const BatchOptions& batch, const BatchConvertFn& convert_one) {
  check_distinct(items);
  create_output_dirs(items);
  GDALAllRegister();  // once, before the jobs (each conversion calls it again: then a no-op)
  std::vector<BatchOutcome> outcomes(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) outcomes[i].item = items[i];
  if (items.empty()) return outcomes;

  // Each job gets an equal share of the threads and of the memory budget: `jobs`
  // conversions at once stay inside the run's one budget.
  const int jobs = batch_jobs(batch, options, items.size());
  PipelineOptions per_job = options;
  per_job.threads = std::max(1, resolve_threads(options.threads) / jobs);
  per_job.staging.memory_budget = MemoryBudget(options.staging).total() / static_cast<std::uint64_t>(jobs);
  per_job.progress = {};  // one bar per run would be meaningless for interleaved jobs; on_done reports

  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex done_mutex;
  std::size_t done = 0;
  const auto worker = [&] {
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= items.size()) return;
      BatchOutcome& out = outcomes[i];
      if (stop.load()) {
        out.skipped = "not started: an earlier input failed (keep_going is false)";
        continue;
      }
      try {
        if (batch.skip_existing && output_is_complete(items[i].output)) {
          out.skipped = "the output exists and is a valid COG";
          std::lock_guard lock(done_mutex);
          ++done;
          if (batch.on_done) batch.on_done(done, items.size(), out);
          continue;
        }
        for (auto delay = batch.retry_delay;; delay = std::min<std::chrono::milliseconds>(2 * delay, std::chrono::seconds(60))) {
          ++out.attempts;
          try {
            out.report =
                convert_one ? convert_one(items[i], per_job) : convert(items[i].input, items[i].output, per_job);
            out.failure.reset();
            break;
          } catch (const error& e) {
            out.failure = e;
          }
          if (out.attempts > batch.retries || !may_be_transient(*out.failure, items[i])) break;
          std::this_thread::sleep_for(delay);
        }
      } catch (const error& e) {
        out.failure = e;
      } catch (const std::exception& e) {
        out.failure = error("convert", items[i].input, e.what());
      }
      if (out.failure && !batch.keep_going) stop = true;
      std::lock_guard lock(done_mutex);
      ++done;
      if (batch.on_done) batch.on_done(done, items.size(), out);
    }
  };
  std::vector<std::thread> pool;
  for (int j = 1; j < jobs; ++j) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  return outcomes;
}

}  // namespace cogkit
