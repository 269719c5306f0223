// src/read/ascii/scan.hpp — the number scanner of the ESRI ASCII grid reader.
//
// One call reads one whitespace-delimited token and returns its value plus the two
// facts the data-type rule needs: is the value an integer, and does Float32 hold it
// to the digits it was printed with. Exact decimal → double conversion: the Clinger
// fast path (≤ 15-16 digit mantissa, |exponent| ≤ 22) covers DEM text; anything else
// goes through fast_float. Accepts what GDAL's CPLAtofM accepts in a well-formed
// token: sign (+/-), decimal point or decimal comma, leading/trailing point
// (".5", "5."), e/E/d/D exponent, nan/inf/infinity (any case), and `null` / `*`
// as missing values.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fast_float/fast_float.h>

namespace cogkit::detail::ascii {

// Whitespace: space, tab, CR, LF, VT, FF — and, leniently, any other control byte
// (a DOS end-of-file ^Z or a stray NUL separates values instead of corrupting one).
inline bool is_space(char c) noexcept { return static_cast<unsigned char>(c) <= ' '; }

enum class Kind : std::uint8_t {
  number,   // a finite or infinite number
  nan,      // nan / -nan / NaN
  null,     // `null` (12D software) — the nodata value
  star,     // `*` — GRASS missing value
  bad,      // not a number
};

struct Token {
  double value = 0;
  Kind kind = Kind::bad;
  bool integral = false;    // finite and an exact integer
  bool float32_ok = false;  // Float32 reproduces the printed digits (see float32_round_trips)
  const char* end = nullptr;  // one past the token (at whitespace or the end of input)
};

inline constexpr double kPow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
inline constexpr std::uint64_t kPow10u[20] = {1ULL,
                                              10ULL,
                                              100ULL,
                                              1000ULL,
                                              10000ULL,
                                              100000ULL,
                                              1000000ULL,
                                              10000000ULL,
                                              100000000ULL,
                                              1000000000ULL,
                                              10000000000ULL,
                                              100000000000ULL,
                                              1000000000000ULL,
                                              10000000000000ULL,
                                              100000000000000ULL,
                                              1000000000000000ULL,
                                              10000000000000000ULL,
                                              100000000000000000ULL,
                                              1000000000000000000ULL,
                                              10000000000000000000ULL};

inline int digit_count(std::uint64_t m) noexcept {
  int n = 1;
  while (n < 20 && m >= kPow10u[n]) ++n;
  return n;
}

// True when the decimal m·10^e (m without trailing zeros, `digits` significant digits),
// whose nearest double is v, survives a trip through Float32: printing (float)v with
// `digits` significant digits gives m·10^e back. Anything with ≤ 6 significant digits
// in the normal Float32 range does (FLT_DIG); the exact value of a float printed in
// full does too.
inline bool float32_round_trips(double v, std::uint64_t m, int e, int digits, bool exact_mantissa) noexcept {
  const float f = static_cast<float>(v);
  if (!std::isfinite(f)) return false;
  if (v == 0) return true;
  if (std::fabs(v) < static_cast<double>(FLT_MIN)) return false;  // subnormal in float32: precision lost
  if (digits <= FLT_DIG && exact_mantissa) return true;
  const double fd = static_cast<double>(f);
  if (fd == v) return true;
  if (exact_mantissa && digits <= 15 && e >= -22 && e <= 22) {
    const double scaled = e <= 0 ? std::fabs(fd) * kPow10[-e] : std::fabs(fd) / kPow10[e];
    return static_cast<std::uint64_t>(std::llround(scaled)) == m;
  }
  // Rare: very long mantissas or extreme exponents — format and compare.
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*e", digits > 17 ? 16 : digits - 1, fd);
  return std::strtod(buf, nullptr) == v;
}

inline bool equal_ci(const char* p, const char* e, const char* word) noexcept {
  const std::size_t n = std::strlen(word);
  if (static_cast<std::size_t>(e - p) < n) return false;
  for (std::size_t i = 0; i < n; ++i) {
    char c = p[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != word[i]) return false;
  }
  return true;
}

// The digits and the decimal point of a number as scanned: value = m·10^exp10.
struct Mantissa {
  std::uint64_t m = 0;
  int digits = 0;  // significant digits kept in m (at most 19: more would overflow)
  int exp10 = 0;
  bool any_digit = false, point = false, dropped_nonzero = false;
};

// One past the token that contains p (the first whitespace, or `end`).
[[gnu::always_inline]] inline const char* token_end(const char* p, const char* end) noexcept {
  while (p < end && !is_space(*p)) ++p;
  return p;
}

// Digits with at most one decimal point or comma. Leading zeros are not significant; digits
// beyond the 19th only scale the value (dropped_nonzero says whether they changed it).
[[gnu::always_inline]] inline const char* scan_mantissa(const char* p, const char* end, Mantissa& n) noexcept {
  for (; p < end; ++p) {
    const char c = *p;
    const unsigned d = static_cast<unsigned>(c - '0');
    if (d < 10) {
      n.any_digit = true;
      if (n.m == 0 && d == 0) {
        if (n.point) --n.exp10;
      } else if (n.digits < 19) {
        n.m = n.m * 10 + d;
        ++n.digits;
        if (n.point) --n.exp10;
      } else {
        if (!n.point) ++n.exp10;
        n.dropped_nonzero |= d != 0;
      }
    } else if ((c == '.' || c == ',') && !n.point) {
      n.point = true;
    } else {
      break;
    }
  }
  return p;
}

// A token without digits: nan, nan(...), inf, infinity (a sign is allowed before these),
// null, * (no sign). `w` is where the word starts (after the sign); anything else is bad.
inline Token scan_word(const char* start, const char* w, const char* end, bool negative, bool point) noexcept {
  Token t;
  const char* const we = token_end(w, end);
  t.end = we;
  if (point) return t;
  const auto n = we - w;
  if ((n == 3 && equal_ci(w, we, "nan")) || (n > 3 && equal_ci(w, we, "nan(") && we[-1] == ')')) {
    t.kind = Kind::nan;
    t.value = std::nan("");
    t.float32_ok = true;
  } else if ((n == 3 && equal_ci(w, we, "inf")) || (n == 8 && equal_ci(w, we, "infinity"))) {
    t.kind = Kind::number;
    t.value = negative ? -HUGE_VAL : HUGE_VAL;
    t.float32_ok = true;
  } else if (w == start && n == 4 && equal_ci(w, we, "null")) {
    t.kind = Kind::null;
  } else if (w == start && n == 1 && *w == '*') {
    t.kind = Kind::star;
  }
  return t;
}

// The e/E/d/D exponent at p (*p is the letter), added to exp10. Returns one past it, or
// nullptr when it has no digits ("1e", "1e+").
[[gnu::always_inline]] inline const char* scan_exponent(const char* p, const char* end, int& exp10) noexcept {
  ++p;
  bool negative = false;
  if (p < end && (*p == '-' || *p == '+')) {
    negative = *p == '-';
    ++p;
  }
  const char* const digits = p;
  int ev = 0;
  for (; p < end && static_cast<unsigned>(*p - '0') < 10; ++p)
    if (ev < 100000) ev = ev * 10 + (*p - '0');
  if (p == digits) return nullptr;
  exp10 += negative ? -ev : ev;
  return p;
}

// The value of [start, p) when the Clinger fast path does not apply (long mantissas, large
// exponents): fast_float, which wants '.', no leading '+' and an 'e' exponent, so it reads a
// normalised copy. False when it cannot convert the text.
inline bool convert_slow(const char* start, const char* p, double& value) noexcept {
  char small[80];
  std::string big;
  const std::size_t n = static_cast<std::size_t>(p - start);
  char* buf = small;
  if (n + 2 > sizeof small) {
    big.resize(n + 2);
    buf = big.data();
  }
  std::size_t k = 0;
  for (const char* q = start; q < p; ++q) {
    char c = *q;
    if (q == start && c == '+') continue;
    if (c == ',') c = '.';
    if (c == 'd' || c == 'D') c = 'e';
    buf[k++] = c;
  }
  double v = 0;
  const auto r = fast_float::from_chars(buf, buf + k, v);
  if (r.ec != std::errc() && r.ec != std::errc::result_out_of_range) return false;
  if (r.ec == std::errc::result_out_of_range) v = std::strtod(std::string(buf, k).c_str(), nullptr);
  value = v;
  return true;
}

// The two facts the data-type rule needs, for a finite or infinite number with value t.value:
// integral (trailing zeros of the mantissa trimmed first) and float32_ok.
[[gnu::always_inline]] inline void set_number_facts(Token& t, const Mantissa& n) noexcept {
  if (n.m == 0) {
    t.integral = true;
    t.float32_ok = true;
    return;
  }
  int e = n.exp10;
  std::uint64_t mt = n.m;
  if (!n.dropped_nonzero) {
    while (mt % 10 == 0) {
      mt /= 10;
      ++e;
    }
  }
  t.integral = e >= 0 && std::isfinite(t.value);
  t.float32_ok = float32_round_trips(t.value, mt, e, digit_count(mt), !n.dropped_nonzero);
}

// Reads the token starting at p (p < end, *p not whitespace). On return, t.end is the
// first whitespace after the token (or `end`); t.kind == bad if the token is not a number.
[[gnu::noinline]] inline Token scan_token_general(const char* p, const char* end) noexcept {
  const char* const start = p;
  bool negative = false;
  if (*p == '-' || *p == '+') {
    negative = *p == '-';
    ++p;
  }
  Mantissa n;
  p = scan_mantissa(p, end, n);
  if (!n.any_digit) return scan_word(start, p, end, negative, n.point);
  Token t;
  if (p < end && (*p == 'e' || *p == 'E' || *p == 'd' || *p == 'D')) {
    const char* const after = scan_exponent(p, end, n.exp10);
    if (!after) {
      t.end = token_end(p + 1, end);
      return t;  // "1e" / "1e+" : bad
    }
    p = after;
  }
  t.end = token_end(p, end);
  if (t.end != p) return t;  // trailing garbage: bad
  t.kind = Kind::number;
  if (n.m == 0) {
    t.value = negative ? -0.0 : 0.0;
  } else if (!n.dropped_nonzero && n.digits <= 19 && n.m <= (1ULL << 53) && n.exp10 >= -22 && n.exp10 <= 22) {
    const double dm = static_cast<double>(n.m);
    t.value = n.exp10 < 0 ? dm / kPow10[-n.exp10] : dm * kPow10[n.exp10];
    if (negative) t.value = -t.value;
  } else if (!convert_slow(start, p, t.value)) {
    t.kind = Kind::bad;
    return t;
  }
  set_number_facts(t, n);
  return t;
}

// Reads the token starting at p (p < end, *p not whitespace). The common DEM spelling
// ([-]digits[.digits], at most 19 digits) is handled inline; the rest by scan_token_general.
[[gnu::always_inline]] inline Token scan_token(const char* p, const char* end) noexcept {
  const char* const s = p;
  const bool negative = *p == '-';
  p += negative;
  std::uint64_t m = 0;
  const char* q = p;
  while (q < end && static_cast<unsigned>(*q - '0') < 10) m = m * 10 + static_cast<unsigned>(*q++ - '0');
  const int int_digits = static_cast<int>(q - p);
  int frac = 0;
  unsigned frac_nonzero = 0;  // OR of the fraction's digits: integral without a 64-bit modulo
  if (q < end && *q == '.') {
    const char* const f = ++q;
    while (q < end && static_cast<unsigned>(*q - '0') < 10) {
      const unsigned d = static_cast<unsigned>(*q++ - '0');
      frac_nonzero |= d;
      m = m * 10 + d;
    }
    frac = static_cast<int>(q - f);
  }
  const int digits = int_digits + frac;
  if (digits == 0 || digits > 19 || (q < end && !is_space(*q)) || m > (1ULL << 53) || frac > 22)
    return scan_token_general(s, end);
  Token t;
  t.end = q;
  t.kind = Kind::number;
  const double dm = static_cast<double>(m);
  t.value = frac ? dm / kPow10[frac] : dm;
  if (negative) t.value = -t.value;
  t.integral = frac_nonzero == 0;
  if (m < 1000000) {
    t.float32_ok = true;  // ≤ 6 significant digits, well inside Float32's range
  } else {
    std::uint64_t mt = m;
    int e = -frac;
    while (mt % 10 == 0) {
      mt /= 10;
      ++e;
    }
    t.float32_ok = float32_round_trips(t.value, mt, e, digit_count(mt), true);
  }
  return t;
}

}  // namespace cogkit::detail::ascii
