#!/usr/bin/env python3
"""Runs every command example of README.md and docs/*.md on generated data (ctest docs_examples).

An example is a line of a fenced code block (no info string, or sh/bash/shell/console) whose
command, or one stage of whose pipeline, is cogify, asc2cog or xyz2cog. Each block runs in a
fresh directory, its lines in order (a later line may use an earlier line's output), with the
built tools first on PATH. Lines whose arguments contain [OPTIONS] are synopses: counted, not run.

Before each line, every input it names that does not exist yet is generated (GDAL Python), by a
rule per name:
  *.tif, *.tiff          a 200x160 Float32 DEM, 5 m, EPSG:2180, top-left (500000, 500000),
                         nodata -9999 and a lake-shaped hole (x 500000..501000, y 499200..500000)
  *.asc, *.agr (+.gz)    the same terrain as an ESRI ASCII grid (100x80, 10 m)
  *.xyz, *.csv (+.gz)    the same terrain as an XYZ grid (50x40, 20 m), columns in the order of
                         the line's --columns (default x,y,z); .csv comma-separated
  N50E014.* (SRTM-like)  a 1-degree tile at that latitude/longitude, EPSG:4326, 0.01 degree cells
  *.geojson              a clip polygon inside the DEM's area (EPSG:4326 coordinates)
  a glob (tiles/*.asc)   a folder of 4 tiles (2x2) of that extension, covering the DEM's area
  --inputs-from F.txt    F.txt listing a folder F/ of 4 tiles (8 with --shard) of the tool's input
                         kind (cogify .tif, asc2cog .asc, xyz2cog .xyz.gz)
The data is placed in the CRS the line assigns (--a-srs/-a_srs EPSG:N), else EPSG:2180.
Outputs are never generated: the last .tif positional of a single conversion, -O/--output-dir
(never created: the tool must create it), --report.

A doc states what the rules cannot guess in an HTML comment before the block (several allowed):
  <!-- example-data: NAME[=KIND] ... [columns=y,x,z] -->   generate NAME (a path or glob) as
        KIND: dem, dem-int16 (Int16, voids 0, no nodata), raw (Float32, no CRS, no nodata),
        rgb (3-band Byte), asc, xyz, geojson; default by extension as above
  <!-- example: exit=N -->      every line of the block is an error case: exits with N (N=nonzero:
                                any non-zero status)
  <!-- example: skip=REASON --> the block is not run (counted and reported as skipped)

/vsis3/BUCKET/KEY paths run against the project's S3 test server (tests/support/s3-server, the
cogkit_s3 ctest fixture; --s3-env names its env file), rewritten to
/vsis3/<test bucket>/docs-examples/<run>/BUCKET/KEY; without the server they are skipped.

Exit status 1 when an example fails: each failure is listed as file:line, the command, the
exit status and its stderr.
"""
import argparse
import glob
import gzip
import json
import math
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import time

try:
    from osgeo import gdal, osr
except ImportError:
    print("GDAL's Python bindings (python3-gdal) not found: docs examples skipped")
    sys.exit(77)  # ctest SKIP_RETURN_CODE

gdal.UseExceptions()

TOOLS = ("cogify", "asc2cog", "xyz2cog")
SHELL_INFOS = ("", "sh", "bash", "shell", "console")
FILE_VALUE_FLAGS = {"--clip", "--cutline", "-cutline"}
LIST_FLAGS = {"--inputs-from"}
OUTPUT_FLAGS = {"-O", "--output-dir", "--report"}
INPUT_EXTS = (".tif", ".tiff", ".asc", ".agr", ".xyz", ".csv", ".geojson")
TOOL_KIND = {"cogify": ".tif", "asc2cog": ".asc", "xyz2cog": ".xyz.gz"}

# The generated area (EPSG:2180 unless the line assigns another CRS).
DEM_W, DEM_H, DEM_RES = 200, 160, 5.0
ORIGIN = {"EPSG:2180": (500000.0, 500000.0)}


