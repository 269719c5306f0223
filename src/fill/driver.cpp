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

#include "cogkit/core/threads.hpp"
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

// ---- setup: what the band is and how the kernel sees it

// The band to fill, checked once before any strip.
struct FillBand {
  GDALRasterBandH source = nullptr, target = nullptr;
  int width = 0, height = 0;
  GDALDataType type = GDT_Unknown;
  bool in_place = false;
  double nodata = 0;
  GDALRasterBandH mask = nullptr;
  int mask_flags = 0;
  MaskSource mask_source;
};

FillBand inspect_fill_band(GDALRasterBandH source, GDALRasterBandH target, const FillOptions& options) {
  if (!source || !target) throw error("fill", "<band>", "no band to fill");
  FillBand b;
  b.source = source;
  b.target = target;
  int has_nodata = 0;
  b.nodata = GDALGetRasterNoDataValue(source, &has_nodata);
  if (!has_nodata) fail(source, "the band has no nodata value, so there is nothing to fill");
  if (!(options.max_distance >= 0)) fail(source, "fill max distance must be >= 0");
  if (options.smoothing < 0) fail(source, "fill smoothing iterations must be >= 0");

  b.width = GDALGetRasterBandXSize(source);
  b.height = GDALGetRasterBandYSize(source);
  b.type = GDALGetRasterDataType(source);
  if (target != source &&
      (GDALGetRasterBandXSize(target) != b.width || GDALGetRasterBandYSize(target) != b.height ||
       GDALGetRasterDataType(target) != b.type))
    fail(target, "the fill target must have the size and data type of the source");
  if (GDALDataTypeIsComplex(b.type)) fail(source, "complex bands cannot be filled");
  b.in_place = target == source;
  b.mask = GDALGetMaskBand(source);
  b.mask_flags = GDALGetMaskFlags(source);
  b.mask_source.mask = b.mask;
  b.mask_source.from_values = b.mask_flags == GMF_NODATA && b.type == GDT_Float32;
  b.mask_source.nodata_is_nan = std::isnan(b.nodata);
  b.mask_source.nodata = static_cast<float>(b.nodata);
  return b;
}

// GDAL writes the filled scanline to the band and, before smoothing, reads it back as
// Float32: the values pass through the band's type (nothing to do for Float32).
std::function<void(float*, std::size_t)> round_trip_through(GDALDataType type) {
  if (type == GDT_Float32) return {};
  return [type](float* v, std::size_t count) {
    std::vector<double> tmp(count);  // wide enough for every non-complex type
    GDALCopyWords64(v, GDT_Float32, 4, tmp.data(), type, GDALGetDataTypeSizeBytes(type),
                    static_cast<GPtrDiff_t>(count));
    GDALCopyWords64(tmp.data(), type, GDALGetDataTypeSizeBytes(type), v, GDT_Float32, 4,
                    static_cast<GPtrDiff_t>(count));
  };
}

// ... together with a recomputed mask: whether a round-tripped value reads back as nodata.
std::function<bool(float)> reads_as_nodata(const FillBand& b) {
  if (b.mask_flags == GMF_NODATA) {
    const double nodata = b.nodata;
    switch (b.type) {
      case GDT_Float32: {
        const float nd = static_cast<float>(nodata);
        const bool nan = std::isnan(nodata);
        return [nd, nan](float v) { return nan ? std::isnan(v) : are_real_equal(v, nd); };
      }
      case GDT_Float64: {
        const bool nan = std::isnan(nodata);
        return [nodata, nan](float v) { return nan ? std::isnan(v) : are_real_equal(static_cast<double>(v), nodata); };
      }
      default: {
        // Integer bands: the round-tripped value is an exact integer; GDAL compares in the
        // band's integer work type.
        const double nd = std::trunc(nodata);
        return [nd](float v) { return static_cast<double>(v) == nd; };
      }
    }
  }
  if (b.mask_flags & GMF_ALL_VALID) return [](float) { return false; };
  // Per-dataset / alpha masks do not change when pixels are filled.
  return [](float) { return true; };
}

FillKernelParams kernel_params(const FillBand& b, const FillOptions& options) {
  FillKernelParams params;
  params.width = b.width;
  params.height = b.height;
  params.max_distance =
      options.max_distance == 0 ? static_cast<double>(std::max(b.width, b.height) + 1) : options.max_distance;
  params.smoothing = options.smoothing;
  params.method = options.method == FillMethod::nearest ? FillKernelMethod::nearest : FillKernelMethod::invdist;
  params.interior_only = options.interior_only;
  params.round_trip = round_trip_through(b.type);
  params.reads_as_nodata = reads_as_nodata(b);
  return params;
}

