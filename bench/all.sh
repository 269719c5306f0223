#!/usr/bin/env bash
# bench/all.sh BUILD OUTDIR — the benchmark set of a refactoring's before/after check, one after
# the other, each against the GDAL programs in the same run: cogify_vs_gdal (8000², REPEAT=3),
# asc2cog (REPEAT=2, 16 tiles), xyz2cog (REPEAT=3), fill_bench (REPEAT=2), mosaic. Logs go to
# OUTDIR/<name>.log, start/end times and the load to OUTDIR/summary.txt. Run it for the old and
# the new build one after the other on the same machine (docs/benchmarks.md, issue 11).
set -uo pipefail
B=$(cd "$1" && pwd); O=$2; mkdir -p "$O"; O=$(cd "$O" && pwd)
cd "$(dirname "$0")/.."
run() {
  local name=$1; shift
  echo "== $name $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >>"$O/summary.txt"
  "$@" >"$O/$name.log" 2>&1
  echo "   exit $? $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >>"$O/summary.txt"
}
T=${TMPDIR:-/tmp}
mkdir -p "$T/cogkit-bench-fill"
run cogify_vs_gdal env REPEAT=3 bench/cogify_vs_gdal.sh "$B" 8000 "$T/cogkit-bench-8000"
run asc2cog env REPEAT=2 TILES=16 bench/asc2cog.sh "$B" "$T/cogkit-bench-asc2cog"
run xyz2cog env REPEAT=3 bench/xyz2cog.sh "$B" "$T/cogkit-bench-xyz"
run fill env REPEAT=2 WORK="$T/cogkit-bench-fill" bench/fill_bench.sh "$B"
run mosaic env REPEAT=1 bench/mosaic.sh "$B" "$T/cogkit-bench-mosaic"
