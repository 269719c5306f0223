#!/usr/bin/python3
"""Writes a GeoJSON polygon (EPSG:4326) covering about FRACTION of a raster's extent.

The polygon is an irregular octagon centred on the raster, so the clip exercises
real polygon masking and not just a box. Usage: make_clip.py RASTER OUT.geojson [FRACTION]
"""
import json
import math
import sys

from osgeo import gdal, osr

gdal.UseExceptions()
raster, out = sys.argv[1], sys.argv[2]
fraction = float(sys.argv[3]) if len(sys.argv) > 3 else 0.6
ds = gdal.Open(raster)
gt = ds.GetGeoTransform()
w, h = ds.RasterXSize, ds.RasterYSize
cx, cy = gt[0] + gt[1] * w / 2, gt[3] + gt[5] * h / 2
# A regular octagon inscribed in an ellipse of semi-axes (a, b) has area 2*sqrt(2)*a*b.
scale = math.sqrt(fraction * (w * abs(gt[1])) * (h * abs(gt[5])) / (2 * math.sqrt(2)))
a = scale * math.sqrt(w * abs(gt[1]) / (h * abs(gt[5])))
b = scale * math.sqrt(h * abs(gt[5]) / (w * abs(gt[1])))
wobble = [1.0, 0.93, 1.05, 0.97, 1.02, 0.95, 1.04, 0.96]
ring = []
for i in range(8):
    t = 2 * math.pi * i / 8 + math.pi / 8
    ring.append((cx + a * wobble[i] * math.cos(t), cy + b * wobble[i] * math.sin(t)))
ring.append(ring[0])
src = osr.SpatialReference(wkt=ds.GetProjection())
src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
dst = osr.SpatialReference()
dst.ImportFromEPSG(4326)
dst.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
ct = osr.CoordinateTransformation(src, dst)
coords = [list(ct.TransformPoint(x, y)[:2]) for x, y in ring]
coords = [[round(c[0], 7), round(c[1], 7)] for c in coords]
fc = {"type": "FeatureCollection",
      "features": [{"type": "Feature", "properties": {"name": "clip"},
                    "geometry": {"type": "Polygon", "coordinates": [coords]}}]}
with open(out, "w") as f:
    json.dump(fc, f, indent=1)
