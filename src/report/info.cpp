// src/report/info.cpp — see cogkit/report/info.hpp.
#include "cogkit/report/info.hpp"

#include <cstdlib>
#include <string_view>

#include <cpl_vsi.h>
#include <gdal.h>
#include <nlohmann/json.hpp>

#include "cogkit/core/error.hpp"
#include "cogkit/core/gdal_handle.hpp"
#include "cogkit/report/report.hpp"
#include "cogkit/validate/validate.hpp"
#include "core/text.hpp"
#include "report/describe.hpp"

namespace cogkit {
namespace {

using json = nlohmann::ordered_json;

// The description the report gives of an output (one source of truth for those fields).
json description(const std::string& path) {
  Report rep;
  try {
    detail::describe_output(rep, path);
  } catch (const error& e) {
    throw error("info", path, "not a raster GDAL can open", e.gdal_message());
  }
  const json r = json::parse(rep.to_json(-1));
  json out;
  for (const char* key : {"width", "height", "bands", "data_type", "crs", "geotransform", "bounds", "bounds_epsg4326",
                          "resolution", "nodata", "compression", "block_size", "overviews"})
    out[key] = r.value(key, json());
  return out;
}

// Each band's STATISTICS_* items as stored in the file (GDAL's names without the prefix).
json stored_statistics(GDALDatasetH ds) {
  json bands = json::array();
  for (int b = 1; b <= GDALGetRasterCount(ds); ++b) {
    json s = json::object();
    for (const char* key : {"MINIMUM", "MAXIMUM", "MEAN", "STDDEV", "VALID_PERCENT"})
      if (const char* v = GDALGetMetadataItem(GDALGetRasterBand(ds, b), (std::string("STATISTICS_") + key).c_str(), ""))
        s[detail::lower(key)] = std::atof(v);
    bands.push_back(s);
  }
  return bands;
}

json image_structure(GDALDatasetH ds) {
  json out = json::object();
  for (const char* key : {"LAYOUT", "INTERLEAVE", "PREDICTOR", "COMPRESSION"})
    if (const char* v = GDALGetMetadataItem(ds, key, "IMAGE_STRUCTURE")) out[detail::lower(key)] = v;
  return out;
}

json info(const std::string& path) {
  GDALAllRegister();
  json out;
  out["path"] = path;
  json desc = description(path);
  DatasetHandle ds(GDALOpenEx(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  if (!ds) throw error("info", path, "not a raster GDAL can open");
  const CogValidation v = validate_cog(path);
  out["cog"] = {{"valid", v.valid}, {"errors", v.errors}, {"warnings", v.warnings}, {"header_bytes", v.header_size}};
  out["driver"] = GDALGetDriverShortName(GDALGetDatasetDriver(ds.get()));
  VSIStatBufL st;
  out["file_bytes"] = VSIStatL(path.c_str(), &st) == 0 ? json(st.st_size) : json(nullptr);
  out.update(desc);
  out["image_structure"] = image_structure(ds.get());
  out["statistics"] = stored_statistics(ds.get());
  return out;
}

std::string list(const json& a) {
  std::string s;
  for (const auto& e : a) s += (s.empty() ? "" : " ") + (e.is_string() ? e.get<std::string>() : e.dump());
  return s;
}

}  // namespace

std::string cog_info_json(const std::string& path, int indent) { return info(path).dump(indent); }

std::string cog_info_text(const std::string& path) {
  const json j = info(path);
  std::string t = path + "\n";
  t += "  COG:          " + std::string(j["cog"]["valid"] ? "valid" : "NOT valid") + "\n";
  for (const auto& e : j["cog"]["errors"]) t += "    error:      " + e.get<std::string>() + "\n";
  for (const auto& w : j["cog"]["warnings"]) t += "    warning:    " + w.get<std::string>() + "\n";
  t += "  driver:       " + j["driver"].get<std::string>() + ", " + j["image_structure"].dump() + "\n";
  t += "  size:         " + j["width"].dump() + " x " + j["height"].dump() + ", " + j["bands"].dump() + " band(s) of " +
       j["data_type"].get<std::string>() + "\n";
  t += "  compression:  " + j["compression"].get<std::string>() + ", blocks " + list(j["block_size"]) + "\n";
  t += "  overviews:    " + (j["overviews"].empty() ? std::string("none") : list(j["overviews"])) + "\n";
  t += "  crs:          " + (j["crs"]["epsg"].is_null() ? std::string("no EPSG code") : "EPSG:" + j["crs"]["epsg"].dump()) + "\n";
  t += "  geotransform: " + list(j["geotransform"]) + "\n";
  t += "  nodata:       " + j["nodata"].dump() + "\n";
  for (std::size_t b = 0; b < j["statistics"].size(); ++b)
    t += "  band " + std::to_string(b + 1) + " stats: " + j["statistics"][b].dump() + "\n";
  return t;
}

}  // namespace cogkit
