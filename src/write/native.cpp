#include "write/native.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <set>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_srs_api.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include "cogkit/core/threads.hpp"
#include "cogkit/core/error.hpp"
#include "cogkit/core/gdal_handle.hpp"
#include "core/gdal_env.hpp"
#include "write/overview.hpp"
#include "core/text.hpp"
#include "write/tile_codec.hpp"

namespace cogkit::detail {
namespace {

// ---------------------------------------------------------------------------
// TIFF directory entries

enum TiffType : std::uint16_t { kShort = 3, kLong = 4, kLong8 = 16 };

int type_size(std::uint16_t type) {
  switch (type) {
    case 1: case 2: case 6: case 7: return 1;
    case 3: case 8: return 2;
    case 4: case 9: case 11: case 13: return 4;
    case 5: case 10: case 12: case 16: case 17: case 18: return 8;
    default: return 0;
  }
}

struct Tag {
  std::uint16_t tag = 0;
  std::uint16_t type = 0;
  std::uint64_t count = 0;
  std::vector<std::uint8_t> bytes;  // little-endian values
};

void put(std::vector<std::uint8_t>& out, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
std::uint64_t get(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= std::uint64_t(p[i]) << (8 * i);
  return v;
}

Tag numbers(std::uint16_t tag, std::uint16_t type, const std::vector<std::uint64_t>& values) {
  Tag t{tag, type, values.size(), {}};
  t.bytes.reserve(values.size() * type_size(type));
  for (auto v : values) put(t.bytes, v, type_size(type));
  return t;
}
Tag number(std::uint16_t tag, std::uint64_t v) { return numbers(tag, v < 65536 ? kShort : kLong, {v}); }

// Size of an IFD with its out-of-line values (each padded to an even length).
std::uint64_t ifd_size(const std::vector<Tag>& tags, bool big) {
  const std::uint64_t inline_cap = big ? 8 : 4;
  std::uint64_t n = (big ? 8 : 2) + tags.size() * (big ? 20 : 12) + (big ? 8 : 4);
  for (const auto& t : tags)
    if (t.bytes.size() > inline_cap) n += (t.bytes.size() + 1) & ~std::uint64_t(1);
  return n;
}

// Appends the IFD that starts at file offset `at` (its out-of-line values follow it).
void serialize_ifd(const std::vector<Tag>& tags, std::uint64_t at, std::uint64_t next, bool big,
                   std::vector<std::uint8_t>& out) {
  const std::size_t inline_cap = big ? 8 : 4;
  const int off_size = big ? 8 : 4;
  std::vector<std::uint8_t> extra;
  std::uint64_t extra_at = at + (big ? 8 : 2) + tags.size() * (big ? 20 : 12) + (big ? 8 : 4);
  put(out, tags.size(), big ? 8 : 2);
  for (const auto& t : tags) {
    put(out, t.tag, 2);
    put(out, t.type, 2);
    put(out, t.count, off_size);
    if (t.bytes.size() <= inline_cap) {
      out.insert(out.end(), t.bytes.begin(), t.bytes.end());
      out.insert(out.end(), inline_cap - t.bytes.size(), 0);
    } else {
      put(out, extra_at + extra.size(), off_size);
      extra.insert(extra.end(), t.bytes.begin(), t.bytes.end());
      if (extra.size() % 2) extra.push_back(0);
    }
  }
  put(out, next, off_size);
  out.insert(out.end(), extra.begin(), extra.end());
}

// Tags GDAL writes for georeferencing and metadata (GeoTIFF keys, GDAL_METADATA,
// GDAL_NODATA, TIFFTAG_* metadata items): taken from a 1×1 GeoTIFF that GDAL writes with
// the source's SRS, geotransform, nodata and metadata, so they are encoded exactly as GDAL
// encodes them. Structural tags (size, tiling, codec, sample layout) are the writer's own.
std::vector<Tag> gdal_tags(GDALDatasetH src, int bands, GDALDataType type, const std::optional<double>& nodata,
                           const std::string& path, const BandMetadata* stats = nullptr) {
  static std::atomic<int> counter{0};
  const std::string mem = "/vsimem/cogkit_tags_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".tif";
  {
    DatasetHandle t(GDALCreate(GDALGetDriverByName("GTiff"), mem.c_str(), 1, 1, bands, type, nullptr));
    if (!t) throw error("write", path, "cannot create the GeoTIFF tag template", CPLGetLastErrorMsg());
    GDALDatasetH h = t.get();
    double gt[6];
    if (GDALGetGeoTransform(src, gt) == CE_None) GDALSetGeoTransform(h, gt);
    if (OGRSpatialReferenceH srs = GDALGetSpatialRef(src)) GDALSetSpatialRef(h, srs);
    if (char** md = GDALGetMetadata(src, nullptr)) GDALSetMetadata(h, md, nullptr);
    if (char** xmp = GDALGetMetadata(src, "xml:XMP")) GDALSetMetadata(h, xmp, "xml:XMP");  // TIFF tag 700, as GDAL's
    for (int b = 1; b <= bands; ++b) {
      GDALRasterBandH sb = GDALGetRasterBand(src, b);
      GDALRasterBandH tb = GDALGetRasterBand(h, b);
      if (nodata) GDALSetRasterNoDataValue(tb, *nodata);
      set_band_metadata(tb, GDALGetMetadata(sb, nullptr),
                        stats && std::size_t(b) <= stats->size() ? &(*stats)[std::size_t(b - 1)] : nullptr);
      const char* desc = GDALGetDescription(sb);
      if (desc && *desc) GDALSetDescription(tb, desc);
      int ok = FALSE;
      const double off = GDALGetRasterOffset(sb, &ok);
      if (ok && off != 0.0) GDALSetRasterOffset(tb, off);
      const double scale = GDALGetRasterScale(sb, &ok);
      if (ok && scale != 1.0) GDALSetRasterScale(tb, scale);
      const char* unit = GDALGetRasterUnitType(sb);
      if (unit && *unit) GDALSetRasterUnitType(tb, unit);
    }
  }
  vsi_l_offset len = 0;
  GByte* buf = VSIGetMemFileBuffer(mem.c_str(), &len, FALSE);
  std::vector<std::uint8_t> file(buf, buf + len);
  VSIUnlink(mem.c_str());
  VSIUnlink((mem + ".aux.xml").c_str());
  auto bad = [&] { return error("write", path, "cannot read back the GeoTIFF tag template"); };
  if (file.size() < 8 || file[0] != 'I' || get(&file[2], 2) != 42) throw bad();
  const std::uint64_t ifd = get(&file[4], 4);
  if (ifd + 2 > file.size()) throw bad();
  const std::uint64_t n = get(&file[ifd], 2);
  if (ifd + 2 + n * 12 > file.size()) throw bad();
  static const std::set<std::uint16_t> structural = {254, 256, 257, 258, 259, 262, 273, 277, 278, 279,
                                                      284, 317, 322, 323, 324, 325, 338, 339};
  std::vector<Tag> tags;
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::uint8_t* e = &file[ifd + 2 + i * 12];
    Tag t;
    t.tag = static_cast<std::uint16_t>(get(e, 2));
    t.type = static_cast<std::uint16_t>(get(e + 2, 2));
    t.count = get(e + 4, 4);
    if (structural.count(t.tag)) continue;
    const std::uint64_t size = t.count * type_size(t.type);
    if (type_size(t.type) == 0) continue;
    if (size <= 4) {
      t.bytes.assign(e + 8, e + 8 + size);
    } else {
      const std::uint64_t o = get(e + 8, 4);
      if (o + size > file.size()) throw bad();
      t.bytes.assign(file.begin() + o, file.begin() + o + size);
    }
    tags.push_back(std::move(t));
  }
  return tags;
}

// ---------------------------------------------------------------------------
// Layout

struct Level {
  int w = 0, h = 0;
  int tiles_x = 0, tiles_y = 0;
  std::vector<std::uint64_t> offsets, counts;
  int tiles() const { return tiles_x * tiles_y; }
};

struct Plan {
  GDALDataType type = GDT_Byte;
  int bands = 1, sample_size = 1, sample_format = 1;
  int block = 512;
  TileFormat format;
  OverviewKernel resampling = OverviewKernel::cubic;
  std::optional<double> nodata;
  std::vector<Level> levels;
  bool big = false;
  std::vector<Tag> gdal;  // georeferencing and metadata tags of the main image
  std::uint64_t header_size = 0;
};

const char kGhost[] =
    "GDAL_STRUCTURAL_METADATA_SIZE=000140 bytes\n"
    "LAYOUT=IFDS_BEFORE_DATA\n"
    "BLOCK_ORDER=ROW_MAJOR\n"
    "BLOCK_LEADER=SIZE_AS_UINT4\n"
    "BLOCK_TRAILER=LAST_4_BYTES_REPEATED\n"
    "KNOWN_INCOMPATIBLE_EDITION=NO\n"
    " ";

std::vector<Tag> level_tags(const Plan& p, std::size_t k) {
  const Level& l = p.levels[k];
  std::vector<Tag> t;
  if (k > 0) t.push_back(numbers(254, kLong, {1}));
  t.push_back(number(256, l.w));
  t.push_back(number(257, l.h));
  t.push_back(numbers(258, kShort, std::vector<std::uint64_t>(p.bands, p.sample_size * 8)));
  t.push_back(numbers(259, kShort, {std::uint64_t(tiff_compression_tag(p.format.codec))}));
  t.push_back(numbers(262, kShort, {1}));  // min-is-black
  t.push_back(numbers(277, kShort, {std::uint64_t(p.bands)}));
  t.push_back(numbers(284, kShort, {1}));  // pixel-interleaved
  if (p.format.predictor > 1) t.push_back(numbers(317, kShort, {std::uint64_t(p.format.predictor)}));
  t.push_back(number(322, p.block));
  t.push_back(number(323, p.block));
  const std::vector<std::uint64_t> offsets = l.offsets.empty() ? std::vector<std::uint64_t>(l.tiles(), 0) : l.offsets;
  const std::vector<std::uint64_t> counts = l.counts.empty() ? std::vector<std::uint64_t>(l.tiles(), 0) : l.counts;
  t.push_back(numbers(324, p.big ? kLong8 : kLong, offsets));
  t.push_back(numbers(325, p.big ? kLong8 : kLong, counts));
  if (p.bands > 1) t.push_back(numbers(338, kShort, std::vector<std::uint64_t>(p.bands - 1, 0)));
  t.push_back(numbers(339, kShort, std::vector<std::uint64_t>(p.bands, p.sample_format)));
  for (const auto& g : p.gdal)
    if (k == 0 || g.tag == 42113) t.push_back(g);  // overviews carry GDAL_NODATA only, as GDAL's
  std::sort(t.begin(), t.end(), [](const Tag& a, const Tag& b) { return a.tag < b.tag; });
  return t;
}

std::vector<std::uint8_t> header_bytes(const Plan& p) {
  std::vector<std::uint8_t> out;
  const std::uint64_t ghost_end = (p.big ? 16 : 8) + sizeof(kGhost) - 1;
  const std::uint64_t first_ifd = (ghost_end + 1) & ~std::uint64_t(1);
  out.push_back('I');
  out.push_back('I');
  if (p.big) {
    put(out, 43, 2);
    put(out, 8, 2);
    put(out, 0, 2);
    put(out, first_ifd, 8);
  } else {
    put(out, 42, 2);
    put(out, first_ifd, 4);
  }
  out.insert(out.end(), kGhost, kGhost + sizeof(kGhost) - 1);
  out.resize(first_ifd, 0);
  std::uint64_t at = first_ifd;
  for (std::size_t k = 0; k < p.levels.size(); ++k) {
    const auto tags = level_tags(p, k);
    const std::uint64_t size = ifd_size(tags, p.big);
    const std::uint64_t next = k + 1 < p.levels.size() ? at + size : 0;
    serialize_ifd(tags, at, next, p.big, out);
    at += size;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Pixel rows and tiles

// Rows [first, first + count) of one level, full width, pixel-interleaved.
struct RowBuffer {
  std::size_t row_bytes = 0;
  int first = 0, count = 0;
  std::vector<std::uint8_t> data;
  std::uint8_t* row(int y) { return data.data() + std::size_t(y - first) * row_bytes; }
  int end() const { return first + count; }
  void grow_to(int new_end) {
    if (new_end <= end()) return;
    count = new_end - first;
    data.resize(std::size_t(count) * row_bytes);
  }
  void drop_before(int y) {
    if (y <= first) return;
    const int n = std::min(y, end()) - first;
    std::memmove(data.data(), data.data() + std::size_t(n) * row_bytes, std::size_t(count - n) * row_bytes);
    count -= n;
    first += n;
    data.resize(std::size_t(count) * row_bytes);
    if (count == 0) first = y;
  }
};

// Reads columns [x0, x0 + w) of rows [y0, y1), pixel-interleaved, into dst.
void read_rows(GDALDatasetH src, const Plan& p, int x0, int w, int y0, int y1, std::uint8_t* dst,
               const std::string& path) {
  if (y1 <= y0) return;
  const int s = p.sample_size;
  if (GDALDatasetRasterIOEx(src, GF_Read, x0, y0, w, y1 - y0, dst, w, y1 - y0, p.type, p.bands, nullptr,
                            GSpacing(s) * p.bands, GSpacing(s) * p.bands * w, s, nullptr) != CE_None)
    throw error("write", path, "cannot read rows " + std::to_string(y0) + ".." + std::to_string(y1) + " of the source",
                CPLGetLastErrorMsg());
}

struct Worker {
  explicit Worker(const TileFormat& f) : encoder(f), tile(f.tile_bytes()) {}
  TileEncoder encoder;
  std::vector<std::uint8_t> tile;
};

// Encodes tiles [tx0, tx1) of tile row `ty` of a level whose rows are in `rows` (which start
// at column `col0`); blobs[i] gets tile tx0 + i. Partial tiles are padded with zeros, as GDAL
// pads them.
void encode_tile_row(const Plan& p, const Level& l, int ty, RowBuffer& rows, int col0, int tx0, int tx1,
                     tbb::enumerable_thread_specific<Worker>& workers, std::vector<std::vector<std::uint8_t>>& blobs) {
  blobs.resize(tx1 - tx0);
  const std::size_t px = std::size_t(p.bands) * p.sample_size;
  const int y0 = ty * p.block, y1 = std::min(l.h, y0 + p.block);
  tbb::parallel_for(tx0, tx1, [&](int tx) {
    Worker& wk = workers.local();
    const int x0 = tx * p.block, x1 = std::min(l.w, x0 + p.block);
    const std::size_t tile_row = std::size_t(p.block) * px, used = std::size_t(x1 - x0) * px;
    if (x1 - x0 < p.block || y1 - y0 < p.block) std::fill(wk.tile.begin(), wk.tile.end(), 0);
    for (int y = y0; y < y1; ++y)
      std::memcpy(wk.tile.data() + std::size_t(y - y0) * tile_row, rows.row(y) + std::size_t(x0 - col0) * px, used);
    wk.encoder.encode(wk.tile.data(), blobs[tx - tx0]);
  });
}

// Compressed overview tiles, kept in memory up to `limit` bytes, then in a temp file.
class TileStore {
 public:
  TileStore(std::uint64_t limit, std::string tmpdir) : limit_(limit), tmpdir_(std::move(tmpdir)) {}
  ~TileStore() {
    if (fd_ >= 0) ::close(fd_);
  }
  void add(std::size_t level, std::vector<std::uint8_t>&& blob, const std::string& path) {
    if (entries_.size() <= level) entries_.resize(level + 1);
    Entry e;
    e.size = blob.size();
    if (in_memory_ + blob.size() <= limit_) {
      in_memory_ += blob.size();
      e.data = std::move(blob);
    } else {
      if (fd_ < 0) {
        spill_ = TempPath(tmpdir_, "overview-tiles", ".bin");
        fd_ = ::open(spill_.path().c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd_ < 0) throw error("write", spill_.path(), std::string("cannot create temp file: ") + std::strerror(errno));
      }
      e.spilled = true;
      e.pos = spill_size_;
      if (::pwrite(fd_, blob.data(), blob.size(), static_cast<off_t>(spill_size_)) != static_cast<ssize_t>(blob.size()))
        throw error("write", path, std::string("cannot write temp file: ") + std::strerror(errno));
      spill_size_ += blob.size();
    }
    entries_[level].push_back(std::move(e));
  }
  // The blob of tile `i` of `level`, in `buf` if it has to be read back.
  const std::vector<std::uint8_t>& get(std::size_t level, std::size_t i, std::vector<std::uint8_t>& buf,
                                       const std::string& path) const {
    const Entry& e = entries_.at(level).at(i);
    if (!e.spilled) return e.data;
    buf.resize(e.size);
    if (::pread(fd_, buf.data(), e.size, static_cast<off_t>(e.pos)) != static_cast<ssize_t>(e.size))
      throw error("write", path, std::string("cannot read temp file: ") + std::strerror(errno));
    return buf;
  }

 private:
  struct Entry {
    bool spilled = false;
    std::uint64_t pos = 0, size = 0;
    std::vector<std::uint8_t> data;
  };
  std::uint64_t limit_, in_memory_ = 0, spill_size_ = 0;
  std::string tmpdir_;
  TempPath spill_;
  int fd_ = -1;
  std::vector<std::vector<Entry>> entries_;
};

// The overview pyramid in one pass over the source: every level keeps only the rows its
// next tile row and the level below still need.
class Pyramid {
 public:
  Pyramid(const Plan& p, GDALDatasetH src, int chunk_rows, TileStore& store,
          tbb::enumerable_thread_specific<Worker>& workers, const std::string& path, const ProgressFn& progress,
          double progress_share, const RowObserver& observer)
      : p_(p), src_(src), chunk_(chunk_rows), store_(store), workers_(workers), path_(path), progress_(progress),
        share_(progress_share), observer_(observer) {
    const std::size_t n = p.levels.size();
    bufs_.resize(n);
    produced_.assign(n, 0);
    next_tile_row_.assign(n, 0);
    for (std::size_t k = 0; k < n; ++k) bufs_[k].row_bytes = std::size_t(p.levels[k].w) * p.bands * p.sample_size;
  }

  void run() {
    const Level& l0 = p_.levels[0];
    for (int y = 0; y < l0.h; y += chunk_) {
      const int y1 = std::min(l0.h, y + chunk_);
      RowBuffer& b = bufs_[0];
      if (b.count == 0) b.first = y;
      b.grow_to(y1);
      read_rows(src_, p_, 0, l0.w, y, y1, b.row(y), path_);
      if (observer_) observer_(y, y1 - y, b.row(y), l0.w, p_.bands, p_.type);
      produced_[0] = y1;
      cascade(1);
      trim();
      report_progress(progress_, "write", share_ * double(y1) / l0.h);
    }
  }

 private:
  LevelSize size(std::size_t k) const {
    return {p_.levels[k - 1].w, p_.levels[k - 1].h, p_.levels[k].w, p_.levels[k].h};
  }

  void cascade(std::size_t k) {
    if (k >= p_.levels.size()) return;
    const Level& l = p_.levels[k];
    const LevelSize g = size(k);
    const int have = produced_[k - 1];
    int end = produced_[k];
    if (have == p_.levels[k - 1].h) {
      end = l.h;
    } else {
      while (end < l.h && overview_source_rows(p_.resampling, g, end, end + 1).second <= have) ++end;
    }
    if (end > produced_[k]) {
      RowBuffer& src = bufs_[k - 1];
      RowBuffer& dst = bufs_[k];
      const int y0 = produced_[k];
      if (dst.count == 0) dst.first = y0;
      dst.grow_to(end);
      // Few, large row ranges: each range recomputes the horizontal pass of its halo rows.
      const int parts = 2 * tbb::this_task_arena::max_concurrency();
      const int grain = std::max(16, (end - y0 + parts - 1) / parts);
      tbb::parallel_for(
          tbb::blocked_range<int>(y0, end, grain),
          [&](const tbb::blocked_range<int>& r) {
            downsample(p_.resampling, p_.type, p_.bands, g, src.data.data(), src.first, dst.row(r.begin()), r.begin(),
                       r.end(), p_.nodata);
          },
          tbb::simple_partitioner());
      produced_[k] = end;
      while (next_tile_row_[k] * p_.block < l.h &&
             (next_tile_row_[k] * p_.block + p_.block <= end || end == l.h)) {
        std::vector<std::vector<std::uint8_t>> blobs;
        encode_tile_row(p_, l, next_tile_row_[k], dst, 0, 0, l.tiles_x, workers_, blobs);
        for (auto& b : blobs) store_.add(k, std::move(b), path_);
        ++next_tile_row_[k];
      }
    }
    cascade(k + 1);
  }

  // Drops the rows no level needs any more.
  void trim() {
    for (std::size_t k = 0; k < p_.levels.size(); ++k) {
      int keep = k == 0 ? produced_[0] : std::min(next_tile_row_[k] * p_.block, produced_[k]);
      if (k + 1 < p_.levels.size() && produced_[k + 1] < p_.levels[k + 1].h)
        keep = std::min(keep, overview_source_rows(p_.resampling, size(k + 1), produced_[k + 1],
                                                   produced_[k + 1] + 1).first);
      bufs_[k].drop_before(keep);
    }
  }

  const Plan& p_;
  GDALDatasetH src_;
  int chunk_;
  TileStore& store_;
  tbb::enumerable_thread_specific<Worker>& workers_;
  const std::string& path_;
  const ProgressFn& progress_;
  double share_;
  const RowObserver& observer_;
  std::vector<RowBuffer> bufs_;
  std::vector<int> produced_, next_tile_row_;
};

class OutputFile {
 public:
  explicit OutputFile(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw error("write", path, std::string("cannot create: ") + std::strerror(errno));
  }
  ~OutputFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  void write_at(std::uint64_t at, const std::uint8_t* data, std::size_t n) {
    while (n > 0) {
      const ssize_t w = ::pwrite(fd_, data, n, static_cast<off_t>(at));
      if (w < 0) {
        if (errno == EINTR) continue;
        throw error("write", path_, std::string("cannot write: ") + std::strerror(errno));
      }
      data += w;
      at += static_cast<std::uint64_t>(w);
      n -= static_cast<std::size_t>(w);
    }
  }
  // Appends a framed tile (leader, data, trailer); returns the offset of its data.
  std::uint64_t append_tile(const std::vector<std::uint8_t>& blob) {
    write_at(pos_, blob.data(), blob.size());
    const std::uint64_t data_at = pos_ + 4;
    pos_ += blob.size();
    return data_at;
  }
  void seek(std::uint64_t pos) { pos_ = pos; }
  void close() {
    if (::close(fd_) != 0) {
      fd_ = -1;
      throw error("write", path_, std::string("cannot close: ") + std::strerror(errno));
    }
    fd_ = -1;
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::uint64_t pos_ = 0;
};

// The --co BIGTIFF value ("IF_SAFER" when not given); nullopt when another --co is present.
std::optional<std::string> bigtiff_option(const CogOptions& o) {
  std::string value = "IF_SAFER";
  for (const auto& kv : o.creation_options) {
    const auto eq = kv.find('=');
    if (upper(kv.substr(0, eq)) != "BIGTIFF") return std::nullopt;
    value = upper(kv.substr(eq + 1));
  }
  return value;
}

Plan make_plan(GDALDatasetH src, const CogOptions& o, const std::string& path) {
  Plan p;
  p.bands = GDALGetRasterCount(src);
  p.type = GDALGetRasterDataType(GDALGetRasterBand(src, 1));
  p.sample_size = GDALGetDataTypeSizeBytes(p.type);
  p.sample_format = GDALDataTypeIsFloating(p.type) ? 3 : GDALDataTypeIsSigned(p.type) ? 2 : 1;
  p.block = o.blocksize;
  p.format.codec = o.compress == Compression::deflate ? Codec::deflate
                   : o.compress == Compression::zstd  ? Codec::zstd
                                                      : Codec::none;
  // GDAL's defaults: DEFLATE 6, ZSTD 9. GDAL's DEFLATE levels 6..9 are libdeflate's 7..10
  // (measured on GDAL 3.6 / libtiff 4.5: with this mapping the tiles are byte-identical).
  p.format.level = o.level >= 0 ? o.level : p.format.codec == Codec::zstd ? 9 : 6;
  if (p.format.codec == Codec::deflate && p.format.level >= 6 && p.format.level <= 9) ++p.format.level;
  const bool is_float = GDALDataTypeIsFloating(p.type);
  if (p.format.codec == Codec::none || o.predictor == Predictor::none) p.format.predictor = 1;
  else if (o.predictor == Predictor::automatic) p.format.predictor = is_float ? 3 : 2;
  else p.format.predictor = o.predictor == Predictor::standard ? 2 : 3;
  p.format.bytes_per_sample = p.sample_size;
  p.format.samples_per_pixel = p.bands;
  p.format.tile_w = p.format.tile_h = p.block;
  p.resampling = *overview_kernel(o.overview_resampling);
  if (o.nodata) {
    p.nodata = o.nodata;
  } else {
    int has = FALSE;
    const double v = GDALGetRasterNoDataValue(GDALGetRasterBand(src, 1), &has);
    if (has) p.nodata = v;
  }
  Level l0;
  l0.w = GDALGetRasterXSize(src);
  l0.h = GDALGetRasterYSize(src);
  p.levels.push_back(l0);
  if (o.overviews != Overviews::none) {
    while (p.levels.back().w > p.block || p.levels.back().h > p.block) {
      Level l;
      l.w = std::max(1, p.levels.back().w / 2);
      l.h = std::max(1, p.levels.back().h / 2);
      p.levels.push_back(l);
    }
  }
  std::uint64_t raw = 0;
  for (auto& l : p.levels) {
    l.tiles_x = (l.w + p.block - 1) / p.block;
    l.tiles_y = (l.h + p.block - 1) / p.block;
    raw += std::uint64_t(l.tiles()) * p.format.tile_bytes();
  }
  // Like GDAL's BIGTIFF=IF_SAFER (the default): BigTIFF when the file might pass 4 GiB
  // even uncompressed; --co BIGTIFF=YES|NO forces it (NO fails cleanly if 4 GiB is passed).
  const std::string bigtiff = bigtiff_option(o).value_or("IF_SAFER");
  p.big = bigtiff == "YES" || (bigtiff != "NO" && raw + raw / 64 + (64ULL << 20) > 0xFFFFFFFFULL);
  p.gdal = gdal_tags(src, p.bands, p.type, p.nodata, path);
  p.header_size = header_bytes(p).size();
  return p;
}

}  // namespace

void set_band_metadata(GDALRasterBandH target, char** md,
                       const std::vector<std::pair<std::string, std::string>>* stats) {
  CPLStringList list;
  for (char** p = md; p && *p; ++p)
    if (!stats || !STARTS_WITH_CI(*p, "STATISTICS_")) list.AddString(*p);
  if (stats)
    for (const auto& [key, value] : *stats) list.SetNameValue(key.c_str(), value.c_str());
  if (!list.empty()) GDALSetMetadata(target, list.List(), nullptr);
}

bool native_codec(Compression c) {
  return c == Compression::deflate || c == Compression::zstd || c == Compression::none;
}

std::string native_cog_unsupported(GDALDatasetH src, const CogOptions& o, const MemoryBudget& budget) {
  if (!native_codec(o.compress)) return std::string(to_name(o.compress)) + " compression";
  const auto bigtiff = bigtiff_option(o);
  if (!bigtiff || (*bigtiff != "YES" && *bigtiff != "NO" && *bigtiff != "IF_SAFER" && *bigtiff != "IF_NEEDED"))
    return "creation options other than BIGTIFF=YES|NO|IF_SAFER|IF_NEEDED";
  if (!overview_kernel(o.overview_resampling))
    return "overview resampling " + std::string(to_name(*o.overview_resampling));
  const int bands = GDALGetRasterCount(src);
  if (bands < 1) return "no bands";
  const GDALDataType type = GDALGetRasterDataType(GDALGetRasterBand(src, 1));
  switch (type) {
    case GDT_Byte: case GDT_UInt16: case GDT_Int16: case GDT_UInt32: case GDT_Int32: case GDT_Float32:
    case GDT_Float64: break;
    default: return std::string("data type ") + GDALGetDataTypeName(type);
  }
  if (o.predictor == Predictor::standard && GDALDataTypeIsFloating(type)) return "predictor 2 on floating-point data";
  for (int b = 1; b <= bands; ++b) {
    GDALRasterBandH h = GDALGetRasterBand(src, b);
    if (GDALGetRasterDataType(h) != type) return "bands of different data types";
    if (GDALGetRasterColorTable(h)) return "a colour table";
    const GDALColorInterp ci = GDALGetRasterColorInterpretation(h);
    if (ci != GCI_GrayIndex && ci != GCI_Undefined) return "colour interpretation " + std::string(GDALGetColorInterpretationName(ci));
    const int flags = GDALGetMaskFlags(h);
    if (flags & (GMF_PER_DATASET | GMF_ALPHA)) return "a mask or alpha band";
    if (!(flags & (GMF_ALL_VALID | GMF_NODATA))) return "a mask band";
  }
  if (bands > 1 && type == GDT_Byte && (bands == 3 || bands == 4)) return "3 or 4 byte bands (GDAL writes them as RGB)";
  // The pyramid pass holds about one full-resolution tile row in all levels, plus 16 rows.
  const std::uint64_t rows = (std::uint64_t(o.blocksize) + 16) * std::uint64_t(GDALGetRasterXSize(src)) * bands *
                             GDALGetDataTypeSizeBytes(type);
  if (rows > budget.work_memory()) return "a tile row wider than the work memory";
  return "";
}

bool write_cog_native(GDALDatasetH src, const std::string& path, const CogOptions& options, int threads,
                      const MemoryBudget& budget, const ProgressFn& progress, const RowObserver& observer,
                      const StatisticsFn& statistics) {
  GDALAllRegister();
  Plan plan = make_plan(src, options, path);
  std::vector<Level> levels = plan.levels;
  allow_parallelism(threads);
  tbb::task_arena arena(std::max(1, threads));
  arena.execute([&] {
    tbb::enumerable_thread_specific<Worker> workers([&] { return Worker(plan.format); });
    TileStore store(budget.work_memory() / 2, budget.tmpdir());
    // Progress: the pyramid pass reads the source once and encodes the overview tiles.
    const double full_pixels = double(levels[0].w) * levels[0].h;
    double ovr_pixels = 0;
    for (std::size_t k = 1; k < levels.size(); ++k) ovr_pixels += double(levels[k].w) * levels[k].h;
    const double ovr_share = (ovr_pixels + 0.1 * full_pixels * (levels.size() > 1)) / (full_pixels + ovr_pixels);
    if (levels.size() > 1) {
      const std::size_t row_bytes = std::size_t(levels[0].w) * plan.bands * plan.sample_size;
      const int chunk = int(std::clamp<std::uint64_t>(budget.work_memory() / 8 / row_bytes, 16, plan.block));
      Pyramid pyramid(plan, src, chunk, store, workers, path, progress, ovr_share, observer);
      pyramid.run();
    }
    // The statistics (known now, from the rows the pass read) go into the header before any
    // tile is placed: the tiles start where the header ends.
    if (statistics) {
      const BandMetadata stats = statistics(levels.size() > 1 && static_cast<bool>(observer));
      plan.gdal = gdal_tags(src, plan.bands, plan.type, plan.nodata, path, &stats);
      plan.header_size = header_bytes(plan).size();
    }
    OutputFile out(path);
    out.seek(plan.header_size);
    std::vector<std::uint8_t> buf;
    for (std::size_t k = levels.size(); k-- > 1;) {
      Level& l = levels[k];
      l.offsets.resize(l.tiles());
      l.counts.resize(l.tiles());
      for (int i = 0; i < l.tiles(); ++i) {
        const auto& blob = store.get(k, i, buf, path);
        l.counts[i] = blob.size() - 8;
        l.offsets[i] = out.append_tile(blob);
      }
    }
    // Full resolution: groups of tiles of a tile row, read in order (overlapping the encoding
    // of the groups before), encoded in parallel, appended in order.
    Level& l0 = levels[0];
    l0.offsets.resize(l0.tiles());
    l0.counts.resize(l0.tiles());
    const std::size_t px = std::size_t(plan.bands) * plan.sample_size;
    const std::size_t tokens = std::size_t(std::max(1, threads)) + 1;
    const std::size_t tile_col_bytes = std::size_t(plan.block) * plan.block * px;
    const int group = int(std::clamp<std::uint64_t>(budget.work_memory() / 2 / tokens / tile_col_bytes, 1,
                                                     std::uint64_t(l0.tiles_x)));
    const int groups_per_row = (l0.tiles_x + group - 1) / group;
    struct Unit {
      int ty = 0, tx0 = 0, tx1 = 0;
      RowBuffer rows;
      std::vector<std::vector<std::uint8_t>> blobs;
    };
    int next = 0;
    const int units = groups_per_row * l0.tiles_y;
    tbb::parallel_pipeline(
        tokens,
        tbb::make_filter<void, std::shared_ptr<Unit>>(
            tbb::filter_mode::serial_in_order,
            [&](tbb::flow_control& fc) -> std::shared_ptr<Unit> {
              if (next >= units) {
                fc.stop();
                return nullptr;
              }
              auto u = std::make_shared<Unit>();
              u->ty = next / groups_per_row;
              u->tx0 = (next % groups_per_row) * group;
              u->tx1 = std::min(l0.tiles_x, u->tx0 + group);
              ++next;
              const int x0 = u->tx0 * plan.block, x1 = std::min(l0.w, u->tx1 * plan.block);
              const int y0 = u->ty * plan.block, y1 = std::min(l0.h, y0 + plan.block);
              u->rows.row_bytes = std::size_t(x1 - x0) * px;
              u->rows.first = y0;
              u->rows.grow_to(y1);
              read_rows(src, plan, x0, x1 - x0, y0, y1, u->rows.row(y0), path);
              return u;
            }) &
            tbb::make_filter<std::shared_ptr<Unit>, std::shared_ptr<Unit>>(
                tbb::filter_mode::parallel,
                [&](std::shared_ptr<Unit> u) {
                  encode_tile_row(plan, l0, u->ty, u->rows, u->tx0 * plan.block, u->tx0, u->tx1, workers, u->blobs);
                  u->rows = RowBuffer{};
                  return u;
                }) &
            tbb::make_filter<std::shared_ptr<Unit>, void>(
                tbb::filter_mode::serial_in_order, [&](std::shared_ptr<Unit> u) {
                  for (int tx = u->tx0; tx < u->tx1; ++tx) {
                    const int i = u->ty * l0.tiles_x + tx;
                    const auto& blob = u->blobs[tx - u->tx0];
                    l0.counts[i] = blob.size() - 8;
                    l0.offsets[i] = out.append_tile(blob);
                  }
                  if (progress && u->tx1 == l0.tiles_x)
                    report_progress(progress, "write", ovr_share + (1.0 - ovr_share) * std::min(1.0, double((u->ty + 1) * plan.block) / l0.h));
                }));
    if (!plan.big && levels[0].offsets.back() + levels[0].counts.back() + 4 > 0xFFFFFFFFULL)
      throw error("write", path, "the COG passes 4 GiB: write it as BigTIFF (creation option BIGTIFF=YES)");
    Plan final_plan = plan;
    final_plan.levels = levels;
    const std::vector<std::uint8_t> header = header_bytes(final_plan);
    if (header.size() != plan.header_size)
      throw error("write", path, "internal error: the TIFF header changed size (" + std::to_string(plan.header_size) +
                                     " -> " + std::to_string(header.size()) + ")");
    out.write_at(0, header.data(), header.size());
    out.close();
  });
  return levels.size() > 1 && static_cast<bool>(observer);
}

}  // namespace cogkit::detail
