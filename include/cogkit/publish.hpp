// cogkit/publish.hpp — the "publish" capability: everything public in include/cogkit/publish/.
//
// Promise: the only code that touches the final destination. Local outputs appear by an atomic
// rename of a complete file; remote (/vsis3/) outputs are uploaded complete or not at all.
#pragma once

#include "cogkit/publish/publish.hpp"
