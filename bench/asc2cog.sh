#!/usr/bin/env bash
# bench/asc2cog.sh — asc2cog vs gdal_translate -of COG on the same ESRI ASCII grids, in one run.
#
#   bench/asc2cog.sh [BUILD_DIR] [WORK_DIR]
#
# Generates (once) an 8000x8000 grid (~503 MB of text) and a 1000x1000 tile with
# cogkit-demgen, then for each: gdal_translate -of COG -co COMPRESS=DEFLATE -co PREDICTOR=YES
# and asc2cog (same codec, predictor auto, all cores). Prints wall time, the ratio
# asc2cog/gdal_translate, peak RSS of both (/usr/bin/time %M), asc2cog's parse speed
# (MB/s wall and MB per CPU-second, from its report) and its memory budget.
# The last row repeats the big grid with --memory-budget 256MB (file staging, RSS bound).
# Then the batch case (TILES tiles of 1000x1000, default 16): one gdal_translate process per
# tile, in sequence and with `xargs -P <cores>`, vs one `asc2cog -O DIR` process for all.
# Env: ASC2COG_ARGS (extra asc2cog flags, e.g. "--memory-budget 1GB"), REPEAT (default 1), TILES.
set -euo pipefail
BUILD=${1:-build}
WORK=${2:-/tmp/cogkit-bench-asc2cog}
REPEAT=${REPEAT:-1}
DEMGEN=$BUILD/bench/cogkit-demgen
ASC2COG=$BUILD/tools/asc2cog
for exe in "$DEMGEN" "$ASC2COG"; do
  [[ -x $exe ]] || { echo "missing $exe (build first: cmake --build $BUILD)" >&2; exit 1; }
done
command -v gdal_translate >/dev/null || { echo "gdal_translate not found" >&2; exit 1; }
mkdir -p "$WORK"

gen() {  # name width height
  local f=$WORK/$1.asc
  if [[ ! -s $f ]]; then
    echo "generating $f ($2 x $3)..." >&2
    "$DEMGEN" "$f" --format asc --width "$2" --height "$3" --lakes 3 --dropouts 0.01 --epsg 0
  fi
  echo "$f"
}

measure() {  # label outfile cmd... ; prints "seconds kb"
  local t=$WORK/time.txt
  /usr/bin/time -f '%e %M' -o "$t" "${@:2}" >"$WORK/$1.stdout" 2>"$WORK/$1.stderr" || {
    echo "FAILED: ${*:2}" >&2; cat "$WORK/$1.stderr" >&2; exit 1; }
  cat "$t"
}

printf '%-11s %9s %9s %7s %10s %10s %8s %9s %8s\n' grid text_MB gdal_s cogkit_s ratio gdal_RSS_MB rss_MB parse_MBs MB/CPUs
declare -A GDAL_S GDAL_K
for spec in "tile 1000 1000" "big 8000 8000" "big 8000 8000 --memory-budget 256MB"; do
  set -- $spec
  extra="${*:4}"
  in=$(gen "$1" "$2" "$3")
  cat "$in" >/dev/null  # same page-cache state for both
  mb=$(awk -v b="$(stat -L -c %s "$in")" 'BEGIN{printf "%.1f", b/1e6}')
  for ((i = 0; i < REPEAT; i++)); do
    rm -f "$WORK/$1.cogkit.tif"
    if [[ -z ${GDAL_S[$1]:-} || $i -gt 0 ]]; then
      rm -f "$WORK/$1.gdal.tif"
      read -r gs gk < <(measure gdal gdal_translate -q -of COG -co COMPRESS=DEFLATE -co PREDICTOR=YES "$in" "$WORK/$1.gdal.tif")
      GDAL_S[$1]=$gs GDAL_K[$1]=$gk
    fi
    gs=${GDAL_S[$1]} gk=${GDAL_K[$1]}
    # shellcheck disable=SC2086
    read -r cs ck < <(measure cogkit "$ASC2COG" "$in" "$WORK/$1.cogkit.tif" --compress DEFLATE --json -q $extra ${ASC2COG_ARGS:-})
    read -r parse cpu budget < <(python3 - "$WORK/cogkit.stdout" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
note = d["notes"]["parse"]
m = re.search(r"\((\d+) MB/s; [\d.]+ CPU-s, (\d+) MB per CPU-second\)", note)
print(m.group(1), m.group(2), round(d["memory_budget_bytes"] / 1e6))
PY
)
    ratio=$(awk -v a="$cs" -v b="$gs" 'BEGIN{printf "%.3f", a/b}')
    same=$(cmp -s "$WORK/$1.gdal.tif" "$WORK/$1.cogkit.tif" && echo "byte-identical" ||
      /usr/bin/python3 "$(dirname "$0")/compare_cogs.py" "$WORK/$1.gdal.tif" "$WORK/$1.cogkit.tif" || true)
    writer=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['notes'].get('writer','?').split(' ')[0])" "$WORK/cogkit.stdout")
    printf '%-11s %9s %9s %7s %10s %10d %8d %9s %8s   budget %s MB, writer %s, COG vs gdal_translate'"'"'s: %s\n' "$1 ${2}x$3" "$mb" "$gs" "$cs" "$ratio" \
      $((gk / 1024)) $((ck / 1024)) "$parse" "$cpu" "$budget" "$writer" "$same"
  done
