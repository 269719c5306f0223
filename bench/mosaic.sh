#!/usr/bin/env bash
# bench/mosaic.sh — cogify --mosaic vs the GDAL chain over the same tiles, in one run.
#
#   bench/mosaic.sh [BUILD_DIR] [WORK_DIR]
#
# Generates (once) a SIZE x SIZE Float32 DEM (default 4000, EPSG:2180, lakes crossing tile
# borders) and cuts it into TILE x TILE GeoTIFF tiles (default 1000). Then, timed with
# /usr/bin/time (wall seconds, peak RSS):
#   1. gdalbuildvrt + gdal_translate -of COG          vs  cogify --mosaic
#   2. gdalbuildvrt + gdal_fillnodata.py + gdal_translate -of COG
#                                                     vs  cogify --mosaic --fill
# and counts how many pixels differ from the fill of the whole (uncut) DEM: for cogify's
# mosaic, for the GDAL chain, and for filling each tile on its own (the seams users get when
# gaps are filled tile by tile). Env: SIZE, TILE, REPEAT (default 1).
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
WORK=${2:-/tmp/cogkit-bench-mosaic}
SIZE=${SIZE:-4000}
TILE=${TILE:-1000}
REPEAT=${REPEAT:-1}
COGIFY=$BUILD/tools/cogify
DEMGEN=$BUILD/bench/cogkit-demgen
export PATH=/usr/bin:$PATH  # GDAL's Python utilities need the system python3 with osgeo
mkdir -p "$WORK/tiles"
cd "$WORK"
if [[ ! -s whole.tif ]]; then
  "$DEMGEN" whole.tif --width "$SIZE" --height "$SIZE" --res 5 --epsg 2180 --lakes $((SIZE * SIZE / 1000000 + 2)) \
    --lake-radius-min 60 --lake-radius-max 150 --dropouts 0.01 --seed 7 >/dev/null
  rm -f tiles/*.tif
  for ((y = 0; y < SIZE; y += TILE)); do
    for ((x = 0; x < SIZE; x += TILE)); do
      gdal_translate -q -srcwin "$x" "$y" "$TILE" "$TILE" whole.tif "tiles/t_${y}_${x}.tif"
    done
  done
fi
ls tiles/*.tif > tiles.txt
n=$(wc -l < tiles.txt)
cat tiles/*.tif whole.tif > /dev/null

measure() {  # label cmd... -> "seconds kb"
  /usr/bin/time -f '%e %M' -o time.txt "${@:2}" > "$1.stdout" 2> "$1.stderr" || {
    echo "FAILED: ${*:2}" >&2; cat "$1.stderr" >&2; exit 1; }
  cat time.txt
}
chain_plain() {
  rm -f chain.vrt chain.tif
  gdalbuildvrt -q -input_file_list tiles.txt chain.vrt
  gdal_translate -q -of COG -co COMPRESS=DEFLATE -co PREDICTOR=YES chain.vrt chain.tif
}
chain_fill() {
  rm -f chain.vrt filled.tif chainfill.tif
  gdalbuildvrt -q -input_file_list tiles.txt chain.vrt
  gdal_fillnodata.py -q -md 100 -si 0 chain.vrt filled.tif
  gdal_translate -q -of COG -co COMPRESS=DEFLATE -co PREDICTOR=YES filled.tif chainfill.tif
}
export -f chain_plain chain_fill

printf '%-34s %9s %9s %8s %12s %10s\n' "$n tiles of ${TILE}x$TILE" gdal_s cogify_s ratio gdal_RSS_MB cogify_RSS_MB
for ((i = 0; i < REPEAT; i++)); do
  read -r gs gk < <(measure chain bash -c chain_plain)
  rm -f mosaic.tif
  read -r cs ck < <(measure cogify "$COGIFY" --mosaic mosaic.tif --inputs-from tiles.txt --compress DEFLATE -q)
  awk -v a="$gs" -v b="$cs" -v ga="$gk" -v ca="$ck" 'BEGIN{printf "%-34s %9.2f %9.2f %8.3f %12d %10d\n", "buildvrt+translate vs --mosaic", a, b, b/a, ga/1024, ca/1024}'
  read -r gs gk < <(measure chainfill bash -c chain_fill)
  rm -f mosaicfill.tif
  read -r cs ck < <(measure cogifyfill "$COGIFY" --mosaic mosaicfill.tif --inputs-from tiles.txt --fill --compress DEFLATE -q)
  awk -v a="$gs" -v b="$cs" -v ga="$gk" -v ca="$ck" 'BEGIN{printf "%-34s %9.2f %9.2f %8.3f %12d %10d\n", "+ gdal_fillnodata vs --mosaic --fill", a, b, b/a, ga/1024, ca/1024}'
done

# Seams: every result against the fill of the whole DEM (gdal_fillnodata.py on whole.tif).
[[ -s whole_filled.tif ]] || gdal_fillnodata.py -q -md 100 -si 0 whole.tif whole_filled.tif
if [[ ! -s tilewise.vrt ]]; then
  mkdir -p tilefill
  while read -r t; do gdal_fillnodata.py -q -md 100 -si 0 "$t" "tilefill/$(basename "$t")"; done < tiles.txt
  gdalbuildvrt -q tilewise.vrt tilefill/*.tif
fi
/usr/bin/python3 - <<'PY'
from osgeo import gdal
import numpy as np
ref = gdal.Open("whole_filled.tif").ReadAsArray()
for name, path in [("cogify --mosaic --fill", "mosaicfill.tif"), ("buildvrt + fillnodata + translate", "chainfill.tif"),
                   ("each tile filled on its own", "tilewise.vrt")]:
    a = gdal.Open(path).ReadAsArray()
    print(f"{name:34s} pixels differing from the whole DEM's fill: {int((a != ref).sum())}")
plain = gdal.Open("mosaic.tif").ReadAsArray()
print(f"{'cogify --mosaic (no fill)':34s} pixels differing from the uncut DEM: {int((plain != gdal.Open('whole.tif').ReadAsArray()).sum())}")
PY
echo "ratio = cogify time / GDAL chain time; RSS = peak resident set of the largest process (/usr/bin/time %M)."
