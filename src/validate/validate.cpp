// src/validate/validate.cpp — the COG layout check (step "validate"), no GDAL Python needed.
//
// validate_cog() runs the checks in the order GDAL's validate_cloud_optimized_geotiff.py
// does, one function per check; the messages are matched by tests and CLI users, so their
// texts must not change.
#include "cogkit/validate/validate.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <optional>
#include <set>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>

#include "cogkit/core/error.hpp"

namespace cogkit {
namespace {

class TiffReader {
 public:
  explicit TiffReader(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~TiffReader() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  bool read(std::uint64_t off, void* buf, std::size_t n) const {
    return ::pread(fd_, buf, n, static_cast<off_t>(off)) == static_cast<ssize_t>(n);
  }
  std::uint64_t u(const unsigned char* p, int n) const {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= std::uint64_t(p[little_ ? i : n - 1 - i]) << (8 * i);
    return v;
  }
  bool little_ = true, big_ = false;

 private:
  int fd_;
};

struct Ifd {
  std::uint64_t offset = 0;
  std::uint64_t width = 0, height = 0, subfile = 0;
  bool tiled = false;
  std::uint64_t block_w = 0, block_h = 0;
  std::vector<std::uint64_t> offsets, counts;
  bool is_mask() const { return subfile & 4; }
};

bool read_values(const TiffReader& t, std::uint16_t type, std::uint64_t count, const unsigned char* inline_value,
                 std::vector<std::uint64_t>& out) {
  int size = 0;
  switch (type) {
    case 3: size = 2; break;
    case 4: case 13: size = 4; break;
    case 16: case 18: size = 8; break;
    default: return false;
  }
  if (count > (1ULL << 32)) return false;
  const std::size_t bytes = std::size_t(size) * count;
  const std::size_t inline_cap = t.big_ ? 8 : 4;
  std::vector<unsigned char> buf(bytes);
  if (bytes <= inline_cap) {
    std::memcpy(buf.data(), inline_value, bytes);
  } else {
    const std::uint64_t off = t.u(inline_value, t.big_ ? 8 : 4);
    if (!t.read(off, buf.data(), bytes)) return false;
  }
  out.resize(count);
  for (std::uint64_t i = 0; i < count; ++i) out[i] = t.u(buf.data() + i * size, size);
  return true;
}

// ---- the file header and the ghost area

struct TiffHeader {
  std::uint64_t first_ifd = 0;
  std::uint64_t header_len = 8;  // 16 for BigTIFF: where the ghost area starts
};

// Sets the reader's byte order and TIFF flavour; nullopt (with the error) when the file is
// not a TIFF.
std::optional<TiffHeader> read_tiff_header(TiffReader& t, const std::string& path, CogValidation& r) {
  if (!t.ok()) {
    r.errors.push_back("cannot open " + path);
    return std::nullopt;
  }
  unsigned char hdr[16];
  if (!t.read(0, hdr, 8)) {
    r.errors.push_back("not a TIFF file (too short)");
    return std::nullopt;
  }
  if (hdr[0] == 'I' && hdr[1] == 'I') t.little_ = true;
  else if (hdr[0] == 'M' && hdr[1] == 'M') t.little_ = false;
  else {
    r.errors.push_back("not a TIFF file");
    return std::nullopt;
  }
  TiffHeader h;
  const auto magic = t.u(hdr + 2, 2);
  if (magic == 42) {
    h.first_ifd = t.u(hdr + 4, 4);
  } else if (magic == 43) {
    t.big_ = true;
    if (!t.read(0, hdr, 16)) {
      r.errors.push_back("truncated BigTIFF header");
      return std::nullopt;
    }
    h.first_ifd = t.u(hdr + 8, 8);
    h.header_len = 16;
  } else {
    r.errors.push_back("not a TIFF file");
    return std::nullopt;
  }
  return h;
}

// True (and an error) when the overviews are in an external .ovr file.
bool check_no_external_overviews(const std::string& path, CogValidation& r) {
  VSIStatBufL st;
  if (VSIStatL((path + ".ovr").c_str(), &st) != 0) return false;
  r.errors.push_back("overviews found in external .ovr file");
  return true;
}

// GDAL's structural metadata right after the TIFF header ("GDAL_STRUCTURAL_METADATA_SIZE=…").
struct GhostHeader {
  bool declared = false;  // the area starts with GDAL_STRUCTURAL_METADATA_SIZE=
  std::optional<std::uint64_t> ifd_after;  // where the main IFD belongs after the area (when its first line ends)
  std::map<std::string, std::string> items;

