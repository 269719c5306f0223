// tools/exit_codes.hpp — the tools' exit status, by class of failure (docs/cli.md, --help).
#pragma once

#include <string>
#include <string_view>

namespace cogkit::cli {

enum ExitCode : int {
  exit_ok = 0,
  exit_failure = 1,         // anything not classed below (an internal error)
  exit_usage = 2,           // the command line: parser and option errors
  exit_bad_input = 3,       // the input cannot be read or converted (steps read, plan, reproject, ...)
  exit_output = 4,          // the output cannot be written, validated, published, or the report written
  exit_partial_batch = 5,   // --output-dir: one input or more failed (each line of --json says which, how)
};
// SIGINT/SIGTERM: the temporary files are removed and the process ends by the signal, so a
// shell sees 130/143 (128 + the signal's number); no output is left behind.

// The class of a cogkit::error's step ("read", "write", ...); exit_failure for a step not in the
// table. `on_output`: the error names the OUTPUT (or -O DIR), e.g. the plan's "the output
// directory does not exist": a bad-input step there is an output failure.
int exit_code_for_step(std::string_view step, bool on_output = false);

// The paragraph of --help (the tools' footer) and docs/cli.md that says the above.
std::string exit_codes_help();

}  // namespace cogkit::cli
