// src/core/metadata.cpp — see metadata.hpp.
#include "core/metadata.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include <cpl_minixml.h>
#include <cpl_string.h>
#include <cpl_vsi.h>

namespace cogkit::detail {
namespace {

constexpr const char* kAreaOrPoint = "AREA_OR_POINT";

// `md` without the STATISTICS_* items when `drop_stats` (a copy: `md` may be the target's own list).
CPLStringList filtered(char** md, bool drop_stats) {
  CPLStringList out;
  for (char** p = md; p && *p; ++p)
    if (!drop_stats || !STARTS_WITH_CI(*p, "STATISTICS_")) out.AddString(*p);
  return out;
}

void copy_band(GDALRasterBandH s, GDALRasterBandH d, const MetadataCopy& how) {
  GDALSetRasterColorInterpretation(d, GDALGetRasterColorInterpretation(s));
  if (GDALColorTableH ct = GDALGetRasterColorTable(s)) GDALSetRasterColorTable(d, ct);
  int ok = FALSE;
  const double offset = GDALGetRasterOffset(s, &ok);
  if (ok && offset != 0.0) GDALSetRasterOffset(d, offset);
  const double scale = GDALGetRasterScale(s, &ok);
  if (ok && scale != 1.0) GDALSetRasterScale(d, scale);
  const std::string desc = how.metadata ? GDALGetDescription(s) : "";
  const char* unit = GDALGetRasterUnitType(s);
  const std::string units = how.metadata && unit ? unit : "";
  const CPLStringList md = how.metadata ? filtered(GDALGetMetadata(s, nullptr), how.values_changed) : CPLStringList();
  if (desc != GDALGetDescription(d)) GDALSetDescription(d, desc.c_str());
  const char* had = GDALGetRasterUnitType(d);
  if (units != (had ? had : "")) GDALSetRasterUnitType(d, units.c_str());
  if (!md.empty() || GDALGetMetadata(d, nullptr)) GDALSetMetadata(d, md.List(), nullptr);
}

void copy_dataset(GDALDatasetH s, GDALDatasetH d, const MetadataCopy& how) {
  CPLStringList md = how.metadata ? filtered(GDALGetMetadata(s, nullptr), how.values_changed) : CPLStringList();
  if (!how.metadata)
    if (const char* aop = GDALGetMetadataItem(s, kAreaOrPoint, nullptr)) md.SetNameValue(kAreaOrPoint, aop);
  if (!md.empty() || GDALGetMetadata(d, nullptr)) GDALSetMetadata(d, md.List(), nullptr);
  const CPLStringList xmp(CSLDuplicate(how.metadata && !how.resampled ? GDALGetMetadata(s, "xml:XMP") : nullptr));
  if (!xmp.empty() || GDALGetMetadata(d, "xml:XMP")) GDALSetMetadata(d, xmp.List(), "xml:XMP");
}

}  // namespace

void copy_metadata(GDALDatasetH src, GDALDatasetH dst, const MetadataCopy& how) {
  copy_dataset(src, dst, how);
  const int bands = std::min(GDALGetRasterCount(src), GDALGetRasterCount(dst));
  for (int b = 1; b <= bands; ++b) copy_band(GDALGetRasterBand(src, b), GDALGetRasterBand(dst, b), how);
}

namespace {

// gdalwarp's rule for several sources (RemoveConflictingMetadata, GDAL 3.6): the first
// source's items; an item another source has with another value (or the first lacks) is '*'.
// STATISTICS_* go (the mosaic has other values); so does an AREA_OR_POINT in conflict.
void merge_items(CPLStringList& out, GDALMajorObjectH other) {
  for (char** p = GDALGetMetadata(other, nullptr); p && *p; ++p) {
    char* key = nullptr;
    const char* value = CPLParseNameValue(*p, &key);
    const char* have = key ? out.FetchNameValue(key) : nullptr;
    if (key && !STARTS_WITH_CI(key, "STATISTICS_") && (!have || !value || !EQUAL(have, value)) &&
        !(have && EQUAL(have, "*")))
      out.SetNameValue(key, EQUAL(key, kAreaOrPoint) ? nullptr : "*");
    CPLFree(key);
  }
}

std::string text_of(const char* s) { return s ? s : ""; }

}  // namespace

void MetadataMerge::add(GDALDatasetH input) {
  const int count = GDALGetRasterCount(input);
  if (!started_) {
    started_ = true;
    items_ = filtered(GDALGetMetadata(input, nullptr), true);
    for (int b = 1; b <= count; ++b) {
      GDALRasterBandH band = GDALGetRasterBand(input, b);
      bands_.push_back({filtered(GDALGetMetadata(band, nullptr), true), text_of(GDALGetDescription(band)),
                        text_of(GDALGetRasterUnitType(band))});
    }
    return;
  }
  merge_items(items_, input);
  if (bands_.size() > static_cast<std::size_t>(count)) bands_.resize(static_cast<std::size_t>(count));
  for (std::size_t b = 0; b < bands_.size(); ++b) {
    GDALRasterBandH band = GDALGetRasterBand(input, static_cast<int>(b) + 1);
    merge_items(bands_[b].items, band);
    if (bands_[b].description != text_of(GDALGetDescription(band))) bands_[b].description.clear();
    if (bands_[b].unit != text_of(GDALGetRasterUnitType(band))) bands_[b].unit.clear();
  }
}

void MetadataMerge::apply(GDALDatasetH dst) const {
  if (!started_) return;
  GDALSetMetadata(dst, items_.List(), nullptr);
  const int count = std::min(GDALGetRasterCount(dst), static_cast<int>(bands_.size()));
  for (int b = 1; b <= count; ++b) {
    const Band& m = bands_[static_cast<std::size_t>(b) - 1];
    GDALRasterBandH d = GDALGetRasterBand(dst, b);
    GDALSetMetadata(d, m.items.List(), nullptr);
    GDALSetDescription(d, m.description.c_str());
    if (!m.unit.empty()) GDALSetRasterUnitType(d, m.unit.c_str());
  }
}

namespace {

// The default-domain <Metadata> items of PAM element `parent` set on `obj`.
void apply_pam_items(const CPLXMLNode* parent, GDALMajorObjectH obj) {
  for (const CPLXMLNode* n = parent->psChild; n; n = n->psNext) {
    if (n->eType != CXT_Element || !EQUAL(n->pszValue, "Metadata") || *CPLGetXMLValue(n, "domain", "")) continue;
    for (const CPLXMLNode* m = n->psChild; m; m = m->psNext)
      if (m->eType == CXT_Element && EQUAL(m->pszValue, "MDI"))
        GDALSetMetadataItem(obj, CPLGetXMLValue(m, "key", ""), CPLGetXMLValue(m, nullptr, ""), nullptr);
  }
}

void apply_pam_band(const CPLXMLNode* node, GDALRasterBandH band) {
  apply_pam_items(node, band);
  if (const char* d = CPLGetXMLValue(node, "Description", nullptr)) GDALSetDescription(band, d);
  if (const char* u = CPLGetXMLValue(node, "UnitType", nullptr)) GDALSetRasterUnitType(band, u);
  if (const char* o = CPLGetXMLValue(node, "Offset", nullptr)) GDALSetRasterOffset(band, CPLAtof(o));
  if (const char* s = CPLGetXMLValue(node, "Scale", nullptr)) GDALSetRasterScale(band, CPLAtof(s));
}

}  // namespace

void apply_pam_file(const char* path, GDALDatasetH dst) {
  const std::string aux = std::string(path) + ".aux.xml";
  VSIStatBufL st;
  if (VSIStatL(aux.c_str(), &st) != 0) return;
  CPLXMLNode* root = CPLParseXMLFile(aux.c_str());
  const CPLXMLNode* pam = root ? CPLGetXMLNode(root, "=PAMDataset") : nullptr;
  if (pam) {
    apply_pam_items(pam, dst);
    for (const CPLXMLNode* n = pam->psChild; n; n = n->psNext) {
      if (n->eType != CXT_Element || !EQUAL(n->pszValue, "PAMRasterBand")) continue;
      const int b = atoi(CPLGetXMLValue(n, "band", "0"));
      if (b >= 1 && b <= GDALGetRasterCount(dst)) apply_pam_band(n, GDALGetRasterBand(dst, b));
    }
  }
  if (root) CPLDestroyXMLNode(root);
}

}  // namespace cogkit::detail
