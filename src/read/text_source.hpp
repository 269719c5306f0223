// src/read/text_source.hpp — the text of a text input (ASCII grid, XYZ), piece by piece (internal).
//
// Shared by the ASCII grid and the XYZ readers: a plain local file is memory-mapped (pieces are views, pages dropped once parsed);
// gzip and zstd are inflated with zlib/libzstd, zip members and /vsi paths are read
// through GDAL's VSI layer. Every piece ends at whitespace or at the end of input,
// so no token is ever split between pieces.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace cogkit::detail {

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

// What a text input holds, for picking the member of a zip: the one member whose start
// `starts_like` accepts (given up to kSniffBytes of it).
struct TextKind {
  const char* name;  // "ASCII grid", "XYZ file": in errors
  bool (*starts_like)(std::string_view head);
};
inline constexpr std::size_t kSniffBytes = 16384;

// Opens `path` (detects compression by magic bytes). Throws cogkit::error("read").
OpenedText open_text(const std::string& path, const TextKind& kind);

// First `n` bytes of the text (decompressed), for sniffing. Never throws; "" on failure.
std::string peek_text(const std::string& path, std::size_t n, const TextKind& kind);

}  // namespace cogkit::detail
