// src/write/tile_codec.hpp — TIFF tile encoding for the native COG writer: predictor
// (2 = horizontal differencing, 3 = floating point) and compression (deflate via
// libdeflate, zstd, none), framed with GDAL's COG block leader and trailer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace cogkit::detail {

enum class Codec { none, deflate, zstd };

struct TileFormat {
  Codec codec = Codec::deflate;
  int level = 6;              // codec level (deflate 1..12, zstd 1..22); ignored for none
  int predictor = 1;          // TIFF predictor tag value: 1 none, 2 horizontal, 3 floating point
  int bytes_per_sample = 1;   // 1, 2, 4 or 8
  int samples_per_pixel = 1;  // bands, pixel-interleaved
  int tile_w = 512, tile_h = 512;
  std::size_t tile_bytes() const noexcept {
    return std::size_t(tile_w) * std::size_t(tile_h) * std::size_t(samples_per_pixel) * std::size_t(bytes_per_sample);
  }
};

// The TIFF Compression tag value of a codec (1, 8, 50000).
int tiff_compression_tag(Codec codec) noexcept;

// One encoder per thread (holds the codec's state). Not thread-safe.
class TileEncoder {
 public:
  explicit TileEncoder(const TileFormat& format);
  ~TileEncoder();
  TileEncoder(const TileEncoder&) = delete;
  TileEncoder& operator=(const TileEncoder&) = delete;

  // Encodes one whole tile (tile_w × tile_h pixels, pixel-interleaved, little-endian samples).
  // `pixels` is used as scratch (the predictor runs in place). Replaces `out` with
  // [uint32 size leader][encoded bytes][last 4 encoded bytes repeated]: the block framing of
  // GDAL's COG layout (BLOCK_LEADER=SIZE_AS_UINT4, BLOCK_TRAILER=LAST_4_BYTES_REPEATED).
  void encode(std::uint8_t* pixels, std::vector<std::uint8_t>& out);

 private:
  void apply_predictor(std::uint8_t* pixels);
  TileFormat format_;
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cogkit::detail
