#include "read/ascii/parse.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cfloat>
#include <cmath>
#include <map>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "cogkit/core/error.hpp"
#include "read/ascii/scan.hpp"
#include "core/text.hpp"

namespace cogkit::detail::ascii {
namespace {

std::string where(const std::string& name, std::uint64_t line, std::uint64_t col) {
  return name + ":" + std::to_string(line) + ":" + std::to_string(col);
}

std::string shown(std::string_view token) {
  std::string s(token.substr(0, 40));
  if (token.size() > 40) s += "...";
  return "'" + s + "'";
}

struct HeaderValue {
  double value = 0;
  Kind kind = Kind::bad;
  bool integral = false;
  std::string text;
  std::uint64_t line = 0, col = 0;
};

// ------------------------------------------------------------------ header: keywords

// A header line's first word: [begin, end) of the line, and in lower case.
struct Keyword {
  std::size_t begin = 0, end = 0;
  std::string word;
};

Keyword keyword_of(std::string_view lv, std::size_t begin) {
  Keyword kw{begin, begin, {}};
  while (kw.end < lv.size() && (std::isalnum(static_cast<unsigned char>(lv[kw.end])) || lv[kw.end] == '_')) ++kw.end;
  kw.word = lower(lv.substr(kw.begin, kw.end - kw.begin));
  return kw;
}

// The keyword as written, for messages.
std::string spelled(std::string_view lv, const Keyword& kw) { return std::string(lv.substr(kw.begin, kw.end - kw.begin)); }

std::size_t skip_blanks(std::string_view lv, std::size_t i) {
  while (i < lv.size() && (lv[i] == ' ' || lv[i] == '\t')) ++i;
  return i;
}

// The first line of values: it starts with a number, a sign, a point or a missing-value word
// (nan, inf, null — but GRASS's "null:" is a key).
bool starts_values(std::string_view lv, const Keyword& kw) {
  const std::size_t after = skip_blanks(lv, kw.end);
  const bool grass_null_key = kw.word == "null" && after < lv.size() && lv[after] == ':';
  const std::string& w = kw.word;
  return !std::isalpha(static_cast<unsigned char>(lv[kw.begin])) || w == "nan" || w == "inf" || w == "infinity" ||
         (w == "null" && !grass_null_key) || (w.rfind("nan", 0) == 0 && kw.end < lv.size() && lv[kw.end] == '(');
}

bool known_key(const std::string& word, bool grass_form) {
  static const char* const esri_keys[] = {"ncols",     "nrows",     "xllcorner", "yllcorner", "xllcenter",    "yllcenter",
                                          "xllcentre", "yllcentre", "cellsize",  "dx",        "dy",           "nodata_value",
                                          "nodata"};
  static const char* const grass_keys[] = {"north", "south", "east", "west", "rows", "cols", "null", "type"};
  bool known = false;
  if (grass_form) {
    for (const char* key : grass_keys) known |= word == key;
  } else {
    for (const char* key : esri_keys) known |= word == key;
  }
  return known;
}

// One name per key: the British spellings and the short nodata key are aliases.
std::string canonical_key(const std::string& word) {
  if (word == "xllcentre") return "xllcenter";
  if (word == "yllcentre") return "yllcenter";
  if (word == "nodata") return "nodata_value";
  return word;
}

// ------------------------------------------------------------------ header: values

// The value of a known key, [k, ve) of the line: present, alone on the line, and a number
// (finite, except for the nodata keys, which also take nan / null / GRASS's *).
HeaderValue read_key_value(std::string_view lv, const Keyword& kw, std::size_t k, bool colon, std::uint64_t line,
                           const std::string& name) {
  std::size_t ve = k;
  while (ve < lv.size() && !is_space(lv[ve])) ++ve;
  HeaderValue v;
  v.text = std::string(lv.substr(k, ve - k));
  v.line = line;
  v.col = k + 1;
  if (v.text.empty())
    throw error("read", where(name, line, lv.size() + 1), "header key '" + spelled(lv, kw) + "' has no value");
  std::size_t rest = ve;
  while (rest < lv.size() && is_space(lv[rest])) ++rest;
  if (rest < lv.size())
    throw error("read", where(name, line, rest + 1),
                "unexpected " + shown(lv.substr(rest)) + " after the value of header key '" + spelled(lv, kw) + "'");
  if (kw.word == "type") return v;  // GRASS's type: int/float, not a number
  const Token t = scan_token(lv.data() + k, lv.data() + ve);
  v.kind = t.kind;
  v.value = t.value;
  v.integral = t.integral;
  const bool nodata_key = kw.word == "nodata_value" || kw.word == "nodata" || kw.word == "null";
  const bool ok = t.kind == Kind::number
                      ? (std::isfinite(t.value) || nodata_key)
                      : nodata_key && (t.kind == Kind::nan || t.kind == Kind::null || (t.kind == Kind::star && colon));
  if (!ok)
    throw error("read", where(name, line, k + 1), "bad value " + shown(v.text) + " for header key '" + spelled(lv, kw) + "'");
  return v;
}

// The key lines read so far.
struct HeaderKeys {
  std::map<std::string, HeaderValue> values;
  bool grass = false, esri = false;  // "key: value" lines seen, "key value" lines seen
};

// Reads one "key [:] value" line into `keys` (unknown keys: a warning in h.warnings).
void read_key_line(std::string_view lv, const Keyword& kw, std::uint64_t line, const std::string& name, HeaderKeys& keys,
                   AsciiGridHeader& h) {
  std::size_t k = skip_blanks(lv, kw.end);
  const bool colon = k < lv.size() && lv[k] == ':';
  if (colon) {
    ++k;
    keys.grass = true;
  } else {
    keys.esri = true;
  }
  if (keys.grass && keys.esri)
    throw error("read", where(name, line, kw.begin + 1), "header mixes ESRI keys and GRASS 'key:' lines");
  while (k < lv.size() && is_space(lv[k])) ++k;
  if (!known_key(kw.word, colon)) {
    h.warnings.push_back(where(name, line, kw.begin + 1) + ": unknown header key '" + spelled(lv, kw) + "' ignored");
    return;
  }
  HeaderValue v = read_key_value(lv, kw, k, colon, line, name);
  const std::string canonical = canonical_key(kw.word);
  if (keys.values.count(canonical))
    throw error("read", where(name, line, kw.begin + 1), "header key '" + spelled(lv, kw) + "' given twice");
  keys.values[canonical] = std::move(v);
}

// Reads the key lines up to the first line of values; sets h.data_offset / data_line.
HeaderKeys read_key_lines(std::string_view text, const std::string& name, AsciiGridHeader& h) {
  std::size_t pos = 0;
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF && static_cast<unsigned char>(text[1]) == 0xBB &&
      static_cast<unsigned char>(text[2]) == 0xBF) {
    pos = 3;
    h.warnings.push_back("UTF-8 byte order mark skipped");
  }
  HeaderKeys keys;
  std::uint64_t line = 1;
  for (; pos < text.size(); ++line) {
    const std::size_t line_start = pos;
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    pos = eol + 1;
    std::string_view lv = text.substr(line_start, eol - line_start);
    if (!lv.empty() && lv.back() == '\r') lv.remove_suffix(1);
    std::size_t i = 0;
    while (i < lv.size() && is_space(lv[i])) ++i;
    if (i == lv.size()) continue;  // blank line
    const Keyword kw = keyword_of(lv, i);
    if (starts_values(lv, kw)) {
      h.data_offset = line_start;
      h.data_line = static_cast<int>(line);
      return keys;
    }
    read_key_line(lv, kw, line, name, keys, h);
  }
  if (keys.values.empty()) throw error("read", name, "not an ESRI ASCII grid: no header keys found");
  throw error("read", where(name, line, 1), "no values after the header");
}

// ------------------------------------------------------------------ header: checks

// Looks keys up by their canonical name; a missing required key is an error at the first value.
struct HeaderFields {
  const HeaderKeys& keys;
  const std::string& name;
  int data_line;

