// cogkit/reproject.hpp — the "reproject" capability: everything public in include/cogkit/reproject/.
//
// Promise: GDAL's grid and GDAL's pixels. The output grid is the one gdalwarp would choose; the
// pixels are GDAL's warper's (cogkit's own kernel only where it gives GDAL's values, tested),
// multi-threaded, inside the warp memory the budget gives, only for the window later steps need.
#pragma once

#include "cogkit/reproject/reproject.hpp"
