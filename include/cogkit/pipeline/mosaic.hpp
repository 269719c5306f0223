// cogkit/pipeline/mosaic.hpp — the whole job for many tiles: a mosaic, then the pipeline.
#pragma once

#include <string>
#include <vector>

#include "cogkit/pipeline/pipeline.hpp"
#include "cogkit/read/mosaic.hpp"

namespace cogkit {

// convert() for a mosaic of `inputs` (read as options.read says): the inputs the readers stage
// may hold up to half the memory budget; the pipeline (reproject, fill, clip, write) works in
// what they leave.
Report convert_mosaic(const std::vector<std::string>& inputs, const std::string& output,
                      const PipelineOptions& options, const MosaicOptions& mosaic = {});

}  // namespace cogkit
