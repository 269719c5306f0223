// cogkit/fill.hpp — the "fill" capability: everything public in include/cogkit/fill/.
//
// Promise: GDALFillNodata's result, bit for bit, computed by strips in bounded memory and in
// parallel — the strip's halo makes a tiled fill equal the whole-raster fill, so there are no
// seams between strips, tiles or mosaic inputs.
#pragma once

#include "cogkit/fill/fill.hpp"
