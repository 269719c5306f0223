#!/usr/bin/env python3
"""Checks that the generated parts of the docs equal the tools' output (ctest docs_generated).

A doc marks a generated part with two HTML comments; the first names the commands (built tools,
run from --tools-dir; several separated by ';') whose concatenated stdout the part must equal:

  <!-- generated: cogify --help-markdown; asc2cog --help-markdown -->
  ...
  <!-- end generated -->

Exit status 1 naming each stale part (file:line and a diff). --update rewrites the parts instead.
"""
import argparse
import difflib
import glob
import os
import re
import shlex
import subprocess
import sys

BEGIN = re.compile(r"^<!-- generated: (.*?) -->$")
END = "<!-- end generated -->"


def output(cmds, tools_dir):
    out = ""
    for c in cmds.split(";"):
        argv = shlex.split(c)
        argv[0] = os.path.join(tools_dir, argv[0])
        p = subprocess.run(argv, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError("%s: exit %d: %s" % (c.strip(), p.returncode, p.stderr.strip()))
        out += p.stdout
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source_dir")
    ap.add_argument("--tools-dir", required=True)
    ap.add_argument("--update", action="store_true", help="rewrite the generated parts")
    a = ap.parse_args()
    docs = [os.path.join(a.source_dir, "README.md")] + sorted(glob.glob(os.path.join(a.source_dir, "docs", "*.md")))
    stale, parts = [], 0
    for doc in docs:
        lines = open(doc, encoding="utf-8").read().split("\n")
        out, i, changed = [], 0, False
        while i < len(lines):
            m = BEGIN.match(lines[i].strip())
            out.append(lines[i])
            if not m:
                i += 1
                continue
            start = i + 1
            j = start
            while j < len(lines) and lines[j].strip() != END:
                j += 1
            if j == len(lines):
                stale.append("%s:%d: no '%s' after this marker" % (os.path.relpath(doc, a.source_dir), i + 1, END))
                break
            parts += 1
            want = output(m.group(1), a.tools_dir).rstrip("\n").split("\n")
            have = lines[start:j]
            if have != want:
                changed = True
                diff = "\n".join(difflib.unified_diff(have, want, "doc", m.group(1), lineterm="", n=1))
                stale.append("%s:%d: differs from `%s`%s\n%s" % (
                    os.path.relpath(doc, a.source_dir), start, m.group(1),
                    " (rewritten)" if a.update else " (regenerate: %s --update)" % os.path.basename(sys.argv[0]),
                    diff))
            out.extend(want)
            out.append(lines[j])
            i = j + 1
        if a.update and changed:
            open(doc, "w", encoding="utf-8").write("\n".join(out))
    for s in stale:
        print(s)
    print("%d generated parts, %d stale" % (parts, len(stale)))
    return 1 if stale and not a.update else 0


if __name__ == "__main__":
    sys.exit(main())
