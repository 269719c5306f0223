// bench/demgen.cpp — see demgen.hpp.
#include "demgen.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <stdexcept>

#include <cpl_string.h>
#include <gdal.h>
#include <ogr_srs_api.h>
#include <tbb/parallel_for.h>

#include "cogkit/core/error.hpp"
#include "cogkit/core/gdal_handle.hpp"

namespace cogkit::demgen {
namespace {

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

double unit(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t seed) {
  const std::uint64_t h = mix(a * 0x9E3779B97F4A7C15ULL ^ mix(b + 0x632BE59BD9B4E019ULL) ^ mix(c * 31 + seed));
  return double(h >> 11) * (1.0 / 9007199254740992.0);
}

double smooth(double t) { return t * t * (3 - 2 * t); }

double value_noise(double x, double y, int octave, std::uint32_t seed) {
  const double fx = std::floor(x), fy = std::floor(y);
  const auto ix = static_cast<std::int64_t>(fx), iy = static_cast<std::int64_t>(fy);
  const double tx = smooth(x - fx), ty = smooth(y - fy);
  auto v = [&](std::int64_t a, std::int64_t b) {
    return unit(static_cast<std::uint64_t>(a), static_cast<std::uint64_t>(b), static_cast<std::uint64_t>(octave), seed);
  };
  const double a = v(ix, iy), b = v(ix + 1, iy), c = v(ix, iy + 1), d = v(ix + 1, iy + 1);
  return (a + (b - a) * tx) + ((c + (d - c) * tx) - (a + (b - a) * tx)) * ty;
}

struct Lake {
  double cx, cy, r;
};

std::vector<Lake> lakes(const DemSpec& s) {
  std::vector<Lake> out;
  for (int i = 0; i < s.lakes; ++i) {
    const double r = s.lake_radius_min + unit(i, 1, 77, s.seed) * (s.lake_radius_max - s.lake_radius_min);
    out.push_back({unit(i, 2, 77, s.seed) * s.width, unit(i, 3, 77, s.seed) * s.height, r});
  }
  return out;
}

constexpr int kDropCell = 32;

bool in_dropout(const DemSpec& s, int col, int row) {
  if (s.dropout_fraction <= 0) return false;
  const double mean_r = 4.0;
  const double p = std::min(1.0, s.dropout_fraction * kDropCell * kDropCell / (M_PI * mean_r * mean_r * 1.1));
  const int cx = col / kDropCell, cy = row / kDropCell;
  for (int dy = -1; dy <= 1; ++dy)
    for (int dx = -1; dx <= 1; ++dx) {
      const std::int64_t gx = cx + dx, gy = cy + dy;
      if (unit(gx, gy, 91, s.seed) >= p) continue;
      const double bx = (gx + unit(gx, gy, 92, s.seed)) * kDropCell;
      const double by = (gy + unit(gx, gy, 93, s.seed)) * kDropCell;
      const double r = 2.0 + unit(gx, gy, 94, s.seed) * 4.0;
      const double ex = col + 0.5 - bx, ey = row + 0.5 - by;
      if (ex * ex + ey * ey <= r * r) return true;
    }
  return false;
}

bool is_hole_with(const DemSpec& s, const std::vector<Lake>& ls, int col, int row) {
  for (const auto& l : ls) {
    const double ex = col + 0.5 - l.cx, ey = row + 0.5 - l.cy;
    if (ex * ex + ey * ey <= l.r * l.r) return true;
  }
  return in_dropout(s, col, row);
}

double stored(const DemSpec& s, double v) {
  switch (s.type) {
    case GDT_Float32: return static_cast<double>(static_cast<float>(v));
    case GDT_Float64: return v;
    default: return std::round(v);
  }
}

}  // namespace

double height(const DemSpec& s, double col, double row) {
  double sum = 0, amp = 1, norm = 0, wavelength = 512.0;
  for (int o = 0; o < 7; ++o) {
    sum += amp * value_noise(col / wavelength, row / wavelength, o, s.seed);
    norm += amp;
    amp *= 0.5;
    wavelength *= 0.5;
  }
  return s.base + s.relief * (sum / norm);
}

bool is_hole(const DemSpec& s, int col, int row) { return is_hole_with(s, lakes(s), col, row); }

double value(const DemSpec& s, int col, int row) {
  return is_hole(s, col, row) ? s.nodata : stored(s, height(s, col + 0.5, row + 0.5));
}

void window(const DemSpec& s, int x0, int y0, int w, int h, std::vector<double>& out) {
  out.resize(static_cast<size_t>(w) * h);
  const auto ls = lakes(s);
  tbb::parallel_for(0, h, [&](int r) {
    for (int c = 0; c < w; ++c) {
      const int col = x0 + c, row = y0 + r;
      out[static_cast<size_t>(r) * w + c] =
          is_hole_with(s, ls, col, row) ? s.nodata : stored(s, height(s, col + 0.5, row + 0.5));
    }
  });
}

void write_raster(const DemSpec& s, const std::string& path, const std::string& driver_name,
                  const std::vector<std::string>& creation_options) {
  GDALAllRegister();
  GDALDriverH driver = GDALGetDriverByName(driver_name.c_str());
  if (!driver) throw cogkit::error("demgen", path, "no GDAL driver " + driver_name);
  CPLStringList co;
  for (const auto& o : creation_options) co.AddString(o.c_str());
  DatasetHandle ds(GDALCreate(driver, path.c_str(), s.width, s.height, 1, s.type, co.List()));
  if (!ds) throw cogkit::error("demgen", path, "cannot create", CPLGetLastErrorMsg());
  double gt[6] = {s.origin_x, s.res, 0, s.origin_y, 0, -s.res};
  GDALSetGeoTransform(ds.get(), gt);
  if (s.epsg > 0) {
    SrsHandle srs(OSRNewSpatialReference(nullptr));
    OSRImportFromEPSG(srs.get(), s.epsg);
    GDALSetSpatialRef(ds.get(), srs.get());
  }
  GDALRasterBandH band = GDALGetRasterBand(ds.get(), 1);
  GDALSetRasterNoDataValue(band, s.nodata);
  std::vector<double> buf;
  const int rows = 256;
  for (int y = 0; y < s.height; y += rows) {
    const int h = std::min(rows, s.height - y);
    window(s, 0, y, s.width, h, buf);
    if (GDALRasterIO(band, GF_Write, 0, y, s.width, h, buf.data(), s.width, h, GDT_Float64, 0, 0) != CE_None)
      throw cogkit::error("demgen", path, "write failed", CPLGetLastErrorMsg());
  }
}

namespace {
struct File {
  FILE* f;
  explicit File(const std::string& p) : f(std::fopen(p.c_str(), "wb")) {
    if (!f) throw cogkit::error("demgen", p, "cannot create");
  }
  ~File() {
    if (f) std::fclose(f);
  }
};
}  // namespace

void write_ascii_grid(const DemSpec& s, const std::string& path, int precision) {
  File f(path);
  std::fprintf(f.f, "ncols %d\nnrows %d\nxllcorner %.10g\nyllcorner %.10g\ncellsize %.10g\nNODATA_value %.10g\n",
               s.width, s.height, s.origin_x, s.origin_y - s.height * s.res, s.res, s.nodata);
  std::vector<double> buf;
  const bool is_int = !(s.type == GDT_Float32 || s.type == GDT_Float64);
  for (int y = 0; y < s.height; y += 256) {
    const int h = std::min(256, s.height - y);
    window(s, 0, y, s.width, h, buf);
    for (int r = 0; r < h; ++r) {
      for (int c = 0; c < s.width; ++c) {
        const double v = buf[static_cast<size_t>(r) * s.width + c];
        if (is_int)
          std::fprintf(f.f, c ? " %.0f" : "%.0f", v);
        else
          std::fprintf(f.f, c ? " %.*g" : "%.*g", precision, v);
      }
      std::fputc('\n', f.f);
    }
  }
}

void write_xyz(const DemSpec& s, const std::string& path, int precision) {
  File f(path);
  std::vector<double> buf;
  for (int y = 0; y < s.height; y += 256) {
    const int h = std::min(256, s.height - y);
    window(s, 0, y, s.width, h, buf);
    for (int r = 0; r < h; ++r) {
      const double cy = s.origin_y - (y + r + 0.5) * s.res;
      for (int c = 0; c < s.width; ++c) {
        const double cx = s.origin_x + (c + 0.5) * s.res;
        std::fprintf(f.f, "%.10g %.10g %.*g\n", cx, cy, precision, buf[static_cast<size_t>(r) * s.width + c]);
      }
    }
  }
}

}  // namespace cogkit::demgen
