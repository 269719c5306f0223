// tools/cli_docs.hpp — a man page and a bash completion script from the tool's option table.
#pragma once

#include <CLI/CLI.hpp>

namespace cogkit::cli {

// Adds the hidden --help-man (roff, man section 1) and --help-bash-completion flags: both
// print from the same option declarations as --help (installed as share/man/man1/<tool>.1
// and share/bash-completion/completions/<tool>).
void add_doc_flags(CLI::App& app);

}  // namespace cogkit::cli