# ---------------------------------------------------------------- terrain and writers
def height(x, y, x0, y0, span):
    """Smooth terrain in world coordinates; -9999 inside a lake. span = the area's width."""
    u, v = (x - x0) / span, (y0 - y) / span
    cx, cy, r = 0.3, 0.35, 0.06  # the lake: a hole for --fill
    if (u - cx) ** 2 + (v - cy) ** 2 < r * r:
        return None
    return 200 + 80 * math.sin(6.1 * u) * math.cos(4.3 * v) + 40 * u + 25 * math.sin(17 * u + 11 * v)


def srs_of(crs):
    s = osr.SpatialReference()
    s.SetFromUserInput(crs)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


def area(crs):
    """(x0, y0 top-left, width, height) of the generated area in `crs`."""
    if crs in ORIGIN:
        x0, y0 = ORIGIN[crs]
    else:
        s = srs_of(crs)
        a = s.GetAreaOfUse()
        lon, lat = (a.west_lon_degree + a.east_lon_degree) / 2, (a.south_lat_degree + a.north_lat_degree) / 2
        t = osr.CoordinateTransformation(srs_of("EPSG:4326"), s)
        x, y, _ = t.TransformPoint(lon, lat)
        x0, y0 = (round(x, 3), round(y, 3)) if s.IsGeographic() else (round(x, -3), round(y, -3))
    if srs_of(crs).IsGeographic():
        return x0, y0, DEM_W * 1e-4, DEM_H * 1e-4
    return x0, y0, DEM_W * DEM_RES, DEM_H * DEM_RES


def grid_values(gt, w, h, ax, nodata):
    x0, y0, span = ax
    out = []
    for r in range(h):
        for c in range(w):
            z = height(gt[0] + (c + 0.5) * gt[1], gt[3] + (r + 0.5) * gt[5], x0, y0, span)
            out.append(nodata if z is None else z)
    return out


def write_tif(path, kind, crs, window=None):
    """window: (x, y, w, h) of the generated area in pixels (tiles)."""
    x0, y0, aw, ah = area(crs)
    res = aw / DEM_W
    cx, cy, w, h = window or (0, 0, DEM_W, DEM_H)
    gt = (x0 + cx * res, res, 0, y0 - cy * res, 0, -res)
    bands, dtype, fmt = 1, gdal.GDT_Float32, "f"
    nodata, declared = -9999.0, True
    if kind == "dem-int16":
        dtype, fmt, nodata, declared = gdal.GDT_Int16, "h", 0, False
    elif kind == "raw":
        declared = False
    elif kind == "rgb":
        bands, dtype, fmt, declared = 3, gdal.GDT_Byte, "B", False
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    ds = gdal.GetDriverByName("GTiff").Create(path, w, h, bands, dtype, ["TILED=YES", "COMPRESS=DEFLATE"])
    ds.SetGeoTransform(gt)
    if kind != "raw":
        ds.SetProjection(srs_of(crs).ExportToWkt())
    vals = grid_values(gt, w, h, (x0, y0, aw), nodata)
    for b in range(1, bands + 1):
        if kind == "rgb":
            data = [0 if v == nodata else int(v * (0.4 + 0.2 * b)) % 256 for v in vals]
        elif fmt == "h":
            data = [int(round(v)) for v in vals]
        else:
            data = vals
        band = ds.GetRasterBand(b)
        band.WriteRaster(0, 0, w, h, struct.pack("%d%s" % (w * h, fmt), *data), buf_type=dtype)
        if declared:
            band.SetNoDataValue(nodata)
    if kind == "rgb":
        for b, ci in zip((1, 2, 3), (gdal.GCI_RedBand, gdal.GCI_GreenBand, gdal.GCI_BlueBand)):
            ds.GetRasterBand(b).SetColorInterpretation(ci)
    ds = None


def open_text(path):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    return gzip.open(path, "wt") if path.endswith(".gz") else open(path, "w")


