// cogkit/jobs.hpp — the "jobs" capability: everything public in include/cogkit/jobs/.
//
// Promise: many inputs in one process — one conversion per input, the same bytes a single run
// writes, several at once inside the one memory budget; a failing input leaves nothing at its
// output and does not stop the others; runs resume and shard.
#pragma once

#include "cogkit/jobs/batch.hpp"
