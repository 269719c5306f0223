#include "write/tile_codec.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

#include <libdeflate.h>
#include <zstd.h>

namespace cogkit::detail {

int tiff_compression_tag(Codec codec) noexcept {
  switch (codec) {
    case Codec::none: return 1;
    case Codec::deflate: return 8;  // Adobe deflate (zlib stream), what GDAL writes for DEFLATE
    case Codec::zstd: return 50000;
  }
  return 1;
}

struct TileEncoder::State {
  libdeflate_compressor* deflate = nullptr;
  ZSTD_CCtx* zstd = nullptr;
  std::vector<std::uint8_t> row;  // predictor 3 scratch
  ~State() {
    if (deflate) libdeflate_free_compressor(deflate);
    if (zstd) ZSTD_freeCCtx(zstd);
  }
};

TileEncoder::TileEncoder(const TileFormat& format) : format_(format), state_(std::make_unique<State>()) {
  if (format_.codec == Codec::deflate) {
    state_->deflate = libdeflate_alloc_compressor(format_.level);
    if (!state_->deflate) throw std::runtime_error("libdeflate: cannot create a compressor at level " + std::to_string(format_.level));
  } else if (format_.codec == Codec::zstd) {
    state_->zstd = ZSTD_createCCtx();
    if (!state_->zstd) throw std::runtime_error("zstd: cannot create a compression context");
    ZSTD_CCtx_setParameter(state_->zstd, ZSTD_c_compressionLevel, format_.level);
  }
  state_->row.resize(std::size_t(format_.tile_w) * format_.samples_per_pixel * format_.bytes_per_sample);
}

TileEncoder::~TileEncoder() = default;

namespace {

// TIFF predictor 2 on one row: each sample minus the same band's sample one pixel left
// (modular arithmetic in the sample's own width), last to first.
template <typename T>
void horizontal_diff(std::uint8_t* row, std::size_t samples, std::size_t stride) {
  T* p = reinterpret_cast<T*>(row);
  for (std::size_t i = samples; i-- > stride;) p[i] = static_cast<T>(p[i] - p[i - stride]);
}

// TIFF predictor 3 on one row (libtiff's fpDiff): split the samples' bytes into planes,
// most significant first, then byte-wise differencing with a stride of one pixel.
void floating_point_diff(std::uint8_t* row, std::uint8_t* scratch, std::size_t samples, std::size_t stride,
                         int bps) {
  std::memcpy(scratch, row, samples * bps);
  for (std::size_t s = 0; s < samples; ++s)
    for (int b = 0; b < bps; ++b) row[std::size_t(bps - b - 1) * samples + s] = scratch[s * bps + b];
  const std::size_t n = samples * bps;
  for (std::size_t i = n; i-- > stride;) row[i] = static_cast<std::uint8_t>(row[i] - row[i - stride]);
}

}  // namespace

void TileEncoder::apply_predictor(std::uint8_t* pixels) {
  const std::size_t spp = format_.samples_per_pixel;
  const std::size_t samples = std::size_t(format_.tile_w) * spp;
  const std::size_t row_bytes = samples * format_.bytes_per_sample;
  for (int y = 0; y < format_.tile_h; ++y) {
    std::uint8_t* row = pixels + row_bytes * y;
    if (format_.predictor == 2) {
      switch (format_.bytes_per_sample) {
        case 1: horizontal_diff<std::uint8_t>(row, samples, spp); break;
        case 2: horizontal_diff<std::uint16_t>(row, samples, spp); break;
        case 4: horizontal_diff<std::uint32_t>(row, samples, spp); break;
        default: horizontal_diff<std::uint64_t>(row, samples, spp); break;
      }
    } else {
      floating_point_diff(row, state_->row.data(), samples, spp, format_.bytes_per_sample);
    }
  }
}

void TileEncoder::encode(std::uint8_t* pixels, std::vector<std::uint8_t>& out) {
  const std::size_t raw = format_.tile_bytes();
  if (format_.codec != Codec::none && format_.predictor > 1) apply_predictor(pixels);
  std::size_t bound = raw;
  if (format_.codec == Codec::deflate) bound = libdeflate_zlib_compress_bound(state_->deflate, raw);
  else if (format_.codec == Codec::zstd) bound = ZSTD_compressBound(raw);
  out.resize(bound + 8);
  std::size_t n = raw;
  if (format_.codec == Codec::deflate) {
    n = libdeflate_zlib_compress(state_->deflate, pixels, raw, out.data() + 4, bound);
    if (n == 0) throw std::runtime_error("libdeflate: compression failed");
  } else if (format_.codec == Codec::zstd) {
    n = ZSTD_compress2(state_->zstd, out.data() + 4, bound, pixels, raw);
    if (ZSTD_isError(n)) throw std::runtime_error(std::string("zstd: ") + ZSTD_getErrorName(n));
  } else {
    std::memcpy(out.data() + 4, pixels, raw);
  }
  const auto size = static_cast<std::uint32_t>(n);
  for (int i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(size >> (8 * i));
  std::uint8_t last[4] = {0, 0, 0, 0};
  if (n >= 4) std::memcpy(last, out.data() + 4 + n - 4, 4);
  else std::memcpy(last + 4 - n, out.data() + 4, n);
  std::memcpy(out.data() + 4 + n, last, 4);
  out.resize(n + 8);
}

}  // namespace cogkit::detail
