// src/fill/driver.cpp — reads strips (original values + mask), runs the kernel,
// writes the core rows back in place.
#include "fill/driver.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <cpl_error.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>

#include "cogkit/core/error.hpp"
#include "fill/components.hpp"
#include "fill/kernel.hpp"

namespace cogkit::detail {

namespace {

constexpr int kReadAhead = 4;  // strips read ahead when filling source -> target

std::string band_name(GDALRasterBandH band) {
  GDALDatasetH ds = GDALGetBandDataset(band);
  const char* d = ds ? GDALGetDescription(ds) : "";
  return d && *d ? std::string(d) : std::string("<band>");
}

[[noreturn]] void fail(GDALRasterBandH band, const std::string& message) {
  const char* gdal = CPLGetLastErrorMsg();
  throw error("fill", band_name(band), message, gdal ? gdal : "");
}

void write_rows(GDALRasterBandH target, int width, int y, int rows, const float* values) {
  CPLErrorReset();
  if (GDALRasterIO(target, GF_Write, 0, y, width, rows, const_cast<float*>(values), width, rows, GDT_Float32, 0,
                   0) != CE_None)
    fail(target, "cannot write rows " + std::to_string(y) + ".." + std::to_string(y + rows - 1));
}

// ARE_REAL_EQUAL of gdal_priv.h (GDAL 3.6), which GDALNoDataMaskBand uses for floats.
template <class T>
bool are_real_equal(T a, T b) {
  return a == b || std::abs(a - b) < std::numeric_limits<float>::epsilon() * std::abs(a + b) * 2;
}

// Where the validity mask comes from. For a Float32 band with a nodata mask it is computed
// from the values exactly as GDALNoDataMaskBand does (saves a second pass over the band's
// blocks); otherwise the band's mask band is read.
struct MaskSource {
  GDALRasterBandH mask = nullptr;
  bool from_values = false;
  bool nodata_is_nan = false;
  float nodata = 0;
};

void read_rows(GDALRasterBandH band, const MaskSource& ms, int width, int y, int rows, float* values,
               std::uint8_t* valid) {
  if (rows <= 0) return;
  CPLErrorReset();
  std::vector<float> tmp;
  if (!values && ms.from_values) {
    tmp.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(rows));
    values = tmp.data();
  }
  if (values && GDALRasterIO(band, GF_Read, 0, y, width, rows, values, width, rows, GDT_Float32, 0, 0) != CE_None)
    fail(band, "cannot read rows " + std::to_string(y) + ".." + std::to_string(y + rows - 1));
  if (ms.from_values) {
    const std::size_t n = static_cast<std::size_t>(width) * static_cast<std::size_t>(rows);
    if (ms.nodata_is_nan) {
      for (std::size_t i = 0; i < n; ++i) valid[i] = std::isnan(values[i]) ? 0 : 255;
    } else {
      // are_real_equal() without the short circuit, so that the loop vectorises.
      const float nd = ms.nodata;
      const float eps = std::numeric_limits<float>::epsilon();
      for (std::size_t i = 0; i < n; ++i) {
        const float v = values[i];
        const bool equal = (v == nd) | (std::abs(v - nd) < eps * std::abs(v + nd) * 2);
        valid[i] = equal ? 0 : 255;
      }
    }
    return;
  }
  if (GDALRasterIO(ms.mask, GF_Read, 0, y, width, rows, valid, width, rows, GDT_Byte, 0, 0) != CE_None)
    fail(band, "cannot read the mask of rows " + std::to_string(y) + ".." + std::to_string(y + rows - 1));
}

// Runs `read(row, rows)` for consecutive chunks of `chunk_rows` rows from `first_row` to
// `height` on its own thread, at most `slots` chunks ahead of the consumer, which calls
// acquire() (wait for the next chunk) and release() (its rows may now be recycled) in order.
// The chunks land directly in the fill's ring buffer, sized so that they never overlap the
// rows of the strip being computed (source != target only).
class ChunkReader {
 public:
  ChunkReader(std::function<void(int, int)> read, int height, int first_row, int chunk_rows, int slots)
      : read_(std::move(read)), height_(height), chunk_rows_(chunk_rows), next_row_(first_row),
        slots_(static_cast<std::size_t>(slots)) {
    if (first_row < height) thread_ = std::thread([this] { run(); });
  }
  ~ChunkReader() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  ChunkReader(const ChunkReader&) = delete;
  ChunkReader& operator=(const ChunkReader&) = delete;

