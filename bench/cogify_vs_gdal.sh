#!/usr/bin/env bash
# Foundation benchmark (issue #2): the whole cogify pipeline vs the GDAL program chain a
# user would otherwise run, in the same run, on the same generated DEM.
#
#   bench/cogify_vs_gdal.sh [BUILD_DIR] [SIZE] [WORKDIR]
#
# SIZE defaults to 8000 (8000x8000 float32, 5 m, EPSG:2180, ~2 % holes incl. lakes
# wider than 200 px). Prints wall time and peak RSS of each, and the ratios.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
size=${2:-8000}
work=${3:-${TMPDIR:-/tmp}/cogkit-bench-$size}
budget=${BUDGET:-448MB}
mkdir -p "$work"
cd "$work"
export PATH=/usr/bin:$PATH   # GDAL's Python utilities need the system python3 with osgeo

if [ ! -f dem.tif ]; then
  "$build/bench/cogkit-demgen" --width "$size" --height "$size" --res 5 --epsg 2180 \
    --lakes $((size * size / 5000000 + 1)) --lake-radius-min 110 --lake-radius-max 180 --dropouts 0.01 --seed 42 dem.tif
fi
[ -f clip.geojson ] || "$here/make_clip.py" dem.tif clip.geojson 0.6

repeat=${REPEAT:-3}
timed() {  # timed NAME CMD... -> appends "NAME seconds maxrss_kb" to times.txt
  local name=$1; shift
  /usr/bin/time -f "$name %e %M" -a -o times.txt "$@" >/dev/null 2>>stderr.txt
}
rm -f times.txt stderr.txt ratios.txt
for run in $(seq "$repeat"); do
rm -f chain_*.tif cogify.tif
sync

timed cogify "$build/tools/cogify" dem.tif cogify.tif -t EPSG:3857 -r bilinear --fill --fill-max-distance 100 \
  --clip clip.geojson --memory-budget "$budget" -q --report cogify.json

timed gdalwarp gdalwarp -q -t_srs EPSG:3857 -r bilinear -multi -wo NUM_THREADS=ALL_CPUS dem.tif chain_1_warp.tif
timed gdal_fillnodata gdal_fillnodata.py -q -md 100 chain_1_warp.tif chain_2_fill.tif
timed gdalwarp_cutline gdalwarp -q -cutline clip.geojson -crop_to_cutline chain_2_fill.tif chain_3_clip.tif
timed gdal_translate gdal_translate -q -of COG -co COMPRESS=DEFLATE -co PREDICTOR=YES -co NUM_THREADS=ALL_CPUS \
  chain_3_clip.tif chain_4.tif

echo "run $run: (load average $(cut -d" " -f1-3 /proc/loadavg), $(nproc) CPUs)"
awk -v budget="$budget" '
  $1 == "cogify" { ct = $2; cr = $3 }
  $1 != "cogify" { gt += $2; if ($3 > gr) gr = $3; printf "  %-18s %7.2f s  %8.1f MB\n", $1, $2, $3 / 1024 }
  END {
    printf "  GDAL chain total   %7.2f s  peak %8.1f MB\n", gt, gr / 1024
    printf "  cogify             %7.2f s  peak %8.1f MB  (--memory-budget %s)\n", ct, cr / 1024, budget
    printf "  time ratio cogify/chain = %.3f   peak RSS ratio = %.3f\n", ct / gt, cr / gr
    printf "%.4f %.1f %.2f %.2f\n", ct / gt, cr / 1024, ct, gt >> "ratios.txt"
  }' times.txt
rm -f times.txt
done
sort -n ratios.txt | awk '{ r[NR] = $1; m[NR] = $2; if ($2 > peak) peak = $2 }
  END { printf "median time ratio cogify/chain over %d runs = %.3f (min %.3f, max %.3f); cogify peak RSS max %.1f MB\n",
        NR, r[int((NR + 1) / 2)], r[1], r[NR], peak }'
python3 -c "import json;r=json.load(open('cogify.json'));print('cogify steps:', r['steps'], 'staging:', r['staging'])"
"$build/tools/cogify" --check cogify.tif | tail -1
