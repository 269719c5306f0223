#!/usr/bin/env python3
"""cogkit's layering, read from the #include lines: fails on a dependency that points up.

    tests/arch/check_layers.py REPO_ROOT

Capabilities are the folders of src/ (mirrored by include/cogkit/). Their levels:

    core                                   0  includes nothing else of cogkit
    read, reproject, fill, clip, write,    1  the readers, the steps, the writer and what
    validate, publish, report                 follows it: core and each other, never up
    pipeline                               2  plan + run: everything below
    jobs                                   3  batch, shards, resume: everything below

Also checked: the capability graph has no cycle (write -> report -> write would be one),
public headers include no internal header of src/, the tools include only public headers
(and their own headers in tools/: cli_common.hpp, gdal_flags.hpp), and no catch-all folder (detail, util, common, misc) exists.
Prints every violation with file:line and exits 1 if there is any.
"""
import os
import re
import sys

LEVEL = {"core": 0, "read": 1, "reproject": 1, "fill": 1, "clip": 1, "write": 1, "validate": 1, "publish": 1,
         "report": 1, "translate": 1, "pipeline": 2, "jobs": 3}
CATCH_ALL = {"detail", "util", "utils", "common", "misc", "helpers"}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def capability_of_include(target):
    parts = target.split("/")
    if parts[0] == "cogkit" and len(parts) > 2:
        return parts[1]
    if parts[0] == "cogkit" and len(parts) == 2 and parts[1][:-4] in LEVEL:
        return parts[1][:-4]
    if parts[0] in LEVEL and len(parts) > 1:
        return parts[0]
    return None


def sources(root, top):
    for base, dirs, files in os.walk(os.path.join(root, top)):
        for f in sorted(files):
            if f.endswith((".cpp", ".hpp", ".h")):
                yield os.path.join(base, f)


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                yield n, m.group(1)


def capability_of_file(root, path):
    rel = os.path.relpath(path, root).split(os.sep)
    if rel[0] == "src" and len(rel) > 2:
        return rel[1]
    if rel[:2] == ["include", "cogkit"] and len(rel) > 3:
        return rel[2]
    if rel[:2] == ["include", "cogkit"] and len(rel) == 3 and rel[2][:-4] in LEVEL:
        return rel[2][:-4]  # include/cogkit/read.hpp: the capability's own header
    return None


def find_cycle(edges):
    state, path = {}, []

    def visit(n):
        state[n] = 1
        path.append(n)
        for m in sorted(edges.get(n, ())):
            if state.get(m) == 1:
                return path[path.index(m):] + [m]
            if not state.get(m):
                c = visit(m)
                if c:
                    return c
        state[n] = 2
        path.pop()
        return None

    for n in sorted(edges):
        if not state.get(n):
            c = visit(n)
            if c:
                return c
    return None


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    errors, edges, files = [], {}, 0
    for top in ("src", "include/cogkit", "tests"):
        for base, dirs, _ in os.walk(os.path.join(root, top)):
            for d in dirs:
                if d.lower() in CATCH_ALL:
                    errors.append(f"{os.path.relpath(os.path.join(base, d), root)}: a catch-all folder")
    for top in ("src", "include/cogkit"):
        for path in sources(root, top):
            files += 1
            rel = os.path.relpath(path, root)
            cap = capability_of_file(root, path)
            if cap is None:
                if rel != "include/cogkit/cogkit.hpp":
                    errors.append(f"{rel}: not in a capability folder ({', '.join(sorted(LEVEL))})")
                continue
            if cap not in LEVEL:
                errors.append(f"{rel}: unknown capability folder '{cap}'")
                continue
            for n, target in includes(path):
                dep = capability_of_include(target)
                if top == "include/cogkit" and not target.startswith("cogkit/"):
                    errors.append(f"{rel}:{n}: a public header includes the internal header \"{target}\"")
                if dep is None or dep == cap:
                    continue
                if dep not in LEVEL:
                    errors.append(f"{rel}:{n}: includes \"{target}\" of unknown capability '{dep}'")
                    continue
                edges.setdefault(cap, set()).add(dep)
                if LEVEL[dep] > LEVEL[cap] or (cap == "core" and dep != "core"):
                    errors.append(f"{rel}:{n}: {cap} (level {LEVEL[cap]}) includes \"{target}\" of {dep} "
                                  f"(level {LEVEL[dep]}): dependencies point down only")
    cycle = find_cycle(edges)
    if cycle:
        errors.append("capability cycle: " + " -> ".join(cycle))
    tool_headers = {f for f in os.listdir(os.path.join(root, "tools")) if f.endswith(".hpp")} \
        if os.path.isdir(os.path.join(root, "tools")) else set()
    for path in sources(root, "tools"):
        for n, target in includes(path):
            if not target.startswith("cogkit/") and target not in tool_headers:
                errors.append(f"{os.path.relpath(path, root)}:{n}: a tool includes the internal header \"{target}\"")
    for e in errors:
        print(e, file=sys.stderr)
    print(f"check_layers: {files} files, {len(errors)} violation(s)")
    return 1 if errors or files == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
