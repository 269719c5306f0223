// src/read/xyz/input.hpp — the bytes of an XYZ file: mapped, or read into memory for GDAL /vsi paths (internal).
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>

#include "core/mapped_file.hpp"

namespace cogkit::detail::xyz {

class InputText {
 public:
  // Throws cogkit::error("read"). `populate`: fault all pages in at once (a small file).
  InputText(const std::string& path, bool populate);
  const char* data() const { return data_; }
  std::size_t size() const { return size_; }
  // Drops the pages of [begin, end) from this process (they stay in the page cache):
  // keeps the resident set within the budget while a large file is streamed.
  void release(std::size_t begin, std::size_t end) const {
    if (mapped_) mapped_->drop(begin, end);
  }
  // 1-based line number of byte `offset`.
  std::size_t line_of(std::size_t offset) const {
    return 1 + static_cast<std::size_t>(std::count(data_, data_ + std::min(offset, size_), '\n'));
  }
  // "path:line" of byte `offset`, for errors.
  std::string where(std::size_t offset) const { return path_ + ":" + std::to_string(line_of(offset)); }

 private:
  std::string path_;
  std::string buffer_;  // /vsi paths
  std::optional<MappedFile> mapped_;
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace cogkit::detail::xyz
