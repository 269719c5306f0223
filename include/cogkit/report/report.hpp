// cogkit/report/report.hpp — the JSON report written for every output.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cogkit {

struct BandStats {
  double min = 0, max = 0, mean = 0, stddev = 0;
  std::uint64_t valid_pixels = 0, total_pixels = 0;
  double valid_percent() const { return total_pixels ? 100.0 * double(valid_pixels) / double(total_pixels) : 0.0; }
};

// What the written file's header says of one band, beyond the report's fields (for the STAC Item).
struct BandHeader {
  std::optional<double> scale, offset;  // set when the band has one
  std::string unit;                     // "" when none
};

struct Report {
  std::string tool;
  std::string input, output;
  std::uint64_t input_bytes = 0, output_bytes = 0;
  std::string driver;                 // source driver (GTiff, AAIGrid, XYZ...)
  int width = 0, height = 0, bands = 0;
  std::string data_type;
  std::optional<int> epsg;
  std::string crs_wkt2;
  std::array<double, 6> geotransform{};
  std::array<double, 4> bounds{};        // native CRS: xmin, ymin, xmax, ymax
  std::optional<std::array<double, 4>> bounds_4326;  // lon/lat: xmin, ymin, xmax, ymax
  double xres = 0, yres = 0;
  std::optional<double> nodata;
  std::vector<BandStats> band_stats;
  std::vector<BandHeader> band_headers;  // per band, from the written file (not in to_json)
  std::string tiff_datetime;             // the written file's TIFFTAG_DATETIME, "" when none (not in to_json)
  std::string compression;  // the output's codec: its cogkit::Compression name ("deflate"), else GDAL's, lower-case
  int block_width = 0, block_height = 0;
  std::vector<std::pair<int, int>> overviews;  // sizes, largest first
  std::string sha256;
  std::vector<std::pair<std::string, double>> step_seconds;  // wall time per step, in order
  double total_seconds = 0;
  std::uint64_t peak_rss_bytes = 0;
  std::uint64_t memory_budget_bytes = 0;
  int threads = 0;  // worker threads of the job
  std::string staging;  // the work raster's StagingMode name (memory, file), or "in place (...)"
  std::vector<std::pair<std::string, std::string>> notes;  // reader decisions (axis order, type rule...)
  std::vector<std::string> warnings;                       // GDAL warnings captured during the run

  // One JSON object (UTF-8, stable key order).
  std::string to_json(int indent = 2) const;
};

// SHA-256 of a file, lower-case hex.
std::string sha256_file(const std::string& path);

}  // namespace cogkit
