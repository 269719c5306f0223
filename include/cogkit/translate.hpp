// cogkit/translate.hpp — the "translate" capability: everything public in include/cogkit/translate/.
//
// Promise: gdal_translate's band selection (-b), type conversion (-ot) and value scaling
// (-scale/-unscale), pixel for pixel as GDAL does them, without holding the raster.
#pragma once

#include "cogkit/translate/translate.hpp"
