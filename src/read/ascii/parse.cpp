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
  std::size_t pos = 0;
  std::uint64_t line = 1;
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF && static_cast<unsigned char>(text[1]) == 0xBB &&
      static_cast<unsigned char>(text[2]) == 0xBF) {
    pos = 3;
    h.warnings.push_back("UTF-8 byte order mark skipped");
  }
  std::map<std::string, HeaderValue> keys;
  bool grass = false, esri = false, found_data = false;
  std::uint64_t last_header_line = 0;
  while (pos < text.size()) {
    const std::size_t line_start = pos;
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view lv = text.substr(pos, eol - pos);
    if (!lv.empty() && lv.back() == '\r') lv.remove_suffix(1);
    std::size_t i = 0;
    while (i < lv.size() && is_space(lv[i])) ++i;
    if (i == lv.size()) {  // blank line
      pos = eol + 1;
      ++line;
      continue;
    }
    std::size_t j = i;
    while (j < lv.size() && (std::isalnum(static_cast<unsigned char>(lv[j])) || lv[j] == '_')) ++j;
    const std::string word = lower(lv.substr(i, j - i));
    std::size_t after = j;
    while (after < lv.size() && (lv[after] == ' ' || lv[after] == '\t')) ++after;
    const bool grass_null_key = word == "null" && after < lv.size() && lv[after] == ':';
    const bool is_data = !std::isalpha(static_cast<unsigned char>(lv[i])) || word == "nan" || word == "inf" ||
                         word == "infinity" || (word == "null" && !grass_null_key) || (word.rfind("nan", 0) == 0 && j < lv.size() && lv[j] == '(');
    if (is_data) {
      h.data_offset = line_start;
      h.data_line = static_cast<int>(line);
      found_data = true;
      break;
    }
    // key [:] value
    std::size_t k = j;
    while (k < lv.size() && (lv[k] == ' ' || lv[k] == '\t')) ++k;
    const bool colon = k < lv.size() && lv[k] == ':';
    if (colon) {
      ++k;
      grass = true;
    } else {
      esri = true;
    }
    if (grass && esri)
      throw error("read", where(name, line, i + 1), "header mixes ESRI keys and GRASS 'key:' lines");
    while (k < lv.size() && is_space(lv[k])) ++k;
    std::size_t ve = k;
    while (ve < lv.size() && !is_space(lv[ve])) ++ve;
    HeaderValue v;
    v.text = std::string(lv.substr(k, ve - k));
    v.line = line;
    v.col = k + 1;
    static const char* const esri_keys[] = {"ncols",     "nrows",     "xllcorner", "yllcorner", "xllcenter",    "yllcenter",
                                            "xllcentre", "yllcentre", "cellsize",  "dx",        "dy",           "nodata_value",
                                            "nodata"};
    static const char* const grass_keys[] = {"north", "south", "east", "west", "rows", "cols", "null", "type"};
    bool known = false;
    if (colon) {
      for (const char* key : grass_keys) known |= word == key;
    } else {
      for (const char* key : esri_keys) known |= word == key;
    }
    if (!known) {
      h.warnings.push_back(where(name, line, i + 1) + ": unknown header key '" + std::string(lv.substr(i, j - i)) +
                           "' ignored");
      pos = eol + 1;
      ++line;
      last_header_line = line;
      continue;
    }
    if (v.text.empty())
      throw error("read", where(name, line, lv.size() + 1), "header key '" + std::string(lv.substr(i, j - i)) + "' has no value");
    std::size_t rest = ve;
    while (rest < lv.size() && is_space(lv[rest])) ++rest;
    if (rest < lv.size())
      throw error("read", where(name, line, rest + 1),
                  "unexpected " + shown(lv.substr(rest)) + " after the value of header key '" +
                      std::string(lv.substr(i, j - i)) + "'");
    if (word != "type") {
      const Token t = scan_token(lv.data() + k, lv.data() + ve);
      v.kind = t.kind;
      v.value = t.value;
      v.integral = t.integral;
      const bool nodata_key = word == "nodata_value" || word == "nodata" || word == "null";
      const bool ok = t.kind == Kind::number ? (std::isfinite(t.value) || nodata_key)
                                             : nodata_key && (t.kind == Kind::nan || t.kind == Kind::null ||
                                                              (t.kind == Kind::star && colon));
      if (!ok)
        throw error("read", where(name, line, k + 1),
                    "bad value " + shown(v.text) + " for header key '" + std::string(lv.substr(i, j - i)) + "'");
    }
    std::string canonical = word;
    if (canonical == "xllcentre") canonical = "xllcenter";
    if (canonical == "yllcentre") canonical = "yllcenter";
    if (canonical == "nodata") canonical = "nodata_value";
    if (keys.count(canonical))
      throw error("read", where(name, line, i + 1), "header key '" + std::string(lv.substr(i, j - i)) + "' given twice");
    keys[canonical] = v;
    pos = eol + 1;
    ++line;
    last_header_line = line;
  }
  (void)last_header_line;
  const std::string end_pos = where(name, line, 1);
  if (!found_data) {
    if (keys.empty()) throw error("read", name, "not an ESRI ASCII grid: no header keys found");
    throw error("read", end_pos, "no values after the header");
  }
  auto need = [&](const char* key, const char* alt = nullptr) -> const HeaderValue& {
    auto it = keys.find(key);
    if (it == keys.end() && alt) it = keys.find(alt);
    if (it == keys.end())
      throw error("read", where(name, h.data_line, 1),
                  std::string("missing header key '") + key + (alt ? std::string("' (or '") + alt + "')" : "'") +
                      " before the first value");
    return it->second;
  };
  auto dimension = [&](const HeaderValue& v, const char* key) {
    if (!v.integral || v.value < 1)
      throw error("read", where(name, v.line, v.col), std::string(key) + " must be a positive integer, not " + shown(v.text));
    if (v.value > 100'000'000)
      throw error("read", where(name, v.line, v.col),
                  std::string(key) + " " + v.text + " is absurd (more than 100,000,000); refusing to allocate");
    return static_cast<int>(v.value);
  };
  auto optional_nodata = [&](const char* key) {
    auto it = keys.find(key);
    if (it == keys.end()) return;
    const HeaderValue& v = it->second;
    h.nodata_text = v.text;
    if (v.kind == Kind::nan || v.kind == Kind::star) {
      h.nodata = std::nan("");
    } else if (v.kind == Kind::null) {
      h.nodata_is_null = true;
      h.nodata = -static_cast<double>(FLT_MAX);
    } else {
      h.nodata = v.value;
    }
  };

  if (grass) {
    h.flavor = AsciiGridFlavor::grass;
    const auto& north = need("north");
    const auto& south = need("south");
    const auto& east = need("east");
    const auto& west = need("west");
    h.height = dimension(need("rows"), "rows");
    h.width = dimension(need("cols"), "cols");
    if (!(north.value > south.value))
      throw error("read", where(name, north.line, north.col), "north must be greater than south");
    if (!(east.value > west.value)) throw error("read", where(name, east.line, east.col), "east must be greater than west");
    h.geotransform = {west.value, (east.value - west.value) / h.width, 0, north.value, 0,
                      -(north.value - south.value) / h.height};
    optional_nodata("null");
    return h;
  }

  h.flavor = AsciiGridFlavor::esri;
  h.width = dimension(need("ncols"), "ncols");
  h.height = dimension(need("nrows"), "nrows");
  double dx = 0, dy = 0;
  const bool has_dx = keys.count("dx") != 0, has_dy = keys.count("dy") != 0;
  if (has_dx || has_dy) {
    dx = need("dx").value;
    dy = need("dy").value;
    if (keys.count("cellsize")) h.warnings.push_back("both cellsize and dx/dy given; dx/dy used");
  } else {
    dx = dy = need("cellsize", "dx").value;
  }
  for (double* d : {&dx, &dy})
    if (*d == 0) {
      const auto& v = keys.count("cellsize") ? keys["cellsize"] : keys["dx"];
      throw error("read", where(name, v.line, v.col), "cell size must not be 0");
    }
  if (dx < 0 || dy < 0) h.warnings.push_back("negative cell size kept as given (GDAL does the same)");
  auto origin = [&](const char* corner, const char* centre, double cell, double& out) {
    const bool has_corner = keys.count(corner) != 0, has_centre = keys.count(centre) != 0;
    if (has_corner && has_centre) {
      const auto& v = keys[centre];
      throw error("read", where(name, v.line, v.col), std::string("both ") + corner + " and " + centre + " given");
    }
    if (!has_corner && !has_centre) need(corner, centre);
    if (has_corner) {
      out = keys[corner].value;
    } else {
      out = keys[centre].value - cell / 2;
      h.cell_centre = true;
    }
  };
  double xll = 0, yll = 0;
  origin("xllcorner", "xllcenter", dx, xll);
  origin("yllcorner", "yllcenter", dy, yll);
  // Global grids: cellsize rounded in the file but meant as exactly 360/ncols (as GDAL).
  if (h.width % 360 == 0 && xll == -180.0 && dx == dy && std::fabs(dx - 360.0 / h.width) < 1e-9)
    dx = dy = 360.0 / h.width;
  h.geotransform = {xll, dx, 0, yll + h.height * dy, 0, -dy};
  optional_nodata("nodata_value");
  return h;
}

