#include "cogkit/write/cog.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <map>
#include <set>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>

#include "cogkit/core/error.hpp"
#include "cogkit/core/gdal_handle.hpp"
#include "write/native.hpp"
#include "core/gdal_env.hpp"
#include "core/text.hpp"

namespace cogkit {
namespace {

using detail::lower;
using detail::upper;

const std::set<std::string> kCodecs = {"DEFLATE", "ZSTD", "LZW", "LERC", "LERC_DEFLATE", "LERC_ZSTD",
                                       "WEBP",    "JPEG", "NONE", "LZMA"};

bool predictor_applies(const std::string& codec) {
  return codec == "DEFLATE" || codec == "ZSTD" || codec == "LZW" || codec == "LZMA";
}

}  // namespace

void validate_cog_options(const CogOptions& o) {
  const std::string c = upper(o.compress);
  if (!kCodecs.count(c))
    throw error("options", "", "unknown compression '" + o.compress + "' (deflate, zstd, lzw, lerc, webp, jpeg, none)");
  if (o.level >= 0) {
    int lo = 1, hi = 9;
    if (c == "DEFLATE") hi = 12;  // libdeflate levels
    else if (c == "ZSTD") hi = 22;
    else if (c == "JPEG" || c == "WEBP") hi = 100;
    else if (c == "LZMA") lo = 0;
    else throw error("options", "", "--level does not apply to " + lower(c) + " compression");
    if (o.level < lo || o.level > hi)
      throw error("options", "", "--level " + std::to_string(o.level) + " out of range " + std::to_string(lo) + ".." +
                                     std::to_string(hi) + " for " + lower(c));
  }
  const std::string p = lower(o.predictor);
  if (p != "auto" && p != "none" && p != "2" && p != "3")
    throw error("options", "", "unknown predictor '" + o.predictor + "' (auto, none, 2, 3)");
  if ((p == "2" || p == "3") && !predictor_applies(c))
    throw error("options", "", "a predictor needs deflate, zstd, lzw or lzma compression");
  if (o.blocksize < 16 || o.blocksize > 4096 || o.blocksize % 16 != 0)
    throw error("options", "", "--blocksize must be a multiple of 16 between 16 and 4096, got " +
                                   std::to_string(o.blocksize));
  const std::string wr = lower(o.writer);
  if (wr != "auto" && wr != "cogkit" && wr != "gdal")
    throw error("options", "", "--writer must be auto, cogkit or gdal, got '" + o.writer + "'");
  const std::string ov = lower(o.overviews);
  if (ov != "auto" && ov != "none") throw error("options", "", "--overviews must be auto or none, got '" + o.overviews + "'");
  if (!o.overview_resampling.empty()) {
    static const std::set<std::string> kOvr = {"NEAREST", "AVERAGE", "BILINEAR", "CUBIC", "CUBICSPLINE", "LANCZOS",
                                               "MODE",    "RMS",     "GAUSS"};
    if (!kOvr.count(upper(o.overview_resampling)))
      throw error("options", "", "unknown overview resampling '" + o.overview_resampling +
                                     "' (nearest, average, bilinear, cubic, cubicspline, lanczos, mode, rms, gauss)");
  }
  for (const auto& kv : o.creation_options)
    if (kv.find('=') == std::string::npos || kv.front() == '=')
      throw error("options", "", "--co expects KEY=VALUE, got '" + kv + "'");
}

std::vector<std::string> cog_creation_options(const CogOptions& o, GDALDataType type, int threads) {
  std::map<std::string, std::string> co;
  const std::string c = upper(o.compress);
  co["COMPRESS"] = c;
  if (o.level >= 0) {
    if (c == "JPEG" || c == "WEBP")
      co["QUALITY"] = std::to_string(o.level);
    else
      co["LEVEL"] = std::to_string(o.level);
  }
  const std::string p = lower(o.predictor);
  const bool is_float = GDALDataTypeIsFloating(type);
  if (predictor_applies(c)) {
    if (p == "auto") co["PREDICTOR"] = is_float ? "FLOATING_POINT" : "STANDARD";
    else if (p == "2") co["PREDICTOR"] = "STANDARD";
    else if (p == "3") {
      if (!is_float) throw error("write", "", "predictor 3 (floating point) needs a floating-point data type");
      co["PREDICTOR"] = "FLOATING_POINT";
    }
  }
  co["BLOCKSIZE"] = std::to_string(o.blocksize);
  co["OVERVIEWS"] = lower(o.overviews) == "none" ? "NONE" : "AUTO";
  if (!o.overview_resampling.empty()) co["OVERVIEW_RESAMPLING"] = upper(o.overview_resampling);
  co["NUM_THREADS"] = std::to_string(std::max(1, threads));
  co["BIGTIFF"] = "IF_SAFER";
  for (const auto& kv : o.creation_options) {
    const auto eq = kv.find('=');
    co[upper(kv.substr(0, eq))] = kv.substr(eq + 1);
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : co) out.push_back(k + "=" + v);
  return out;
}

namespace {
struct ProgressAdapter {
  const ProgressFn* fn;
  const char* step;
};
int CPL_STDCALL gdal_progress(double complete, const char*, void* data) {
  const auto* a = static_cast<ProgressAdapter*>(data);
  if (a && a->fn && *a->fn) (*a->fn)(a->step, std::clamp(complete, 0.0, 1.0));
  return TRUE;
}
}  // namespace

namespace {
void write_with_gdal(GDALDatasetH source, const std::string& path, const CogOptions& options, int threads,
                     const ProgressFn& progress) {
  GDALDriverH driver = GDALGetDriverByName("COG");
  if (!driver) throw error("write", path, "GDAL was built without the COG driver");
  GDALRasterBandH b1 = GDALGetRasterBand(source, 1);
  const GDALDataType type = GDALGetRasterDataType(b1);
  const std::string c = upper(options.compress);
  if ((c == "JPEG" || c == "WEBP") && type != GDT_Byte)
    throw error("write", path, lower(c) + " compression needs 8-bit data, the raster is " + GDALGetDataTypeName(type));
  CPLStringList co;
  for (const auto& kv : cog_creation_options(options, type, threads)) co.AddString(kv.c_str());
  detail::GdalErrorCapture capture;
  ProgressAdapter adapter{&progress, "write"};
  DatasetHandle out(GDALCreateCopy(driver, path.c_str(), source, FALSE, co.List(), gdal_progress, &adapter));
  if (!out) throw error("write", path, "writing the COG failed", capture.last_error());
  out.reset();  // flush and close
  const std::string err = capture.last_error();
  if (!err.empty()) throw error("write", path, "writing the COG failed", err);
}
}  // namespace

CogWriteResult write_cog(GDALDatasetH source, const std::string& path, const CogOptions& options, int threads,
                         const MemoryBudget& budget, const ProgressFn& progress, const RowObserver& observer) {
  GDALAllRegister();
  CogWriteResult result;
  const std::string wr = lower(options.writer);
  if (wr != "gdal") result.reason = detail::native_cog_unsupported(source, options, budget);
  if (wr == "cogkit" && !result.reason.empty())
    throw error("write", path, "--writer cogkit does not support " + result.reason + " (use --writer auto or gdal)");
  // Whatever fails, no partial file is left at `path`.
  try {
    if (wr != "gdal" && result.reason.empty()) {
      result.writer = "cogkit";
      result.rows_observed = detail::write_cog_native(source, path, options, threads, budget, progress, observer);
    } else {
      result.writer = "gdal";
      write_with_gdal(source, path, options, threads, progress);
    }
  } catch (const error&) {
    VSIUnlink(path.c_str());
    throw;
  } catch (const std::exception& e) {
    VSIUnlink(path.c_str());
    throw error("write", path, e.what());
  }
  return result;
}

CogWriteResult write_cog(GDALDatasetH source, const std::string& path, const CogOptions& options, int threads,
                         const ProgressFn& progress) {
  return write_cog(source, path, options, threads, MemoryBudget(StagingOptions{}), progress);
}

}  // namespace cogkit
