#include "cogkit/report/report.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "cogkit/core/error.hpp"

namespace cogkit {
namespace {
using json = nlohmann::ordered_json;

json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
json box(const std::array<double, 4>& b) { return json::array({number(b[0]), number(b[1]), number(b[2]), number(b[3])}); }
}  // namespace

std::string Report::to_json(int indent) const {
  json j;
  j["tool"] = tool;
  j["status"] = "ok";  // a failed run's object says "failed" (the tools, batch_report_line)
  j["input"] = input;
  j["output"] = output;
  j["input_bytes"] = input_bytes;
  j["output_bytes"] = output_bytes;
  j["source_driver"] = driver;
  j["width"] = width;
  j["height"] = height;
  j["bands"] = bands;
  j["data_type"] = data_type;
  j["crs"] = {{"epsg", epsg ? json(*epsg) : json(nullptr)}, {"wkt2", crs_wkt2.empty() ? json(nullptr) : json(crs_wkt2)}};
  j["geotransform"] = json::array();
  for (double v : geotransform) j["geotransform"].push_back(number(v));
  j["bounds"] = box(bounds);
  j["bounds_epsg4326"] = bounds_4326 ? box(*bounds_4326) : json(nullptr);
  j["resolution"] = json::array({number(xres), number(yres)});
  j["nodata"] = nodata ? (std::isnan(*nodata) ? json("nan") : number(*nodata)) : json(nullptr);
  j["bands_stats"] = json::array();
  for (const auto& s : band_stats) {
    const bool any = s.valid_pixels > 0;
    j["bands_stats"].push_back({{"min", any ? number(s.min) : json(nullptr)},
                                {"max", any ? number(s.max) : json(nullptr)},
                                {"mean", any ? number(s.mean) : json(nullptr)},
                                {"stddev", any ? number(s.stddev) : json(nullptr)},
                                {"valid_pixels", s.valid_pixels},
                                {"valid_percent", s.valid_percent()}});
  }
  j["compression"] = compression;
  j["block_size"] = json::array({block_width, block_height});
  j["overviews"] = json::array();
  for (const auto& [w, h] : overviews) j["overviews"].push_back(json::array({w, h}));
  j["sha256"] = sha256;
  j["steps"] = json::object();
  for (const auto& [step, seconds] : step_seconds) j["steps"][step] = std::round(seconds * 1e4) / 1e4;
  j["wall_seconds"] = std::round(total_seconds * 1e4) / 1e4;
  j["peak_rss_bytes"] = peak_rss_bytes;
  j["memory_budget_bytes"] = memory_budget_bytes;
  j["threads"] = threads;
  j["staging"] = staging;
  j["notes"] = json::object();
  for (const auto& [k, v] : notes) j["notes"][k] = v;
  j["warnings"] = warnings;
  return j.dump(indent);
}

std::string sha256_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw error("report", path, "cannot read the output to hash it");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 20);
  while (f) {
    f.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (f.gcount() > 0) EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(f.gcount()));
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  std::string hex;
  char b[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(b, sizeof(b), "%02x", md[i]);
    hex += b;
  }
  return hex;
}

}  // namespace cogkit
