// src/read/xyz/bin.cpp — pass 2: gridded points placed, scattered ones binned, strip by strip (see bin.hpp).
#include "read/xyz/bin.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <tbb/parallel_for.h>

#include "cogkit/core/error.hpp"
#include "read/xyz/limits.hpp"

namespace cogkit::detail::xyz {

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

StripPlan plan_strips(const Grid& g, const MemoryBudget& budget) {
  const std::uint64_t row_bytes = std::uint64_t(g.width) * sizeof(Cell);
  const std::uint64_t work = std::max<std::uint64_t>(budget.work_memory(), row_bytes);
  StripPlan p;
  p.rows_per_strip =
      budget.force() == StagingMode::file ? std::max(1, g.height / 3)
                                : int(std::min<std::uint64_t>(std::uint64_t(g.height), std::max<std::uint64_t>(1, work / row_bytes)));
  p.strips = (g.height + p.rows_per_strip - 1) / p.rows_per_strip;
  return p;
}

// The spill file of one strip: points as raw Point records.
struct StripPlacer::Spill {
  TempPath path;
  std::FILE* fp = nullptr;
  ~Spill() {
    if (fp) std::fclose(fp);
  }
};

StripPlacer::StripPlacer(const PointSource& src, const Grid& g, Bin bin, double idw_power, const StripPlan& plan)
    : src_(src), g_(g), bin_(bin), idw_power_(idw_power), plan_(plan) {}

StripPlacer::~StripPlacer() = default;

void StripPlacer::spill(const std::string& tmpdir) {
  for (int sidx = 0; sidx < plan_.strips; ++sidx) {
    auto sp = std::make_unique<Spill>();
    sp->path = TempPath(tmpdir, "xyz-strip", ".bin");
    sp->fp = std::fopen(sp->path.path().c_str(), "w+b");
    if (!sp->fp)
      throw error(kStep, sp->path.path(), std::string("cannot create a spill file: ") + std::strerror(errno));
    spills_.push_back(std::move(sp));
  }
  const std::size_t nt = std::size_t(src_.threads);
  for (std::size_t c0 = 0; c0 < src_.chunks.size(); c0 += nt)
    spill_batch(c0, std::min(src_.chunks.size(), c0 + nt));
}

// Parses chunks [c0, c1) in parallel, then appends their points to the strips' files in
// file order.
void StripPlacer::spill_batch(std::size_t c0, std::size_t c1) {
  const auto& chunks = src_.chunks;
  const std::size_t strips = std::size_t(plan_.strips);
  std::vector<std::vector<std::vector<Point>>> out(c1 - c0, std::vector<std::vector<Point>>(strips));
  src_.arena.execute([&] {
    tbb::parallel_for(c0, c1, [&](std::size_t ci) {
      const Chunk& c = chunks[ci];
      auto& mine = out[ci - c0];
      ParseError err;
      parse_range(src_.file.data(), c.begin, c.end, src_.format, err,
                  [&](double a, double b, double zv, std::size_t, const char*, const char*) {
                    if (std::isnan(zv)) return;
                    const double y = src_.a_is_x ? b : a;
                    const double fr = std::floor((g_.y0 - y) / g_.dy);  // the cell row (centres at half rows)
                    const auto row = std::clamp<std::int64_t>(static_cast<std::int64_t>(fr), 0, g_.height - 1);
                    mine[std::size_t(row / plan_.rows_per_strip)].push_back({a, b, zv});
                  });
    });
  });
  src_.file.release(chunks[c0].begin, chunks[c1 - 1].end);
  for (auto& per_chunk : out)
    for (std::size_t sidx = 0; sidx < strips; ++sidx) {
      const auto& v = per_chunk[sidx];
      if (!v.empty() && std::fwrite(v.data(), sizeof(Point), v.size(), spills_[sidx]->fp) != v.size())
        throw error(kStep, spills_[sidx]->path.path(), "cannot write a spill file (disk full?)");
    }
  src_.progress.advance(chunks[c1 - 1].end - chunks[c0].begin, 0.25, 0.5);
}

// The cell whose centre is within 0.3 cells of (x, y); false when there is none.
bool StripPlacer::snap(double x, double y, std::int64_t& col, std::int64_t& row) const {
  const double fc = (x - g_.x0) / g_.dx - 0.5, fr = (g_.y0 - y) / g_.dy - 0.5;
  col = static_cast<std::int64_t>(std::floor(fc + 0.5));
  row = static_cast<std::int64_t>(std::floor(fr + 0.5));
  return !(std::fabs(fc - double(col)) > 0.3 || std::fabs(fr - double(row)) > 0.3 || col < 0 || row < 0 ||
           col >= g_.width || row >= g_.height);
}

// One point (file columns a, b) into its cell of the current strip.
void StripPlacer::put(double a, double b, double zv, std::size_t off) {
  if (std::isnan(zv)) return;
  const double x = src_.a_is_x ? a : b, y = src_.a_is_x ? b : a;
  std::int64_t col, row;
  double cx = 0, cy = 0;
  if (g_.binned) {
    col = std::int64_t(std::floor((x - g_.x0) / g_.dx));
    row = std::int64_t(std::floor((g_.y0 - y) / g_.dy));
    col = std::clamp<std::int64_t>(col, 0, g_.width - 1);
    row = std::clamp<std::int64_t>(row, 0, g_.height - 1);
    cx = g_.x0 + (double(col) + 0.5) * g_.dx;
    cy = g_.y0 - (double(row) + 0.5) * g_.dy;
  } else if (!snap(x, y, col, row)) {
    if (stats_.off_grid++ == 0) stats_.off_grid_off = off;
    return;
  }
  if (row < r0_ || row >= r1_) return;
  const std::size_t i = std::size_t(row - r0_) * std::size_t(g_.width) + std::size_t(col);
  if (bin_ == Bin::grid) {
    double& v = gv_[i];
    if (!std::isnan(v)) ++stats_.duplicates;
    v = zv;  // the last point in file order wins
    return;
  }
  accumulate(acc_[i], x, y, cx, cy, zv);
}

// Adds a point at (x, y) to a cell centred at (cx, cy).
void StripPlacer::accumulate(Cell& c, double x, double y, double cx, double cy, double zv) const {
  switch (bin_) {
    case Bin::grid: break;  // placed by put()
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
      if (d <= g_.dx * 1e-9) {
        c.v = zv;
        c.w = -1;
      } else {
        const double wgt = 1.0 / std::pow(d, idw_power_);
        c.v += zv * wgt;
        c.w += wgt;
      }
      break;
    }
  }
  ++c.n;
}

