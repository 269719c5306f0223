#include "cogkit/publish/publish.hpp"

#include <cstdio>
#include <filesystem>
#include <vector>

#include <cpl_conv.h>
#include <cpl_vsi.h>

#include "cogkit/core/error.hpp"
#include "core/gdal_env.hpp"

namespace cogkit {

bool is_remote_path(const std::string& path) {
  for (const char* p : {"/vsis3/", "/vsigs/", "/vsiaz/", "/vsiadls/", "/vsioss/", "/vsiswift/", "/vsiwebhdfs/"})
    if (path.rfind(p, 0) == 0) return true;
  return false;
}

std::string staging_dir_for(const std::string& output, const std::string& tmpdir) {
  if (is_remote_path(output)) return tmpdir;
  const std::filesystem::path p(output);
  const auto dir = p.parent_path();
  return dir.empty() ? std::string(".") : dir.string();
}

void publish(const std::string& temp, const std::string& output, const ProgressFn& progress) {
  if (!is_remote_path(output)) {
    std::error_code ec;
    std::filesystem::rename(temp, output, ec);
    if (ec) throw error("publish", output, "cannot rename the finished file into place: " + ec.message());
    if (progress) progress("publish", 1.0);
    return;
  }
  // Upload: stream the complete local file; GDAL completes the (multipart) upload
  // only on a successful close. Any failure deletes what may have been created.
  detail::GdalErrorCapture capture;
  VSILFILE* in = VSIFOpenL(temp.c_str(), "rb");
  if (!in) throw error("publish", temp, "cannot reopen the finished file");
  VSIFSeekL(in, 0, SEEK_END);
  const vsi_l_offset total = VSIFTellL(in);
  VSIFSeekL(in, 0, SEEK_SET);
  VSILFILE* out = VSIFOpenL(output.c_str(), "wb");
  if (!out) {
    VSIFCloseL(in);
    throw error("publish", output, "cannot open the destination for writing", capture.last_error());
  }
  std::vector<char> buf(8 << 20);
  vsi_l_offset done = 0;
  bool ok = true;
  while (ok) {
    const size_t n = VSIFReadL(buf.data(), 1, buf.size(), in);
    if (n == 0) break;
    ok = VSIFWriteL(buf.data(), 1, n, out) == n;
    done += n;
    if (progress && total) progress("publish", double(done) / double(total));
  }
  VSIFCloseL(in);
  const bool closed = VSIFCloseL(out) == 0;
  ok = ok && closed && done == total && capture.last_error().empty();
  if (ok) {
    VSIStatBufL st;
    VSICurlClearCache();
    ok = VSIStatL(output.c_str(), &st) == 0 && static_cast<vsi_l_offset>(st.st_size) == total;
  }
  if (!ok) {
    const std::string msg = capture.last_error();
    VSIUnlink(output.c_str());
    throw error("publish", output, "upload failed, nothing was left at the destination", msg);
  }
}

}  // namespace cogkit
