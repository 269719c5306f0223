#include "cogkit/write/cog.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <map>
#include <optional>
#include <utility>

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

using detail::upper;

bool predictor_applies(Compression c) {
  return c == Compression::deflate || c == Compression::zstd || c == Compression::lzw || c == Compression::lzma;
}

bool is_quality(Compression c) { return c == Compression::jpeg || c == Compression::webp; }

// The levels `c` takes; nullopt when it takes none.
std::optional<std::pair<int, int>> level_range(Compression c) {
  switch (c) {
    case Compression::deflate: return std::pair{1, 12};  // libdeflate levels
    case Compression::zstd: return std::pair{1, 22};
    case Compression::jpeg: case Compression::webp: return std::pair{1, 100};
    case Compression::lzma: return std::pair{0, 9};
    default: return std::nullopt;
  }
}

}  // namespace

void validate_cog_options(const CogOptions& o) {
  const std::string codec(to_name(o.compress));
  if (o.level >= 0) {
    const auto range = level_range(o.compress);
    if (!range) throw error("options", "", "a compression level does not apply to " + codec + " compression");
    if (o.level < range->first || o.level > range->second)
      throw error("options", "", "compression level " + std::to_string(o.level) + " is out of range " +
                                     std::to_string(range->first) + ".." + std::to_string(range->second) + " for " +
                                     codec);
  }
  if ((o.predictor == Predictor::standard || o.predictor == Predictor::floating_point) && !predictor_applies(o.compress))
    throw error("options", "", "a predictor needs deflate, zstd, lzw or lzma compression");
  if (o.blocksize < 16 || o.blocksize > 4096 || o.blocksize % 16 != 0)
    throw error("options", "", "the block size must be a multiple of 16 between 16 and 4096, got " +
                                   std::to_string(o.blocksize));
  for (const auto& kv : o.creation_options)
    if (kv.find('=') == std::string::npos || kv.front() == '=')
      throw error("options", "", "a creation option must be KEY=VALUE, got '" + kv + "'");
}

std::vector<std::string> cog_creation_options(const CogOptions& o, GDALDataType type, int threads) {
  std::map<std::string, std::string> co;
  co["COMPRESS"] = std::string(to_gdal(o.compress));
  if (o.level >= 0) co[is_quality(o.compress) ? "QUALITY" : "LEVEL"] = std::to_string(o.level);
  const bool is_float = GDALDataTypeIsFloating(type);
  if (predictor_applies(o.compress)) {
    Predictor p = o.predictor;
    if (p == Predictor::automatic) p = is_float ? Predictor::floating_point : Predictor::standard;
    if (p == Predictor::floating_point && !is_float)
      throw error("write", "", "the floating-point predictor (3) needs a floating-point data type");
    if (p != Predictor::none) co["PREDICTOR"] = std::string(to_gdal(p));
  }
  co["BLOCKSIZE"] = std::to_string(o.blocksize);
  co["OVERVIEWS"] = std::string(to_gdal(o.overviews));
  if (o.overview_resampling) co["OVERVIEW_RESAMPLING"] = std::string(to_gdal(*o.overview_resampling));
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
  bool stopped = false;  // the callback cancelled: GDAL was told to stop
};
int CPL_STDCALL gdal_progress(double complete, const char*, void* data) {
  auto* a = static_cast<ProgressAdapter*>(data);
  if (a && a->fn && *a->fn && !(*a->fn)(a->step, std::clamp(complete, 0.0, 1.0))) a->stopped = true;
  return a && a->stopped ? FALSE : TRUE;
}
}  // namespace

