// cogkit/cogkit.hpp — umbrella header.
#pragma once

#include "cogkit/ascii_grid.hpp"
#include "cogkit/batch.hpp"
#include "cogkit/clip.hpp"
#include "cogkit/cog.hpp"
#include "cogkit/error.hpp"
#include "cogkit/fill.hpp"
#include "cogkit/gdal_handle.hpp"
#include "cogkit/mosaic.hpp"
#include "cogkit/pipeline.hpp"
#include "cogkit/progress.hpp"
#include "cogkit/publish.hpp"
#include "cogkit/report.hpp"
#include "cogkit/reproject.hpp"
#include "cogkit/staging.hpp"
#include "cogkit/xyz.hpp"
