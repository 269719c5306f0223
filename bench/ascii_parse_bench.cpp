// ascii_parse_bench — throughput of the ASCII grid value parser (text already in memory),
// 1 and all threads, against strtod on the same tokens (the floor GDAL's CPLAtofM sits on).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <tbb/task_arena.h>

#include "cogkit/read/ascii_grid.hpp"
#include "cogkit/core/staging.hpp"
#include "demgen.hpp"
#include "read/ascii/parse.hpp"

namespace {

const std::string& grid_text() {
  static const std::string text = [] {
    cogkit::demgen::DemSpec spec;
    spec.width = 4000;
    spec.height = 1000;
    spec.dropout_fraction = 0.01;
    std::vector<double> v;
    cogkit::demgen::window(spec, 0, 0, spec.width, spec.height, v);
    std::string t;
    t.reserve(v.size() * 9);
    char buf[32];
    for (int r = 0; r < spec.height; ++r) {
      for (int c = 0; c < spec.width; ++c) {
        const int n = std::snprintf(buf, sizeof buf, c ? " %.6g" : "%.6g", v[static_cast<std::size_t>(r) * spec.width + c]);
        t.append(buf, static_cast<std::size_t>(n));
      }
      t += '\n';
    }
    return t;
  }();
  return text;
}

void BM_parse(benchmark::State& state) {
  const std::string& text = grid_text();
  const std::uint64_t count = 4000ULL * 1000ULL;
  auto values = std::make_unique<float[]>(count);
  cogkit::detail::ascii::ValueSink<float> sink;
  sink.reserve = [&](std::uint64_t first, std::size_t) { return values.get() + first; };
  sink.commit = [](std::uint64_t, std::size_t) {};
  tbb::task_arena arena(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    arena.execute([&] {
      auto r = cogkit::detail::ascii::parse_values(text, {1, 1}, nullptr, count, 4000, "bench", sink, std::nanf(""));
      benchmark::DoNotOptimize(r);
    });
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_parse)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_strtod(benchmark::State& state) {
  const std::string& text = grid_text();
  for (auto _ : state) {
    const char* p = text.c_str();
    double sum = 0;
    char* end = nullptr;
    while (true) {
      const double v = std::strtod(p, &end);
      if (end == p) break;
      sum += v;
      p = end;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_strtod)->Unit(benchmark::kMillisecond)->UseRealTime();

// The whole reader (file → staged raster) on $COGKIT_ASC_FILE, if set.
void BM_read_file(benchmark::State& state) {
  const char* path = std::getenv("COGKIT_ASC_FILE");
  if (!path) {
    state.SkipWithError("set COGKIT_ASC_FILE to an ASCII grid");
    return;
  }
  GDALAllRegister();
  cogkit::StagingOptions so;
  const cogkit::MemoryBudget budget(so);
  cogkit::AsciiGridOptions options;
  options.threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    cogkit::Report report;
    auto staged = cogkit::read_ascii_grid(path, options, budget, report);
    benchmark::DoNotOptimize(staged.get());
    state.SetLabel(report.notes.back().second.substr(0, 120));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(std::filesystem::file_size(path)));
}
BENCHMARK(BM_read_file)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
