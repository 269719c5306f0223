// src/read/xyz/format.cpp — sniffs the format of an XYZ file and resolves its X, Y, Z columns (see format.hpp).
#include "read/xyz/format.hpp"

#include <array>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "cogkit/core/error.hpp"
#include "core/text.hpp"
#include "read/xyz/limits.hpp"

namespace cogkit::detail::xyz {

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

namespace {

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


// Columns without --columns: named by the header, else the first three.
void resolve_auto_columns(Format& f) {
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
}

// --columns as three column names or 1-based indices, in the order X, Y, Z.
void resolve_listed_columns(const std::string& spec_in, Format& f) {
  auto check = [&](int c) {
    if (c < 0 || c >= f.ncols)
      throw error("options", "", "XyzOptions::columns '" + spec_in + "': column " + std::to_string(c + 1) + " does not exist (the data lines have " +
                                     std::to_string(f.ncols) + " fields)");
  };
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

// Resolves --columns against the header.
void resolve_columns(const std::string& spec_in, Format& f) {
  const std::string spec = lower(spec_in);
  if (spec.empty() || spec == "auto") {
    resolve_auto_columns(f);
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
  resolve_listed_columns(spec_in, f);
}

}  // namespace


// Reads comment/header lines and the first data line.
Format sniff(const InputText& file, const XyzOptions& o) {
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

bool starts_like_xyz(std::string_view head) {
  std::string_view buf = head;
  if (buf.empty() || buf.find('\0') != std::string_view::npos) return false;
  if (buf.size() >= kSniffBytes) {  // the last line may be cut: up to the last newline
    const auto nl = buf.rfind('\n');
    if (nl == std::string_view::npos) return false;
    buf = buf.substr(0, nl + 1);
  }
  std::size_t pos = buf.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
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

}  // namespace cogkit::detail::xyz
