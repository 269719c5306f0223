#!/usr/bin/env bash
# cogkit set-up script: ./build.sh demo | test | deps | build
#   demo  installs what is missing, builds, converts data/sample_dem.tif and prints its report
#   test  installs what is missing, builds, runs the whole test suite (ctest)
set -euo pipefail
cd "$(dirname "$0")"
BUILD_DIR=${COGKIT_BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}

PACKAGES=(build-essential cmake pkg-config git
  libgdal-dev gdal-bin python3-gdal libproj-dev libtiff-dev libeigen3-dev libtbb-dev libzstd-dev zlib1g-dev libdeflate-dev
  libssl-dev libcli11-dev googletest libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libfast-float-dev
  time python3-jsonschema man-db)

deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "build.sh: installing ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

build() {
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" -j "$JOBS"
}

case "${1:-demo}" in
  deps) deps ;;
  build) deps; build ;;
  demo)
    deps; build
    out="${TMPDIR:-/tmp}/cogkit-demo"
    mkdir -p "$out"
    "$BUILD_DIR/tools/cogify" data/sample_dem.tif "$out/sample_dem_cog.tif" \
      -t EPSG:3857 -r bilinear --fill --fill-max-distance 100 --clip data/sample_clip.geojson --json -q
    "$BUILD_DIR/tools/cogify" --check "$out/sample_dem_cog.tif"
    ;;
  test)
    deps; build
    ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS"
    ;;
  *) echo "usage: $0 demo|test|deps|build" >&2; exit 2 ;;
esac
