// cogkit/error.hpp — the one error type of the library.
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

}  // namespace cogkit
