// cogkit/validate.hpp — the "validate" capability: everything public in include/cogkit/validate/.
//
// Promise: the same verdict as GDAL's validate_cloud_optimized_geotiff.py, read from the TIFF
// structure without decoding pixels, so every output is checked before it is published.
#pragma once

#include "cogkit/validate/validate.hpp"