void StripPlacer::place(int r0, int r1) {
  r0_ = r0;
  r1_ = r1;
  if (bin_ == Bin::grid)
    gv_.assign(std::size_t(r1 - r0) * std::size_t(g_.width), NAN);
  else
    acc_.assign(std::size_t(r1 - r0) * std::size_t(g_.width), Cell{});
  if (!spills_.empty()) {
    place_spilled();
  } else if (bin_ != Bin::grid || !place_gridded_in_parallel()) {
    place_in_file_order();
  }
  count_strip();
}

void StripPlacer::place_spilled() {
  Spill& sp = *spills_[std::size_t(r0_ / plan_.rows_per_strip)];
  std::rewind(sp.fp);
  std::vector<Point> buf(1 << 15);
  std::size_t got;
  while ((got = std::fread(buf.data(), sizeof(Point), buf.size(), sp.fp)) > 0)
    for (std::size_t i = 0; i < got; ++i) put(buf[i].a, buf[i].b, buf[i].z, 0);
  std::fclose(sp.fp);
  sp.fp = nullptr;
  sp.path.remove();
}

// Gridded data: points go to distinct cells, so chunks are placed in parallel.
// Duplicate points (two points, one cell) make the result depend on the order: then
// the strip is cleared (false) to be placed again sequentially, the last point in file
// order winning.
bool StripPlacer::place_gridded_in_parallel() {
  const auto& chunks = src_.chunks;
  std::vector<std::size_t> placed(chunks.size(), 0), outside(chunks.size(), 0);
  std::vector<std::size_t> outside_off(chunks.size(), 0);
  auto grid_put = [&](std::size_t ci, double a, double b, double zv, std::size_t off) {
    if (std::isnan(zv)) return;
    std::int64_t col, row;
    if (!snap(src_.a_is_x ? a : b, src_.a_is_x ? b : a, col, row)) {
      if (outside[ci]++ == 0) outside_off[ci] = off;
      return;
    }
    if (row < r0_ || row >= r1_) return;
    gv_[std::size_t(row - r0_) * std::size_t(g_.width) + std::size_t(col)] = zv;
    ++placed[ci];
  };
  src_.arena.execute([&] {
    tbb::parallel_for(std::size_t(0), chunks.size(), [&](std::size_t ci) {
      const Chunk& c = chunks[ci];
      if (src_.keep) {
        for (const auto& p : c.pts) grid_put(ci, p.a, p.b, p.z, c.begin);
      } else {
        ParseError err;
        parse_range(src_.file.data(), c.begin, c.end, src_.format, err,
                    [&](double a, double b, double zv, std::size_t off, const char*, const char*) {
                      grid_put(ci, a, b, zv, off);
                    });
        src_.file.release(c.begin, c.end);
        src_.progress.advance((c.end - c.begin) / std::size_t(plan_.strips), 0.5, 0.0);
      }
    });
  });
  std::size_t total = 0, in_strip = 0;
  for (std::size_t ci = 0; ci < chunks.size(); ++ci) {
    total += placed[ci];
    if (outside[ci] && stats_.off_grid == 0) stats_.off_grid_off = outside_off[ci];
    stats_.off_grid += outside[ci];
  }
  if (stats_.off_grid) return true;
  for (double v : gv_) in_strip += !std::isnan(v);
  if (in_strip == total) return true;
  gv_.assign(gv_.size(), NAN);
  return false;
}

void StripPlacer::place_in_file_order() {
  if (src_.keep) {
    for (const auto& c : src_.chunks)
      for (const auto& p : c.pts) put(p.a, p.b, p.z, c.begin);
    return;
  }
  for (auto& c : src_.chunks) {
    ParseError err;
    parse_range(src_.file.data(), c.begin, c.end, src_.format, err,
                [&](double a, double b, double zv, std::size_t off, const char*, const char*) { put(a, b, zv, off); });
    src_.file.release(c.begin, c.end);
    src_.progress.advance((c.end - c.begin) / std::size_t(plan_.strips), 0.5, 0.0);
  }
}

void StripPlacer::count_strip() {
  for (double v : gv_) stats_.filled += !std::isnan(v);
  for (const auto& c : acc_)
    if (c.n) {
      ++stats_.filled;
      stats_.max_count = std::max(stats_.max_count, double(c.n));
    }
}

void StripPlacer::free_strip() {
  std::vector<Cell>().swap(acc_);
  std::vector<double>().swap(gv_);
}

void StripPlacer::free_points() {
  for (auto& c : src_.chunks) std::vector<Point>().swap(c.pts);
}

}  // namespace cogkit::detail::xyz
