// cogkit/publish/publish.hpp — the only code that touches the final destination (step "publish").
//
// Local outputs: the file is written to a temp name beside OUTPUT and renamed into
// place (atomic on POSIX). /vsis3/ (and other /vsi network) outputs: the complete,
// validated local file is uploaded (GDAL uses multipart upload for large files and
// only completes it on success); on any error the partial object is deleted.
#pragma once

#include <string>

#include "cogkit/core/progress.hpp"

namespace cogkit {

bool is_remote_path(const std::string& path);

// Directory to write the temporary output in: beside `output` for local paths,
// `tmpdir` for remote ones.
std::string staging_dir_for(const std::string& output, const std::string& tmpdir);

// Moves/uploads the finished file `temp` to `output`. Throws cogkit::error("publish").
void publish(const std::string& temp, const std::string& output, const ProgressFn& progress = {});

}  // namespace cogkit