// Strip height and halo, and the memory they take.
FillStats plan_strips(const FillBand& b, const FillKernelParams& params, const FillOptions& options,
                      std::uint64_t work_bytes) {
  const int halo = std::min(fill_kernel_halo(params.max_distance, params.smoothing), b.height);
  const int tile_rows = options.tile_rows > 0
                            ? std::min(options.tile_rows, std::max(b.height, 1))
                            : choose_fill_tile_rows(b.width, b.height, halo, params.smoothing,
                                                    options.interior_only, work_bytes);
  FillStats stats;
  stats.tile_rows = tile_rows;
  stats.halo = halo;
  stats.work_bytes = fill_strip_bytes(b.width, tile_rows, halo, params.smoothing, options.interior_only);
  return stats;
}

// ---- the rows: read-ahead into a ring, write-behind from a buffer

// In place, the reader and writer threads take turns on the one dataset (a GDAL dataset
// must not be used by two threads at once; sequential use from several threads is fine).
// The rows read are always below every row written, so their order does not matter.
class DatasetTurns {
 public:
  explicit DatasetTurns(bool in_place) : in_place_(in_place) {}
  std::unique_lock<std::mutex> take() {
    return in_place_ ? std::unique_lock<std::mutex>(mutex_) : std::unique_lock<std::mutex>();
  }

 private:
  bool in_place_;
  std::mutex mutex_;
};

// Ring buffer of original rows: row r lives in slot r % rows. A strip needs tile_rows + 2 ×
// halo rows; the rows it shares with the previous strip stay in place.
class RowRing {
 public:
  RowRing(const FillBand& b, int tile_rows, int halo, bool interior_only)
      : band_(b), w_(static_cast<std::size_t>(b.width)),
        rows_(std::min(b.height, tile_rows + 2 * halo + kReadAhead * tile_rows)),
        values_(static_cast<std::size_t>(rows_) * w_), valid_(static_cast<std::size_t>(rows_) * w_),
        interior_only_(interior_only), interior_(interior_only ? valid_.size() : 0) {}

  // Interior-only: labels the holes of the whole band (streamed through the ring's mask rows).
  void label_holes(HoleLabels& labels) {
    for (int y = 0; y < band_.height; y += rows_) {
      const int rows = std::min(rows_, band_.height - y);
      read_rows(band_.source, band_.mask_source, band_.width, y, rows, nullptr, valid_.data());
      for (int r = 0; r < rows; ++r) labels.add_row(&valid_[static_cast<std::size_t>(r) * w_]);
    }
    labels.finish();
  }

  // Reads rows [y, y + rows) straight into the ring (in at most two contiguous pieces), with
  // their interior flags when `labels` is given.
  void read(int y, int rows, DatasetTurns& turns, const HoleLabels* labels) {
    while (rows > 0) {
      const int first_slot = y % rows_;
      const int n = std::min(rows, rows_ - first_slot);
      {
        const auto lock = turns.take();
        read_rows(band_.source, band_.mask_source, band_.width, y, n, &values_[slot(y)], &valid_[slot(y)]);
      }
      if (labels)
        for (int r = 0; r < n; ++r) labels->interior_row(y + r, &interior_[slot(y + r)]);
      y += n;
      rows -= n;
    }
  }

  // Points the strip's rows [begin, end) at their slots.
  void point(FillStrip& strip, int begin, int end) const {
    strip.in_begin = begin;
    strip.in_end = end;
    strip.values.resize(static_cast<std::size_t>(end - begin));
    strip.valid.resize(strip.values.size());
    strip.interior.resize(interior_only_ ? strip.values.size() : 0);
    for (int r = begin; r < end; ++r) {
      const std::size_t i = static_cast<std::size_t>(r - begin);
      strip.values[i] = &values_[slot(r)];
      strip.valid[i] = &valid_[slot(r)];
      if (interior_only_) strip.interior[i] = &interior_[slot(r)];
    }
  }

 private:
  std::size_t slot(int row) const { return static_cast<std::size_t>(row % rows_) * w_; }

  const FillBand& band_;
  std::size_t w_;
  int rows_;
  std::vector<float> values_;
  std::vector<std::uint8_t> valid_;
  bool interior_only_;
  std::vector<std::uint8_t> interior_;
};