def write_asc(path, crs, window=None, geo=None):
    x0, y0, aw, ah = geo or area(crs)
    res = aw / DEM_W * 2  # 100x80 cells
    cx, cy, w, h = window or (0, 0, DEM_W // 2, DEM_H // 2)
    if geo:  # a 1-degree tile
        res, w, h = 0.01, 100, 100
    left, top = x0 + cx * res, y0 - cy * res
    gt = (left, res, 0, top, 0, -res)
    vals = grid_values(gt, w, h, (geo or area(crs))[:3], -9999)
    with open_text(path) as f:
        f.write("ncols %d\nnrows %d\nxllcorner %.10g\nyllcorner %.10g\ncellsize %.10g\nNODATA_value -9999\n"
                % (w, h, left, top - h * res, res))
        for r in range(h):
            f.write(" ".join("%.6g" % v for v in vals[r * w:(r + 1) * w]) + "\n")


def write_xyz(path, crs, columns="x,y,z", window=None, geo=None):
    x0, y0, aw, ah = geo or area(crs)
    res = aw / DEM_W * 4  # 50x40 cells
    cx, cy, w, h = window or (0, 0, DEM_W // 4, DEM_H // 4)
    if geo:
        res, w, h = 0.02, 50, 50
    left, top = x0 + cx * res, y0 - cy * res
    sep = "," if ".csv" in path else " "
    order = [c.strip().lower() for c in columns.split(",")]
    with open_text(path) as f:
        for r in range(h):
            for c in range(w):
                x, y = left + (c + 0.5) * res, top - (r + 0.5) * res
                z = height(x, y, x0, y0, aw)
                if z is None:
                    continue  # a missing point: nodata in the output
                p = {"x": "%.10g" % x, "y": "%.10g" % y, "z": "%.3f" % z}
                f.write(sep.join(p.get(k, p["z"]) for k in order) + "\n")


def write_geojson(path, crs):
    x0, y0, aw, ah = area(crs)
    ring = [(0.2, 0.2), (0.75, 0.15), (0.85, 0.6), (0.5, 0.85), (0.15, 0.7), (0.2, 0.2)]
    t = osr.CoordinateTransformation(srs_of(crs), srs_of("EPSG:4326"))
    coords = []
    for u, v in ring:
        lon, lat, _ = t.TransformPoint(x0 + u * aw, y0 - v * ah)
        coords.append([round(lon, 7), round(lat, 7)])
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "area"}, "geometry": {"type": "Polygon", "coordinates": [coords]}}]}
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        json.dump(doc, f)


SRTM = re.compile(r"^([NS])(\d\d)([EW])(\d\d\d)")


def kind_of(name):
    base = os.path.basename(name).lower()
    for ext in (".gz", ".zip", ".zst"):
        if base.endswith(ext):
            base = base[: -len(ext)]
    for ext, kind in ((".tif", "dem"), (".tiff", "dem"), (".asc", "asc"), (".agr", "asc"), (".xyz", "xyz"),
                      (".csv", "xyz"), (".geojson", "geojson")):
        if base.endswith(ext):
            return kind
    return None


