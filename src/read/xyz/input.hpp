// src/read/xyz/input.hpp — the bytes of an XYZ file: mapped, or read into memory for GDAL /vsi paths (internal).
//
// A gzip, zstd or zip file is decompressed first, by the ASCII grid reader's decompression
// (read/text_source.hpp): its text is held in memory while it stays within a quarter of the
// budget's work memory, else written to a temp file under the budget's tmpdir and mapped
// like a plain file.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "cogkit/core/staging.hpp"
#include "core/mapped_file.hpp"

namespace cogkit::detail {
struct OpenedText;
}  // namespace cogkit::detail

namespace cogkit::detail::xyz {

class InputText {
 public:
  // Throws cogkit::error("read"). `populate`: fault all pages in at once (a small file).
  InputText(const std::string& path, bool populate, const MemoryBudget& budget);
  const char* data() const { return data_; }
  std::size_t size() const { return size_; }
  // Bytes of the file as stored (compressed or not).
  std::uint64_t input_bytes() const { return input_bytes_; }
  // "", "gzip", "zip" or "zstd"; and, when decompressed, where the text was held.
  const std::string& compression() const { return compression_; }
  const std::string& compression_note() const { return compression_note_; }
  // What is read: the path, or the /vsizip/ member of a zip.
  const std::string& text_path() const { return text_path_; }
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
  void read_vsi();
  void inflate(OpenedText& text, const MemoryBudget& budget);
  void spill(OpenedText& text, const MemoryBudget& budget);

  std::string path_;
  std::string buffer_;  // /vsi paths, and compressed text held in memory
  TempPath temp_;       // compressed text spilled to a file (outlives mapped_)
  std::optional<MappedFile> mapped_;
  const char* data_ = nullptr;
  std::size_t size_ = 0;
  std::uint64_t input_bytes_ = 0;
  std::string compression_, compression_note_, text_path_;
};

}  // namespace cogkit::detail::xyz