  bool has(const char* key) const { return keys.values.count(key) != 0; }
  const HeaderValue& at(const char* key) const { return keys.values.at(key); }
  const HeaderValue& need(const char* key, const char* alt = nullptr) const {
    auto it = keys.values.find(key);
    if (it == keys.values.end() && alt) it = keys.values.find(alt);
    if (it == keys.values.end())
      throw error("read", where(name, data_line, 1),
                  std::string("missing header key '") + key + (alt ? std::string("' (or '") + alt + "')" : "'") +
                      " before the first value");
    return it->second;
  }
  // ncols / nrows / rows / cols: a positive integer, not absurdly large.
  int dimension(const char* key) const {
    const HeaderValue& v = need(key);
    if (!v.integral || v.value < 1)
      throw error("read", where(name, v.line, v.col), std::string(key) + " must be a positive integer, not " + shown(v.text));
    if (v.value > 100'000'000)
      throw error("read", where(name, v.line, v.col),
                  std::string(key) + " " + v.text + " is absurd (more than 100,000,000); refusing to allocate");
    return static_cast<int>(v.value);
  }
  // The declared nodata, if any: nan and * are NaN; 12D's null is -FLT_MAX.
  void nodata(const char* key, AsciiGridHeader& h) const {
    if (!has(key)) return;
    const HeaderValue& v = at(key);
    h.nodata_text = v.text;
    if (v.kind == Kind::nan || v.kind == Kind::star) {
      h.nodata = std::nan("");
    } else if (v.kind == Kind::null) {
      h.nodata_is_null = true;
      h.nodata = -static_cast<double>(FLT_MAX);
    } else {
      h.nodata = v.value;
    }
  }
};

// ------------------------------------------------------------------ header: geotransform

void grass_geotransform(const HeaderFields& f, AsciiGridHeader& h) {
  h.flavor = AsciiGridFlavor::grass;
  const auto& north = f.need("north");
  const auto& south = f.need("south");
  const auto& east = f.need("east");
  const auto& west = f.need("west");
  h.height = f.dimension("rows");
  h.width = f.dimension("cols");
  if (!(north.value > south.value))
    throw error("read", where(f.name, north.line, north.col), "north must be greater than south");
  if (!(east.value > west.value)) throw error("read", where(f.name, east.line, east.col), "east must be greater than west");
  h.geotransform = {west.value, (east.value - west.value) / h.width, 0, north.value, 0,
                    -(north.value - south.value) / h.height};
  f.nodata("null", h);
}

// One of xllcorner / xllcenter (or the y pair): the corner coordinate.
double esri_origin(const HeaderFields& f, const char* corner, const char* centre, double cell, AsciiGridHeader& h) {
  const bool has_corner = f.has(corner), has_centre = f.has(centre);
  if (has_corner && has_centre) {
    const auto& v = f.at(centre);
    throw error("read", where(f.name, v.line, v.col), std::string("both ") + corner + " and " + centre + " given");
  }
  if (!has_corner && !has_centre) f.need(corner, centre);
  if (has_corner) return f.at(corner).value;
  h.cell_centre = true;
  return f.at(centre).value - cell / 2;
}

void esri_geotransform(const HeaderFields& f, AsciiGridHeader& h) {
  h.flavor = AsciiGridFlavor::esri;
  h.width = f.dimension("ncols");
  h.height = f.dimension("nrows");
  double dx = 0, dy = 0;
  if (f.has("dx") || f.has("dy")) {
    dx = f.need("dx").value;
    dy = f.need("dy").value;
    if (f.has("cellsize")) h.warnings.push_back("both cellsize and dx/dy given; dx/dy used");
  } else {
    dx = dy = f.need("cellsize", "dx").value;
  }
  if (dx == 0 || dy == 0) {
    const auto& v = f.has("cellsize") ? f.at("cellsize") : f.at("dx");
    throw error("read", where(f.name, v.line, v.col), "cell size must not be 0");
  }
  if (dx < 0 || dy < 0) h.warnings.push_back("negative cell size kept as given (GDAL does the same)");
  const double xll = esri_origin(f, "xllcorner", "xllcenter", dx, h);
  const double yll = esri_origin(f, "yllcorner", "yllcenter", dy, h);
  // Global grids: cellsize rounded in the file but meant as exactly 360/ncols (as GDAL).
  if (h.width % 360 == 0 && xll == -180.0 && dx == dy && std::fabs(dx - 360.0 / h.width) < 1e-9)
    dx = dy = 360.0 / h.width;
  h.geotransform = {xll, dx, 0, yll + h.height * dy, 0, -dy};
  f.nodata("nodata_value", h);
}

}  // namespace

