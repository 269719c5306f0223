// src/read/ascii/text_source.hpp — the text of an ASCII grid, piece by piece.
//
// A plain local file is memory-mapped (pieces are views, pages dropped once parsed);
// gzip and zstd are inflated with zlib/libzstd, zip members and /vsi paths are read
// through GDAL's VSI layer. Every piece ends at whitespace or at the end of input,
// so no token is ever split between pieces.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace cogkit::detail::ascii {

class TextSource {
 public:
  virtual ~TextSource() = default;
  // The next piece (about max_bytes, extended to the next whitespace); empty at the end.
  // Valid until the next call.
  virtual std::string_view next(std::size_t max_bytes) = 0;
  // Size of the compressed/plain input on disk.
  virtual std::uint64_t input_bytes() const = 0;
  // Upper bound of the text size (0 = unknown).
  virtual std::uint64_t max_text_bytes() const = 0;
  // Bytes handed out so far.
  virtual std::uint64_t position() const = 0;
};

struct OpenedText {
  std::unique_ptr<TextSource> source;
  std::string compression;  // "", "gzip", "zip", "zstd"
  std::string text_path;    // what is read (path, or /vsizip/... member)
};

// Opens `path` (detects compression by magic bytes). Throws cogkit::error("read").
OpenedText open_text(const std::string& path);

// First `n` bytes of the text (decompressed), for sniffing. Never throws; "" on failure.
std::string peek_text(const std::string& path, std::size_t n);

}  // namespace cogkit::detail::ascii

namespace cogkit::detail::ascii {
// True when `text` (the start of a file) begins like an ESRI or GRASS ASCII grid header:
// optional UTF-8 BOM and blank space, then a known header keyword.
bool starts_like_grid(std::string_view text);
}  // namespace cogkit::detail::ascii
