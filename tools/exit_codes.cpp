#include "exit_codes.hpp"

#include <utility>

namespace cogkit::cli {
namespace {

// The one table: each step of cogkit::error to its class.
constexpr std::pair<std::string_view, ExitCode> kStepClasses[] = {
    {"options", exit_usage},       {"read", exit_bad_input},    {"plan", exit_bad_input},
    {"reproject", exit_bad_input}, {"fill", exit_bad_input},    {"clip", exit_bad_input},
    {"translate", exit_bad_input}, {"mosaic", exit_bad_input},  {"stage", exit_output},
    {"write", exit_output},        {"validate", exit_output},   {"publish", exit_output},
    {"report", exit_output},       {"stac", exit_output},
};

}  // namespace

int exit_code_for_step(std::string_view step, bool on_output) {
  for (const auto& [name, code] : kStepClasses)
    if (name == step) return code == exit_bad_input && on_output ? exit_output : code;
  return exit_failure;
}

std::string exit_codes_help() {
  std::string steps[6];
  for (const auto& [name, code] : kStepClasses) steps[code] += (steps[code].empty() ? "" : "/") + std::string(name);
  return "Exit status: 0 done; 1 internal error; 2 usage error (" + steps[exit_usage] + "); 3 bad input (" +
         steps[exit_bad_input] + "); 4 output failure (" + steps[exit_output] +
         ", or any step's error on OUTPUT or -O DIR); 5 a batch (--output-dir) where one input or more failed; 130/143 interrupted by SIGINT/SIGTERM "
         "(temporary files removed, no output).";
}

}  // namespace cogkit::cli
