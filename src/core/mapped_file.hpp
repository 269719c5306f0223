// src/core/mapped_file.hpp — a whole local file mapped read-only (RAII), its pages dropped as it is consumed (internal).
#pragma once

#include <cstddef>
#include <string>

namespace cogkit::detail {

// The text readers parse straight from the mapping: no copy, and the kernel reads ahead
// (MADV_SEQUENTIAL). Pages already parsed can be dropped from the resident set (they stay
// in the page cache), so a file larger than the memory budget streams through.
class MappedFile {
 public:
  // Throws cogkit::error("read", path, ...) when the file cannot be opened, is not a regular
  // file or cannot be mapped. `populate` faults every page in up front (MAP_POPULATE): worth
  // it for a file that is read whole and soon, not for one streamed within a budget.
  explicit MappedFile(const std::string& path, bool populate = false);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const char* data() const { return data_; }  // nullptr for an empty file
  std::size_t size() const { return size_; }

  // Drops the pages lying wholly inside [begin, end). Safe from several threads at once.
  void drop(std::size_t begin, std::size_t end) const;
  // Drops every page wholly before `offset` not dropped yet (for a reader moving forward).
  void drop_before(std::size_t offset);

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t dropped_ = 0;  // pages before this offset are dropped
};

}  // namespace cogkit::detail
