// src/pipeline/source_options.hpp — how the pipeline's options say to read an input.
#pragma once

#include "cogkit/pipeline/pipeline.hpp"

namespace cogkit::detail {

// options.read, with the nodata (CogOptions::nodata, the -a_nodata of the output), the
// threads and the progress callback of the whole job.
inline SourceOptions source_options(const PipelineOptions& options) {
  SourceOptions read = options.read;
  if (!read.nodata) read.nodata = options.cog.nodata;
  if (read.threads <= 0) read.threads = options.threads;
  read.progress = options.progress;
  return read;
}

}  // namespace cogkit::detail
