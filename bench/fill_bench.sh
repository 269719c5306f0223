#!/usr/bin/env bash
# bench/fill_bench.sh — cogkit's fill alone vs gdal_fillnodata.py, same DEM, same run.
#
#   bench/fill_bench.sh [BUILD_DIR]            (default: build)
#
# Env: SIZE (8000), MD (100), SMOOTHING (0), THREADS (2), BUDGET (256MB), WORK (temp dir),
#      REPEAT (1: runs of each program; the best time is kept).
# Generates the DEM with cogkit-demgen, runs `gdal_fillnodata.py -md MD dem.tif gdal.tif`,
# `fill_bench dem.tif --md MD --target cogkit.tif` (same job: a plain GeoTIFF out) and
# `fill_bench dem.tif --md MD` (into the pipeline's staged raster chosen by the budget) on
# the same CPUs (taskset to THREADS cores), prints times, ratios and peak RSS
# (/usr/bin/time -f '%e %M'), then checks that the results are bit-identical.
set -euo pipefail

BUILD=${1:-build}
SIZE=${SIZE:-8000}
MD=${MD:-100}
SMOOTHING=${SMOOTHING:-0}
THREADS=${THREADS:-2}
BUDGET=${BUDGET:-256MB}
REPEAT=${REPEAT:-1}
DEMGEN="$BUILD/bench/cogkit-demgen"
FILL="$BUILD/bench/fill_bench"
for exe in "$DEMGEN" "$FILL"; do
  [[ -x "$exe" ]] || { echo "fill_bench.sh: $exe not built (cmake --build $BUILD)" >&2; exit 1; }
done
command -v gdal_fillnodata.py >/dev/null || { echo "fill_bench.sh: gdal_fillnodata.py not found" >&2; exit 1; }

WORK=${WORK:-$(mktemp -d)}
cleanup() { [[ -n "${KEEP:-}" ]] || rm -rf "$WORK"; }
trap cleanup EXIT
CPUS=$(seq -s, 0 $((THREADS - 1)))
PIN=()
command -v taskset >/dev/null && PIN=(taskset -c "$CPUS")

DEM="$WORK/dem.tif"
if [[ ! -f "$DEM" ]]; then
  echo "generating ${SIZE}x${SIZE} DEM ..."
  "$DEMGEN" --width "$SIZE" --height "$SIZE" --res 5 --epsg 2180 --lakes 12 --dropouts 0.01 "$DEM"
fi

best() {  # best() LABEL CMD... -> "seconds rss_kb cpu_seconds" of the fastest of REPEAT runs
  local label=$1; shift
  local best_t="" best_m="" best_c=""
  for _ in $(seq "$REPEAT"); do
    /usr/bin/time -f '%e %M %U %S' -o "$WORK/$label.time" "$@" >"$WORK/$label.log" 2>&1 \
      || { cat "$WORK/$label.log" >&2; exit 1; }
    read -r t m u s <"$WORK/$label.time"
    if [[ -z "$best_t" ]] || awk -v a="$t" -v b="$best_t" 'BEGIN{exit !(a<b)}'; then
      best_t=$t; best_m=$m; best_c=$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u+s}')
    fi
  done
  echo "$best_t $best_m $best_c"
}

SMOOTH_GDAL=()
[[ "$SMOOTHING" != 0 ]] && SMOOTH_GDAL=(-si "$SMOOTHING")
rm -f "$WORK/gdal.tif"
read -r GT GM GC < <(best gdal "${PIN[@]}" gdal_fillnodata.py -q -md "$MD" "${SMOOTH_GDAL[@]}" "$DEM" "$WORK/gdal.tif")
# Same job as gdal_fillnodata.py: read dem.tif, write a plain GeoTIFF with the filled band.
read -r CT CM CC < <(best cogkit "${PIN[@]}" "$FILL" "$DEM" --md "$MD" --smoothing "$SMOOTHING" \
  --threads "$THREADS" --memory-budget "$BUDGET" --target "$WORK/cogkit.tif")
cat "$WORK/cogkit.log"
# As the pipeline stages it: into a temp tiled ZSTD GeoTIFF (or MEM) chosen by the budget.
read -r ST SM SC < <(best staged "${PIN[@]}" "$FILL" "$DEM" --md "$MD" --smoothing "$SMOOTHING" \
  --threads "$THREADS" --memory-budget "$BUDGET")
cat "$WORK/staged.log"

echo
echo "fill of ${SIZE}x${SIZE} float32 DEM, max distance $MD, smoothing $SMOOTHING, $THREADS cores"
echo "  (wall seconds; CPU = user + sys seconds; peak RSS from /usr/bin/time; load: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '  %-52s %6s s  CPU %6s s  peak RSS %5d MB\n' "gdal_fillnodata.py -md $MD dem.tif out.tif" "$GT" "$GC" $((GM / 1024))
printf '  %-52s %6s s  CPU %6s s  peak RSS %5d MB\n' "cogkit fill_bench --target out.tif (budget $BUDGET)" "$CT" "$CC" $((CM / 1024))
printf '  %-52s %6s s  CPU %6s s  peak RSS %5d MB\n' "cogkit fill_bench, staged raster (budget $BUDGET)" "$ST" "$SC" $((SM / 1024))
awk -v g="$GT" -v c="$CT" -v s="$ST" \
  'BEGIN{printf "  speed-up (gdal time / cogkit time): %.2fx (same output), %.2fx (staged)\n", g/c, g/s}'

echo
echo "bit-identity check against gdal_fillnodata.py's output:"
"$FILL" "$DEM" --md "$MD" --smoothing "$SMOOTHING" --threads "$THREADS" --memory-budget "$BUDGET" \
  --compare "$WORK/gdal.tif" | tail -1
