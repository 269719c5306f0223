#!/usr/bin/env python3
"""Function sizes of cogkit's C++ sources: fails when a function or lambda is too long.

    tests/arch/function_size.py [--max LINES] [--top N] DIR...

A function is counted from the line of its name to its closing brace; a lambda from its
capture list; a function containing a lambda counts the lambda's lines too (as a reader does).
The parser is deliberately small: comments, string and character literals and preprocessor
lines are blanked, then every `{` whose preceding text ends like a parameter list (`)` with
optional qualifiers or a trailing return type) or a lambda introducer (`]`) opens a function
body, unless the parenthesis belongs to `if`/`for`/`while`/`switch`/`catch`. Exits 1 and lists
the offenders when any is longer than --max (default 120); --top prints the longest N.
"""
import argparse
import bisect
import os
import re
import sys

CONTROL = {"if", "for", "while", "switch", "catch", "sizeof", "alignof", "decltype", "return", "constexpr"}
QUALIFIERS = ("const", "noexcept", "override", "final", "mutable", "volatile", "&&", "&")


def strip_qualifiers(head):
    """`) const noexcept` -> `)`: trailing qualifiers of a parameter list go."""
    while True:
        for q in QUALIFIERS:
            if head.endswith(q) and (not q[0].isalpha() or len(head) == len(q) or not head[-len(q) - 1].isalnum()):
                head = head[: -len(q)].rstrip()
                break
        else:
            return head


def blank(text):
    """Comments, literals and preprocessor lines become spaces (newlines kept)."""
    out, i, n = [], 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if at_line_start and c == "#":
            j = i
            while j < n and (text[j] != "\n" or text[j - 1] == "\\"):
                j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
            continue
        if c == "/" and text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
            continue
        if c == "/" and text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
            continue
        if c == "R" and text.startswith('R"', i):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            if m:
                end = text.find(")" + m.group(1) + '"', i)
                end = n if end < 0 else end + len(m.group(1)) + 2
                out.append(re.sub(r"[^\n]", " ", text[i:end]))
                i = end
                continue
        if c in "\"'" and not (c == "'" and i > 0 and text[i - 1].isalnum()):  # 1'000 digit separators
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(" " * (min(j, n - 1) - i + 1))
            i = j + 1
            continue
        at_line_start = c == "\n" or (at_line_start and c in " \t")
        out.append(c)
        i += 1
    return "".join(out)


def matching_open(text, close):
    depth = 0
    for k in range(close, -1, -1):
        if text[k] == ")":
            depth += 1
        elif text[k] == "(":
            depth -= 1
            if depth == 0:
                return k
    return -1


def body_kind(text, brace):
    """('function', name, start offset) or ('lambda', ...) or None for `{` at offset brace."""
    base = max(0, brace - 4000)  # a signature is never longer: keeps the scan linear
    kind = body_kind_in(text[base:brace])
    return (kind[0], kind[1], kind[2] + base) if kind else None


def body_kind_in(head):
    head = head.rstrip()
    head = re.sub(r"->\s*[\w:<>,\s\*&]+$", "", head).rstrip()  # trailing return type
    head = re.sub(r"noexcept\s*\([^()]*\)\s*$", "", head).rstrip()
    head = strip_qualifiers(head)
    if not head:
        return None
    if head.endswith("]"):  # [captures] { ... }
        return ("lambda", "lambda", head.rfind("["))
    if not head.endswith(")"):
        return None
    open_ = matching_open(head, len(head) - 1)
    if open_ < 0:
        return None
    before = head[:open_].rstrip()
    if before.endswith("]"):  # [captures](params) { ... }
        return ("lambda", "lambda", before.rfind("["))
    if before.endswith("operator()"):
        return ("function", "operator()", before.rfind("operator"))
    m = re.search(r"([~\w:]+)\s*$", before)
    if not m or m.group(1).split("::")[-1] in CONTROL:
        return None
    return ("function", m.group(1), m.start(1))


def functions(path):
    text = blank(open(path, encoding="utf-8", errors="replace").read())
    newlines = [k for k, c in enumerate(text) if c == "\n"]
    line_of = lambda off: bisect.bisect_left(newlines, off) + 1
    stack, found = [], []
    for k, c in enumerate(text):
        if c == "{":
            stack.append((k, body_kind(text, k)))
        elif c == "}" and stack:
            _, kind = stack.pop()
            if kind:
                first = line_of(kind[2])
                found.append((line_of(k) - first + 1, kind[1], path, first))
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max", type=int, default=120)
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("dirs", nargs="+")
    a = ap.parse_args()
    everything = []
    for d in a.dirs:
        for root, _, files in os.walk(d):
            for f in sorted(files):
                if f.endswith((".cpp", ".hpp", ".h", ".cc")):
                    everything += functions(os.path.join(root, f))
    everything.sort(reverse=True)
    for lines, name, path, first in everything[: a.top]:
        print(f"{lines:5d}  {name}  {path}:{first}")
    bad = [f for f in everything if f[0] > a.max]
    for lines, name, path, first in bad:
        print(f"{path}:{first}: {name} is {lines} lines (more than {a.max})", file=sys.stderr)
    if not everything:
        print("function_size: no functions found", file=sys.stderr)
        return 1
    print(f"function_size: {len(everything)} functions, longest {everything[0][0]} lines, {len(bad)} over {a.max}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