  bool says(const std::string& key, const char* value) const {
    const auto it = items.find(key);
    return it != items.end() && it->second == value;
  }
};

// KEY=VALUE lines of the ghost area's body.
void parse_ghost_items(const std::string& body, std::map<std::string, std::string>& items) {
  std::size_t pos = 0;
  while (pos < body.size()) {
    const auto end = body.find('\n', pos);
    const std::string item = body.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    const auto eq = item.find('=');
    if (eq != std::string::npos) items[item.substr(0, eq)] = item.substr(eq + 1);
    if (end == std::string::npos) break;
    pos = end + 1;
  }
}

GhostHeader read_ghost_header(const TiffReader& t, const TiffHeader& h) {
  GhostHeader g;
  char buf[1024] = {};
  t.read(h.header_len, buf, sizeof(buf) - 1);
  const char* key = "GDAL_STRUCTURAL_METADATA_SIZE=";
  if (std::strncmp(buf, key, std::strlen(key)) != 0) return g;
  g.declared = true;
  const std::size_t size = std::strtoul(buf + std::strlen(key), nullptr, 10);
  const char* nl = std::strchr(buf, '\n');
  if (!nl) return g;
  const std::size_t line = static_cast<std::size_t>(nl - buf) + 1;
  parse_ghost_items(std::string(nl + 1, std::min<std::size_t>(size, sizeof(buf) - 1 - line)), g.items);
  std::uint64_t expected = h.header_len + line + size;
  if (expected % 2) ++expected;
  g.ifd_after = expected;
  return g;
}

// The main IFD comes right after the header, or right after the ghost area.
void check_main_ifd_offset(const TiffHeader& h, const GhostHeader& g, CogValidation& r) {
  if (!g.declared) {
    if (h.first_ifd != h.header_len)
      r.errors.push_back("the offset of the main IFD should be " + std::to_string(h.header_len) + ", it is " +
                         std::to_string(h.first_ifd) + " instead");
  } else if (g.ifd_after && h.first_ifd != h.header_len && h.first_ifd != *g.ifd_after) {
    r.errors.push_back("the offset of the main IFD should be " + std::to_string(*g.ifd_after) + ", it is " +
                       std::to_string(h.first_ifd) + " instead");
  }
}

void check_ghost_items(const GhostHeader& g, CogValidation& r) {
  if (g.says("KNOWN_INCOMPATIBLE_EDITION", "YES"))
    r.errors.push_back("KNOWN_INCOMPATIBLE_EDITION=YES: the file was modified after it was written as a COG");
  if (g.items.empty()) r.warnings.push_back("no GDAL ghost header (structural metadata)");
}

// ---- the IFD chain

bool is_layout_tag(std::uint16_t tag) {
  return tag == 254 || tag == 256 || tag == 257 || tag == 278 || (tag >= 322 && tag <= 325) || tag == 273 ||
         tag == 279;
}

// The layout tags of one IFD's entries; strips become blocks of full width.
void parse_ifd_entries(const TiffReader& t, const unsigned char* entries, std::uint64_t n, int entry_size, Ifd& ifd) {
  std::vector<std::uint64_t> strip_offsets, strip_counts;
  std::uint64_t rows_per_strip = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    const unsigned char* e = entries + i * entry_size;
    const auto tag = static_cast<std::uint16_t>(t.u(e, 2));
    const auto type = static_cast<std::uint16_t>(t.u(e + 2, 2));
    const std::uint64_t count = t.u(e + 4, t.big_ ? 8 : 4);
    const unsigned char* val = e + (t.big_ ? 12 : 8);
    std::vector<std::uint64_t> v;
    if (!is_layout_tag(tag)) continue;
    if (!read_values(t, type, count, val, v) || v.empty()) continue;
    switch (tag) {
      case 254: ifd.subfile = v[0]; break;
      case 256: ifd.width = v[0]; break;
      case 257: ifd.height = v[0]; break;
      case 278: rows_per_strip = v[0]; break;
      case 322: ifd.block_w = v[0]; ifd.tiled = true; break;
      case 323: ifd.block_h = v[0]; break;
      case 324: ifd.offsets = std::move(v); break;
      case 325: ifd.counts = std::move(v); break;
      case 273: strip_offsets = std::move(v); break;
      case 279: strip_counts = std::move(v); break;
      default: break;
    }
  }
  if (!ifd.tiled) {
    ifd.offsets = std::move(strip_offsets);
    ifd.counts = std::move(strip_counts);
    ifd.block_w = ifd.width;
    ifd.block_h = rows_per_strip ? std::min(rows_per_strip, ifd.height) : ifd.height;
  }
}

// Reads the IFD at `off` and the offset of the next one; false when it is truncated.
bool read_ifd(const TiffReader& t, std::uint64_t off, Ifd& ifd, std::uint64_t& next) {
  ifd.offset = off;
  unsigned char cnt[8];
  const int count_size = t.big_ ? 8 : 2, entry_size = t.big_ ? 20 : 12, next_size = t.big_ ? 8 : 4;
  if (!t.read(off, cnt, count_size)) return false;
  const std::uint64_t n = t.u(cnt, count_size);
  if (n > 10000) return false;  // checked before allocating: a corrupt count could be anything up to 2^64
  std::vector<unsigned char> entries(n * entry_size + next_size);
  if (!t.read(off + count_size, entries.data(), entries.size())) return false;
  parse_ifd_entries(t, entries.data(), n, entry_size, ifd);
  unsigned char nx[8];
  std::memcpy(nx, entries.data() + n * entry_size, next_size);
  next = t.u(nx, next_size);
  return true;
}

std::vector<Ifd> read_ifd_chain(const TiffReader& t, std::uint64_t first_ifd, CogValidation& r) {
  std::vector<Ifd> ifds;
  std::set<std::uint64_t> seen;
  for (std::uint64_t off = first_ifd; off != 0;) {
    if (seen.count(off) || ifds.size() > 1000) {
      r.errors.push_back("IFD chain loops");
      break;
    }
    seen.insert(off);
    Ifd ifd;
    std::uint64_t next = 0;
    if (!read_ifd(t, off, ifd, next)) {
      r.errors.push_back("truncated IFD at offset " + std::to_string(off));
      break;
    }
    ifds.push_back(std::move(ifd));
    off = next;
  }
  return ifds;
}

// ---- the levels: full resolution, then overviews, in IFD order

struct Levels {
  std::vector<const Ifd*> images, masks;
};

Levels split_levels(const std::vector<Ifd>& ifds) {
  Levels l;
  for (const auto& i : ifds) (i.is_mask() ? l.masks : l.images).push_back(&i);
  return l;
}

std::string level_name(std::size_t k) {
  return k == 0 ? "the main resolution image" : "overview " + std::to_string(k - 1);
}

// Files above 512x512 need blocks a reader can fetch one at a time. As in GDAL's
// validate_cloud_optimized_geotiff.py, only a level whose blocks span a whole row wider than
// 1024 pixels is refused: strips at most 1024 pixels wide are blocks like tiles (a 640x512
// strip-organised GeoTIFF is valid for both; docs/gdal-differences.md).
void check_tiling(const Ifd& main, const Ifd& i, const std::string& what, CogValidation& r) {
  if (main.width > 512 || main.height > 512) {
    if (i.block_w == i.width && i.width > 1024)
      r.errors.push_back(what + (i.tiled ? " is striped (one block per row)" : " is not tiled"));
  }
}

// Overviews decrease in size and their IFDs follow the main one's. Overviews in an external
// .ovr (already an error) are overviews: no "no overviews" warning then, as in GDAL's script.
void check_overviews(const std::vector<const Ifd*>& images, bool external_ovr, CogValidation& r) {
  const Ifd& main = *images.front();
  check_tiling(main, main, "the main resolution image", r);
  if ((main.width > 512 || main.height > 512) && images.size() == 1 && !external_ovr)
    r.warnings.push_back("the file is larger than 512x512 but has no overviews");
  for (std::size_t k = 1; k < images.size(); ++k) {
    const Ifd& prev = *images[k - 1];
    const Ifd& cur = *images[k];
    const std::string name = "overview " + std::to_string(k - 1);
    if (cur.width > prev.width || cur.height > prev.height)
      r.errors.push_back(name + " is larger than the level before it");
    if (cur.offset <= prev.offset)
      r.errors.push_back("the IFD of " + name + " is not after the IFD of the level before it");
    check_tiling(main, cur, name, r);
  }
}

// Offset of the level's first stored block, 0 when it has none.
std::uint64_t first_data(const Ifd& i) {
  for (std::size_t k = 0; k < i.offsets.size(); ++k)
    if (i.offsets[k] != 0 && (k >= i.counts.size() || i.counts[k] != 0)) return i.offsets[k];
  return 0;
}

// Data: smallest overview first, full resolution last, all after the IFDs. Sets header_size.
void check_data_order(const std::vector<Ifd>& ifds, const std::vector<const Ifd*>& images, CogValidation& r) {
  std::uint64_t last_ifd = 0;
  for (const auto& i : ifds) last_ifd = std::max(last_ifd, i.offset);
  std::uint64_t prev_first = 0;
  for (std::size_t k = images.size(); k-- > 0;) {
    const std::uint64_t fd = first_data(*images[k]);
    if (fd == 0) continue;
    const std::string name = level_name(k);
    if (fd < last_ifd) r.errors.push_back("the first tile of " + name + " is before the last IFD");
    if (prev_first && fd < prev_first)
      r.errors.push_back("the tiles of " + name + " are not after those of the smaller level");
    prev_first = fd;
    r.header_size = r.header_size ? std::min(r.header_size, fd) : fd;
  }
}

// ---- the blocks (full check): what the ghost header promises about them

struct BlockLayout {
  bool row_major = false;         // BLOCK_ORDER=ROW_MAJOR
  bool leader = false;            // BLOCK_LEADER=SIZE_AS_UINT4: the block's size in the 4 bytes before it
  bool trailer = false;           // BLOCK_TRAILER=LAST_4_BYTES_REPEATED
  bool mask_interleaved = false;  // MASK_INTERLEAVED_WITH_IMAGERY=YES: each mask block right after its block

