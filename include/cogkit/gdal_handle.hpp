// cogkit/gdal_handle.hpp — RAII owners for GDAL/OGR C handles.
#pragma once

#include <memory>
#include <type_traits>

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

namespace cogkit {

struct DatasetCloser {
  void operator()(void* ds) const noexcept {
    if (ds) GDALClose(static_cast<GDALDatasetH>(ds));
  }
};
// Owns a GDALDatasetH; closing flushes it.
using DatasetHandle = std::unique_ptr<void, DatasetCloser>;

struct GeometryDestroyer {
  void operator()(void* g) const noexcept {
    if (g) OGR_G_DestroyGeometry(static_cast<OGRGeometryH>(g));
  }
};
using GeometryHandle = std::unique_ptr<void, GeometryDestroyer>;

struct SrsReleaser {
  void operator()(void* s) const noexcept {
    if (s) OSRRelease(static_cast<OGRSpatialReferenceH>(s));
  }
};
using SrsHandle = std::unique_ptr<void, SrsReleaser>;

struct TransformDestroyer {
  void operator()(void* t) const noexcept {
    if (t) OCTDestroyCoordinateTransformation(static_cast<OGRCoordinateTransformationH>(t));
  }
};
using TransformHandle = std::unique_ptr<void, TransformDestroyer>;

inline GDALDatasetH get(const DatasetHandle& h) noexcept { return static_cast<GDALDatasetH>(h.get()); }

}  // namespace cogkit