Position position_in(std::string_view piece, std::size_t offset, Position start) {
  Position p = start;
  std::size_t last_nl = std::string_view::npos;
  for (std::size_t i = 0; i < offset && i < piece.size(); ++i)
    if (piece[i] == '\n') {
      ++p.line;
      last_nl = i;
    }
  p.column = last_nl == std::string_view::npos ? start.column + offset : offset - last_nl;
  return p;
}

AsciiGridHeader parse_header(std::string_view text, const std::string& name) {
  AsciiGridHeader h;
  const HeaderKeys keys = read_key_lines(text, name, h);
  const HeaderFields fields{keys, name, h.data_line};
  if (keys.grass)
    grass_geotransform(fields, h);
  else
    esri_geotransform(fields, h);
  return h;
}

namespace {

// ------------------------------------------------------------------ values

// One part of a piece, ending at whitespace, scanned by one task.
struct Sub {
  std::size_t begin = 0, end = 0;
  std::uint64_t tokens = 0, newlines = 0, first_index = 0;
  AsciiValueStats stats;
  std::size_t bad = SIZE_MAX;  // offset of the first bad token
  std::size_t first_extra = SIZE_MAX;
};

// A small piece is one part; a large one about 8 parts per thread of at least 128 KB, so
// that uneven parts still balance.
void split_piece(std::string_view piece, int threads, std::vector<Sub>& subs) {
  const std::size_t len = piece.size();
  const std::size_t nsub =
      len < (256u << 10) ? 1 : std::min<std::size_t>(static_cast<std::size_t>(threads) * 8, len / (128u << 10));
  subs.assign(nsub, Sub{});
  std::size_t prev = 0;
  for (std::size_t i = 0; i < nsub; ++i) {
    subs[i].begin = prev;
    std::size_t e = i + 1 == nsub ? len : std::max(prev, len / nsub * (i + 1));
    while (e < len && !is_space(piece[e])) ++e;
    subs[i].end = e;
    prev = e;
  }
}

// Pass 1: tokens and newlines of every part, so that pass 2 knows where each part's values go.
void count_tokens(std::string_view piece, std::vector<Sub>& subs) {
  const auto* u = reinterpret_cast<const unsigned char*>(piece.data());
  tbb::parallel_for(std::size_t(0), subs.size(), [&](std::size_t i) {
    Sub& s = subs[i];
    // Branch-free so that it vectorises: a token starts where a non-space follows a space.
    std::uint64_t tokens = s.begin < s.end && u[s.begin] > ' ' ? 1 : 0, nl = 0;
    for (std::size_t p = s.begin; p < s.end; ++p) nl += u[p] == '\n';
    for (std::size_t p = s.begin + 1; p < s.end; ++p) tokens += (u[p] > ' ') & (u[p - 1] <= ' ');
    s.tokens = tokens;
    s.newlines = nl;
  });
}

// Pass 2 for one part: values [s.first_index, ...) into dest (dest[0] is value `k`). Stops at
// the first bad token; tokens beyond `count` are only counted.
template <typename T>
void parse_sub(const char* base, Sub& s, T* dest, std::uint64_t k, std::uint64_t count, T missing) {
  AsciiValueStats st;
  std::uint64_t idx = s.first_index;
  const char* p = base + s.begin;
  const char* const e = base + s.end;
  while (true) {
    while (p < e && is_space(*p)) ++p;
    if (p >= e) break;
    if (idx >= count) {
      if (s.first_extra == SIZE_MAX) s.first_extra = static_cast<std::size_t>(p - base);
      while (p < e && !is_space(*p)) ++p;
      ++idx;
      continue;
    }
    const Token t = scan_token(p, e);
    if (t.kind == Kind::number) {
      dest[idx - k] = static_cast<T>(t.value);
      ++st.count;
      st.min = std::min(st.min, t.value);
      st.max = std::max(st.max, t.value);
      st.all_integral &= t.integral;
      st.all_float32_ok &= t.float32_ok;
    } else if (t.kind == Kind::bad) {
      s.bad = static_cast<std::size_t>(p - base);
      break;
    } else {
      dest[idx - k] = missing;
      ++st.missing;
    }
    ++idx;
    p = t.end;
  }
  s.stats = st;
}

// The error for the bad token of part `s`, which starts at `sub_pos`: where it is and which
// grid cell it was meant for.
[[noreturn]] void throw_bad_value(std::string_view piece, const Sub& s, Position sub_pos, const std::string& name,
                                  int width) {
  const Position at = position_in(piece.substr(s.begin), s.bad - s.begin, sub_pos);
  std::size_t te = s.bad;
  while (te < piece.size() && !is_space(piece[te])) ++te;
  // Which value was it? Count tokens before it in this part.
  std::uint64_t idx = s.first_index;
  bool sp = true;
  for (std::size_t q = s.begin; q < s.bad; ++q) {
    const bool now = is_space(piece[q]);
    idx += static_cast<std::uint64_t>(sp & !now);
    sp = now;
  }
  throw error("read", where(name, at.line, at.column),
              "bad value " + shown(piece.substr(s.bad, te - s.bad)) + " (value " + std::to_string(idx + 1) +
                  ", grid row " + std::to_string(idx / static_cast<std::uint64_t>(width) + 1) + ", column " +
                  std::to_string(idx % static_cast<std::uint64_t>(width) + 1) + "): not a number");
}

void add_stats(AsciiValueStats& r, const AsciiValueStats& s) {
  r.count += s.count;
  r.missing += s.missing;
  r.min = std::min(r.min, s.min);
  r.max = std::max(r.max, s.max);
  r.all_integral &= s.all_integral;
  r.all_float32_ok &= s.all_float32_ok;
}

// Where part `s`, starting at `sub_pos`, ends.
Position end_of_sub(std::string_view piece, const Sub& s, Position sub_pos) {
  Position next = sub_pos;
  next.line += s.newlines;
  if (s.newlines) {
    const auto nl = piece.substr(s.begin, s.end - s.begin).rfind('\n');
    next.column = s.end - (s.begin + nl);
  } else {
    next.column += s.end - s.begin;
  }
  return next;
}

// Where the piece's last token starts (the piece holds one): short backward scans from the end.
Position last_token_position(std::string_view piece, Position piece_pos, Position end_pos) {
  std::size_t q = piece.size(), nl_after = 0;
  while (q > 0 && is_space(piece[q - 1])) nl_after += piece[--q] == '\n';
  while (q > 0 && !is_space(piece[q - 1])) --q;
  std::size_t b = q;
  while (b > 0 && piece[b - 1] != '\n') --b;
  Position last;
  last.line = end_pos.line - nl_after;
  last.column = b == 0 && last.line == piece_pos.line ? piece_pos.column + q : q - b + 1;
  return last;
}

// The values of a grid, piece after piece, each piece in parallel.
template <typename T>
class ValueParser {
 public:
  ValueParser(std::uint64_t count, int width, const std::string& name, const ValueSink<T>& sink, T missing,
              Position first_pos)
      : count_(count), width_(width), name_(name), sink_(sink), missing_(missing), piece_pos_(first_pos),
        threads_(std::max(1, tbb::this_task_arena::max_concurrency())) {}

