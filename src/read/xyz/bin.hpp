// src/read/xyz/bin.hpp — pass 2 of the XYZ reader: the points into the cells of the grid, strip by strip (internal).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <tbb/task_arena.h>

#include "cogkit/core/options.hpp"
#include "cogkit/core/staging.hpp"
#include "read/xyz/format.hpp"
#include "read/xyz/input.hpp"
#include "read/xyz/parse.hpp"
#include "read/xyz/raster_grid.hpp"

namespace cogkit::detail::xyz {

// How points become a cell value: `grid` places gridded points (one per cell), the
// others accumulate scattered points (XyzOptions::bin).
enum class Bin { grid, mean, min, max, count, nearest, idw };

Bin parse_bin(XyzBin b);

struct Cell {
  double v = 0;
  double w = 0;
  std::uint32_t n = 0;
};

// Rows of cells placed at a time: the accumulators of a strip fit the work memory.
struct StripPlan {
  int rows_per_strip = 0;
  int strips = 0;
};

StripPlan plan_strips(const Grid& g, const MemoryBudget& budget);

// Where pass 2 reads the points from: the points kept by pass 1, else the text again.
struct PointSource {
  const InputText& file;
  const Format& format;
  std::vector<Chunk>& chunks;
  tbb::task_arena& arena;
  ByteProgress& progress;
  int threads = 1;
  bool keep = false;  // the chunks hold their points
  bool a_is_x = true;
};

// Totals over the strips placed so far.
struct PlaceStats {
  std::size_t filled = 0, duplicates = 0, off_grid = 0;
  std::size_t off_grid_off = 0;  // offset of the line of the first point off the grid
  double max_count = 0;          // most points in one cell
};

class StripPlacer {
 public:
  StripPlacer(const PointSource& src, const Grid& g, Bin bin, double idw_power, const StripPlan& plan);
  ~StripPlacer();
  StripPlacer(const StripPlacer&) = delete;
  StripPlacer& operator=(const StripPlacer&) = delete;

  // With several strips and no kept points, one more parse of the file writes each point
  // to the file of its strip (in file order), so each strip then reads only its own points.
  void spill(const std::string& tmpdir);
  // Places the points of rows [r0, r1) into cells, then counts the filled cells.
  void place(int r0, int r1);
  // Value of cell i of the strip (row-major from its first row); NaN = no point.
  double value(std::size_t i) const { return bin_ == Bin::grid ? gv_[i] : finalize(acc_[i]); }
  const PlaceStats& stats() const { return stats_; }
  // Frees the strip and the kept points.
  void free_strip();
  void free_points();

 private:
  struct Spill;
  double finalize(const Cell& c) const {
    if (!c.n) return NAN;
    switch (bin_) {
      case Bin::mean: return c.v / double(c.n);
      case Bin::count: return double(c.n);
      case Bin::idw: return c.w < 0 ? c.v : c.v / c.w;
      default: return c.v;
    }
  }
  bool snap(double x, double y, std::int64_t& col, std::int64_t& row) const;
  void put(double a, double b, double zv, std::size_t off);
  void accumulate(Cell& c, double x, double y, double cx, double cy, double zv) const;
  void spill_batch(std::size_t c0, std::size_t c1);
  void place_spilled();
  bool place_gridded_in_parallel();
  void place_in_file_order();
  void count_strip();

  const PointSource src_;
  const Grid g_;
  const Bin bin_;
  const double idw_power_;
  const StripPlan plan_;
  int r0_ = 0, r1_ = 0;    // the strip being placed
  std::vector<Cell> acc_;  // scattered points: accumulators
  std::vector<double> gv_;  // gridded points: one value per cell, NaN = no point
  std::vector<std::unique_ptr<Spill>> spills_;
  PlaceStats stats_;
};

}  // namespace cogkit::detail::xyz
