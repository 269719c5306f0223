#include "read/crs.hpp"

#include <sstream>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <ogr_srs_api.h>

#include "cogkit/core/error.hpp"
#include "core/text.hpp"

namespace cogkit::detail {
namespace {

std::string strip_ext(const std::string& p) {
  const auto slash = p.find_last_of('/');
  const auto dot = p.find_last_of('.');
  return dot != std::string::npos && (slash == std::string::npos || dot > slash) ? p.substr(0, dot) : p;
}

// An old Arc/Info .prj says "Units DS" when a geographic CRS is in arc-seconds.
bool units_ds(char** lines) {
  for (char** p = lines; p && *p; ++p) {
    std::istringstream is(lower(*p));
    std::string k, v;
    is >> k >> v;
    if (k == "units" && v == "ds") return true;
  }
  return false;
}

// ESRI keyword or WKT form first, then anything else GDAL reads (PROJJSON, EPSG:n, ...).
OGRErr import_prj(OGRSpatialReferenceH s, char** lines) {
  OGRErr err = lines ? OSRImportFromESRI(s, lines) : OGRERR_CORRUPT_DATA;
  if (err != OGRERR_NONE && lines) {
    std::string joined;
    for (char** p = lines; *p; ++p) joined += std::string(*p) + "\n";
    err = OSRSetFromUserInput(s, joined.c_str());
  }
  return err;
}

// An ESRI .prj carries no authority code: adopt the EPSG definition when OGR finds an exact
// (100 %) match that is also the same CRS, so the COG gets a proper EPSG key.
void adopt_epsg_match(ResolvedSrs& r) {
  int n = 0;
  int* confidence = nullptr;
  CPLPushErrorHandler(CPLQuietErrorHandler);
  OGRSpatialReferenceH* matches = OSRFindMatches(r.srs.get(), nullptr, &n, &confidence);
  CPLPopErrorHandler();
  if (n >= 1 && confidence && confidence[0] == 100 && OSRGetAuthorityName(matches[0], nullptr) &&
      EQUAL(OSRGetAuthorityName(matches[0], nullptr), "EPSG") && OSRIsSame(r.srs.get(), matches[0])) {
    r.note += " (identified as EPSG:" + std::string(OSRGetAuthorityCode(matches[0], nullptr)) + ")";
    r.srs.reset(OSRClone(matches[0]));
  }
  if (matches) OSRFreeSRSArray(matches);
  CPLFree(confidence);
}

void from_user(const SrsInput& in, ResolvedSrs& r) {
  r.srs.reset(OSRNewSpatialReference(nullptr));
  if (OSRSetFromUserInput(r.srs.get(), in.user_crs.c_str()) != OGRERR_NONE)
    throw error("options", "", in.option + ": cannot understand '" + in.user_crs + "'", CPLGetLastErrorMsg());
  OSRSetAxisMappingStrategy(r.srs.get(), OAMS_TRADITIONAL_GIS_ORDER);
  r.note = "from the CRS given for the input (a_srs) " + in.user_crs +
           (r.prj_path.empty() ? "" : " (overrides " + r.prj_path + ")");
}

void from_prj(const SrsInput& in, ResolvedSrs& r) {
  char** lines = CSLLoad(r.prj_path.c_str());
  r.srs.reset(OSRNewSpatialReference(nullptr));
  CPLPushErrorHandler(CPLQuietErrorHandler);
  CPLErrorReset();
  const OGRErr err = import_prj(r.srs.get(), lines);
  const std::string gdal_msg = CPLGetLastErrorMsg();
  CPLPopErrorHandler();
  CPLErrorReset();
  if (err != OGRERR_NONE) {
    r.warnings.push_back(r.prj_path + ": not a CRS GDAL understands (" + gdal_msg + "); written without CRS");
    r.srs.reset();
  } else {
    r.note = "from " + r.prj_path;
    if (OSRIsGeographic(r.srs.get()) && units_ds(lines)) {
      r.arc_seconds = true;
      if (in.converts_arc_seconds) r.note += " (Units DS: arc-seconds converted to degrees)";
    }
    adopt_epsg_match(r);
    OSRSetAxisMappingStrategy(r.srs.get(), OAMS_TRADITIONAL_GIS_ORDER);
  }
  CSLDestroy(lines);
}

}  // namespace

SrsInput text_srs_input(const std::string& path, const std::string& compression, const std::string& text_path,
                        const std::string& user_crs, const std::string& option) {
  SrsInput in;
  in.path = path;
  if (compression == "zip") in.member = text_path;
  in.compressed = !compression.empty();
  in.user_crs = user_crs;
  in.option = option;
  return in;
}

std::vector<std::string> prj_candidates(const SrsInput& in) {
  std::vector<std::string> bases;
  if (!in.member.empty()) bases.push_back(strip_ext(in.member));  // inside the zip
  if (in.compressed) bases.push_back(strip_ext(strip_ext(in.path)));  // a.asc.gz -> a
  bases.push_back(strip_ext(in.path));                                // a.asc.gz -> a.asc, a.xyz -> a
  bases.push_back(in.path);                                           // a.xyz -> a.xyz(.prj)
  std::vector<std::string> out;
  for (const auto& b : bases)
    for (const char* ext : {".prj", ".PRJ"}) {
      std::string c = b + ext;
      bool seen = false;
      for (const auto& o : out) seen |= o == c;
      if (!seen) out.push_back(std::move(c));
    }
  return out;
}

std::string find_prj(const SrsInput& in) {
  for (const auto& candidate : prj_candidates(in)) {
    VSIStatBufL st{};
    if (VSIStatL(candidate.c_str(), &st) == 0 && !VSI_ISDIR(st.st_mode)) return candidate;
  }
  return {};
}

ResolvedSrs resolve_srs(const SrsInput& in) {
  ResolvedSrs r;
  r.prj_path = find_prj(in);
  if (!in.user_crs.empty())
    from_user(in, r);
  else if (!r.prj_path.empty())
    from_prj(in, r);
  return r;
}

}  // namespace cogkit::detail