  void parse_piece(std::string_view piece) {
    result_.text_bytes += piece.size();
    split_piece(piece, threads_, subs_);
    count_tokens(piece, subs_);
    std::uint64_t total = 0;
    for (auto& s : subs_) {
      s.first_index = k_ + total;
      total += s.tokens;
    }
    const std::uint64_t storable = k_ >= count_ ? 0 : std::min<std::uint64_t>(total, count_ - k_);
    T* dest = storable ? sink_.reserve(k_, static_cast<std::size_t>(storable)) : nullptr;
    tbb::parallel_for(std::size_t(0), subs_.size(),
                      [&](std::size_t i) { parse_sub(piece.data(), subs_[i], dest, k_, count_, missing_); });
    // Errors and stats, in text order.
    Position sub_pos = piece_pos_;
    for (const auto& s : subs_) {
      if (s.bad != SIZE_MAX) throw_bad_value(piece, s, sub_pos, name_, width_);
      add_stats(result_.stats, s.stats);
      if (s.first_extra != SIZE_MAX && result_.extra_values == 0)
        result_.first_extra = position_in(piece.substr(s.begin), s.first_extra - s.begin, sub_pos);
      sub_pos = end_of_sub(piece, s, sub_pos);
    }
    if (total > 0) {
      last_token_pos_ = last_token_position(piece, piece_pos_, sub_pos);
      any_token_ = true;
    }
    if (storable) sink_.commit(k_, static_cast<std::size_t>(storable));
    if (total > storable) result_.extra_values += total - storable;
    k_ += storable;
    piece_pos_ = sub_pos;
  }

