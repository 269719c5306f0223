#include "cli_docs.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

namespace cogkit::cli {
namespace {

// roff-escaped text: backslashes, leading dots/quotes, and '-' as a literal minus.
std::string roff(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

// The NAME line's summary: the description's first sentence, without a leading "tool: ".
std::string summary(const CLI::App& app) {
  std::string d = app.get_description();
  if (d.rfind(app.get_name() + ": ", 0) == 0) d.erase(0, app.get_name().size() + 2);
  const auto dot = std::min(d.find(". "), d.find(".\n"));
  if (dot != std::string::npos) d.erase(dot);
  if (!d.empty() && d.back() == '.') d.pop_back();
  return d;
}

bool documented(const CLI::Option* opt) { return !opt->get_name().empty() && !opt->get_group().empty(); }

void print_man(const CLI::App& app) {
  const std::string name = app.get_name();
  std::printf(".TH %s 1 \"\" \"cogkit %s\" \"User Commands\"\n.SH NAME\n%s \\- %s\n", name.c_str(), COGKIT_VERSION,
              name.c_str(), roff(summary(app)).c_str());
  std::printf(".SH SYNOPSIS\n.B %s\n[\\fIOPTIONS\\fR]", name.c_str());
  for (const CLI::Option* opt : app.get_options())
    if (opt->get_lnames().empty() && opt->get_snames().empty() && !opt->get_name().empty())
      std::printf(" \\fI%s\\fR%s", roff(opt->get_name()).c_str(), opt->get_expected_max() > 1 ? "..." : "");
  std::printf("\n.SH DESCRIPTION\n%s\n.SH OPTIONS\n", roff(app.get_description()).c_str());
  std::string group;
  for (const CLI::Option* opt : app.get_options()) {
    if (!documented(opt)) continue;
    if (opt->get_group() != group) {
      group = opt->get_group();
      std::printf(".SS %s\n", roff(group).c_str());
    }
    std::printf(".TP\n.B %s\n%s", roff(opt->get_name(false, true)).c_str(), roff(opt->get_description()).c_str());
    if (!opt->get_default_str().empty()) std::printf(" (default: %s)", roff(opt->get_default_str()).c_str());
    std::printf("\n");
  }
  if (!app.get_footer().empty()) std::printf(".SH NOTES\n%s\n", roff(app.get_footer()).c_str());
  std::printf(".SH SEE ALSO\n.BR cogify (1),\n.BR asc2cog (1),\n.BR xyz2cog (1),\n.BR gdalwarp (1)\n");
}

// Completes the flags; after a flag that takes a value, and for positionals, file names.
void print_bash_completion(const CLI::App& app) {
  std::string flags, valued;
  for (const CLI::Option* opt : app.get_options()) {
    if (!documented(opt) || opt->get_name().rfind('-', 0) != 0) continue;
    for (const auto& names : {opt->get_lnames(), opt->get_snames()})
      for (const std::string& n : names) {
        const std::string flag = (names == opt->get_lnames() ? "--" : "-") + n;
        flags += flag + " ";
        if (opt->get_type_size() != 0) valued += flag + "|";
      }
  }
  if (!valued.empty()) valued.pop_back();
  const std::string fn = "_" + app.get_name() + "_complete";
  std::printf("# bash completion for %s (cogkit %s), generated from its options\n", app.get_name().c_str(),
              COGKIT_VERSION);
  std::printf("%s() {\n  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n",
              fn.c_str());
  if (!valued.empty()) std::printf("  case \"$prev\" in\n    %s) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n  esac\n",
                                   valued.c_str());
  std::printf("  if [[ \"$cur\" == -* ]]; then\n    COMPREPLY=($(compgen -W \"%s\" -- \"$cur\"))\n  else\n"
              "    COMPREPLY=($(compgen -f -- \"$cur\"))\n  fi\n}\ncomplete -o filenames -F %s %s\n",
              flags.c_str(), fn.c_str(), app.get_name().c_str());
}

}  // namespace

void add_doc_flags(CLI::App& app) {
  app.add_flag_callback(
         "--help-man",
         [&app] {
           print_man(app);
           throw CLI::Success();
         },
         "Print the manual page (roff; share/man/man1 is generated with it)")
      ->group("");
  app.add_flag_callback(
         "--help-bash-completion",
         [&app] {
           print_bash_completion(app);
           throw CLI::Success();
         },
         "Print the bash completion script (share/bash-completion/completions is generated with it)")
      ->group("");
}

}  // namespace cogkit::cli
