// XYZ reader: mmap + parallel chunk parsing (TBB, fast_float), grid inference in any
// point order, binning of scattered points, staging within the memory budget.
#include "cogkit/read/xyz.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <limits>
#include <memory>
#include <mutex>
#include <sstream>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <fast_float/fast_float.h>
#include <ogr_srs_api.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "cogkit/core/error.hpp"
#include "cogkit/core/gdal_handle.hpp"
#include "cogkit/core/threads.hpp"
#include "read/crs.hpp"
#include "read/xyz/grid.hpp"
#include "core/text.hpp"

namespace cogkit {
namespace {

using detail::AxisFit;
using detail::ZStats;

constexpr const char* kStep = "read";
constexpr double kDefaultNodata = -9999;
// Refused before allocating: a side longer than this, or more cells than kMaxCells.
constexpr std::int64_t kMaxSide = 1 << 24;
constexpr double kMaxCells = 1ULL << 36;
// Unique coordinates kept per axis before the points are declared scattered.
constexpr std::size_t kMaxUnique = 1 << 22;

std::string num(double v) {
  std::ostringstream s;
  s.precision(10);
  s << v;
  return s.str();
}

using detail::lower;

// ---------------------------------------------------------------------------
// The file, mapped read-only.
class MappedFile {
 public:
  MappedFile(const std::string& path, bool populate) : path_(path) {
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
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw error(kStep, path, std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd_);
      throw error(kStep, path, "not a regular file");
    }
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ > 0) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | (populate ? MAP_POPULATE : 0), fd_, 0);
      if (p == MAP_FAILED) {
        ::close(fd_);
        throw error(kStep, path, std::string("cannot map: ") + std::strerror(errno));
      }
      data_ = static_cast<const char*>(p);
      ::madvise(p, size_, MADV_SEQUENTIAL);
    }
  }
  ~MappedFile() {
    if (data_ && fd_ >= 0) ::munmap(const_cast<char*>(data_), size_);
    if (fd_ >= 0) ::close(fd_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  const char* data() const { return data_; }
  // Drops the pages of [begin, end) from this process (they stay in the page cache):
  // keeps the resident set within the budget while a large file is streamed.
  void release(std::size_t begin, std::size_t end) const {
    if (fd_ < 0) return;
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t b = (begin + page - 1) / page * page, e = end / page * page;
    if (e > b) ::madvise(const_cast<char*>(data_) + b, e - b, MADV_DONTNEED);
  }
  std::size_t size() const { return size_; }
  // 1-based line number of byte `offset`.
  std::size_t line_of(std::size_t offset) const {
    return 1 + static_cast<std::size_t>(std::count(data_, data_ + std::min(offset, size_), '\n'));
  }
  std::string where(std::size_t offset) const { return path_ + ":" + std::to_string(line_of(offset)); }

 private:
  std::string path_;
  std::string buffer_;  // /vsi paths
  int fd_ = -1;
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_comment(char c) { return c == '#' || c == '/' || c == '%' || c == '!'; }

// ---------------------------------------------------------------------------
// Format: separator, decimal mark, columns.
struct Format {
  char sep = ' ';      // ' ' = runs of blanks, else this character
  char decimal = '.';
  int ncols = 0;       // fields per data line
  int ca = 0, cb = 1;  // the two coordinate columns, ca < cb or as given
  int cz = 2;
  // Axis order: known (x is ca) or decided after the scan.
  std::optional<bool> a_is_x;
  std::string order_why;    // why the axis order is known
  std::string columns_why;  // how the columns were chosen
  std::size_t data_start = 0;
  std::vector<std::string> header;
  std::size_t header_line = 0;
};

// Splits a line into fields. Returns false when fields run out.
struct FieldReader {
  const char* p;
  const char* e;
  char sep;
  bool next(const char*& fb, const char*& fe) {
    if (sep == ' ') {
      while (p < e && is_blank(*p)) ++p;
      if (p >= e) return false;
      fb = p;
      while (p < e && !is_blank(*p)) ++p;
      fe = p;
      return true;
    }
    if (p > e) return false;
    while (p < e && is_blank(*p)) ++p;
    fb = p;
    while (p < e && *p != sep) ++p;
    fe = p;
    while (fe > fb && is_blank(fe[-1])) --fe;
    if (p < e) {
      ++p;  // the separator
    } else {
      p = e + 1;  // no more fields after this one
    }
    return true;
  }
};

bool parse_number(const char* b, const char* e, char decimal, double& v) {
  if (e - b >= 2 && *b == '"' && e[-1] == '"') ++b, --e;  // "1.5" in quoted CSV
  if (b < e && *b == '+') ++b;
  if (b >= e) return false;
  const fast_float::parse_options opts{fast_float::chars_format::general, decimal};
  const auto r = fast_float::from_chars_advanced(b, e, v, opts);
  return r.ec == std::errc() && r.ptr == e;
}

std::vector<std::string> split_tokens(std::string_view line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char c : line) {
    if (c == '"' || c == '\'') {
      quoted = !quoted;
      continue;
    }
    if (!quoted && (is_blank(c) || c == ';' || c == ',')) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

bool line_is_numeric(std::string_view line) {
  const auto toks = split_tokens(line);
  if (toks.empty()) return false;
  for (const auto& t : toks) {
    double v;
    if (!parse_number(t.data(), t.data() + t.size(), '.', v)) return false;
  }
  return true;
}

std::string_view line_at(const char* data, std::size_t size, std::size_t pos, std::size_t& next) {
  const char* b = data + pos;
  const char* nl = static_cast<const char*>(std::memchr(b, '\n', size - pos));
  const char* e = nl ? nl : data + size;
  next = nl ? static_cast<std::size_t>(nl - data) + 1 : size;
  if (e > b && e[-1] == '\r') --e;
  return {b, static_cast<std::size_t>(e - b)};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_blank(s.front()) || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (is_blank(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

int count_fields(std::string_view line, char sep) {
  FieldReader r{line.data(), line.data() + line.size(), sep};
  const char *b, *e;
  int n = 0;
  while (r.next(b, e)) ++n;
  return n;
}

// Decides the separator and decimal mark from the first data line.
void detect_separator(std::string_view line, const std::string& forced, Format& f) {
  const std::string s = lower(forced);
  if (s == "space" || s == "whitespace" || s == " ") f.sep = ' ';
  else if (s == "tab" || s == "\\t" || s == "\t") f.sep = ' ';  // blanks include tabs
  else if (s == ";" || s == "semicolon") f.sep = ';';
  else if (s == "," || s == "comma") f.sep = ',';
  else if (!s.empty()) throw error("options", "", "XyzOptions::separator must be space, tab, ';' or ',', got '" + forced + "'");
  else if (line.find(';') != std::string_view::npos) f.sep = ';';
  else if (line.find(',') != std::string_view::npos) {
    // "1,5 2,5 3" is a decimal comma; "0,1,100" and "1, 2, 3" are comma separated.
    FieldReader r{line.data(), line.data() + line.size(), ','};
    const char *b, *e;
    bool all = true;
    int n = 0;
    while (r.next(b, e)) {
      double v;
      all = all && parse_number(b, e, '.', v);
      ++n;
    }
    f.sep = (all && n >= 3) ? ',' : ' ';
  } else {
    f.sep = ' ';
  }
  f.decimal = (f.sep != ',' && line.find(',') != std::string_view::npos) ? ',' : '.';
}

enum class Role { none, x, y, z };

Role role_of(std::string name) {
  name = lower(name);
  auto starts = [&](const char* p) { return name.rfind(p, 0) == 0; };
  if (name == "x" || name == "e" || starts("lon") || starts("east") || starts("ost") || starts("lng") || starts("lambda") ||
      starts("laenge") || starts("länge") || starts("rechts") || starts("xcoord") || name == "λ")
    return Role::x;
  if (name == "y" || starts("lat") || starts("north") || starts("nord") || starts("phi") || starts("breite") ||
      starts("hoch") || starts("ycoord") || name == "φ")
    return Role::y;
  if (name == "z" || name == "h" || starts("alt") || starts("height") || starts("elev") || starts("hoehe") ||
      starts("höhe") || starts("undul") || starts("geoid") || starts("depth") || starts("value") || starts("dem") ||
      starts("zcoord"))
    return Role::z;
  return Role::none;
}

// Resolves --columns against the header.
void resolve_columns(const std::string& spec_in, Format& f) {
  const std::string spec = lower(spec_in);
  auto check = [&](int c) {
    if (c < 0 || c >= f.ncols)
      throw error("options", "", "XyzOptions::columns '" + spec_in + "': column " + std::to_string(c + 1) + " does not exist (the data lines have " +
                                     std::to_string(f.ncols) + " fields)");
  };
  if (spec.empty() || spec == "auto") {
    // Header names first.
    int x = -1, y = -1, z = -1;
    for (std::size_t i = 0; i < f.header.size() && int(i) < f.ncols; ++i) {
      const Role r = role_of(f.header[i]);
      if (r == Role::x && x < 0) x = int(i);
      else if (r == Role::y && y < 0) y = int(i);
      else if (r == Role::z && z < 0) z = int(i);
    }
    if (x >= 0 && y >= 0) {
      if (z < 0)
        for (int i = 0; i < f.ncols; ++i)
          if (i != x && i != y) {
            z = i;
            break;
          }
      if (z < 0) throw error(kStep, "", "the header names X and Y but there is no third column for Z");
      f.ca = x;
      f.cb = y;
      f.cz = z;
      f.a_is_x = true;
      f.order_why = "header names: X = '" + f.header[x] + "', Y = '" + f.header[y] + "'";
      f.columns_why = "header line " + std::to_string(f.header_line) + " names X = column " + std::to_string(x + 1) +
                      " ('" + f.header[x] + "'), Y = column " + std::to_string(y + 1) + " ('" + f.header[y] +
                      "'), Z = column " + std::to_string(z + 1) + " ('" + (z < int(f.header.size()) ? f.header[z] : "") + "')";
      return;
    }
    if (f.ncols < 3) throw error(kStep, "", "XYZ data needs at least 3 columns, the first data line has " + std::to_string(f.ncols));
    f.ca = 0;
    f.cb = 1;
    f.cz = 2;
    f.columns_why = f.header.empty() ? "no header: columns 1, 2, 3 are the two coordinates and Z"
                                     : "header line " + std::to_string(f.header_line) +
                                           " does not name the X/Y columns: columns 1, 2, 3 are the two coordinates and Z";
    return;
  }
  if (spec == "x,y,z" || spec == "xyz" || spec == "y,x,z" || spec == "yxz") {
    if (f.ncols < 3) throw error(kStep, "", "XYZ data needs at least 3 columns, the first data line has " + std::to_string(f.ncols));
    f.ca = 0;
    f.cb = 1;
    f.cz = 2;
    f.a_is_x = spec[0] == 'x';
    f.order_why = "--columns " + spec_in;
    f.columns_why = "--columns " + spec_in + ": columns 1, 2, 3";
    return;
  }
  std::vector<std::string> parts;
  {
    std::stringstream ss(spec_in);
    std::string item;
    while (std::getline(ss, item, ',')) parts.push_back(std::string(trim(item)));
  }
  if (parts.size() != 3)
    throw error("options", "", "XyzOptions::columns expects auto, x,y,z, y,x,z or three column names/indices (X,Y,Z), got '" + spec_in + "'");
  std::array<int, 3> idx{};
  for (int k = 0; k < 3; ++k) {
    const auto& p = parts[k];
    char* end = nullptr;
    const long v = std::strtol(p.c_str(), &end, 10);
    if (!p.empty() && end && *end == '\0') {
      idx[k] = int(v) - 1;
    } else {
      idx[k] = -1;
      for (std::size_t i = 0; i < f.header.size(); ++i)
        if (lower(f.header[i]) == lower(p)) {
          idx[k] = int(i);
          break;
        }
      if (idx[k] < 0)
        throw error("options", "", "XyzOptions::columns: no column named '" + p + "' in the header" +
                                       (f.header.empty() ? std::string(" (the file has no header line)") : std::string()));
    }
    check(idx[k]);
  }
  if (idx[0] == idx[1] || idx[0] == idx[2] || idx[1] == idx[2])
    throw error("options", "", "XyzOptions::columns '" + spec_in + "' uses a column twice");
  f.ca = idx[0];
  f.cb = idx[1];
  f.cz = idx[2];
  f.a_is_x = true;
  f.order_why = "--columns " + spec_in;
  f.columns_why = "--columns " + spec_in + ": X = column " + std::to_string(idx[0] + 1) + ", Y = column " +
                  std::to_string(idx[1] + 1) + ", Z = column " + std::to_string(idx[2] + 1);
}

// Reads comment/header lines and the first data line.
Format sniff(const MappedFile& file, const XyzOptions& o) {
  Format f;
  const char* d = file.data();
  const std::size_t n = file.size();
  std::size_t pos = 0;
  if (n >= 3 && std::memcmp(d, "\xEF\xBB\xBF", 3) == 0) pos = 3;
  std::string last_header;
  while (pos < n) {
    std::size_t next;
    const std::string_view raw = line_at(d, n, pos, next);
    const std::string_view line = trim(raw);
    if (line.empty() || is_comment(line.front())) {
      pos = next;
      continue;
    }
    if (!line_is_numeric(line)) {
      // Header line (the last one before the data names the columns).
      if (line.find('\0') != std::string_view::npos) throw error(kStep, file.where(pos), "binary data, not an XYZ text file");
      last_header = std::string(line);
      f.header_line = file.line_of(pos);
      pos = next;
      continue;
    }
    f.data_start = pos;
    detect_separator(line, o.separator, f);
    f.ncols = count_fields(line, f.sep);
    if (!last_header.empty()) f.header = split_tokens(last_header);
    resolve_columns(o.columns, f);
    if (f.ncols < 3)
      throw error(kStep, file.where(pos), "XYZ data needs at least 3 columns, this line has " + std::to_string(f.ncols));
    return f;
  }
  throw error(kStep, file.where(n ? n - 1 : 0), "no data lines (only comments or header lines)");
}

// ---------------------------------------------------------------------------
// Parsing.
struct Point {
  double a, b, z;
};

struct ParseError {
  std::size_t offset = std::numeric_limits<std::size_t>::max();
  std::string message;
};

// Parses the data lines in [begin, end) (line-aligned offsets), calling sink(a, b, z, line_offset)
// for every point (z may be NaN: a missing value). Returns false on the first error.
template <class Sink>
bool parse_range(const char* data, std::size_t begin, std::size_t end, const Format& f, ParseError& err, Sink&& sink) {
  const int need = std::max({f.ca, f.cb, f.cz});
  std::size_t pos = begin;
  while (pos < end) {
    const char* lb = data + pos;
    const char* nl = static_cast<const char*>(std::memchr(lb, '\n', end - pos));
    const char* le = nl ? nl : data + end;
    const std::size_t line_off = pos;
    pos = nl ? static_cast<std::size_t>(nl - data) + 1 : end;
    if (le > lb && le[-1] == '\r') --le;
    const char* p = lb;
    while (p < le && is_blank(*p)) ++p;
    if (p == le || is_comment(*p)) continue;
    FieldReader r{p, le, f.sep};
    const char *fb, *fe;
    double va = 0, vb = 0, vz = 0;
    const char *zb = nullptr, *ze = nullptr;
    int col = 0;
    while (r.next(fb, fe)) {
      if (col <= need && (col == f.ca || col == f.cb || col == f.cz)) {
        double v;
        if (col == f.cz && fb == fe) {
          v = NAN;  // an empty Z is a missing point
        } else if (!parse_number(fb, fe, f.decimal, v)) {
          err.offset = line_off;
          err.message = fb == fe ? "empty value in column " + std::to_string(col + 1)
                                 : "non-numeric value '" + std::string(fb, std::min<std::size_t>(fe - fb, 40)) +
                                       "' in column " + std::to_string(col + 1);
          return false;
        }
        if (col == f.ca) {
          va = v;
        } else if (col == f.cb) {
          vb = v;
        } else {
          vz = v;
          zb = fb;
          ze = fe;
          if (std::isinf(v)) {
            err.offset = line_off;
            err.message = "infinite Z value '" + std::string(fb, fe) + "'";
            return false;
          }
        }
      }
      ++col;
    }
    if (col != f.ncols) {
      err.offset = line_off;
      err.message = "wrong column count: " + std::to_string(col) + " fields, expected " + std::to_string(f.ncols) +
                    " (as on the first data line)";
      return false;
    }
    if (!std::isfinite(va) || !std::isfinite(vb)) {
      err.offset = line_off;
      err.message = "coordinate is not a finite number (NaN or infinity)";
      return false;
    }
    sink(va, vb, vz, line_off, zb, ze);
  }
  return true;
}

// Distinct coordinate values (open addressing on the bit pattern).
class UniqueSet {
 public:
  UniqueSet() : slots_(1024, kEmpty), mask_(1023), shift_(54) {}
  // Returns false when the set would exceed `cap` values.
  bool insert(double v, std::size_t cap) {
    if (v == 0) v = 0;  // -0 and +0 are the same coordinate
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    if (bits == kEmpty) {
      has_empty_value_ = true;
      return true;
    }
    std::size_t i = slot(bits);
    while (slots_[i] != kEmpty) {
      if (slots_[i] == bits) return true;
      i = (i + 1) & mask_;
    }
    slots_[i] = bits;
    if (++count_ * 2 > slots_.size()) {
      if (count_ > cap) return false;
      grow();
    }
    return true;
  }
  std::vector<double> sorted_values() const {
    std::vector<double> out;
    out.reserve(count_ + 1);
    for (std::uint64_t b : slots_)
      if (b != kEmpty) {
        double v;
        std::memcpy(&v, &b, sizeof v);
        out.push_back(v);
      }
    if (has_empty_value_) {
      double v;
      std::memcpy(&v, &kEmpty, sizeof v);
      out.push_back(v);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  void clear() {
    std::vector<std::uint64_t>(1024, kEmpty).swap(slots_);
    mask_ = 1023;
    shift_ = 54;
    count_ = 0;
  }

 private:
  static constexpr std::uint64_t kEmpty = 0x7FF8DEADBEEF0001ULL;  // a NaN payload never produced by parsing
  void grow() {
    std::vector<std::uint64_t> old(slots_.size() * 2, kEmpty);
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    --shift_;
    for (std::uint64_t b : old)
      if (b != kEmpty) {
        std::size_t i = slot(b);
        while (slots_[i] != kEmpty) i = (i + 1) & mask_;
        slots_[i] = b;
      }
  }
  std::vector<std::uint64_t> slots_;
  // Fibonacci hashing: the high bits of the product (low mantissa bits of round
  // coordinates are all zero).
  std::size_t slot(std::uint64_t bits) const {
    return static_cast<std::size_t>((bits * 0x9E3779B97F4A7C15ULL) >> shift_) & mask_;
  }
  std::size_t mask_;
  int shift_;
  std::size_t count_ = 0;
  bool has_empty_value_ = false;
};

// Per-chunk results of the scan pass.
struct Chunk {
  std::size_t begin = 0, end = 0;
  std::size_t points = 0, nan_z = 0;
  double amin = INFINITY, amax = -INFINITY, bmin = INFINITY, bmax = -INFINITY;
  std::array<std::size_t, 4> extreme_off{};  // amin, amax, bmin, bmax lines
  ZStats z;
  UniqueSet sa, sb;
  std::vector<double> ua, ub;
  bool overflow = false;
  std::size_t a_changes = 0, b_changes = 0;
  double first_a = NAN, first_b = NAN, last_a = NAN, last_b = NAN;
  std::vector<Point> pts;
  ParseError err;
};

std::vector<Chunk> make_chunks(const MappedFile& file, std::size_t start, int threads, std::size_t max_chunk) {
  const std::size_t n = file.size();
  const std::size_t len = n - start;
  std::size_t target = std::clamp<std::size_t>(len / (std::size_t(threads) * 8 + 1), 1 << 20, max_chunk);
  std::vector<Chunk> chunks;
  std::size_t pos = start;
  while (pos < n) {
    std::size_t e = std::min(n, pos + target);
    if (e < n) {
      const char* nl = static_cast<const char*>(std::memchr(file.data() + e, '\n', n - e));
      e = nl ? static_cast<std::size_t>(nl - file.data()) + 1 : n;
    }
    Chunk c;
    c.begin = pos;
    c.end = e;
    chunks.push_back(std::move(c));
    pos = e;
  }
  return chunks;
}

void merge_unique(std::vector<double>& into, std::vector<double>& part) {
  if (into.empty()) {
    into.swap(part);
    return;
  }
  std::vector<double> out;
  out.reserve(into.size() + part.size());
  std::merge(into.begin(), into.end(), part.begin(), part.end(), std::back_inserter(out));
  out.erase(std::unique(out.begin(), out.end()), out.end());
  into.swap(out);
  std::vector<double>().swap(part);
}

// ---------------------------------------------------------------------------
// CRS and axis order.
// The user's CRS, else a .prj beside the file (name.prj or name.xyz.prj); read_xyz reports the
// resolver's warnings (an unparsable .prj: no CRS).
detail::ResolvedSrs load_srs(const std::string& path, const std::string& a_srs) {
  detail::SrsInput in;
  in.path = path;
  in.user_crs = a_srs;
  in.option = "XyzOptions::a_srs";
  return detail::resolve_srs(in);
}

// Area of use of the CRS in its own (traditional GIS order) coordinates.
std::optional<std::array<double, 4>> area_in_crs(OGRSpatialReferenceH srs, std::string& name) {
  double w, s, e, n;
  const char* area_name = nullptr;
  if (!OSRGetAreaOfUse(srs, &w, &s, &e, &n, &area_name)) return std::nullopt;
  if (area_name) name = area_name;
  if (w > e) return std::nullopt;  // crosses the antimeridian: not used
  if (OSRIsGeographic(srs)) return std::array<double, 4>{w, s, e, n};
  SrsHandle ll(OSRNewSpatialReference(nullptr));
  auto llh = ll.get();
  OSRSetWellKnownGeogCS(llh, "WGS84");
  OSRSetAxisMappingStrategy(llh, OAMS_TRADITIONAL_GIS_ORDER);
  TransformHandle ct(OCTNewCoordinateTransformation(llh, srs));
  if (!ct) return std::nullopt;
  std::vector<double> xs, ys;
  constexpr int k = 21;
  for (int i = 0; i < k; ++i)
    for (int j = 0; j < k; ++j) {
      xs.push_back(w + (e - w) * i / (k - 1));
      ys.push_back(s + (n - s) * j / (k - 1));
    }
  std::vector<int> ok(xs.size());
  OCTTransformEx(ct.get(), int(xs.size()), xs.data(), ys.data(), nullptr,
                 ok.data());
  std::array<double, 4> b{INFINITY, INFINITY, -INFINITY, -INFINITY};
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (!ok[i] || !std::isfinite(xs[i]) || !std::isfinite(ys[i])) continue;
    b[0] = std::min(b[0], xs[i]);
    b[1] = std::min(b[1], ys[i]);
    b[2] = std::max(b[2], xs[i]);
    b[3] = std::max(b[3], ys[i]);
  }
  if (!(b[0] < b[2] && b[1] < b[3])) return std::nullopt;
  return b;
}

bool inside(double lo, double hi, double alo, double ahi) {
  const double m = (ahi - alo) * 0.05;
  return lo >= alo - m && hi <= ahi + m;
}

// ---------------------------------------------------------------------------
// Accumulation of points into cells.
enum class Bin { grid, mean, min, max, count, nearest, idw };

Bin parse_bin(XyzBin b) {
  switch (b) {
    case XyzBin::mean: return Bin::mean;
    case XyzBin::min: return Bin::min;
    case XyzBin::max: return Bin::max;
    case XyzBin::count: return Bin::count;
    case XyzBin::nearest: return Bin::nearest;
    case XyzBin::idw: return Bin::idw;
  }
  return Bin::mean;
}

struct Cell {
  double v = 0;
  double w = 0;
  std::uint32_t n = 0;
};

struct Grid {
  int width = 0, height = 0;
  double x0 = 0, y0 = 0;  // top-left corner
  double dx = 0, dy = 0;  // positive
  bool binned = false;
  double res = 0;
};

}  // namespace

// ---------------------------------------------------------------------------
bool looks_like_xyz(const std::string& path) {
  VSILFILE* fp = VSIFOpenL(path.c_str(), "rb");
  if (!fp) return false;
  std::string buf(16384, '\0');
  const std::size_t got = VSIFReadL(buf.data(), 1, buf.size(), fp);
  VSIFCloseL(fp);
  buf.resize(got);
  if (buf.empty() || buf.find('\0') != std::string::npos) return false;
  if (got == 16384) {
    const auto nl = buf.rfind('\n');
    if (nl == std::string::npos) return false;
    buf.resize(nl + 1);
  }
  std::size_t pos = buf.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  int headers = 0, data_lines = 0, ncols = -1;
  char sep = ' ';
  while (pos < buf.size()) {
    std::size_t next;
    const std::string_view line = trim(line_at(buf.data(), buf.size(), pos, next));
    pos = next;
    if (line.empty() || is_comment(line.front())) continue;
    if (!line_is_numeric(line)) {
      if (data_lines > 0) return false;
      const auto toks = split_tokens(line);
      if (!toks.empty()) {
        const std::string k = lower(toks[0]);
        if (k == "ncols" || k == "nrows" || k == "xllcorner" || k == "xllcenter" || k == "dsaa" || k == "north:" ||
            k == "cellsize")
          return false;
      }
      if (++headers > 3) return false;
      continue;
    }
    if (data_lines == 0) {
      Format f;
      detect_separator(line, "", f);
      sep = f.sep;
    }
    const int n = count_fields(line, sep);
    if (n < 3) return false;
    if (ncols >= 0 && n != ncols) return false;
    ncols = n;
    ++data_lines;
  }
  return data_lines >= 1;
}

StagedRaster read_xyz(const std::string& path, const XyzOptions& o, const MemoryBudget& budget, Report& report,
                      const ProgressFn& progress) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  auto note = [&](const std::string& k, const std::string& v) { report.notes.emplace_back("xyz." + k, v); };
  if (o.res < 0 || !std::isfinite(o.res)) throw error("options", "", "XyzOptions::res must be positive");
  const bool binning = o.res > 0;
  const Bin bin = binning ? parse_bin(o.bin) : Bin::grid;
  if (o.nodata && std::isinf(*o.nodata)) throw error("options", "", "XyzOptions::nodata must be finite or nan");

  // Small files are mapped with all pages at once; large ones are streamed and their
  // pages released chunk by chunk.
  struct stat st_probe {};
  const bool small_file = ::stat(path.c_str(), &st_probe) == 0 &&
                          std::uint64_t(st_probe.st_size) / 10 * sizeof(Point) <= budget.work_memory() / 2;
  MappedFile file(path, small_file);
  report.input_bytes = file.size();
  if (report.driver.empty()) report.driver = "XYZ";
  detail::ResolvedSrs crs = load_srs(path, o.a_srs);
  for (auto& w : crs.warnings) report.warnings.push_back(std::move(w));
  SrsHandle srs = std::move(crs.srs);

  Format f = sniff(file, o);
  {
    std::string sepname = f.sep == ' ' ? "blanks (spaces/tabs)" : f.sep == ';' ? "';'" : "','";
    note("separator", sepname + ", decimal mark '" + std::string(1, f.decimal) + "'");
    note("columns", f.columns_why);
  }

  const int threads = resolve_threads(o.threads);
  tbb::task_arena arena(threads);
  // Keep the parsed points for the second pass when they fit comfortably (a point
  // line is at least ~10 bytes).
  const bool keep = file.size() / 10 * sizeof(Point) <= budget.work_memory() / 2 || budget.force() == StagingMode::memory;
  // Without kept points, a batch of `threads` chunks is held as spill records (about
  // as many bytes as text): bound the chunks by the work memory.
  const std::size_t max_chunk =
      keep ? std::size_t(16) << 20
           : std::clamp<std::size_t>(budget.work_memory() / (std::size_t(threads) * 4), 1 << 20, std::size_t(16) << 20);
  std::vector<Chunk> chunks = make_chunks(file, f.data_start, threads, max_chunk);
  const bool collect_unique = !binning;
  std::mutex progress_mutex;
  std::atomic<std::size_t> done_bytes{0};
  const double total_bytes = double(std::max<std::size_t>(1, file.size() - f.data_start));
  auto report_progress = [&](std::size_t bytes, double scale, double base) {
    if (!progress) return;
    const std::size_t d = done_bytes.fetch_add(bytes) + bytes;
    std::lock_guard lock(progress_mutex);
    progress(kStep, std::min(1.0, base + scale * double(d) / total_bytes));
  };

  // ---- pass 1: parse, extent, unique coordinates, Z statistics.
  arena.execute([&] {
    tbb::parallel_for(std::size_t(0), chunks.size(), [&](std::size_t ci) {
      Chunk& c = chunks[ci];
      double prev_a = NAN, prev_b = NAN;
      if (keep) c.pts.reserve((c.end - c.begin) / 16);
      parse_range(file.data(), c.begin, c.end, f, c.err,
                  [&](double a, double b, double z, std::size_t off, const char* zb, const char* ze) {
                    if (c.points == 0) {
                      c.first_a = a;
                      c.first_b = b;
                    }
                    ++c.points;
                    if (a < c.amin) c.amin = a, c.extreme_off[0] = off;
                    if (a > c.amax) c.amax = a, c.extreme_off[1] = off;
                    if (b < c.bmin) c.bmin = b, c.extreme_off[2] = off;
                    if (b > c.bmax) c.bmax = b, c.extreme_off[3] = off;
                    if (a != prev_a) {
                      ++c.a_changes;
                      if (collect_unique && !c.overflow && !c.sa.insert(a, kMaxUnique)) c.overflow = true;
                    }
                    if (b != prev_b) {
                      ++c.b_changes;
                      if (collect_unique && !c.overflow && !c.sb.insert(b, kMaxUnique)) c.overflow = true;
                    }
                    prev_a = a;
                    prev_b = b;
                    if (std::isnan(z)) {
                      ++c.nan_z;
                    } else {
                      if (!c.z.any) {
                        c.z.min = c.z.max = z;
                        c.z.any = true;
                      } else {
                        c.z.min = std::min(c.z.min, z);
                        c.z.max = std::max(c.z.max, z);
                      }
                      if (z != std::floor(z)) {
                        c.z.all_integer = false;
                        if (!c.z.needs_float64 && !detail::float32_keeps(z, zb, ze, f.decimal)) c.z.needs_float64 = true;
                      }
                    }
                    if (keep) c.pts.push_back({a, b, z});
                  });
      c.last_a = prev_a;
      c.last_b = prev_b;
      if (collect_unique && !c.overflow) {
        c.ua = c.sa.sorted_values();
        c.ub = c.sb.sorted_values();
      }
      c.sa.clear();
      c.sb.clear();
      // The text of this chunk is not needed any more (kept points) or will be faulted
      // back from the page cache (second pass): drop it from the resident set.
      file.release(c.begin, c.end);
      report_progress(c.end - c.begin, keep ? 0.8 : 0.5, 0.0);
    });
  });
  for (const auto& c : chunks)
    if (!c.err.message.empty()) throw error(kStep, file.where(c.err.offset), c.err.message);

  // Merge the chunks: extent, Z statistics (the Float32 precision test ran on each Z
  // token during the parse), line structure, distinct coordinates.
  ZStats z;
  std::size_t points = 0, nan_z = 0;
  double amin = INFINITY, amax = -INFINITY, bmin = INFINITY, bmax = -INFINITY;
  std::array<std::size_t, 4> ext_off{};
  std::size_t a_changes = 0, b_changes = 0;
  std::vector<double> ua, ub;
  bool overflow = false;
  for (auto& c : chunks) {
    if (c.points == 0) continue;
    if (c.z.any) {
      if (!z.any) {
        z = c.z;
      } else {
        z.min = std::min(z.min, c.z.min);
        z.max = std::max(z.max, c.z.max);
        z.all_integer = z.all_integer && c.z.all_integer;
        z.needs_float64 = z.needs_float64 || c.z.needs_float64;
      }
    }
    if (c.amin < amin) amin = c.amin, ext_off[0] = c.extreme_off[0];
    if (c.amax > amax) amax = c.amax, ext_off[1] = c.extreme_off[1];
    if (c.bmin < bmin) bmin = c.bmin, ext_off[2] = c.extreme_off[2];
    if (c.bmax > bmax) bmax = c.bmax, ext_off[3] = c.extreme_off[3];
    points += c.points;
    nan_z += c.nan_z;
    a_changes += c.a_changes;
    b_changes += c.b_changes;
    overflow = overflow || c.overflow;
    if (collect_unique && !overflow) {
      merge_unique(ua, c.ua);
      merge_unique(ub, c.ub);
      if (ua.size() > kMaxUnique || ub.size() > kMaxUnique) overflow = true;
    }
  }
  if (points == 0) throw error(kStep, path, "no data lines (only comments or header lines)");
  const double parse_seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  // ---- axis order.
  std::string order_why = f.order_why;
  bool a_is_x = true;
  const bool structured = std::min(a_changes, b_changes) * 2 <= std::max(a_changes, b_changes) &&
                          std::max(a_changes, b_changes) * 2 > points && points > 2;
  const bool a_outer = structured && a_changes < b_changes;
  if (f.a_is_x) {
    a_is_x = *f.a_is_x;
  } else {
    std::optional<bool> decided;
    if (srs) {
      std::string area_name;
      if (auto area = area_in_crs(srs.get(), area_name)) {
        const auto& A = *area;
        const bool xy = inside(amin, amax, A[0], A[2]) && inside(bmin, bmax, A[1], A[3]);
        const bool yx = inside(bmin, bmax, A[0], A[2]) && inside(amin, amax, A[1], A[3]);
        if (xy != yx) {
          decided = xy;
          order_why = std::string("CRS area of use (") + (area_name.empty() ? "unnamed" : area_name) + "): only " +
                      (xy ? "X-Y-Z" : "Y-X-Z") + " puts the points inside it";
        }
      }
    }
    if (!decided && structured) {
      decided = !a_outer;
      order_why = std::string("file structure: the values of column ") + (a_outer ? "1" : "2") +
                  " stay constant along runs of lines (the outer loop of the file), so they are rows: Y";
    }
    if (!decided) {
      const bool a_deg = amin >= -180 && amax <= 360, b_deg = bmin >= -180 && bmax <= 360;
      const bool a_lat = amin >= -90 && amax <= 90, b_lat = bmin >= -90 && bmax <= 90;
      if (a_deg && b_deg && a_lat != b_lat && (!srs || OSRIsGeographic(srs.get()))) {
        decided = b_lat;
        order_why = std::string("geographic ranges: only column ") + (b_lat ? "2" : "1") +
                    " fits a latitude (-90..90), so it is Y";
      }
    }
    if (!decided) {
      decided = true;
      order_why = "default: nothing tells the order apart (no header names, no CRS area of use, no row structure)";
    }
    a_is_x = *decided;
  }
  {
    // The order of the coordinate columns in the file.
    const int xcol = a_is_x ? f.ca : f.cb, ycol = a_is_x ? f.cb : f.ca;
    note("axis_order", std::string(xcol < ycol ? "X-Y-Z" : "Y-X-Z") + " (" + order_why + "; X = column " +
                           std::to_string(xcol + 1) + ", Y = column " + std::to_string(ycol + 1) + ")");
  }
  const double xmin = a_is_x ? amin : bmin, xmax = a_is_x ? amax : bmax;
  const double ymin = a_is_x ? bmin : amin, ymax = a_is_x ? bmax : amax;
  // Lines of the points that stretch the grid the most (for "too large" errors).
  const std::size_t off_xmax = a_is_x ? ext_off[1] : ext_off[3];
  const std::size_t off_ymax = a_is_x ? ext_off[3] : ext_off[1];
  if (!a_is_x) std::swap(ua, ub);

  {
    std::string order;
    if (!structured) {
      order = "no row or column order (shuffled or scattered)";
    } else {
      // The outer coordinate is column a when a_outer; it is Y when a is not X.
      const bool y_outer = a_outer ? !a_is_x : a_is_x;
      const double first = a_outer ? chunks.front().first_a : chunks.front().first_b;
      double last = first;
      for (auto it = chunks.rbegin(); it != chunks.rend(); ++it)
        if (it->points) {
          last = a_outer ? it->last_a : it->last_b;
          break;
        }
      if (y_outer)
        order = std::string("row-major, rows ") + (first > last ? "north to south" : "south to north");
      else
        order = std::string("column-major, columns ") + (first < last ? "west to east" : "east to west");
    }
    note("point_order", order);
  }

  // ---- grid.
  Grid g;
  const std::size_t valid_points = points - nan_z;
  if (binning) {
    const double r = o.res;
    g.binned = true;
    g.res = r;
    g.dx = g.dy = r;
    g.x0 = std::floor(xmin / r) * r;
    g.y0 = std::ceil(ymax / r) * r;
    const double w = std::floor((xmax - g.x0) / r) + 1, h = std::floor((g.y0 - ymin) / r) + 1;
    if (w > double(kMaxSide) || h > double(kMaxSide) || w * h > kMaxCells)
      throw error(kStep, file.where(w > h ? off_xmax : off_ymax),
                  "a " + num(w) + " x " + num(h) + " grid at a cell size (XyzOptions::res) of " + num(r) + " is too large (refused before allocating; limit " +
                      std::to_string(kMaxSide) + " per side, 2^36 cells)");
    g.width = int(w);
    g.height = int(h);
    note("grid", "binned (" + std::string(to_name(o.bin)) + ") at " + num(r) + " on multiples of the resolution: " + std::to_string(g.width) +
                     " x " + std::to_string(g.height));
  } else {
    const std::string hint = "; set XyzOptions::res to bin them";
    if (overflow)
      throw error(kStep, path,
                  "the points are not on a regular grid (more than " + std::to_string(kMaxUnique) +
                      " distinct coordinates on an axis)" + hint);
    AxisFit fx = detail::fit_axis(ua), fy = detail::fit_axis(ub);
    if (!fx.ok) throw error(kStep, path, "the points are not on a regular grid: X " + fx.why + hint);
    if (!fy.ok) throw error(kStep, path, "the points are not on a regular grid: Y " + fy.why + hint);
    if (fx.step == 0 && fy.step == 0)
      throw error(kStep, path, "all points share one coordinate pair: the grid spacing is unknown" + hint);
    if (fx.step == 0) fx.step = fy.step;
    if (fy.step == 0) fy.step = fx.step;
    const double cells = double(fx.count) * double(fy.count);
    if (fx.count > kMaxSide || fy.count > kMaxSide || cells > kMaxCells)
      throw error(kStep, file.where(fx.count > fy.count ? off_xmax : off_ymax),
                  "the grid would be " + std::to_string(fx.count) + " x " + std::to_string(fy.count) +
                      " cells (spacing " + num(fx.step) + " x " + num(fy.step) +
                      "): too large, refused before allocating (limit " + std::to_string(kMaxSide) +
                      " per side, 2^36 cells)");
    if (cells > 64e6 && double(valid_points) < cells / 1000)
      throw error(kStep, path,
                  "the points are not on a regular grid: " + std::to_string(points) + " points would fill " +
                      num(100.0 * double(valid_points) / cells) + " % of a " + std::to_string(fx.count) + " x " +
                      std::to_string(fy.count) + " grid of spacing " + num(fx.step) + hint);
    g.width = int(fx.count);
    g.height = int(fy.count);
    g.dx = fx.step;
    g.dy = fy.step;
    g.x0 = fx.min - fx.step / 2;
    g.y0 = (fy.min + fy.step * double(fy.count - 1)) + fy.step / 2;
    note("grid", std::to_string(g.width) + " x " + std::to_string(g.height) + " cells, spacing " + num(g.dx) + " x " +
                     num(g.dy) + " (from the sorted unique coordinates; points are cell centres)");
  }
  std::vector<double>().swap(ua);
  std::vector<double>().swap(ub);

  // ---- pass 2: points into cells, strip by strip within the budget.
  const std::uint64_t cells = std::uint64_t(g.width) * std::uint64_t(g.height);
  const std::uint64_t row_bytes = std::uint64_t(g.width) * sizeof(Cell);
  const std::uint64_t work = std::max<std::uint64_t>(budget.work_memory(), row_bytes);
  const int rows_per_strip =
      budget.force() == StagingMode::file ? std::max(1, g.height / 3)
                                : int(std::min<std::uint64_t>(std::uint64_t(g.height), std::max<std::uint64_t>(1, work / row_bytes)));
  const int strips = (g.height + rows_per_strip - 1) / rows_per_strip;
  const double nd_default = o.nodata ? *o.nodata : kDefaultNodata;

  std::vector<Cell> acc;
  std::vector<double> gv;  // gridded data: one value per cell, NaN = no point
  std::size_t filled = 0, duplicates = 0, off_grid = 0;
  std::size_t off_grid_off = 0;
  double max_count = 0;
  StagedRaster staged;
  GDALDataType type = GDT_Unknown;
  std::optional<double> nodata;
  std::vector<double> rowbuf;

  // Spill files: with several strips and no kept points, one more parse of the file
  // writes each point to the file of its strip (in file order), so each strip then
  // reads only its own points.
  struct Spill {
    TempPath path;
    std::FILE* fp = nullptr;
    ~Spill() {
      if (fp) std::fclose(fp);
    }
  };
  std::vector<std::unique_ptr<Spill>> spills;
  auto spill_pass = [&] {
    for (int sidx = 0; sidx < strips; ++sidx) {
      auto sp = std::make_unique<Spill>();
      sp->path = TempPath(budget.tmpdir(), "xyz-strip", ".bin");
      sp->fp = std::fopen(sp->path.path().c_str(), "w+b");
      if (!sp->fp) throw error(kStep, sp->path.path(), std::string("cannot create a spill file: ") + std::strerror(errno));
      spills.push_back(std::move(sp));
    }
    const std::size_t nt = std::size_t(threads);
    for (std::size_t c0 = 0; c0 < chunks.size(); c0 += nt) {
      const std::size_t c1 = std::min(chunks.size(), c0 + nt);
      std::vector<std::vector<std::vector<Point>>> out(c1 - c0, std::vector<std::vector<Point>>(std::size_t(strips)));
      arena.execute([&] {
        tbb::parallel_for(c0, c1, [&](std::size_t ci) {
          const Chunk& c = chunks[ci];
          auto& mine = out[ci - c0];
          ParseError err;
          parse_range(file.data(), c.begin, c.end, f, err,
                      [&](double a, double b, double zv, std::size_t, const char*, const char*) {
                        if (std::isnan(zv)) return;
                        const double y = a_is_x ? b : a;
                        const double fr = std::floor((g.y0 - y) / g.dy);  // the cell row (centres at half rows)
                        const auto row = std::clamp<std::int64_t>(static_cast<std::int64_t>(fr), 0, g.height - 1);
                        mine[std::size_t(row / rows_per_strip)].push_back({a, b, zv});
                      });
        });
      });
      file.release(chunks[c0].begin, chunks[c1 - 1].end);
      for (auto& per_chunk : out)
        for (int sidx = 0; sidx < strips; ++sidx) {
          const auto& v = per_chunk[std::size_t(sidx)];
          if (!v.empty() && std::fwrite(v.data(), sizeof(Point), v.size(), spills[std::size_t(sidx)]->fp) != v.size())
            throw error(kStep, spills[std::size_t(sidx)]->path.path(), "cannot write a spill file (disk full?)");
        }
      report_progress(chunks[c1 - 1].end - chunks[c0].begin, 0.25, 0.5);
    }
  };

  auto place_strip = [&](int r0, int r1) {
    if (bin == Bin::grid)
      gv.assign(std::size_t(r1 - r0) * std::size_t(g.width), NAN);
    else
      acc.assign(std::size_t(r1 - r0) * std::size_t(g.width), Cell{});
    auto put = [&](double a, double b, double zv, std::size_t off) {
      if (std::isnan(zv)) return;
      const double x = a_is_x ? a : b, y = a_is_x ? b : a;
      std::int64_t col, row;
      double cx = 0, cy = 0;
      if (g.binned) {
        col = std::int64_t(std::floor((x - g.x0) / g.dx));
        row = std::int64_t(std::floor((g.y0 - y) / g.dy));
        col = std::clamp<std::int64_t>(col, 0, g.width - 1);
        row = std::clamp<std::int64_t>(row, 0, g.height - 1);
        cx = g.x0 + (double(col) + 0.5) * g.dx;
        cy = g.y0 - (double(row) + 0.5) * g.dy;
      } else {
        const double fc = (x - g.x0) / g.dx - 0.5, fr = (g.y0 - y) / g.dy - 0.5;
        col = static_cast<std::int64_t>(std::floor(fc + 0.5));
        row = static_cast<std::int64_t>(std::floor(fr + 0.5));
        if (std::fabs(fc - double(col)) > 0.3 || std::fabs(fr - double(row)) > 0.3 || col < 0 || row < 0 ||
            col >= g.width || row >= g.height) {
          if (off_grid++ == 0) off_grid_off = off;
          return;
        }
      }
      if (row < r0 || row >= r1) return;
      if (bin == Bin::grid) {
        double& v = gv[std::size_t(row - r0) * std::size_t(g.width) + std::size_t(col)];
        if (!std::isnan(v)) ++duplicates;
        v = zv;  // the last point in file order wins
        return;
      }
      Cell& c = acc[std::size_t(row - r0) * std::size_t(g.width) + std::size_t(col)];
      switch (bin) {
        case Bin::grid:
          if (c.n) ++duplicates;
          c.v = zv;  // the last point in file order wins
          break;
        case Bin::mean: c.v += zv; break;
        case Bin::min: c.v = c.n ? std::min(c.v, zv) : zv; break;
        case Bin::max: c.v = c.n ? std::max(c.v, zv) : zv; break;
        case Bin::count: break;
        case Bin::nearest: {
          const double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
          if (!c.n || d2 < c.w) c.v = zv, c.w = d2;
          break;
        }
        case Bin::idw: {
          const double d = std::hypot(x - cx, y - cy);
          if (c.w < 0) break;  // a point exactly at the centre decides
          if (d <= g.dx * 1e-9) {
            c.v = zv;
            c.w = -1;
          } else {
            const double wgt = 1.0 / std::pow(d, o.idw_power);
            c.v += zv * wgt;
            c.w += wgt;
          }
          break;
        }
      }
      ++c.n;
    };
    if (!spills.empty()) {
      Spill& sp = *spills[std::size_t(r0 / rows_per_strip)];
      std::rewind(sp.fp);
      std::vector<Point> buf(1 << 15);
      std::size_t got;
      while ((got = std::fread(buf.data(), sizeof(Point), buf.size(), sp.fp)) > 0)
        for (std::size_t i = 0; i < got; ++i) put(buf[i].a, buf[i].b, buf[i].z, 0);
      std::fclose(sp.fp);
      sp.fp = nullptr;
      sp.path.remove();
      return;
    }
    if (bin == Bin::grid) {
      // Gridded data: points go to distinct cells, so chunks are placed in parallel.
      // Duplicate points (two points, one cell) make the result depend on the order:
      // then the strip is placed again sequentially, the last point in file order winning.
      std::vector<std::size_t> placed(chunks.size(), 0), outside(chunks.size(), 0);
      std::vector<std::size_t> outside_off(chunks.size(), 0);
      auto grid_put = [&](std::size_t ci, double a, double b, double zv, std::size_t off) {
        if (std::isnan(zv)) return;
        const double x = a_is_x ? a : b, y = a_is_x ? b : a;
        const double fc = (x - g.x0) / g.dx - 0.5, fr = (g.y0 - y) / g.dy - 0.5;
        const auto col = static_cast<std::int64_t>(std::floor(fc + 0.5));
        const auto row = static_cast<std::int64_t>(std::floor(fr + 0.5));
        if (std::fabs(fc - double(col)) > 0.3 || std::fabs(fr - double(row)) > 0.3 || col < 0 || row < 0 ||
            col >= g.width || row >= g.height) {
          if (outside[ci]++ == 0) outside_off[ci] = off;
          return;
        }
        if (row < r0 || row >= r1) return;
        gv[std::size_t(row - r0) * std::size_t(g.width) + std::size_t(col)] = zv;
        ++placed[ci];
      };
      arena.execute([&] {
        tbb::parallel_for(std::size_t(0), chunks.size(), [&](std::size_t ci) {
          const Chunk& c = chunks[ci];
          if (keep) {
            for (const auto& p : c.pts) grid_put(ci, p.a, p.b, p.z, c.begin);
          } else {
            ParseError err;
            parse_range(file.data(), c.begin, c.end, f, err,
                        [&](double a, double b, double zv, std::size_t off, const char*, const char*) {
                          grid_put(ci, a, b, zv, off);
                        });
            file.release(c.begin, c.end);
            report_progress((c.end - c.begin) / std::size_t(strips), 0.5, 0.0);
          }
        });
      });
      std::size_t total = 0, in_strip = 0;
      for (std::size_t ci = 0; ci < chunks.size(); ++ci) {
        total += placed[ci];
        if (outside[ci] && off_grid == 0) off_grid_off = outside_off[ci];
        off_grid += outside[ci];
      }
      if (off_grid) return;
      for (double v : gv) in_strip += !std::isnan(v);
      if (in_strip == total) return;
      gv.assign(gv.size(), NAN);
    }
    if (keep) {
      for (const auto& c : chunks)
        for (const auto& p : c.pts) put(p.a, p.b, p.z, c.begin);
    } else {
      for (auto& c : chunks) {
        ParseError err;
        parse_range(file.data(), c.begin, c.end, f, err,
                    [&](double a, double b, double zv, std::size_t off, const char*, const char*) { put(a, b, zv, off); });
        file.release(c.begin, c.end);
        report_progress((c.end - c.begin) / std::size_t(strips), 0.5, 0.0);
      }
    }
  };

  auto finalize = [&](const Cell& c) -> double {
    if (!c.n) return NAN;
    switch (bin) {
      case Bin::mean: return c.v / double(c.n);
      case Bin::count: return double(c.n);
      case Bin::idw: return c.w < 0 ? c.v : c.v / c.w;
      default: return c.v;
    }
  };

  auto decide_type = [&](bool may_miss) {
    ZStats zs = z;
    if (bin == Bin::count) {
      zs = ZStats{};
      zs.any = true;
      zs.min = 1;
      zs.max = std::max(1.0, max_count);
      zs.all_integer = true;
    } else if (bin == Bin::mean || bin == Bin::idw) {
      zs.all_integer = false;
    }
    const bool floating = !zs.all_integer;
    if (o.nodata || floating || may_miss) nodata = nd_default;
    type = detail::choose_type(zs, nodata);
    if (bin == Bin::count && strips > 1) type = GDT_Int32;
    if (!GDALDataTypeIsFloating(type) && nodata && std::isnan(*nodata)) type = GDT_Float32;
    std::string rule;
    if (bin == Bin::count) rule = "cell counts";
    else if (bin == Bin::mean || bin == Bin::idw) rule = std::string(to_name(o.bin)) + " of the points: floating point";
    else if (zs.all_integer) rule = "all Z values are integers in " + num(zs.min) + ".." + num(zs.max);
    else rule = zs.needs_float64 ? "some Z values carry more digits than Float32 keeps" : "Z values are not integers; Float32 keeps every printed digit";
    note("data_type", std::string(GDALGetDataTypeName(type)) + " (" + rule +
                          (nodata ? "; nodata " + num(*nodata) + " included" : std::string()) + ")");
  };

  auto create = [&] {
    staged = create_staged(budget, g.width, g.height, 1, type, "xyz");
    GDALDatasetH ds = staged.get();
    double gt[6] = {g.x0, g.dx, 0, g.y0, 0, -g.dy};
    GDALSetGeoTransform(ds, gt);
    if (srs) GDALSetSpatialRef(ds, srs.get());
    if (nodata) GDALSetRasterNoDataValue(GDALGetRasterBand(ds, 1), *nodata);
  };

  auto write_strip = [&](int r0, int r1) {
    // In blocks of rows: a small conversion buffer instead of a second copy of the strip.
    const double fillv = nodata ? *nodata : 0.0;
    const int block = std::max(1, int(std::min<std::uint64_t>(1 << 20, std::uint64_t(g.width) * 64) / std::uint64_t(g.width)));
    for (int b0 = r0; b0 < r1; b0 += block) {
      const int b1 = std::min(r1, b0 + block);
      const std::size_t base = std::size_t(b0 - r0) * std::size_t(g.width), n = std::size_t(b1 - b0) * std::size_t(g.width);
      rowbuf.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        const double v = bin == Bin::grid ? gv[base + i] : finalize(acc[base + i]);
        rowbuf[i] = std::isnan(v) ? fillv : v;
      }
      if (GDALRasterIO(GDALGetRasterBand(staged.get(), 1), GF_Write, 0, b0, g.width, b1 - b0, rowbuf.data(), g.width,
                       b1 - b0, GDT_Float64, 0, 0) != CE_None)
        throw error(kStep, path, "cannot write the staged raster", CPLGetLastErrorMsg());
    }
  };

  auto count_strip = [&] {
    for (double v : gv) filled += !std::isnan(v);
    for (const auto& c : acc)
      if (c.n) {
        ++filled;
        max_count = std::max(max_count, double(c.n));
      }
  };

  if (strips == 1) {
    place_strip(0, g.height);
    for (auto& c : chunks) std::vector<Point>().swap(c.pts);
    count_strip();
    decide_type(filled < cells);
    create();
    write_strip(0, g.height);
  } else {
    // Missing cells are only known at the end: nodata is declared up front.
    decide_type(true);
    create();
    if (!keep) spill_pass();
    for (int s = 0; s < strips; ++s) {
      const int r0 = s * rows_per_strip, r1 = std::min(g.height, r0 + rows_per_strip);
      place_strip(r0, r1);
      count_strip();
      write_strip(r0, r1);
    }
  }
  if (off_grid)
    throw error(kStep, file.where(off_grid_off),
                std::to_string(off_grid) + " point(s) are not on the inferred grid; set XyzOptions::res to bin them");
  std::vector<Cell>().swap(acc);
  std::vector<double>().swap(gv);

  const std::size_t missing = std::size_t(cells - filled);
  note("points", std::to_string(points) + " points, " + std::to_string(missing) + " of " + std::to_string(cells) +
                     " cells without a point" + (nan_z ? ", " + std::to_string(nan_z) + " NaN Z values skipped" : std::string()) +
                     (duplicates ? ", " + std::to_string(duplicates) + " duplicate points (the last one in file order kept)"
                                 : std::string()));
  if (nodata) note("nodata", num(*nodata) + (o.nodata ? " (--nodata)" : " (default for cells without a point)"));
  if (srs) note("crs", crs.note);
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  note("parse", num(double(file.size()) / 1e6) + " MB parsed in " + num(parse_seconds) + " s (" +
                    num(double(file.size()) / 1e6 / std::max(parse_seconds, 1e-9)) + " MB/s, " + std::to_string(threads) +
                    " threads" + (keep ? "" : ", two passes over the file") + ")");
  if (strips > 1)
    note("staging", std::to_string(strips) + " strips of " + std::to_string(rows_per_strip) + " rows within the memory budget" +
                        (keep ? std::string() : std::string(", points spilled to one temp file per strip")));
  note("peak_rss_after_read", num(double(peak_rss()) / 1e6) + " MB");
  report.step_seconds.emplace_back("read", secs);
  if (progress) progress(kStep, 1.0);
  return staged;
}

}  // namespace cogkit
