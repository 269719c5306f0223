// cogkit/report.hpp — the "report" capability: everything public in include/cogkit/report/.
//
// Promise: one JSON report per output saying what was read, decided, written and how long each
// step took, with stable key order; statistics computed on pixels the pipeline already passes.
#pragma once

#include "cogkit/report/report.hpp"
#include "cogkit/report/info.hpp"
#include "cogkit/report/stac.hpp"
