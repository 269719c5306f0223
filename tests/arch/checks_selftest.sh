#!/usr/bin/env bash
# The two architecture checks catch what they claim to: run them on a small tree made here,
# with one upward include, one catch-all folder and one long function, and on a clean tree.
set -euo pipefail
python=${1:-python3}
here=$(cd "$(dirname "$0")" && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/src/core" "$t/src/read" "$t/src/pipeline" "$t/include/cogkit/core" "$t/tools"
printf '#include "cogkit/core/error.hpp"\nint f() { return 1; }\n' >"$t/src/core/a.cpp"
printf '#include "core/a.hpp"\nint g() { if (1) { return 2; } return 3; }\n' >"$t/src/read/r.cpp"
printf '#include "cogkit/read/r.hpp"\n' >"$t/src/pipeline/p.cpp"
"$python" "$here/check_layers.py" "$t" >/dev/null 2>&1 || { echo "clean tree refused"; exit 1; }
"$python" "$here/function_size.py" --max 5 "$t/src" >/dev/null || { echo "short functions refused"; exit 1; }

printf '#include "cogkit/pipeline/p.hpp"\n' >>"$t/src/read/r.cpp"
if "$python" "$here/check_layers.py" "$t" 2>"$t/err" >/dev/null; then echo "upward include not caught"; exit 1; fi
grep -q 'src/read/r.cpp:3: read (level 1) includes "cogkit/pipeline/p.hpp"' "$t/err" || { cat "$t/err"; exit 1; }
sed -i '$d' "$t/src/read/r.cpp"
printf '#include "read/r.hpp"\n' >>"$t/src/core/a.cpp"
if "$python" "$here/check_layers.py" "$t" >/dev/null 2>&1; then echo "core including read not caught"; exit 1; fi
sed -i '$d' "$t/src/core/a.cpp"
mkdir "$t/src/detail"
if "$python" "$here/check_layers.py" "$t" >/dev/null 2>&1; then echo "catch-all folder not caught"; exit 1; fi
rmdir "$t/src/detail"

{ echo 'void long_one() {'; for i in $(seq 1 10); do echo "  auto l$i = [&](int x) { return x + $i; };"; done; echo '}'; } >"$t/src/read/long.cpp"
if "$python" "$here/function_size.py" --max 5 "$t/src" 2>"$t/err" >/dev/null; then echo "long function not caught"; exit 1; fi
grep -q 'long_one is 12 lines' "$t/err" || { cat "$t/err"; exit 1; }
echo "architecture checks self-test: ok"