def generate(path, kind, crs, columns, window=None):
    geo = None
    m = SRTM.match(os.path.basename(path))
    if m and kind in ("asc", "xyz", "dem"):
        lat = int(m.group(2)) * (1 if m.group(1) == "N" else -1)
        lon = int(m.group(4)) * (1 if m.group(3) == "E" else -1)
        geo = (float(lon), float(lat + 1), 1.0, 1.0)
        crs = "EPSG:4326"
    if kind in ("dem", "dem-int16", "raw", "rgb"):
        if geo:
            ORIGIN[crs] = geo[:2]
        write_tif(path, kind, crs, window)
    elif kind == "asc":
        write_asc(path, crs, window and (window[0] // 2, window[1] // 2, window[2] // 2, window[3] // 2), geo)
    elif kind == "xyz":
        write_xyz(path, crs, columns, window and (window[0] // 4, window[1] // 4, window[2] // 4, window[3] // 4), geo)
    elif kind == "geojson":
        write_geojson(path, crs)
    else:
        raise ValueError("no rule for %s (kind %s)" % (path, kind))


def tiles(pattern, n, crs, columns, kind=None):
    """n tiles matching `pattern` (a glob: its '*' becomes tNN), covering the area (2 columns)."""
    made = []
    kind = kind or kind_of(pattern.replace("*", "x"))
    cols = 2
    rows = (n + cols - 1) // cols
    tw, th = DEM_W // cols, DEM_H // rows
    tw, th = tw - tw % 4, th - th % 4  # whole cells of the .asc/.xyz grids
    for i in range(n):
        name = pattern.replace("*", "t%02d" % i, 1).replace("*", "").replace("?", "x")
        generate(name, kind, crs, columns, ((i % cols) * tw, (i // cols) * th, tw, th))
        made.append(name)
    return made


# ---------------------------------------------------------------- the docs
def blocks(path):
    """(first line number, lines, annotations) of each fenced shell block."""
    out, notes, cur, start, info = [], [], None, 0, ""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for no, line in enumerate(lines, 1):
        s = line.strip()
        if cur is None:
            m = re.match(r"<!--\s*(example(?:-data)?):(.*?)-->", s)
            if m:
                notes.append((m.group(1), m.group(2).strip()))
            elif s.startswith("```"):
                cur, start, info = [], no + 1, s[3:].strip().lower()
        elif s.startswith("```"):
            if info in SHELL_INFOS:
                out.append((start, cur, notes))
            cur, notes = None, []
        else:
            cur.append(line)
    return out


def commands(start, lines):
    """(line number, command) per logical line (backslash continuations joined)."""
    out, buf, first = [], "", None
    for i, line in enumerate(lines):
        if first is None:
            first = start + i
        if line.rstrip().endswith("\\"):
            buf += line.rstrip()[:-1] + " "
            continue
        out.append((first, (buf + line).strip()))
        buf, first = "", None
    return out


def stages(cmd):
    try:
        lex = shlex.shlex(cmd, posix=True, punctuation_chars="|;&")
        lex.whitespace_split = True
        lex.commenters = "#"
        tokens = list(lex)
    except ValueError:
        return []
    out, cur = [], []
    for t in tokens:
        if t and set(t) <= set("|;&"):
            out.append(cur)
            cur = []
        else:
            cur.append(t)
    out.append(cur)
    return [s for s in out if s]


def tool_stages(cmd):
    return [s for s in stages(cmd) if os.path.basename(s[0]) in TOOLS]


def is_file_token(t):
    return not t.startswith("-") and not t.startswith("/vsi") and (
        kind_of(t) is not None or any(c in t for c in "*?"))


def prepare(stage, data_notes, cwd):
    """Generates the inputs `stage` names that do not exist yet."""
    tool = os.path.basename(stage[0])
    args = stage[1:]
    crs, columns, shard = "EPSG:2180", "x,y,z", False
    for i, a in enumerate(args[:-1]):
        if a in ("--a-srs", "-a_srs", "--s-srs", "-s_srs") and args[i + 1].upper().startswith("EPSG:"):
            crs = args[i + 1].upper()
        if a == "--columns":
            columns = args[i + 1]
        if a == "--shard":
            shard = True
    batch = any(a in ("-O", "--output-dir") or a.startswith("--output-dir=") for a in args)
    check = "--check" in args
    inputs, lists, outputs = [], [], set()
    skip_next = None
    for a in args:
        if skip_next:
            (outputs.add(a) if skip_next == "out" else lists.append(a) if skip_next == "list" else inputs.append(a))
            skip_next = None
            continue
        if a in OUTPUT_FLAGS:
            skip_next = "out"
        elif a in LIST_FLAGS:
            skip_next = "list"
        elif a in FILE_VALUE_FLAGS:
            skip_next = "in"
        elif is_file_token(a):
            inputs.append(a)
    if not batch and not check:  # a single conversion or a mosaic: the last .tif positional is the output
        tifs = [a for a in inputs if kind_of(a) == "dem" and a not in outputs and "*" not in a]
        if tifs:
            outputs.add(tifs[-1])
    for note_kind, text in data_notes:
        if note_kind != "example-data":
            continue
        for item in text.split():
            if item.startswith("columns="):
                columns = item.split("=", 1)[1]
    for note_kind, text in data_notes:  # names the doc states
        if note_kind != "example-data":
            continue
        for item in text.split():
            if item.startswith("columns="):
                continue
            name, _, kind = item.partition("=")
            if "*" in name:
                if not glob.glob(os.path.join(cwd, name)):
                    tiles(os.path.join(cwd, name), 4, crs, columns, kind or None)
            elif not os.path.exists(os.path.join(cwd, name)):
                generate(os.path.join(cwd, name), kind or kind_of(name), crs, columns)
    for a in inputs:
        if a in outputs:
            continue
        p = os.path.join(cwd, a)
        if "*" in a or "?" in a:
            if not glob.glob(p):
                tiles(p, 4, crs, columns)
        elif not os.path.exists(p):
            generate(p, kind_of(a), crs, columns)
    for lst in lists:
        p = os.path.join(cwd, lst)
        if lst == "-" or os.path.exists(p):
            continue
        folder = os.path.splitext(lst)[0]
        made = tiles(os.path.join(cwd, folder, "*" + TOOL_KIND[tool]), 8 if shard else 4, crs, columns)
        with open(p, "w") as f:
            f.write("".join(os.path.relpath(m, cwd) + "\n" for m in made))


CRS_FLAGS = ("--a-srs", "-a_srs", "--s-srs", "-s_srs", "-t", "--t-srs", "-t_srs")


def check_outputs(cmd, cwd, since):
    """Every local .tif the line wrote is a COG GDAL opens, in the CRS the line names (if any)."""
    want = None
    for st in tool_stages(cmd):
        if "--check" in st:
            return ""
        for flags in (CRS_FLAGS[:4], CRS_FLAGS[4:]):  # the target CRS (-t) over the assigned one
            for i, t in enumerate(st[:-1]):
                if t in flags:
                    want = st[i + 1]
    problems = []
    for root, _, names in os.walk(cwd):
        for n in names:
            p = os.path.join(root, n)
            if not n.lower().endswith((".tif", ".tiff")) or os.path.getmtime(p) < since:
                continue
            rel = os.path.relpath(p, cwd)
            try:
                ds = gdal.Open(p)
            except RuntimeError as e:
                problems.append("%s: GDAL cannot open it: %s" % (rel, e))
                continue
            if (ds.GetMetadata("IMAGE_STRUCTURE") or {}).get("LAYOUT") != "COG":
                problems.append("%s: not a COG (no LAYOUT=COG)" % rel)
            if want:
                got = ds.GetSpatialRef()
                if got is None or not got.IsSame(srs_of(want)):
                    problems.append("%s: CRS %s, the line names %s" % (
                        rel, "none" if got is None else (got.GetAuthorityName(None) or "") + ":" +
                        (got.GetAuthorityCode(None) or got.GetName()), want))
    return "\n".join(problems)


def s3_env(path):
    env = {}
    if path and os.path.exists(path):
        for line in open(path):
            if line.startswith("export "):
                k, _, v = line[7:].strip().partition("=")
                env[k] = v
    return env if env.get("COGKIT_S3_BUCKET") else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source_dir")
    ap.add_argument("--tools-dir", required=True)
    ap.add_argument("--work", required=True, help="scratch directory (emptied)")
    ap.add_argument("--s3-env", help="the S3 test server's env file (tests/support/s3-server)")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--list", action="store_true", help="list the examples, run nothing")
    ap.add_argument("files", nargs="*", help="docs to run (default README.md and docs/*.md)")
    a = ap.parse_intermixed_args()

    docs = a.files or [os.path.join(a.source_dir, "README.md")] + sorted(glob.glob(os.path.join(a.source_dir, "docs", "*.md")))
    s3 = s3_env(a.s3_env)
    run_id = "%d-%d" % (os.getpid(), int(time.time()))
    shutil.rmtree(a.work, ignore_errors=True)
    env = dict(os.environ, PATH=os.path.abspath(a.tools_dir) + os.pathsep + os.environ.get("PATH", ""))
    if s3:
        env.update(s3)
    passed, failed, skipped, synopses = 0, [], [], 0
    for doc in docs:
        rel = os.path.relpath(doc, a.source_dir)
        for start, lines, notes in blocks(doc):
            cmds = [(no, c) for no, c in commands(start, lines) if tool_stages(c)]
            if not cmds:
                continue
            opts = {}
            for k, t in notes:
                if k == "example":
                    key, _, val = t.partition("=")
                    opts[key.strip()] = val.strip()
            cwd = os.path.join(a.work, re.sub(r"[^A-Za-z0-9]+", "_", rel) + "-L%d" % start)
            os.makedirs(cwd, exist_ok=True)
            for no, cmd in cmds:
                where = "%s:%d" % (rel, no)
                if "[OPTIONS]" in cmd:
                    synopses += 1
                    continue
                if a.list:
                    print("%s: %s" % (where, cmd))
                    continue
                if "skip" in opts:
                    skipped.append((where, cmd, opts["skip"]))
                    continue
                shown = cmd  # as the doc has it (the /vsis3/ rewrite is not shown)
                if "/vsis3/" in cmd:
                    if not s3:
                        skipped.append((where, cmd, "the S3 test server is not running (tests/support/s3-server)"))
                        continue
                    cmd = re.sub(r"/vsis3/([^/\s'\"]+)", "/vsis3/%s/docs-examples/%s/\\1" % (s3["COGKIT_S3_BUCKET"], run_id), cmd)
                try:
                    for st in tool_stages(cmd):
                        prepare(st, notes, cwd)
                except Exception as e:  # a rule that cannot make the data is the example's failure
                    failed.append((where, shown, "generating its data: %s" % e, ""))
                    continue
                t0 = time.time()
                try:
                    p = subprocess.run(["bash", "-c", "set -o pipefail; " + cmd], cwd=cwd, env=env,
                                       capture_output=True, text=True, timeout=a.timeout)
                    rc, err = p.returncode, p.stderr
                except subprocess.TimeoutExpired as e:
                    rc, err = "timeout", "killed after %g s" % a.timeout
                want = opts.get("exit")
                ok = (rc == 0) if want is None else (rc != 0 if want in ("", "nonzero") else str(rc) == want)
                if ok and rc == 0:
                    bad = check_outputs(cmd, cwd, t0)
                    if bad:
                        ok, rc, err = False, "0 but", bad
                if ok:
                    passed += 1
                    print("ok   %s (%.1f s): %s" % (where, time.time() - t0, shown))
                else:
                    expect = "0" if want is None else want or "non-zero"
                    failed.append((where, shown, "exit %s (expected %s)" % (rc, expect), err))
                    print("FAIL %s: %s" % (where, shown))
    if a.list:
        return 0
    total = passed + len(failed) + len(skipped)
    print("\n%d examples: %d passed, %d failed, %d skipped (%d synopsis lines not run)"
          % (total, passed, len(failed), len(skipped), synopses))
    for where, cmd, why in skipped:
        print("SKIPPED %s: %s\n    %s" % (where, cmd, why))
    for where, cmd, why, err in failed:
        print("FAILED %s: %s\n    %s" % (where, cmd, why))
        for line in err.strip().splitlines()[-15:]:
            print("    | " + line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