template <typename T>
ParseResult parse_values(std::string_view first, Position first_pos, TextSource* source, std::uint64_t count,
                         int width, const std::string& name, const ValueSink<T>& sink, T missing, std::size_t piece_bytes,
                         const std::function<void(std::uint64_t)>& on_piece) {
  ParseResult result;
  const int threads = std::max(1, tbb::this_task_arena::max_concurrency());
  Position piece_pos = first_pos;
  std::string_view piece = first;
  std::uint64_t k = 0;  // values stored so far
  // Where the last token seen ends (for the "file ends" message).
  Position last_token_pos{0, 0};
  bool any_token = false;

  struct Sub {
    std::size_t begin = 0, end = 0;
    std::uint64_t tokens = 0, newlines = 0, first_index = 0;
    AsciiValueStats stats;
    std::size_t bad = SIZE_MAX;        // offset of the first bad token
    std::size_t first_extra = SIZE_MAX;
  };
  std::vector<Sub> subs;

  while (true) {
    if (!piece.empty()) {
      result.text_bytes += piece.size();
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
      const char* const base = piece.data();
      // Pass 1: count tokens and newlines.
      tbb::parallel_for(std::size_t(0), nsub, [&](std::size_t i) {
        Sub& s = subs[i];
        // Branch-free so that it vectorises: a token starts where a non-space follows a space.
        const auto* u = reinterpret_cast<const unsigned char*>(base);
        std::uint64_t tokens = s.begin < s.end && u[s.begin] > ' ' ? 1 : 0, nl = 0;
        for (std::size_t p = s.begin; p < s.end; ++p) nl += u[p] == '\n';
        for (std::size_t p = s.begin + 1; p < s.end; ++p) tokens += (u[p] > ' ') & (u[p - 1] <= ' ');
        s.tokens = tokens;
        s.newlines = nl;
      });
      std::uint64_t total = 0;
      for (auto& s : subs) {
        s.first_index = k + total;
        total += s.tokens;
      }
      const std::uint64_t storable = k >= count ? 0 : std::min<std::uint64_t>(total, count - k);
      T* dest = storable ? sink.reserve(k, static_cast<std::size_t>(storable)) : nullptr;
      // Pass 2: parse.
      tbb::parallel_for(std::size_t(0), nsub, [&](std::size_t i) {
        Sub& s = subs[i];
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
      });
      // Errors and stats, in text order.
      Position sub_pos = piece_pos;
      for (const auto& s : subs) {
        if (s.bad != SIZE_MAX) {
          const Position at = position_in(piece.substr(s.begin), s.bad - s.begin, sub_pos);
          std::size_t te = s.bad;
          while (te < len && !is_space(piece[te])) ++te;
          // Which value was it? Count tokens before it in this sub.
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
        auto& r = result.stats;
        r.count += s.stats.count;
        r.missing += s.stats.missing;
        r.min = std::min(r.min, s.stats.min);
        r.max = std::max(r.max, s.stats.max);
        r.all_integral &= s.stats.all_integral;
        r.all_float32_ok &= s.stats.all_float32_ok;
        if (s.first_extra != SIZE_MAX && result.extra_values == 0)
          result.first_extra = position_in(piece.substr(s.begin), s.first_extra - s.begin, sub_pos);
        // Advance sub_pos to the end of this sub.
        Position next = sub_pos;
        next.line += s.newlines;
        if (s.newlines) {
          const auto nl = piece.substr(s.begin, s.end - s.begin).rfind('\n');
          next.column = s.end - (s.begin + nl);
        } else {
          next.column += s.end - s.begin;
        }
        sub_pos = next;
      }
      // Position of the piece's last token: short backward scans from the end.
      if (total > 0) {
        std::size_t q = len, nl_after = 0;
        while (q > 0 && is_space(piece[q - 1])) nl_after += piece[--q] == '\n';
        while (q > 0 && !is_space(piece[q - 1])) --q;
        std::size_t b = q;
        while (b > 0 && piece[b - 1] != '\n') --b;
        last_token_pos.line = sub_pos.line - nl_after;
        last_token_pos.column = b == 0 && last_token_pos.line == piece_pos.line ? piece_pos.column + q : q - b + 1;
        any_token = true;
      }
      if (storable) sink.commit(k, static_cast<std::size_t>(storable));
      if (total > storable) result.extra_values += total - storable;
      k += storable;
      piece_pos = sub_pos;
    }
    if (!source) break;
    if (on_piece) on_piece(source->position());
    piece = source->next(piece_bytes);
    if (piece.empty()) break;
  }
  result.values = k;
  if (k < count) {
    const std::string at = any_token ? where(name, last_token_pos.line, last_token_pos.column)
                                     : where(name, piece_pos.line, piece_pos.column);
    throw error("read", at,
                "expected " + std::to_string(count) + " values (" + std::to_string(width) + " columns x " +
                    std::to_string(count / static_cast<std::uint64_t>(width)) + " rows), found " + std::to_string(k) +
                    (any_token ? ": the text ends after this value" : ": no values after the header") + " (grid row " +
                    std::to_string(k / static_cast<std::uint64_t>(width) + 1) + " is incomplete)");
  }
  return result;
}

template ParseResult parse_values<float>(std::string_view, Position, TextSource*, std::uint64_t, int, const std::string&,
                                         const ValueSink<float>&, float, std::size_t,
                                         const std::function<void(std::uint64_t)>&);
template ParseResult parse_values<double>(std::string_view, Position, TextSource*, std::uint64_t, int, const std::string&,
                                          const ValueSink<double>&, double, std::size_t,
                                          const std::function<void(std::uint64_t)>&);

}  // namespace cogkit::detail::ascii
