#!/usr/bin/python3
"""compare_cogs.py A.tif B.tif — one line: are two COGs the same raster?

Compares geotransform, CRS, nodata, every band's pixels, every overview's size and pixels,
and the stored bytes of every full-resolution tile (GDAL's TIFF metadata domain gives each
block's offset and size). Exit status 0 when pixels and overviews are identical.
"""
import sys

import numpy as np
from osgeo import gdal

gdal.UseExceptions()


def same(a, b):
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")


def tile_bytes(path, band, bx, by):
    off = band.GetMetadataItem(f"BLOCK_OFFSET_{bx}_{by}", "TIFF")
    size = band.GetMetadataItem(f"BLOCK_SIZE_{bx}_{by}", "TIFF")
    with open(path, "rb") as f:
        f.seek(int(off))
        return f.read(int(size))


def main(pa, pb):
    A, B = gdal.Open(pa), gdal.Open(pb)
    problems = []
    if A.GetGeoTransform() != B.GetGeoTransform():
        problems.append("geotransform")
    if A.GetProjection() != B.GetProjection():
        problems.append("CRS")
    if A.RasterCount != B.RasterCount:
        problems.append("band count")
    tiles_same = True
    for i in range(1, min(A.RasterCount, B.RasterCount) + 1):
        ba, bb = A.GetRasterBand(i), B.GetRasterBand(i)
        if ba.GetNoDataValue() != bb.GetNoDataValue() and not (
                ba.GetNoDataValue() != ba.GetNoDataValue() and bb.GetNoDataValue() != bb.GetNoDataValue()):
            problems.append(f"band {i} nodata")
        if not same(ba.ReadAsArray(), bb.ReadAsArray()):
            problems.append(f"band {i} pixels")
        if ba.GetOverviewCount() != bb.GetOverviewCount():
            problems.append(f"band {i} overview count")
        for k in range(min(ba.GetOverviewCount(), bb.GetOverviewCount())):
            if not same(ba.GetOverview(k).ReadAsArray(), bb.GetOverview(k).ReadAsArray()):
                problems.append(f"band {i} overview {k} pixels")
        if i == 1:
            bw, bh = ba.GetBlockSize()
            nx, ny = (A.RasterXSize + bw - 1) // bw, (A.RasterYSize + bh - 1) // bh
            tiles_same = all(tile_bytes(pa, ba, x, y) == tile_bytes(pb, bb, x, y) for y in range(ny) for x in range(nx))
    if problems:
        print("differs: " + ", ".join(problems))
        return 1
    print("same pixels and overviews" + (", full-resolution tiles byte-identical" if tiles_same else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