namespace {
// An in-memory VRT of `source` whose bands carry `stats` in place of their STATISTICS_*
// (GDAL's COG driver copies the band metadata into the GDAL_METADATA tag).
// An in-memory source (MEM, or a VRT without a file: nothing of it is ever saved) takes them
// on its own bands instead (null returned): a VRT of such a VRT can fail in GDAL 3.6.
DatasetHandle with_statistics(GDALDatasetH source, const BandMetadata& stats, const std::string& path) {
  GDALDriverH drv = GDALGetDatasetDriver(source);
  const std::string driver = drv ? GDALGetDriverShortName(drv) : "";
  const char* desc = GDALGetDescription(source);
  if (driver == "MEM" || (driver == "VRT" && (!desc || !*desc))) {
    for (int b = 1; b <= GDALGetRasterCount(source) && std::size_t(b) <= stats.size(); ++b) {
      GDALRasterBandH band = GDALGetRasterBand(source, b);
      CPLStringList md(CSLDuplicate(GDALGetMetadata(band, nullptr)));
      detail::set_band_metadata(band, md.List(), &stats[std::size_t(b - 1)]);
    }
    return DatasetHandle();
  }
  CPLStringList argv;
  // Bands named: no plain CreateCopy (a VRT source would be reopened from its XML, which
  // fails for in-memory sources).
  for (int b = 1; b <= GDALGetRasterCount(source); ++b) {
    argv.AddString("-b");
    argv.AddString(std::to_string(b).c_str());
  }
  std::string gdal_error;
  DatasetHandle vrt = detail::translate_to_vrt(source, argv, gdal_error);
  if (!vrt) throw error("write", path, "cannot wrap the raster for its statistics", gdal_error);
  for (int b = 1; b <= GDALGetRasterCount(source) && std::size_t(b) <= stats.size(); ++b)
    detail::set_band_metadata(GDALGetRasterBand(vrt.get(), b), GDALGetMetadata(GDALGetRasterBand(source, b), nullptr),
                              &stats[std::size_t(b - 1)]);
  return vrt;
}

void write_with_gdal(GDALDatasetH source, const std::string& path, const CogOptions& options, int threads,
                     const ProgressFn& progress, const StatisticsFn& statistics) {
  GDALDriverH driver = GDALGetDriverByName("COG");
  if (!driver) throw error("write", path, "GDAL was built without the COG driver");
  GDALRasterBandH b1 = GDALGetRasterBand(source, 1);
  const GDALDataType type = GDALGetRasterDataType(b1);
  if (is_quality(options.compress) && type != GDT_Byte)
    throw error("write", path, std::string(to_name(options.compress)) + " compression needs 8-bit data, the raster is " +
                                   GDALGetDataTypeName(type));
  CPLStringList co;
  for (const auto& kv : cog_creation_options(options, type, threads)) co.AddString(kv.c_str());
  DatasetHandle vrt;
  if (statistics) {
    vrt = with_statistics(source, statistics(false), path);
    if (vrt) source = vrt.get();
  }
  detail::GdalErrorCapture capture;
  ProgressAdapter adapter{&progress, "write"};
  DatasetHandle out(GDALCreateCopy(driver, path.c_str(), source, FALSE, co.List(), gdal_progress, &adapter));
  if (adapter.stopped) throw cancelled("write", path);  // write_cog removes what GDAL wrote
  if (!out) throw error("write", path, "writing the COG failed", capture.last_error());
  out.reset();  // flush and close
  const std::string err = capture.last_error();
  if (!err.empty()) throw error("write", path, "writing the COG failed", err);
}
}  // namespace

CogWriteResult write_cog(GDALDatasetH source, const std::string& path, const CogOptions& options, int threads,
                         const MemoryBudget& budget, const ProgressFn& progress, const RowObserver& observer,
                         const StatisticsFn& statistics) {
  GDALAllRegister();
  CogWriteResult result;
  const Writer wr = options.writer;
  if (wr != Writer::gdal) result.reason = detail::native_cog_unsupported(source, options, budget);
  if (wr == Writer::cogkit && !result.reason.empty())
    throw error("write", path, "cogkit's writer does not support " + result.reason + " (use the auto or gdal writer)");
  // Whatever fails, no partial file is left at `path`.
  try {
    if (wr != Writer::gdal && result.reason.empty()) {
      result.writer = Writer::cogkit;
      result.rows_observed = detail::write_cog_native(source, path, options, threads, budget, progress, observer,
                                                      statistics);
    } else {
      result.writer = Writer::gdal;
      write_with_gdal(source, path, options, threads, progress, statistics);
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

std::vector<CodecSupport> codec_support() {
  GDALAllRegister();
  std::string list;
  if (GDALDriverH cog = GDALGetDriverByName("COG"))
    if (const char* l = GDALGetMetadataItem(cog, GDAL_DMD_CREATIONOPTIONLIST, nullptr)) list = l;
  const auto compress = list.find("name='COMPRESS'");
  const std::string values = compress == std::string::npos ? "" : list.substr(compress, list.find("</Option>", compress) - compress);
  std::vector<CodecSupport> out;
  for (const auto& e : table<Compression>().entries) {
    const bool gdal = values.find("<Value>" + std::string(e.gdal) + "</Value>") != std::string::npos;
    out.push_back({e.value, detail::native_codec(e.value), gdal});
  }
  return out;
}

CogWriteResult write_cog(GDALDatasetH source, const std::string& path, const CogOptions& options, int threads,
                         const ProgressFn& progress) {
  return write_cog(source, path, options, threads, MemoryBudget(StagingOptions{}), progress);
}

}  // namespace cogkit