  // The result once the text has ended; throws when it held fewer than `count` values.
  ParseResult finish() {
    result_.values = k_;
    if (k_ >= count_) return result_;
    const std::string at = any_token_ ? where(name_, last_token_pos_.line, last_token_pos_.column)
                                      : where(name_, piece_pos_.line, piece_pos_.column);
    const auto w = static_cast<std::uint64_t>(width_);
    throw error("read", at,
                "expected " + std::to_string(count_) + " values (" + std::to_string(width_) + " columns x " +
                    std::to_string(count_ / w) + " rows), found " + std::to_string(k_) +
                    (any_token_ ? ": the text ends after this value" : ": no values after the header") + " (grid row " +
                    std::to_string(k_ / w + 1) + " is incomplete)");
  }

 private:
  const std::uint64_t count_;
  const int width_;
  const std::string& name_;
  const ValueSink<T>& sink_;
  const T missing_;
  Position piece_pos_;  // where the next piece starts
  const int threads_;
  ParseResult result_;
  std::uint64_t k_ = 0;  // values stored so far
  Position last_token_pos_{0, 0};  // where the last token seen starts (for the "text ends" message)
  bool any_token_ = false;
  std::vector<Sub> subs_;
};

}  // namespace

template <typename T>
ParseResult parse_values(std::string_view first, Position first_pos, TextSource* source, std::uint64_t count,
                         int width, const std::string& name, const ValueSink<T>& sink, T missing, std::size_t piece_bytes,
                         const std::function<void(std::uint64_t)>& on_piece) {
  ValueParser<T> parser(count, width, name, sink, missing, first_pos);
  for (std::string_view piece = first;;) {
    if (!piece.empty()) parser.parse_piece(piece);
    if (!source) break;
    if (on_piece) on_piece(source->position());
    piece = source->next(piece_bytes);
    if (piece.empty()) break;
  }
  return parser.finish();
}

template ParseResult parse_values<float>(std::string_view, Position, TextSource*, std::uint64_t, int, const std::string&,
                                         const ValueSink<float>&, float, std::size_t,
                                         const std::function<void(std::uint64_t)>&);
template ParseResult parse_values<double>(std::string_view, Position, TextSource*, std::uint64_t, int, const std::string&,
                                          const ValueSink<double>&, double, std::size_t,
                                          const std::function<void(std::uint64_t)>&);

}  // namespace cogkit::detail::ascii
