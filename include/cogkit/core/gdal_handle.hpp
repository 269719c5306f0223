// cogkit/core/gdal_handle.hpp — RAII owners for GDAL/OGR C handles.
//
// Each GDAL object cogkit opens is owned by one of these: a move-only handle of its own
// type (a DatasetHandle cannot be passed where a GeometryHandle is expected), released on
// every exit path, whose get() gives the C handle GDAL's functions take — no casts.
#pragma once

#include <utility>

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

namespace cogkit {

template <typename H, void (*Release)(H) noexcept>
class Handle {
 public:
  Handle() noexcept = default;
  explicit Handle(H h) noexcept : h_(h) {}
  ~Handle() { reset(); }
  Handle(Handle&& other) noexcept : h_(std::exchange(other.h_, nullptr)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) reset(std::exchange(other.h_, nullptr));
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  H get() const noexcept { return h_; }
  explicit operator bool() const noexcept { return h_ != nullptr; }
  // Gives up ownership (the caller now closes it).
  H release() noexcept { return std::exchange(h_, nullptr); }
  // Closes the held object (if any) and holds `h` instead.
  void reset(H h = nullptr) noexcept {
    if (h_ && h_ != h) Release(h_);
    h_ = h;
  }

 private:
  H h_ = nullptr;
};

namespace handle_release {
inline void dataset(GDALDatasetH h) noexcept { GDALClose(h); }
inline void geometry(OGRGeometryH h) noexcept { OGR_G_DestroyGeometry(h); }
inline void srs(OGRSpatialReferenceH h) noexcept { OSRRelease(h); }
inline void transform(OGRCoordinateTransformationH h) noexcept { OCTDestroyCoordinateTransformation(h); }
}  // namespace handle_release

// Owns a GDALDatasetH; closing flushes it.
using DatasetHandle = Handle<GDALDatasetH, handle_release::dataset>;
using GeometryHandle = Handle<OGRGeometryH, handle_release::geometry>;
using SrsHandle = Handle<OGRSpatialReferenceH, handle_release::srs>;
using TransformHandle = Handle<OGRCoordinateTransformationH, handle_release::transform>;

}  // namespace cogkit
