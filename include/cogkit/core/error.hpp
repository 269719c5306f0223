// cogkit/core/error.hpp — the one error type of the library.
//
// Every failure is reported as cogkit::error, carrying the pipeline step that
// failed ("plan", "reproject", "fill", "clip", "write", "validate", "publish",
// "read"...), the path it concerns (with ":line[:column]" for text formats),
// a sentence, and GDAL's own message when GDAL was the one to complain.
// what() is "path: step: message[: gdal message]"; tools prefix their name.
#pragma once

#include <stdexcept>
#include <string>

namespace cogkit {

class error : public std::runtime_error {
 public:
  error(std::string step, std::string path, std::string message, std::string gdal_message = {});

  const std::string& step() const noexcept { return step_; }
  const std::string& path() const noexcept { return path_; }
  const std::string& message() const noexcept { return message_; }
  const std::string& gdal_message() const noexcept { return gdal_message_; }

 private:
  std::string step_, path_, message_, gdal_message_;
};

// Thrown when a progress callback returned false (core/progress.hpp): step() is
// "cancelled", message() names the step that was stopped. Nothing was written at the
// output and the temporary files are gone.
class cancelled : public error {
 public:
  explicit cancelled(std::string stopped_step, std::string path = {});
  const std::string& stopped_step() const noexcept { return stopped_; }

 private:
  std::string stopped_;
};

// Routes GDAL's diagnostics from every thread (GDAL's worker threads included) into
// cogkit, which attaches failures to the error it throws and warnings to the report,
// instead of letting GDAL print them to stderr. Tools call it once at start-up.
void capture_gdal_diagnostics();

}  // namespace cogkit
