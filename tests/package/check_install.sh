#!/bin/sh
# check_install.sh PREFIX: what `cmake --install` put under PREFIX is complete and usable.
set -eu
prefix=$1
fail() { echo "check_install: $*" >&2; exit 1; }
for f in include/cogkit/cogkit.hpp share/doc/cogkit/LICENSE; do
  [ -f "$prefix/$f" ] || fail "missing $f"
done
pc=$(find "$prefix" -name cogkit.pc -path '*/pkgconfig/*' | head -1)
[ -n "$pc" ] || fail "missing lib/pkgconfig/cogkit.pc"
ls "$prefix"/lib*/libcogkit.* "$prefix"/lib/*/libcogkit.* 2>/dev/null | grep -q . || fail "missing libcogkit"
for tool in cogify asc2cog xyz2cog; do
  [ -x "$prefix/bin/$tool" ] || fail "missing bin/$tool"
  "$prefix/bin/$tool" --version >/dev/null || fail "bin/$tool does not run"
  page="$prefix/share/man/man1/$tool.1"
  [ -f "$page" ] || fail "missing share/man/man1/$tool.1"
  if command -v man >/dev/null 2>&1; then
    out=$(MANWIDTH=80 man -l "$page" 2>&1) || fail "man -l $page failed: $out"
  elif command -v groff >/dev/null 2>&1; then
    out=$(groff -man -Tutf8 "$page" 2>&1) || fail "groff failed on $page"
  else
    echo "check_install: neither man nor groff: $tool.1 not rendered" >&2; out="NAME SYNOPSIS OPTIONS"
  fi
  for section in NAME SYNOPSIS OPTIONS; do
    echo "$out" | grep -q "$section" || fail "$tool.1 renders without $section"
  done
  comp="$prefix/share/bash-completion/completions/$tool"
  [ -f "$comp" ] || fail "missing share/bash-completion/completions/$tool"
  bash -c ". '$comp' && complete -p $tool" >/dev/null || fail "$comp does not register a completion"
done
echo "check_install: $prefix complete"
