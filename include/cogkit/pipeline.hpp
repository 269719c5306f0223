// cogkit/pipeline.hpp — the "pipeline" capability: everything public in include/cogkit/pipeline/.
//
// Promise: the whole job in one call — source, plan (every option checked before any pixel
// moves), steps by window (reproject, fill with its halo, clip), write, validate, publish, report —
// inside one memory budget, never leaving a half-written output.
#pragma once

#include "cogkit/pipeline/mosaic.hpp"
#include "cogkit/pipeline/pipeline.hpp"
