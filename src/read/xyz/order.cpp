// src/read/xyz/order.cpp — the axis order of an XYZ file and the order of its points (see order.hpp).
#include "read/xyz/order.hpp"

#include <array>
#include <cmath>
#include <optional>
#include <utility>

#include "cogkit/core/gdal_handle.hpp"

namespace cogkit::detail::xyz {
namespace {

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

// The order that alone puts the points inside the CRS area of use, if exactly one does.
std::optional<bool> order_from_area(const ScanTotals& s, OGRSpatialReferenceH srs, std::string& why) {
  std::string area_name;
  auto area = area_in_crs(srs, area_name);
  if (!area) return std::nullopt;
  const auto& A = *area;
  const bool xy = inside(s.amin, s.amax, A[0], A[2]) && inside(s.bmin, s.bmax, A[1], A[3]);
  const bool yx = inside(s.bmin, s.bmax, A[0], A[2]) && inside(s.amin, s.amax, A[1], A[3]);
  if (xy == yx) return std::nullopt;
  why = std::string("CRS area of use (") + (area_name.empty() ? "unnamed" : area_name) + "): only " +
        (xy ? "X-Y-Z" : "Y-X-Z") + " puts the points inside it";
  return xy;
}

// Geographic coordinates: the column that alone fits a latitude is Y.
std::optional<bool> order_from_ranges(const ScanTotals& s, OGRSpatialReferenceH srs, std::string& why) {
  const bool a_deg = s.amin >= -180 && s.amax <= 360, b_deg = s.bmin >= -180 && s.bmax <= 360;
  const bool a_lat = s.amin >= -90 && s.amax <= 90, b_lat = s.bmin >= -90 && s.bmax <= 90;
  if (!(a_deg && b_deg && a_lat != b_lat && (!srs || OSRIsGeographic(srs)))) return std::nullopt;
  why = std::string("geographic ranges: only column ") + (b_lat ? "2" : "1") + " fits a latitude (-90..90), so it is Y";
  return b_lat;
}

// "row-major, rows north to south" and the like, from the first and last outer coordinate.
std::string point_order(const AxisOrder& ax, const std::vector<Chunk>& chunks) {
  if (!ax.structured) return "no row or column order (shuffled or scattered)";
  // The outer coordinate is column a when a_outer; it is Y when a is not X.
  const bool y_outer = ax.a_outer ? !ax.a_is_x : ax.a_is_x;
  const double first = ax.a_outer ? chunks.front().first_a : chunks.front().first_b;
  double last = first;
  for (auto it = chunks.rbegin(); it != chunks.rend(); ++it)
    if (it->points) {
      last = ax.a_outer ? it->last_a : it->last_b;
      break;
    }
  if (y_outer) return std::string("row-major, rows ") + (first > last ? "north to south" : "south to north");
  return std::string("column-major, columns ") + (first < last ? "west to east" : "east to west");
}

}  // namespace

AxisOrder decide_axis_order(const Format& f, const ScanTotals& s, OGRSpatialReferenceH srs) {
  AxisOrder ax;
  ax.why = f.order_why;
  ax.structured = std::min(s.a_changes, s.b_changes) * 2 <= std::max(s.a_changes, s.b_changes) &&
                  std::max(s.a_changes, s.b_changes) * 2 > s.points && s.points > 2;
  ax.a_outer = ax.structured && s.a_changes < s.b_changes;
  if (f.a_is_x) {
    ax.a_is_x = *f.a_is_x;
    return ax;
  }
  std::optional<bool> decided;
  if (srs) decided = order_from_area(s, srs, ax.why);
  if (!decided && ax.structured) {
    decided = !ax.a_outer;
    ax.why = std::string("file structure: the values of column ") + (ax.a_outer ? "1" : "2") +
             " stay constant along runs of lines (the outer loop of the file), so they are rows: Y";
  }
  if (!decided) decided = order_from_ranges(s, srs, ax.why);
  if (!decided) {
    decided = true;
    ax.why = "default: nothing tells the order apart (no header names, no CRS area of use, no row structure)";
  }
  ax.a_is_x = *decided;
  return ax;
}

void note_orders(const Format& f, const AxisOrder& ax, const std::vector<Chunk>& chunks, const Notes& note) {
  // The order of the coordinate columns in the file.
  const int xcol = ax.a_is_x ? f.ca : f.cb, ycol = ax.a_is_x ? f.cb : f.ca;
  note("axis_order", std::string(xcol < ycol ? "X-Y-Z" : "Y-X-Z") + " (" + ax.why + "; X = column " +
                         std::to_string(xcol + 1) + ", Y = column " + std::to_string(ycol + 1) + ")");
  note("point_order", point_order(ax, chunks));
}

Extent orient(ScanTotals& s, bool a_is_x) {
  Extent e;
  e.xmin = a_is_x ? s.amin : s.bmin;
  e.xmax = a_is_x ? s.amax : s.bmax;
  e.ymin = a_is_x ? s.bmin : s.amin;
  e.ymax = a_is_x ? s.bmax : s.amax;
  e.off_xmax = a_is_x ? s.ext_off[1] : s.ext_off[3];
  e.off_ymax = a_is_x ? s.ext_off[3] : s.ext_off[1];
  if (!a_is_x) std::swap(s.ua, s.ub);
  return e;
}

}  // namespace cogkit::detail::xyz
