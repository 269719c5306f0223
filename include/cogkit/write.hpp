// cogkit/write.hpp — the "write" capability: everything public in include/cogkit/write/.
//
// Promise: a complete Cloud Optimized GeoTIFF at the path, or nothing: GDAL's layout, tags and
// tile bytes, with overviews, from cogkit's parallel writer where it supports the raster and
// GDAL's COG driver elsewhere, inside the memory budget.
#pragma once

#include "cogkit/write/cog.hpp"
