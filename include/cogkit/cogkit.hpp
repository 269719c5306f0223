// cogkit/cogkit.hpp — umbrella header.
#pragma once

#include "cogkit/read/ascii_grid.hpp"
#include "cogkit/jobs/batch.hpp"
#include "cogkit/clip/clip.hpp"
#include "cogkit/write/cog.hpp"
#include "cogkit/core/error.hpp"
#include "cogkit/fill/fill.hpp"
#include "cogkit/core/gdal_handle.hpp"
#include "cogkit/core/options.hpp"
#include "cogkit/read/mosaic.hpp"
#include "cogkit/pipeline/pipeline.hpp"
#include "cogkit/core/progress.hpp"
#include "cogkit/publish/publish.hpp"
#include "cogkit/report/report.hpp"
#include "cogkit/reproject/reproject.hpp"
#include "cogkit/core/staging.hpp"
#include "cogkit/read/xyz.hpp"
