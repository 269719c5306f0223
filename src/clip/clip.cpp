#include "cogkit/clip/clip.hpp"

#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "cogkit/core/error.hpp"
#include "core/gdal_env.hpp"

namespace cogkit {
namespace {

OGRGeometryH as_geom(const GeometryHandle& g) { return g.get(); }

SrsHandle srs_from_user(const std::string& text, const char* what) {
  SrsHandle srs(OSRNewSpatialReference(nullptr));
  if (OSRSetFromUserInput(srs.get(), text.c_str()) != OGRERR_NONE)
    throw error("clip", "", std::string("unknown ") + what + " CRS '" + text + "'", CPLGetLastErrorMsg());
  OSRSetAxisMappingStrategy(srs.get(), OAMS_TRADITIONAL_GIS_ORDER);
  return srs;
}

// Keeps only the polygonal parts of `g`, as one (multi)polygon.
GeometryHandle polygonal(OGRGeometryH g) {
  const auto type = wkbFlatten(OGR_G_GetGeometryType(g));
  if (type == wkbPolygon || type == wkbMultiPolygon) return GeometryHandle(OGR_G_Clone(g));
  GeometryHandle out(OGR_G_CreateGeometry(wkbMultiPolygon));
  if (type == wkbGeometryCollection || type == wkbMultiSurface || type == wkbCurvePolygon) {
    for (int i = 0; i < OGR_G_GetGeometryCount(g); ++i) {
      GeometryHandle part = polygonal(OGR_G_GetGeometryRef(g, i));
      if (part && !OGR_G_IsEmpty(as_geom(part))) {
        GeometryHandle lin(OGR_G_ForceToMultiPolygon(OGR_G_Clone(as_geom(part))));
        for (int j = 0; j < OGR_G_GetGeometryCount(as_geom(lin)); ++j)
          OGR_G_AddGeometry(as_geom(out), OGR_G_GetGeometryRef(as_geom(lin), j));
      }
    }
  }
  return out;
}

void transform_to(GeometryHandle& g, OGRSpatialReferenceH from, OGRSpatialReferenceH to, const std::string& path) {
  if (!from || !to || OSRIsSame(from, to)) return;
  TransformHandle ct(OCTNewCoordinateTransformation(from, to));
  if (!ct) throw error("clip", path, "cannot transform the clip geometry to the output CRS", CPLGetLastErrorMsg());
  // Densify so straight edges follow the curvature of the target CRS.
  OGREnvelope env;
  OGR_G_GetEnvelope(as_geom(g), &env);
  const double step = std::max(env.MaxX - env.MinX, env.MaxY - env.MinY) / 256.0;
  if (step > 0) OGR_G_Segmentize(as_geom(g), step);
  if (OGR_G_Transform(as_geom(g), ct.get()) != OGRERR_NONE)
    throw error("clip", path, "cannot transform the clip geometry to the output CRS", CPLGetLastErrorMsg());
}

GeometryHandle load_file(const std::string& path, OGRSpatialReferenceH target) {
  detail::GdalErrorCapture capture;
  DatasetHandle ds(GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  if (!ds) throw error("clip", path, "cannot open as a vector dataset", capture.last_error());
  GeometryHandle all(OGR_G_CreateGeometry(wkbMultiPolygon));
  for (int l = 0; l < GDALDatasetGetLayerCount(ds.get()); ++l) {
    OGRLayerH layer = GDALDatasetGetLayer(ds.get(), l);
    OGRSpatialReferenceH lsrs = OGR_L_GetSpatialRef(layer);
    SrsHandle layer_srs;
    if (lsrs) {
      layer_srs.reset(OSRClone(lsrs));
      OSRSetAxisMappingStrategy(layer_srs.get(), OAMS_TRADITIONAL_GIS_ORDER);
    }
    OGR_L_ResetReading(layer);
    while (OGRFeatureH f = OGR_L_GetNextFeature(layer)) {
      OGRGeometryH g = OGR_F_GetGeometryRef(f);
      if (g) {
        GeometryHandle p = polygonal(g);
        if (p && !OGR_G_IsEmpty(as_geom(p))) {
          transform_to(p, layer_srs.get(), target, path);
          GeometryHandle mp(OGR_G_ForceToMultiPolygon(OGR_G_Clone(as_geom(p))));
          for (int j = 0; j < OGR_G_GetGeometryCount(as_geom(mp)); ++j)
            OGR_G_AddGeometry(as_geom(all), OGR_G_GetGeometryRef(as_geom(mp), j));
        }
      }
      OGR_F_Destroy(f);
    }
  }
  if (OGR_G_IsEmpty(as_geom(all))) throw error("clip", path, "no polygon found in the clip file");
  GeometryHandle u(OGR_G_UnionCascaded(as_geom(all)));
  return u ? std::move(u) : std::move(all);
}

}  // namespace

GeometryHandle load_clip_geometry(const ClipOptions& options, OGRSpatialReferenceH target_srs) {
  SrsHandle target(target_srs ? OSRClone(target_srs) : nullptr);
  if (target) OSRSetAxisMappingStrategy(target.get(), OAMS_TRADITIONAL_GIS_ORDER);
  auto* tgt = target.get();
  SrsHandle given;
  if (!options.bbox_srs.empty()) given = srs_from_user(options.bbox_srs, "clip box");

  GeometryHandle result;
  if (!options.geometry.empty()) {
    VSIStatBufL st;
    if (VSIStatL(options.geometry.c_str(), &st) == 0) {
      result = load_file(options.geometry, tgt);
    } else {
      OGRGeometryH g = nullptr;
      char* wkt = const_cast<char*>(options.geometry.c_str());
      if (OGR_G_CreateFromWkt(&wkt, nullptr, &g) != OGRERR_NONE || !g) {
        throw error("clip", options.geometry.size() > 60 ? options.geometry.substr(0, 60) + "..." : options.geometry,
                    "neither a readable file nor valid WKT");
      }
      result = polygonal(g);
      OGR_G_DestroyGeometry(g);
      if (OGR_G_IsEmpty(as_geom(result))) throw error("clip", "", "the clip WKT holds no polygon");
      transform_to(result, given.get(), tgt, "WKT");
    }
  }
  if (options.bbox) {
    const auto& b = *options.bbox;
    if (!(b[0] < b[2] && b[1] < b[3])) throw error("clip", "", "the clip box needs XMIN < XMAX and YMIN < YMAX");
    GeometryHandle box(OGR_G_CreateGeometry(wkbPolygon));
    OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
    OGR_G_AddPoint_2D(ring, b[0], b[1]);
    OGR_G_AddPoint_2D(ring, b[2], b[1]);
    OGR_G_AddPoint_2D(ring, b[2], b[3]);
    OGR_G_AddPoint_2D(ring, b[0], b[3]);
    OGR_G_AddPoint_2D(ring, b[0], b[1]);
    OGR_G_AddGeometryDirectly(as_geom(box), ring);
    transform_to(box, given.get(), tgt, "clip box");
    if (result) {
      GeometryHandle inter(OGR_G_Intersection(as_geom(result), as_geom(box)));
      result = std::move(inter);
    } else {
      result = std::move(box);
    }
  }
  if (!result || OGR_G_IsEmpty(as_geom(result))) throw error("clip", "", "the clip geometry is empty");
  if (!OGR_G_IsValid(as_geom(result))) {
    GeometryHandle fixed(OGR_G_MakeValid(as_geom(result)));
    if (fixed) result = polygonal(as_geom(fixed));
  }
  return result;
}

}  // namespace cogkit
