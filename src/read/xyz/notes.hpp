// src/read/xyz/notes.hpp — the XYZ reader's report notes ("xyz.<key>") and how they print numbers (internal).
#pragma once

#include <sstream>
#include <string>

#include "cogkit/report/report.hpp"

namespace cogkit::detail::xyz {

// Ten significant digits: coordinates and cell sizes read as typed, without binary noise.
inline std::string num(double v) {
  std::ostringstream s;
  s.precision(10);
  s << v;
  return s.str();
}

// Adds "xyz.<key>" notes to the report, in call order (the order is part of the report).
class Notes {
 public:
  explicit Notes(Report& report) : report_(report) {}
  void operator()(const std::string& key, const std::string& value) const {
    report_.notes.emplace_back("xyz." + key, value);
  }

 private:
  Report& report_;
};

}  // namespace cogkit::detail::xyz
