// src/pipeline/mosaic.cpp — the pipeline over a mosaic of inputs (see cogkit/pipeline/mosaic.hpp).
#include "cogkit/pipeline/mosaic.hpp"

#include <chrono>

#include "pipeline/source_options.hpp"

namespace cogkit {

Report convert_mosaic(const std::vector<std::string>& inputs, const std::string& output,
                      const PipelineOptions& options, const MosaicOptions& mosaic) {
  GDALAllRegister();
  const auto t0 = std::chrono::steady_clock::now();
  const MemoryBudget budget(options.staging);  // the job's one budget: half for the inputs, the rest for the steps
  const std::uint64_t total = budget.total();
  Report seed;
  const Mosaic m = open_mosaic(inputs, detail::source_options(options), budget, mosaic, total / 2, seed);
  const double read_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  seed.step_seconds.emplace_back("read", read_seconds);
  seed.total_seconds = read_seconds;
  const std::string name = inputs.size() == 1 ? inputs[0] : "mosaic of " + std::to_string(inputs.size()) + " inputs";
  Report rep = convert_dataset(m.get(), name, output, options, budget.with_total(total - m.held_bytes), std::move(seed));
  rep.memory_budget_bytes = total;
  return rep;
}

}  // namespace cogkit
