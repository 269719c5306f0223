// src/core/mapped_file.cpp — read-only whole-file mmap with page dropping (see mapped_file.hpp).
#include "core/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cogkit/core/error.hpp"

namespace cogkit::detail {
namespace {

std::size_t page_size() { return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)); }

// Closes the descriptor on every path out of the constructor: the mapping outlives it.
struct FdCloser {
  int fd;
  ~FdCloser() { ::close(fd); }
};

}  // namespace

MappedFile::MappedFile(const std::string& path, bool populate) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw error("read", path, std::string("cannot open: ") + std::strerror(errno));
  const FdCloser closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw error("read", path, std::string("cannot stat: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw error("read", path, "not a regular file");
  if (st.st_size == 0) return;  // mmap refuses length 0: an empty file has no data
  const auto size = static_cast<std::size_t>(st.st_size);
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | (populate ? MAP_POPULATE : 0), fd, 0);
  if (p == MAP_FAILED) throw error("read", path, std::string("cannot map: ") + std::strerror(errno));
  ::madvise(p, size, MADV_SEQUENTIAL);
  data_ = static_cast<const char*>(p);
  size_ = size;
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<char*>(data_), size_);
}

void MappedFile::drop(std::size_t begin, std::size_t end) const {
  if (!data_) return;
  const std::size_t page = page_size();
  const std::size_t b = (begin + page - 1) / page * page, e = end / page * page;
  if (e > b) ::madvise(const_cast<char*>(data_) + b, e - b, MADV_DONTNEED);
}

void MappedFile::drop_before(std::size_t offset) {
  const std::size_t upto = offset / page_size() * page_size();
  if (!data_ || upto <= dropped_) return;
  drop(dropped_, upto);
  dropped_ = upto;
}

}  // namespace cogkit::detail
