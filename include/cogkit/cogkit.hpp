// cogkit/cogkit.hpp — umbrella header: every capability, bottom layer first
// (docs/architecture.md has the picture).
#pragma once

#include "cogkit/core.hpp"
#include "cogkit/read.hpp"
#include "cogkit/reproject.hpp"
#include "cogkit/fill.hpp"
#include "cogkit/clip.hpp"
#include "cogkit/write.hpp"
#include "cogkit/validate.hpp"
#include "cogkit/publish.hpp"
#include "cogkit/report.hpp"
#include "cogkit/translate.hpp"
#include "cogkit/pipeline.hpp"
#include "cogkit/jobs.hpp"
