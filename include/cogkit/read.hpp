// cogkit/read.hpp — the "read" capability: everything public in include/cogkit/read/.
//
// Promise: every input becomes a GDAL dataset the steps can read by windows, read right: ESRI and
// GRASS ASCII grids and XYZ point files through cogkit's own parallel readers (any extension,
// also .gz/.zip/.zst; errors name file:line:column), everything else through GDAL; CRS, nodata
// and data type decided once, by documented rules; many tiles as one mosaic, no tile silently
// left out. Readers never reach up into the pipeline or the batch runner.
#pragma once

#include "cogkit/read/ascii_grid.hpp"
#include "cogkit/read/xyz.hpp"
#include "cogkit/read/mosaic.hpp"
#include "cogkit/read/source.hpp"
