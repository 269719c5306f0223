// reproject.hpp: kernel names and warping a window of the destination.
#include <gtest/gtest.h>
#include <ogr_srs_api.h>

#include "cogkit/core/error.hpp"
#include "cogkit/core/gdal_handle.hpp"
#include "cogkit/reproject/reproject.hpp"
#include "demgen.hpp"
#include "test_support.hpp"

namespace cogkit {
namespace {

TEST(Resampling, NamesAreParsedAndUnknownOnesRefused) {
  EXPECT_EQ(parse<Resampling>("nearest"), Resampling::nearest);
  EXPECT_EQ(parse<Resampling>("near"), Resampling::nearest);
  EXPECT_EQ(parse<Resampling>("Bilinear"), Resampling::bilinear);
  EXPECT_EQ(parse<Resampling>("q3"), Resampling::q3);
  EXPECT_EQ(to_gdal(Resampling::nearest), "near");
  EXPECT_THROW(parse<Resampling>("fancy"), error);
}

DatasetHandle target(int w, int h) {
  DatasetHandle d(GDALCreate(GDALGetDriverByName("MEM"), "", w, h, 1, GDT_Float32, nullptr));
  double gt[6] = {2115200, 8, 0, 6866400, 0, -8};
  GDALSetGeoTransform(d.get(), gt);
  SrsHandle srs(OSRNewSpatialReference(nullptr));
  OSRImportFromEPSG(srs.get(), 3857);
  GDALSetSpatialRef(d.get(), srs.get());
  GDALFillRaster(GDALGetRasterBand(d.get(), 1), 12345, 0);
  return d;
}

std::vector<float> pixels(GDALDatasetH d) {
  const int w = GDALGetRasterXSize(d), h = GDALGetRasterYSize(d);
  std::vector<float> v(std::size_t(w) * h);
  EXPECT_EQ(GDALRasterIO(GDALGetRasterBand(d, 1), GF_Read, 0, 0, w, h, v.data(), w, h, GDT_Float32, 0, 0), CE_None);
  return v;
}

TEST(WarpRegions, AWindowGetsTheSamePixelsAsTheWholeWarpAndNothingElseIsTouched) {
  test::TempDir dir;
  demgen::DemSpec s;
  s.width = 300;
  s.height = 250;
  s.lakes = 1;
  s.lake_radius_min = 10;
  s.lake_radius_max = 20;
  demgen::write_raster(s, dir / "dem.tif");
  DatasetHandle src(GDALOpen((dir / "dem.tif").c_str(), GA_ReadOnly));
  WarpSettings ws;  // into target()'s EPSG:3857 grid
  ws.resampling = Resampling::bilinear;
  ws.threads = 2;
  ws.dst_nodata = -9999;
  ws.error_threshold = 0;  // exact: sample positions do not depend on chunking
  DatasetHandle whole = target(160, 140), part = target(160, 140);
  warp_regions(src.get(), whole.get(), ws, {});
  const PixelRect r{30, 20, 70, 50};
  warp_regions(src.get(), part.get(), ws, {r});
  const auto a = pixels(whole.get()), b = pixels(part.get());
  std::size_t inside_diff = 0, outside_touched = 0, valid = 0;
  for (int y = 0; y < 140; ++y)
    for (int x = 0; x < 160; ++x) {
      const std::size_t i = std::size_t(y) * 160 + x;
      const bool in = x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h;
      if (in) {
        inside_diff += a[i] != b[i];
        valid += a[i] != -9999;
      } else {
        outside_touched += b[i] != 12345;
      }
    }
  EXPECT_GT(valid, 1000u);
  EXPECT_EQ(inside_diff, 0u);
  EXPECT_EQ(outside_touched, 0u);
}

}  // namespace
}  // namespace cogkit
