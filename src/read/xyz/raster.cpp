// src/read/xyz/raster.cpp — data type choice and strip-by-strip writing of the staged raster (see raster.hpp).
#include "read/xyz/raster.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <cpl_error.h>

#include "cogkit/core/error.hpp"
#include "read/xyz/limits.hpp"

namespace cogkit::detail::xyz {
namespace {

constexpr double kDefaultNodata = -9999;

// The Z statistics the type rule sees: counts are integers from 1, means and IDW are fractions.
ZStats cell_stats(const ZStats& z, Bin bin, double max_count) {
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
  return zs;
}

// Why the type was chosen, for the "data_type" note.
std::string type_rule(const ZStats& zs, Bin bin, XyzBin option_bin) {
  if (bin == Bin::count) return "cell counts";
  if (bin == Bin::mean || bin == Bin::idw) return std::string(to_name(option_bin)) + " of the points: floating point";
  if (zs.all_integer) return "all Z values are integers in " + num(zs.min) + ".." + num(zs.max);
  return zs.needs_float64 ? "some Z values carry more digits than Float32 keeps" : "Z values are not integers; Float32 keeps every printed digit";
}

RasterType choose_raster_type(const RasterSpec& spec, double max_count, int strips, bool may_miss, const Notes& note) {
  const ZStats zs = cell_stats(spec.z, spec.bin, max_count);
  const bool floating = !zs.all_integer;
  RasterType rt;
  if (spec.options.nodata || floating || may_miss) rt.nodata = spec.options.nodata ? *spec.options.nodata : kDefaultNodata;
  rt.type = detail::choose_type(zs, rt.nodata);
  if (spec.bin == Bin::count && strips > 1) rt.type = GDT_Int32;
  if (!GDALDataTypeIsFloating(rt.type) && rt.nodata && std::isnan(*rt.nodata)) rt.type = GDT_Float32;
  note("data_type", std::string(GDALGetDataTypeName(rt.type)) + " (" + type_rule(zs, spec.bin, spec.options.bin) +
                        (rt.nodata ? "; nodata " + num(*rt.nodata) + " included" : std::string()) + ")");
  return rt;
}

StagedRaster create_raster(const RasterSpec& spec, const Grid& g, const RasterType& rt) {
  StagedRaster staged = create_staged(spec.budget, g.width, g.height, 1, rt.type, "xyz");
  GDALDatasetH ds = staged.get();
  double gt[6] = {g.x0, g.dx, 0, g.y0, 0, -g.dy};
  GDALSetGeoTransform(ds, gt);
  if (spec.srs) GDALSetSpatialRef(ds, spec.srs);
  if (rt.nodata) GDALSetRasterNoDataValue(GDALGetRasterBand(ds, 1), *rt.nodata);
  return staged;
}

// Writes rows [r0, r1) in blocks of rows: a small conversion buffer instead of a second
// copy of the strip.
void write_strip(StagedRaster& staged, const StripPlacer& placer, const Grid& g, int r0, int r1,
                 std::optional<double> nodata, const std::string& path, std::vector<double>& rowbuf) {
  const double fillv = nodata ? *nodata : 0.0;
  const int block = std::max(1, int(std::min<std::uint64_t>(1 << 20, std::uint64_t(g.width) * 64) / std::uint64_t(g.width)));
  for (int b0 = r0; b0 < r1; b0 += block) {
    const int b1 = std::min(r1, b0 + block);
    const std::size_t base = std::size_t(b0 - r0) * std::size_t(g.width), n = std::size_t(b1 - b0) * std::size_t(g.width);
    rowbuf.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double v = placer.value(base + i);
      rowbuf[i] = std::isnan(v) ? fillv : v;
    }
    if (GDALRasterIO(GDALGetRasterBand(staged.get(), 1), GF_Write, 0, b0, g.width, b1 - b0, rowbuf.data(), g.width,
                     b1 - b0, GDT_Float64, 0, 0) != CE_None)
      throw error(kStep, path, "cannot write the staged raster", CPLGetLastErrorMsg());
  }
}

}  // namespace

StagedRaster rasterize(StripPlacer& placer, const StripPlan& plan, const Grid& g, const RasterSpec& spec,
                       const Notes& note, RasterType& chosen) {
  const std::uint64_t cells = std::uint64_t(g.width) * std::uint64_t(g.height);
  std::vector<double> rowbuf;
  StagedRaster staged;
  if (plan.strips == 1) {
    placer.place(0, g.height);
    placer.free_points();
    chosen = choose_raster_type(spec, placer.stats().max_count, plan.strips, placer.stats().filled < cells, note);
    staged = create_raster(spec, g, chosen);
    write_strip(staged, placer, g, 0, g.height, chosen.nodata, spec.path, rowbuf);
    return staged;
  }
  // Missing cells are only known at the end: nodata is declared up front.
  chosen = choose_raster_type(spec, placer.stats().max_count, plan.strips, true, note);
  staged = create_raster(spec, g, chosen);
  if (!spec.keep) placer.spill(spec.budget.tmpdir());
  for (int s = 0; s < plan.strips; ++s) {
    const int r0 = s * plan.rows_per_strip, r1 = std::min(g.height, r0 + plan.rows_per_strip);
    placer.place(r0, r1);
    write_strip(staged, placer, g, r0, r1, chosen.nodata, spec.path, rowbuf);
  }
  return staged;
}

}  // namespace cogkit::detail::xyz