  explicit BlockLayout(const GhostHeader& g)
      : row_major(g.says("BLOCK_ORDER", "ROW_MAJOR")),
        leader(g.says("BLOCK_LEADER", "SIZE_AS_UINT4")),
        trailer(g.says("BLOCK_TRAILER", "LAST_4_BYTES_REPEATED")),
        mask_interleaved(g.says("MASK_INTERLEAVED_WITH_IMAGERY", "YES")) {}
};

// Block order, leaders and trailers of one level; reports at most 5 bad blocks.
void check_blocks(const TiffReader& t, const BlockLayout& layout, const Ifd& i, const std::string& name,
                  CogValidation& r) {
  std::uint64_t last = 0;
  int reported = 0;
  for (std::size_t k = 0; k < i.offsets.size() && reported < 5; ++k) {
    const std::uint64_t off = i.offsets[k], cnt = k < i.counts.size() ? i.counts[k] : 0;
    if (off == 0 || cnt == 0) continue;
    if (layout.row_major && off < last) {
      r.errors.push_back(name + ": block " + std::to_string(k) + " is not in row-major order");
      ++reported;
    }
    last = off;
    if (layout.leader && off >= 4) {
      unsigned char b[4];
      if (!t.read(off - 4, b, 4) || t.u(b, 4) != cnt) {
        r.errors.push_back(name + ": block " + std::to_string(k) + " has a wrong size leader");
        ++reported;
      }
    }
    if (layout.trailer && cnt >= 4) {
      unsigned char b[8];
      if (!t.read(off + cnt - 4, b, 8) || std::memcmp(b, b + 4, 4) != 0) {
        r.errors.push_back(name + ": block " + std::to_string(k) + " has a wrong trailer");
        ++reported;
      }
    }
  }
}

// Each mask block directly follows its imagery block (and that block's leader/trailer).
void check_interleaved_masks(const Levels& l, const BlockLayout& layout, CogValidation& r) {
  const std::uint64_t extra = (layout.leader ? 4 : 0) + (layout.trailer ? 4 : 0);
  for (std::size_t k = 0; k < l.images.size(); ++k) {
    const Ifd& im = *l.images[k];
    const Ifd& mk = *l.masks[k];
    for (std::size_t b = 0; b < std::min(im.offsets.size(), mk.offsets.size()); ++b) {
      if (im.offsets[b] == 0 || mk.offsets[b] == 0) continue;
      if (mk.offsets[b] != im.offsets[b] + im.counts[b] + extra) {
        r.errors.push_back("mask block " + std::to_string(b) + " of level " + std::to_string(k) +
                           " is not right after its imagery block");
        break;
      }
    }
  }
}

void check_all_blocks(const TiffReader& t, const GhostHeader& g, const Levels& l, CogValidation& r) {
  const BlockLayout layout(g);
  for (std::size_t k = 0; k < l.images.size(); ++k)
    check_blocks(t, layout, *l.images[k], k == 0 ? "main resolution image" : "overview " + std::to_string(k - 1), r);
  for (std::size_t k = 0; k < l.masks.size(); ++k) check_blocks(t, layout, *l.masks[k], "mask " + std::to_string(k), r);
  if (layout.mask_interleaved && l.masks.size() == l.images.size()) check_interleaved_masks(l, layout, r);
}

}  // namespace

CogValidation validate_cog(const std::string& path, bool full_check) {
  CogValidation r;
  TiffReader t(path);
  const std::optional<TiffHeader> header = read_tiff_header(t, path, r);
  if (!header) return r;
  const bool external_ovr = check_no_external_overviews(path, r);
  const GhostHeader ghost = read_ghost_header(t, *header);
  check_main_ifd_offset(*header, ghost, r);
  check_ghost_items(ghost, r);

  const std::vector<Ifd> ifds = read_ifd_chain(t, header->first_ifd, r);
  if (ifds.empty()) {
    r.errors.push_back("no image in the file");
    return r;
  }
  const Levels levels = split_levels(ifds);
  check_overviews(levels.images, external_ovr, r);
  check_data_order(ifds, levels.images, r);
  if (full_check) check_all_blocks(t, ghost, levels, r);
  r.valid = r.errors.empty();
  return r;
}

}  // namespace cogkit
