// cogkit/clip.hpp — the "clip" capability: everything public in include/cogkit/clip/.
//
// Promise: the output is cropped to the clip geometry's extent (snapped outward to the output
// grid) and pixels whose centre lies outside it become nodata; the geometry may come in any CRS.
#pragma once

#include "cogkit/clip/clip.hpp"
