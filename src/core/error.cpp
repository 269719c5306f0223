#include "cogkit/core/error.hpp"

namespace cogkit {
namespace {
std::string compose(const std::string& step, const std::string& path, const std::string& message,
                    const std::string& gdal_message) {
  std::string s;
  if (!path.empty()) s += path + ": ";
  if (!step.empty()) s += step + ": ";
  s += message;
  if (!gdal_message.empty() && message.find(gdal_message) == std::string::npos) s += ": " + gdal_message;
  return s;
}
}  // namespace

error::error(std::string step, std::string path, std::string message, std::string gdal_message)
    : std::runtime_error(compose(step, path, message, gdal_message)),
      step_(std::move(step)),
      path_(std::move(path)),
      message_(std::move(message)),
      gdal_message_(std::move(gdal_message)) {}

cancelled::cancelled(std::string stopped_step, std::string path)
    : error("cancelled", std::move(path), "the progress callback cancelled the run during " + stopped_step),
      stopped_(std::move(stopped_step)) {}

}  // namespace cogkit
