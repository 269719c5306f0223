// src/report/stac.cpp — see cogkit/report/stac.hpp.
#include "cogkit/report/stac.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <regex>
#include <utility>
#include <vector>

#include <cpl_vsi.h>
#include <nlohmann/json.hpp>
#include <ogr_srs_api.h>

#include "cogkit/core/error.hpp"
#include "cogkit/core/gdal_handle.hpp"
#include "core/gdal_env.hpp"

namespace cogkit {
namespace {
using json = nlohmann::ordered_json;
namespace fs = std::filesystem;
using Ring = std::vector<std::pair<double, double>>;

constexpr const char* kProjection = "https://stac-extensions.github.io/projection/v1.1.0/schema.json";
constexpr const char* kRaster = "https://stac-extensions.github.io/raster/v1.1.0/schema.json";
constexpr const char* kFile = "https://stac-extensions.github.io/file/v2.1.0/schema.json";
constexpr const char* kCogType = "image/tiff; application=geotiff; profile=cloud-optimized";

json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string utc_text(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool is_vsi(const std::string& path) { return path.rfind("/vsi", 0) == 0; }

// The pixel rectangle's outline in the output CRS, `n` points per edge, closed.
Ring native_outline(const Report& rep, int n) {
  const auto& gt = rep.geotransform;
  const double w = rep.width, h = rep.height;
  const std::pair<double, double> corners[5] = {{0, 0}, {0, h}, {w, h}, {w, 0}, {0, 0}};
  Ring ring;
  for (int e = 0; e < 4; ++e)
    for (int i = 0; i < n; ++i) {
      const double f = double(i) / n;
      const double c = corners[e].first + f * (corners[e + 1].first - corners[e].first);
      const double r = corners[e].second + f * (corners[e + 1].second - corners[e].second);
      ring.emplace_back(gt[0] + c * gt[1] + r * gt[2], gt[3] + c * gt[4] + r * gt[5]);
    }
  ring.push_back(ring.front());
  return ring;
}

// The outline in EPSG:4326 (lon, lat), counter-clockwise as RFC 7946 wants; empty when the
// output has no CRS or a point does not transform.
Ring footprint_4326(const Report& rep, int n) {
  if (rep.crs_wkt2.empty() || rep.width <= 0 || rep.height <= 0) return {};
  SrsHandle from(OSRNewSpatialReference(nullptr)), wgs(OSRNewSpatialReference(nullptr));
  if (OSRSetFromUserInput(from.get(), rep.crs_wkt2.c_str()) != OGRERR_NONE) return {};
  OSRImportFromEPSG(wgs.get(), 4326);
  OSRSetAxisMappingStrategy(from.get(), OAMS_TRADITIONAL_GIS_ORDER);
  OSRSetAxisMappingStrategy(wgs.get(), OAMS_TRADITIONAL_GIS_ORDER);
  detail::GdalErrorCapture quiet;
  TransformHandle ct(OCTNewCoordinateTransformation(from.get(), wgs.get()));
  if (!ct) return {};
  Ring ring = native_outline(rep, std::max(1, n));
  for (auto& [x, y] : ring)
    if (!OCTTransform(ct.get(), 1, &x, &y, nullptr) || !std::isfinite(x) || !std::isfinite(y)) return {};
  double area2 = 0;  // shoelace: positive when counter-clockwise
  for (std::size_t i = 0; i + 1 < ring.size(); ++i)
    area2 += ring[i].first * ring[i + 1].second - ring[i + 1].first * ring[i].second;
  if (area2 < 0) std::reverse(ring.begin(), ring.end());
  return ring;
}

// geometry and bbox of the Item from the footprint (null geometry, no bbox without a CRS).
void put_geometry(json& item, const Report& rep, int densify) {
  const Ring ring = footprint_4326(rep, densify);
  if (ring.empty()) {
    item["geometry"] = nullptr;
    return;
  }
  double x0 = ring[0].first, x1 = x0, y0 = ring[0].second, y1 = y0;
  json coords = json::array();
  for (const auto& [x, y] : ring) {
    x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
    coords.push_back(json::array({x, y}));
  }
  item["bbox"] = json::array({x0, y0, x1, y1});
  item["geometry"] = {{"type", "Polygon"}, {"coordinates", json::array({coords})}};
}

json projection_fields(const Report& rep) {
  json p;
  p["proj:epsg"] = rep.epsg ? json(*rep.epsg) : json(nullptr);
  if (!rep.crs_wkt2.empty()) p["proj:wkt2"] = rep.crs_wkt2;
  p["proj:shape"] = json::array({rep.height, rep.width});
  const auto& gt = rep.geotransform;
  p["proj:transform"] = json::array({number(gt[1]), number(gt[2]), number(gt[0]), number(gt[4]), number(gt[5]),
                                     number(gt[3]), 0, 0, 1});
  p["proj:bbox"] = json::array({number(rep.bounds[0]), number(rep.bounds[1]), number(rep.bounds[2]),
                                number(rep.bounds[3])});
  return p;
}

// GDAL's type name as the raster extension's data_type.
std::string raster_type(std::string gdal) {
  static const std::pair<const char*, const char*> names[] = {
      {"Byte", "uint8"},     {"Int8", "int8"},     {"UInt16", "uint16"},   {"Int16", "int16"},
      {"UInt32", "uint32"},  {"Int32", "int32"},   {"UInt64", "uint64"},   {"Int64", "int64"},
      {"Float32", "float32"}, {"Float64", "float64"}, {"CInt16", "cint16"}, {"CInt32", "cint32"},
      {"CFloat32", "cfloat32"}, {"CFloat64", "cfloat64"}};
  for (const auto& [g, s] : names)
    if (gdal == g) return s;
  return "other";
}

json nodata_value(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

json raster_band(const Report& rep, int i) {
  json b;
  b["data_type"] = raster_type(rep.data_type);
  if (rep.nodata) b["nodata"] = nodata_value(*rep.nodata);
  if (i < int(rep.band_headers.size())) {
    const BandHeader& h = rep.band_headers[i];
    if (h.scale) b["scale"] = *h.scale;
    if (h.offset) b["offset"] = *h.offset;
    if (!h.unit.empty()) b["unit"] = h.unit;
  }
  if (rep.xres > 0) b["spatial_resolution"] = rep.xres;
  if (i < int(rep.band_stats.size()) && rep.band_stats[i].valid_pixels > 0) {
    const BandStats& s = rep.band_stats[i];
    b["statistics"] = {{"minimum", number(s.min)}, {"maximum", number(s.max)}, {"mean", number(s.mean)},
                       {"stddev", number(s.stddev)}, {"valid_percent", s.valid_percent()}};
  }
  return b;
}

json data_asset(const Report& rep, const StacItemOptions& o) {
  json a;
  a["href"] = stac_href(rep.output, o.item_path);
  a["type"] = kCogType;
  a["roles"] = json::array({"data"});
  a["file:size"] = rep.output_bytes;
  if (!rep.sha256.empty()) a["file:checksum"] = "1220" + rep.sha256;  // multihash: sha2-256, 32 bytes
  a["raster:bands"] = json::array();
  for (int i = 0; i < rep.bands; ++i) a["raster:bands"].push_back(raster_band(rep, i));
  return a;
}

// The Item's id: the output's file name without its extension.
std::string item_id(const std::string& output) {
  std::string name = fs::path(output).filename().string();
  const auto dot = name.rfind('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

// "YYYY:MM:DD HH:MM:SS" (TIFF 6.0) as RFC 3339 UTC; "" when it is not that.
std::string tiff_date(const std::string& text) {
  int y, mo, d, h, mi, s;
  char tail;
  if (std::sscanf(text.c_str(), "%4d:%2d:%2d %2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &tail) != 6) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, s);
  return is_rfc3339(buf) ? buf : "";
}

}  // namespace

bool is_rfc3339(std::string_view text) {
  static const std::regex re(R"(^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$)");
  std::cmatch m;
  if (!std::regex_match(text.begin(), text.end(), m, re)) return false;
  auto n = [&m](int i) { return std::stoi(m[i].str()); };
  if (n(2) < 1 || n(2) > 12 || n(3) < 1 || n(3) > 31 || n(4) > 23 || n(5) > 59 || n(6) > 60) return false;
  return !m[9].matched || (n(9) <= 23 && n(10) <= 59);
}

std::string stac_datetime(const Report& rep) {
  if (std::string t = tiff_date(rep.tiff_datetime); !t.empty()) return t;
  VSIStatBufL st;
  if (!rep.input.empty() && VSIStatL(rep.input.c_str(), &st) == 0 && st.st_mtime > 0) return utc_text(st.st_mtime);
  return utc_text(std::time(nullptr));
}

std::string stac_href(const std::string& output, const std::string& item_path) {
  static const std::pair<const char*, const char*> schemes[] = {
      {"/vsis3/", "s3://"}, {"/vsigs/", "gs://"}, {"/vsiaz/", "az://"}, {"/vsicurl/", ""}};
  for (const auto& [prefix, scheme] : schemes)
    if (output.rfind(prefix, 0) == 0) return scheme + output.substr(std::string(prefix).size());
  if (is_vsi(output)) return output;
  const fs::path out = fs::absolute(output).lexically_normal();
  if (item_path.empty() || is_vsi(item_path)) return out.string();
  return fs::relative(out, fs::absolute(item_path).parent_path()).string();
}

std::string stac_item(const Report& rep, const StacItemOptions& o) {
  json item;
  item["type"] = "Feature";
  item["stac_version"] = "1.0.0";
  item["stac_extensions"] = json::array({kProjection, kRaster, kFile});
  item["id"] = item_id(rep.output);
  put_geometry(item, rep, o.densify);
  json props;
  props["datetime"] = o.datetime ? *o.datetime : stac_datetime(rep);
  props["created"] = utc_text(std::time(nullptr));
  props.update(projection_fields(rep));
  item["properties"] = props;
  item["links"] = json::array();
  item["assets"] = {{"data", data_asset(rep, o)}};
  return item.dump(2);
}

void check_stac_writable(const std::string& path) {
  if (path.empty() || is_vsi(path)) return;
  const fs::path p(path);
  std::error_code ec;
  if (fs::is_directory(p, ec)) throw error("stac", path, "is a folder, not a file for the STAC Item");
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  if (!fs::is_directory(dir, ec)) throw error("stac", path, "cannot write the STAC Item: no folder " + dir.string());
  if (access(dir.c_str(), W_OK) != 0)
    throw error("stac", path, "cannot write the STAC Item: folder " + dir.string() + " is not writable");
}

void write_stac_file(const std::string& path, const std::string& text) {
  if (is_vsi(path)) {
    VSILFILE* f = VSIFOpenL(path.c_str(), "wb");
    const bool ok = f && VSIFWriteL(text.data(), 1, text.size(), f) == text.size();
    if (!(f && VSIFCloseL(f) == 0 && ok)) throw error("stac", path, "cannot write the STAC Item");
    return;
  }
  std::string temp = path + ".tmp-XXXXXX";
  const int fd = mkstemp(temp.data());
  if (fd < 0) throw error("stac", path, "cannot write the STAC Item");
  const std::string body = text + "\n";
  const bool ok = ::write(fd, body.data(), body.size()) == ssize_t(body.size()) && fsync(fd) == 0;
  if (::close(fd) != 0 || !ok || std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    throw error("stac", path, "cannot write the STAC Item");
  }
  std::error_code ec;  // mkstemp made it 0600; an Item is as readable as the COG beside it
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read,
                  fs::perm_options::replace, ec);
}

}  // namespace cogkit