  void acquire() {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return ready_ > 0 || error_; });
    if (ready_ == 0 && error_) std::rethrow_exception(error_);
  }
  void release() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      --ready_;
      --in_use_;
    }
    cv_.notify_all();
  }

 private:
  void run() {
    try {
      for (int row = next_row_; row < height_; row += chunk_rows_) {
        {
          std::unique_lock<std::mutex> lock(mutex_);
          cv_.wait(lock, [&] { return in_use_ < slots_ || stop_; });
          if (stop_) return;
          ++in_use_;
        }
        read_(row, std::min(chunk_rows_, height_ - row));
        {
          std::lock_guard<std::mutex> lock(mutex_);
          ++ready_;
        }
        cv_.notify_all();
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      error_ = std::current_exception();
      cv_.notify_all();
    }
  }

  std::function<void(int, int)> read_;
  int height_, chunk_rows_, next_row_;
  std::size_t slots_;
  std::size_t in_use_ = 0, ready_ = 0;  // chunks being read or unconsumed; chunks ready
  bool stop_ = false;
  std::exception_ptr error_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::thread thread_;
};

}  // namespace

int choose_fill_tile_rows(int width, int height, int halo, int smoothing, bool interior_only,
                          std::uint64_t work_bytes) {
  int best = 0;
  for (int rows = 64; rows <= 2048; rows *= 2)
    if (fill_strip_bytes(width, rows, halo, smoothing, interior_only) <= work_bytes) best = rows;
  for (int rows = 60; best == 0 && rows > 16; rows -= 4)
    if (fill_strip_bytes(width, rows, halo, smoothing, interior_only) <= work_bytes) best = rows;
  if (best == 0) best = 16;
  return std::max(1, std::min(best, std::max(height, 1)));
}

FillStats fill_band(GDALRasterBandH band, const FillOptions& options, std::uint64_t work_bytes,
                    const ProgressFn& progress) {
  return fill_band(band, band, options, work_bytes, progress);
}