done
echo "ratio = asc2cog time / gdal_translate time (target <= 0.3); RSS = peak resident set (/usr/bin/time %M)."

# ---- batch: TILES tiles of 1000x1000, many processes vs one.
TILES=${TILES:-16}
mkdir -p "$WORK/tiles" "$WORK/tiles.gdal" "$WORK/tiles.cogkit"
for ((t = 1; t <= TILES; t++)); do
  f=$WORK/tiles/t$t.asc
  [[ -s $f ]] || "$DEMGEN" "$f" --format asc --width 1000 --height 1000 --lakes 3 --dropouts 0.01 --epsg 0 \
    --seed "$t" --origin-x $((500000 + 5000 * t)) >/dev/null
done
cat "$WORK"/tiles/*.asc >/dev/null
cores=$(nproc)
gdal_one='gdal_translate -q -of COG -co COMPRESS=DEFLATE -co PREDICTOR=YES "$1" "$2/$(basename "$1" .asc).tif"'
printf '\n%-26s %10s %12s %14s %10s %8s %8s\n' "batch ($TILES tiles 1000x1000)" gdal_seq_s "gdal_P${cores}_s" asc2cog_-O_s per_tile_s ratio ratio_P
for ((i = 0; i < REPEAT; i++)); do
  rm -f "$WORK"/tiles.gdal/*.tif "$WORK"/tiles.cogkit/*.tif
  read -r gseq _ < <(measure gdalseq bash -c 'for f in "$1"/*.asc; do sh -c "$2" _ "$f" "$3" || exit 1; done' _ \
    "$WORK/tiles" "$gdal_one" "$WORK/tiles.gdal")
  rm -f "$WORK"/tiles.gdal/*.tif
  read -r gpar _ < <(measure gdalpar bash -c 'ls "$1"/*.asc | xargs -P "$4" -I{} sh -c "$2" _ {} "$3"' _ \
    "$WORK/tiles" "$gdal_one" "$WORK/tiles.gdal" "$cores")
  # shellcheck disable=SC2086
  read -r cb ckb < <(measure cogkitbatch "$ASC2COG" -O "$WORK/tiles.cogkit" "$WORK"/tiles/*.asc --compress DEFLATE -q ${ASC2COG_ARGS:-})
  n_ok=$(ls "$WORK"/tiles.cogkit/*.tif | wc -l)
  [[ $n_ok -eq $TILES ]] || { echo "asc2cog -O wrote $n_ok of $TILES tiles" >&2; exit 1; }
  # Same pixels and overviews as gdal_translate's (first and last tile).
  for t in 1 "$TILES"; do
    /usr/bin/python3 "$(dirname "$0")/compare_cogs.py" "$WORK/tiles.gdal/t$t.tif" "$WORK/tiles.cogkit/t$t.tif" >/dev/null || {
      echo "tile t$t differs from gdal_translate's" >&2; exit 1; }
  done
  awk -v s="$gseq" -v p="$gpar" -v c="$cb" -v n="$TILES" -v rss="$ckb" -v cores="$cores" 'BEGIN{
    printf "%-26s %10.2f %12.2f %14.2f %10.3f %8.3f %8.3f   asc2cog RSS %d MB, %d jobs\n", "", s, p, c, c / n, c / s, c / p, rss / 1024, cores }'
done
echo "ratio = asc2cog -O (all tiles, one process) / gdal_translate one process per tile in sequence (target <= 0.3);"
echo "ratio_P = the same against gdal_translate run $cores processes at a time (xargs -P)."
echo "asc2cog report of the last run: $WORK/cogkit.stdout"