// Writes a strip's core rows on another thread while the next strip is computed.
class WriteBehind {
 public:
  WriteBehind(const FillBand& b, int max_rows, DatasetTurns& turns)
      : band_(b), turns_(turns), buffer_(static_cast<std::size_t>(max_rows) * static_cast<std::size_t>(b.width)) {}

  // Waits for the previous strip's write (rethrowing its error), then starts this one.
  void write(int y0, int y1, const float* rows) {
    finish();
    std::memcpy(buffer_.data(), rows, static_cast<std::size_t>(y1 - y0) * static_cast<std::size_t>(band_.width) *
                                          sizeof(float));
    writing_ = std::async(std::launch::async, [this, y0, y1] {
      const auto lock = turns_.take();
      write_rows(band_.target, band_.width, y0, y1 - y0, buffer_.data());
    });
  }
  void finish() {
    if (writing_.valid()) writing_.get();
  }
  // Lets a write in flight end without looking at its outcome (another error is on its way).
  void settle() {
    if (writing_.valid()) writing_.wait();
  }

 private:
  const FillBand& band_;
  DatasetTurns& turns_;
  std::vector<float> buffer_;
  std::future<void> writing_;
};

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// ---- the strip loop

void fill_strips(const FillBand& b, const FillKernelParams& params, const FillOptions& options, FillStats& stats,
                 const ProgressFn& progress) {
  const int height = b.height, tile_rows = stats.tile_rows, halo = stats.halo;
  const int threads = options.threads > 0 ? options.threads : tbb::info::default_concurrency();
  allow_parallelism(threads);
  tbb::task_arena arena(threads);
  RowRing ring(b, tile_rows, halo, options.interior_only);
  HoleLabels labels(b.width, height);
  if (options.interior_only) {
    ring.label_holes(labels);
    stats.work_bytes += labels.memory_bytes();
  }
  DatasetTurns turns(b.in_place);
  auto read_into_ring = [&](int y, int rows) { ring.read(y, rows, turns, options.interior_only ? &labels : nullptr); };
  WriteBehind writer(b, std::min(height, tile_rows), turns);
  FillScratch scratch;
  FillStrip strip;
  const bool lossless_rewrite =
      b.in_place && (b.type == GDT_Float32 || b.type == GDT_Byte || b.type == GDT_Int16 || b.type == GDT_UInt16);
  int in_end = std::min(height, tile_rows + halo);
  auto t_read = Clock::now();
  read_into_ring(0, in_end);
  stats.read_wait_seconds += seconds_since(t_read);
  // A reader thread decodes the following rows, kReadAhead strips ahead, while strips are
  // computed (each strip consumes exactly one chunk of tile_rows rows).
  ChunkReader reader(read_into_ring, height, in_end, tile_rows, kReadAhead);
  for (int y0 = 0; y0 < height; y0 += tile_rows) {
    const int y1 = std::min(height, y0 + tile_rows);
    ring.point(strip, std::max(0, y0 - halo), std::min(height, y1 + halo));  // ends at in_end here
    const int next_end = std::min(height, y1 + tile_rows + halo);

    std::size_t filled = 0;
    const float* out = nullptr;
    const auto t_compute = Clock::now();
    try {
      arena.execute([&] { filled = fill_strip(params, strip, y0, y1, scratch, out); });
    } catch (...) {
      writer.settle();
      throw;
    }
    stats.filled += filled;
    stats.compute_seconds += seconds_since(t_compute);

    const auto t_write = Clock::now();
    if (filled > 0 || !lossless_rewrite) writer.write(y0, y1, out);
    stats.write_seconds += seconds_since(t_write);
    t_read = Clock::now();
    if (next_end > in_end) {
      reader.acquire();  // rows [in_end, next_end) are in the ring
      reader.release();  // from now on the ring arithmetic protects them
      in_end = next_end;
    }
    stats.read_wait_seconds += seconds_since(t_read);
    if (!progress("fill", static_cast<double>(y1) / height)) {
      writer.settle();
      throw cancelled("fill");
    }
  }
  writer.finish();
}

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
  const FillBand band = inspect_fill_band(source, target, options);
  const FillKernelParams params = kernel_params(band, options);
  FillStats stats = plan_strips(band, params, options, work_bytes);
  if (band.width <= 0 || band.height <= 0) return stats;
  fill_strips(band, params, options, stats, progress);
  // Cached mask blocks describe the unfilled band.
  if (band.in_place) GDALFlushRasterCache(band.mask);
  return stats;
}

}  // namespace cogkit::detail
