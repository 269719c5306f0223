#!/usr/bin/env bash
# bench/identical_outputs.sh — do two builds write the same bytes?
#
#   bench/identical_outputs.sh BASE_BUILD NEW_BUILD [WORKDIR]
#
# Runs the same conversions with the tools of both builds (cogify, asc2cog, xyz2cog) on the
# same generated data — plain conversion, reproject + fill + clip (the README's main job),
# other codecs and writers, ASCII grid and XYZ readers, a mosaic and a batch — and compares
# the SHA-256 of every output. Prints one line per case and exits 1 when any differ.
# Used to show that a refactoring changed no output (issue 11: "behaviour unchanged").
# Cases a build rejects (a flag the other build does not know) are reported, not compared.
set -euo pipefail
base=$(cd "$1" && pwd)
new=$(cd "$2" && pwd)
work=${3:-${TMPDIR:-/tmp}/cogkit-identical}
here=$(cd "$(dirname "$0")" && pwd)
export PATH=/usr/bin:$PATH
mkdir -p "$work"
cd "$work"

demgen="$new/bench/cogkit-demgen"
if [ ! -f dem.tif ]; then
  "$demgen" --width 2000 --height 1500 --res 5 --epsg 2180 --lakes 3 --lake-radius-min 30 --lake-radius-max 60 \
    --dropouts 0.01 --seed 7 dem.tif >/dev/null
  "$here/make_clip.py" dem.tif clip.geojson 0.6
  gdal_translate -q -of AAIGrid dem.tif grid.asc
  gdal_translate -q -of XYZ -co DECIMAL_PRECISION=3 dem.tif points.xyz
  gdal_translate -q -srcwin 0 0 1000 1500 dem.tif west.tif
  gdal_translate -q -srcwin 1000 0 1000 1500 dem.tif east.tif
fi

# name | tool | arguments (INPUT/OUT... placeholders: @OUT is the output path or directory)
cases=(
  "plain|cogify|dem.tif @OUT"
  "main-job|cogify|dem.tif @OUT -t EPSG:3857 -r bilinear --fill --fill-max-distance 100 --clip clip.geojson"
  "zstd-gdal-writer|cogify|dem.tif @OUT --compress zstd --writer gdal"
  "lzw-nearest-res|cogify|dem.tif @OUT -t EPSG:3035 --tr 10 10 --compress lzw"
  "bbox-nodata|cogify|dem.tif @OUT --bbox 500500,493000,505000,498000 --nodata -1"
  "fill-nearest|cogify|dem.tif @OUT --fill --fill-method nearest --fill-max-distance 30"
  "overview-average|cogify|dem.tif @OUT --overview-resampling average --blocksize 256"
  "asc2cog|asc2cog|grid.asc @OUT --a-srs EPSG:2180"
  "asc2cog-fill|asc2cog|grid.asc @OUT --a-srs EPSG:2180 --fill -t EPSG:4326"
  "cogify-asc|cogify|grid.asc @OUT"
  "cogify-xyz|cogify|points.xyz @OUT --compress zstd"
  "xyz2cog|xyz2cog|points.xyz @OUT --a-srs EPSG:2180"
  "xyz2cog-bin|xyz2cog|points.xyz @OUT --a-srs EPSG:2180 --grid-res 20 --bin max"
  "mosaic-fill|cogify|--mosaic west.tif east.tif @OUT --fill"
  "batch|asc2cog|-O @OUT grid.asc --a-srs EPSG:2180 --jobs 2"
)

status=0
for c in "${cases[@]}"; do
  IFS='|' read -r name tool args <<<"$c"
  sums=()
  for b in base new; do
    dir=$([ $b = base ] && echo "$base" || echo "$new")
    out="$work/$b-$name"
    rm -rf "$out" "$out.tif"
    if [[ $args == -O* ]]; then mkdir -p "$out"; target=$out; else target=$out.tif; fi
    # shellcheck disable=SC2086
    if ! "$dir/tools/$tool" ${args//@OUT/$target} -q >"$work/$b-$name.log" 2>&1; then
      sums+=("FAILED")
      continue
    fi
    if [ -d "$target" ]; then
      sums+=("$(cd "$target" && sha256sum ./*.tif | sha256sum | cut -c1-16)")
    else
      sums+=("$(sha256sum "$target" | cut -c1-16)")
    fi
  done
  if [ "${sums[0]}" = FAILED ] || [ "${sums[1]}" = FAILED ]; then
    echo "$name: base ${sums[0]} new ${sums[1]} (see $work/*-$name.log)"
    [ "${sums[1]}" = FAILED ] && status=1
  elif [ "${sums[0]}" = "${sums[1]}" ]; then
    echo "$name: identical (${sums[0]})"
  else
    echo "$name: DIFFERENT (base ${sums[0]}, new ${sums[1]})"
    status=1
  fi
done
exit $status
