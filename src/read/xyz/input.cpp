// src/read/xyz/input.cpp — opens the bytes of an XYZ file (see input.hpp).
#include "read/xyz/input.hpp"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <cpl_error.h>
#include <cpl_vsi.h>

#include "cogkit/core/error.hpp"
#include "read/text_source.hpp"
#include "read/xyz/format.hpp"
#include "read/xyz/limits.hpp"
#include "read/xyz/notes.hpp"

namespace cogkit::detail::xyz {
namespace {

constexpr std::size_t kPiece = std::size_t(4) << 20;

std::string mb(std::uint64_t bytes) { return num(double(bytes) / 1e6) + " MB"; }

}  // namespace

InputText::InputText(const std::string& path, bool populate, const MemoryBudget& budget)
    : path_(path), text_path_(path) {
  if (path.rfind("/vsi", 0) == 0) {
    read_vsi();
    return;
  }
  OpenedText text = open_text(path, kXyzText);
  input_bytes_ = text.source->input_bytes();
  text_path_ = text.text_path;
  if (!text.compression.empty()) {
    compression_ = text.compression;
    inflate(text, budget);
    return;
  }
  text.source.reset();
  mapped_.emplace(path, populate);
  data_ = mapped_->data();
  size_ = mapped_->size();
}

// GDAL virtual file systems (/vsigzip/, /vsis3/, /vsicurl/...): read into memory.
void InputText::read_vsi() {
  VSILFILE* fp = VSIFOpenL(path_.c_str(), "rb");
  if (!fp) throw error(kStep, path_, "cannot open", CPLGetLastErrorMsg());
  std::array<char, 1 << 16> block;
  std::size_t got;
  while ((got = VSIFReadL(block.data(), 1, block.size(), fp)) > 0) buffer_.append(block.data(), got);
  VSIFCloseL(fp);
  data_ = buffer_.data();
  size_ = buffer_.size();
  input_bytes_ = size_;
}

// The decompressed text: in memory up to a quarter of the work memory (StagingMode::memory:
// always; StagingMode::file: never), else the rest goes on into a temp file (spill).
void InputText::inflate(OpenedText& text, const MemoryBudget& budget) {
  const std::uint64_t limit = budget.force() == StagingMode::memory ? UINT64_MAX
                              : budget.force() == StagingMode::file ? 0
                                                                    : budget.work_memory() / 4;
  while (buffer_.size() <= limit) {
    const std::string_view piece = text.source->next(kPiece);
    if (piece.empty()) {
      data_ = buffer_.data();
      size_ = buffer_.size();
      compression_note_ = compression_ + ", " + mb(size_) + " of text decompressed in memory";
      return;
    }
    buffer_.append(piece);
  }
  spill(text, budget);
}

// Writes what is held and the rest of the text to a temp file, then maps it.
void InputText::spill(OpenedText& text, const MemoryBudget& budget) {
  const std::string& dir = budget.tmpdir();
  temp_ = TempPath(dir, "xyz", ".txt");
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(temp_.path().c_str(), "wb"), &std::fclose);
  if (!f) throw error(kStep, temp_.path(), std::string("cannot create a temp file: ") + std::strerror(errno));
  bool ok = std::fwrite(buffer_.data(), 1, buffer_.size(), f.get()) == buffer_.size();
  std::string().swap(buffer_);
  for (std::string_view piece; ok && !(piece = text.source->next(kPiece)).empty();)
    ok = std::fwrite(piece.data(), 1, piece.size(), f.get()) == piece.size();
  if (!ok || std::fclose(f.release()) != 0)
    throw error(kStep, temp_.path(), "cannot write the decompressed text (disk full?)");
  mapped_.emplace(temp_.path(), false);
  data_ = mapped_->data();
  size_ = mapped_->size();
  compression_note_ = compression_ + ", " + mb(size_) + " of text decompressed to a temp file in " + dir;
}

}  // namespace cogkit::detail::xyz
