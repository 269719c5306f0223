// cogkit/core.hpp — the "core" capability: everything public in include/cogkit/core/.
//
// Promise: the ground every step stands on, and nothing else of cogkit below it. One error type
// carrying step, path and GDAL's message; typed RAII owners for every GDAL handle; one memory
// budget per job that decides memory or temp-file staging, with every temporary path deleted on
// every exit path (signals included); the thread count; the progress callback.
#pragma once

#include "cogkit/core/error.hpp"
#include "cogkit/core/gdal_handle.hpp"
#include "cogkit/core/options.hpp"
#include "cogkit/core/progress.hpp"
#include "cogkit/core/staging.hpp"
#include "cogkit/core/threads.hpp"
