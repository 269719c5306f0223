// src/read/xyz/input.cpp — opens the bytes of an XYZ file (see input.hpp).
#include "read/xyz/input.hpp"

#include <array>

#include <cpl_error.h>
#include <cpl_vsi.h>

#include "cogkit/core/error.hpp"
#include "read/xyz/limits.hpp"

namespace cogkit::detail::xyz {

InputText::InputText(const std::string& path, bool populate) : path_(path) {
  if (path.rfind("/vsi", 0) == 0) {
    // GDAL virtual file systems (/vsigzip/, /vsis3/, /vsicurl/...): read into memory.
    VSILFILE* fp = VSIFOpenL(path.c_str(), "rb");
    if (!fp) throw error(kStep, path, "cannot open", CPLGetLastErrorMsg());
    std::array<char, 1 << 16> block;
    std::size_t got;
    while ((got = VSIFReadL(block.data(), 1, block.size(), fp)) > 0) buffer_.append(block.data(), got);
    VSIFCloseL(fp);
    data_ = buffer_.data();
    size_ = buffer_.size();
    return;
  }
  mapped_.emplace(path, populate);
  data_ = mapped_->data();
  size_ = mapped_->size();
}

}  // namespace cogkit::detail::xyz