FillStats fill_band(GDALRasterBandH source, GDALRasterBandH target, const FillOptions& options,
                    std::uint64_t work_bytes, const ProgressFn& progress) {
  if (!source || !target) throw error("fill", "<band>", "no band to fill");
  GDALRasterBandH band = source;
  int has_nodata = 0;
  const double nodata = GDALGetRasterNoDataValue(band, &has_nodata);
  if (!has_nodata) fail(band, "the band has no nodata value, so there is nothing to fill");
  if (!(options.max_distance >= 0)) fail(band, "fill max distance must be >= 0");
  if (options.smoothing < 0) fail(band, "fill smoothing iterations must be >= 0");

  const int width = GDALGetRasterBandXSize(band);
  const int height = GDALGetRasterBandYSize(band);
  const GDALDataType type = GDALGetRasterDataType(band);
  if (target != source &&
      (GDALGetRasterBandXSize(target) != width || GDALGetRasterBandYSize(target) != height ||
       GDALGetRasterDataType(target) != type))
    fail(target, "the fill target must have the size and data type of the source");
  if (GDALDataTypeIsComplex(type)) fail(band, "complex bands cannot be filled");
  const bool in_place = target == source;
  GDALRasterBandH mask = GDALGetMaskBand(band);
  const int mask_flags = GDALGetMaskFlags(band);
  MaskSource mask_source;
  mask_source.mask = mask;
  mask_source.from_values = mask_flags == GMF_NODATA && type == GDT_Float32;
  mask_source.nodata_is_nan = std::isnan(nodata);
  mask_source.nodata = static_cast<float>(nodata);

  FillKernelParams params;
  params.width = width;
  params.height = height;
  params.max_distance =
      options.max_distance == 0 ? static_cast<double>(std::max(width, height) + 1) : options.max_distance;
  params.smoothing = options.smoothing;
  params.method = options.method == FillMethod::nearest ? FillKernelMethod::nearest : FillKernelMethod::invdist;
  params.interior_only = options.interior_only;

  // GDAL writes the filled scanline to the band and, before smoothing, reads it back as
  // Float32 together with a recomputed mask: mirror both.
  if (type != GDT_Float32) {
    params.round_trip = [type](float* v, std::size_t count) {
      std::vector<double> tmp(count);  // wide enough for every non-complex type
      GDALCopyWords64(v, GDT_Float32, 4, tmp.data(), type, GDALGetDataTypeSizeBytes(type),
                      static_cast<GPtrDiff_t>(count));
      GDALCopyWords64(tmp.data(), type, GDALGetDataTypeSizeBytes(type), v, GDT_Float32, 4,
                      static_cast<GPtrDiff_t>(count));
    };
  }
  if (mask_flags == GMF_NODATA) {
    switch (type) {
      case GDT_Float32: {
        const float nd = static_cast<float>(nodata);
        const bool nan = std::isnan(nodata);
        params.reads_as_nodata = [nd, nan](float v) { return nan ? std::isnan(v) : are_real_equal(v, nd); };
        break;
      }
      case GDT_Float64: {
        const bool nan = std::isnan(nodata);
        params.reads_as_nodata = [nodata, nan](float v) {
          return nan ? std::isnan(v) : are_real_equal(static_cast<double>(v), nodata);
        };
        break;
      }
      default: {
        // Integer bands: the round-tripped value is an exact integer; GDAL compares in the
        // band's integer work type.
        const double nd = std::trunc(nodata);
        params.reads_as_nodata = [nd](float v) { return static_cast<double>(v) == nd; };
        break;
      }
    }
  } else if (mask_flags & GMF_ALL_VALID) {
    params.reads_as_nodata = [](float) { return false; };
  } else {
    // Per-dataset / alpha masks do not change when pixels are filled.
    params.reads_as_nodata = [](float) { return true; };
  }

  const int halo = std::min(fill_kernel_halo(params.max_distance, params.smoothing), height);
  const int tile_rows = options.tile_rows > 0
                            ? std::min(options.tile_rows, std::max(height, 1))
                            : choose_fill_tile_rows(width, height, halo, params.smoothing,
                                                    options.interior_only, work_bytes);
  FillStats stats;
  stats.tile_rows = tile_rows;
  stats.halo = halo;
  stats.work_bytes = fill_strip_bytes(width, tile_rows, halo, params.smoothing, options.interior_only);
  if (width <= 0 || height <= 0) return stats;

  const int threads = options.threads > 0 ? options.threads : tbb::info::default_concurrency();
  tbb::task_arena arena(threads);

  // Ring buffer of original rows: row r lives in slot r % ring_rows. A strip needs
  // tile_rows + 2 × halo rows; the rows it shares with the previous strip stay in place.
  const std::size_t w = static_cast<std::size_t>(width);
  const int ring_rows = std::min(height, tile_rows + 2 * halo + kReadAhead * tile_rows);
  std::vector<float> ring_values(static_cast<std::size_t>(ring_rows) * w);
  std::vector<std::uint8_t> ring_valid(static_cast<std::size_t>(ring_rows) * w);
  std::vector<std::uint8_t> ring_interior(options.interior_only ? ring_valid.size() : 0);
  auto slot = [&](int row) { return static_cast<std::size_t>(row % ring_rows) * w; };


  // Interior-only: label the holes of the whole band first (streamed by strips).
  HoleLabels labels(width, height);
  if (options.interior_only) {
    for (int y = 0; y < height; y += ring_rows) {
      const int rows = std::min(ring_rows, height - y);
      read_rows(band, mask_source, width, y, rows, nullptr, ring_valid.data());
      for (int r = 0; r < rows; ++r) labels.add_row(&ring_valid[static_cast<std::size_t>(r) * w]);
    }
    labels.finish();
    stats.work_bytes += labels.memory_bytes();
  }

  // In place, the reader and writer threads take turns on the one dataset (a GDAL dataset
  // must not be used by two threads at once; sequential use from several threads is fine).
  // The rows read are always below every row written, so their order does not matter.
  std::mutex io_mutex;
  auto io_lock = [&] { return in_place ? std::unique_lock<std::mutex>(io_mutex) : std::unique_lock<std::mutex>(); };

  // Reads rows [y, y + rows) straight into the ring (in at most two contiguous pieces).
  auto read_into_ring = [&](int y, int rows) {
    while (rows > 0) {
      const int first_slot = y % ring_rows;
      const int n = std::min(rows, ring_rows - first_slot);
      {
        const auto lock = io_lock();
        read_rows(band, mask_source, width, y, n, &ring_values[slot(y)], &ring_valid[slot(y)]);
      }
      if (options.interior_only)
        for (int r = 0; r < n; ++r) labels.interior_row(y + r, &ring_interior[slot(y + r)]);
      y += n;
      rows -= n;
    }
  };

  std::vector<float> write_buffer(static_cast<std::size_t>(std::min(height, tile_rows)) * w);
  std::future<void> writing;
  using clock = std::chrono::steady_clock;
  auto since = [](clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); };
  FillScratch scratch;
  FillStrip strip;
  const bool lossless_rewrite =
      in_place && (type == GDT_Float32 || type == GDT_Byte || type == GDT_Int16 || type == GDT_UInt16);
  int in_end = std::min(height, tile_rows + halo);
  auto t_read = clock::now();
  read_into_ring(0, in_end);
  stats.read_wait_seconds += since(t_read);
  // A reader thread decodes the following rows, kReadAhead strips ahead, while strips are
  // computed (each strip consumes exactly one chunk of tile_rows rows).
  ChunkReader reader(read_into_ring, height, in_end, tile_rows, kReadAhead);
  for (int y0 = 0; y0 < height; y0 += tile_rows) {
    const int y1 = std::min(height, y0 + tile_rows);
    const int need_begin = std::max(0, y0 - halo);
    const int need_end = std::min(height, y1 + halo);  // == in_end here
    const int next_end = std::min(height, y1 + tile_rows + halo);
    strip.in_begin = need_begin;
    strip.in_end = need_end;
    strip.values.resize(static_cast<std::size_t>(need_end - need_begin));
    strip.valid.resize(strip.values.size());
    strip.interior.resize(options.interior_only ? strip.values.size() : 0);
    for (int r = need_begin; r < need_end; ++r) {
      const std::size_t i = static_cast<std::size_t>(r - need_begin);
      strip.values[i] = &ring_values[slot(r)];
      strip.valid[i] = &ring_valid[slot(r)];
      if (options.interior_only) strip.interior[i] = &ring_interior[slot(r)];
    }

    const int ahead_rows = next_end - in_end;

    std::size_t filled = 0;
    const float* out = nullptr;
    const auto t_compute = clock::now();
    try {
      arena.execute([&] { filled = fill_strip(params, strip, y0, y1, scratch, out); });
    } catch (...) {
      if (writing.valid()) writing.wait();
      throw;
    }
    stats.filled += filled;
    stats.compute_seconds += since(t_compute);

    const auto t_write = clock::now();
    if (filled > 0 || !lossless_rewrite) {
      // Written by another thread while the next strip is computed.
      if (writing.valid()) writing.get();
      std::memcpy(write_buffer.data(), out, static_cast<std::size_t>(y1 - y0) * w * sizeof(float));
      writing = std::async(std::launch::async, [&, y0, y1] {
        const auto lock = io_lock();
        write_rows(target, width, y0, y1 - y0, write_buffer.data());
      });
    }
    stats.write_seconds += since(t_write);
    t_read = clock::now();
    if (ahead_rows > 0) {
      reader.acquire();  // rows [in_end, next_end) are in the ring
      reader.release();  // from now on the ring arithmetic protects them
      in_end = next_end;
    }
    stats.read_wait_seconds += since(t_read);
    if (progress) progress("fill", static_cast<double>(y1) / height);
  }
  if (writing.valid()) writing.get();
  // Cached mask blocks describe the unfilled band.
  if (in_place) GDALFlushRasterCache(mask);
  return stats;
}

}  // namespace cogkit::detail
