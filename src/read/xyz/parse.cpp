// src/read/xyz/parse.cpp — pass 1 of the XYZ reader: chunks parsed in parallel, then merged (see parse.hpp).
#include "read/xyz/parse.hpp"

#include <tbb/parallel_for.h>

#include "cogkit/core/error.hpp"

namespace cogkit::detail::xyz {

std::vector<Chunk> make_chunks(const InputText& file, std::size_t start, int threads, std::size_t max_chunk) {
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

namespace {

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

// Parses one chunk: its extent (and the lines of the extremes), distinct coordinates,
// how often each coordinate changes between lines, Z statistics, the points (keep).
void scan_chunk(const InputText& file, const Format& f, bool keep, bool collect_unique, Chunk& c) {
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
}

// Merges the chunks: extent, Z statistics (the Float32 precision test ran on each Z
// token during the parse), line structure, distinct coordinates.
ScanTotals merge_chunks(std::vector<Chunk>& chunks, bool collect_unique) {
  ScanTotals t;
  for (auto& c : chunks) {
    if (c.points == 0) continue;
    if (c.z.any) {
      if (!t.z.any) {
        t.z = c.z;
      } else {
        t.z.min = std::min(t.z.min, c.z.min);
        t.z.max = std::max(t.z.max, c.z.max);
        t.z.all_integer = t.z.all_integer && c.z.all_integer;
        t.z.needs_float64 = t.z.needs_float64 || c.z.needs_float64;
      }
    }
    if (c.amin < t.amin) t.amin = c.amin, t.ext_off[0] = c.extreme_off[0];
    if (c.amax > t.amax) t.amax = c.amax, t.ext_off[1] = c.extreme_off[1];
    if (c.bmin < t.bmin) t.bmin = c.bmin, t.ext_off[2] = c.extreme_off[2];
    if (c.bmax > t.bmax) t.bmax = c.bmax, t.ext_off[3] = c.extreme_off[3];
    t.points += c.points;
    t.nan_z += c.nan_z;
    t.a_changes += c.a_changes;
    t.b_changes += c.b_changes;
    t.overflow = t.overflow || c.overflow;
    if (collect_unique && !t.overflow) {
      merge_unique(t.ua, c.ua);
      merge_unique(t.ub, c.ub);
      if (t.ua.size() > kMaxUnique || t.ub.size() > kMaxUnique) t.overflow = true;
    }
  }
  return t;
}

}  // namespace

ScanTotals scan(tbb::task_arena& arena, const InputText& file, const Format& f, std::vector<Chunk>& chunks, bool keep,
                bool collect_unique, ByteProgress& progress) {
  arena.execute([&] {
    tbb::parallel_for(std::size_t(0), chunks.size(), [&](std::size_t ci) {
      Chunk& c = chunks[ci];
      scan_chunk(file, f, keep, collect_unique, c);
      // The text of this chunk is not needed any more (kept points) or will be faulted
      // back from the page cache (second pass): drop it from the resident set.
      file.release(c.begin, c.end);
      progress.advance(c.end - c.begin, keep ? 0.8 : 0.5, 0.0);
    });
  });
  for (const auto& c : chunks)
    if (!c.err.message.empty()) throw error(kStep, file.where(c.err.offset), c.err.message);
  return merge_chunks(chunks, collect_unique);
}

}  // namespace cogkit::detail::xyz
