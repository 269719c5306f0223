// src/read/crs.hpp — the CRS of a text input (ASCII grid, XYZ): the user's CRS, else a .prj sidecar.
#pragma once

#include <string>
#include <vector>

#include "cogkit/core/gdal_handle.hpp"

namespace cogkit::detail {

struct SrsInput {
  std::string path;           // the input as the user named it (a.asc, a.asc.gz, a.xyz, a.zip)
  std::string member;         // the /vsizip/ path of the text inside a zip, else ""
  bool compressed = false;    // gzip/zstd/zip: the name has one more extension than the text (a.asc.gz)
  std::string user_crs;       // the CRS given for the input (a_srs); wins over a sidecar
  std::string option;         // how errors name that option, e.g. "AsciiGridOptions::a_srs"
  bool converts_arc_seconds = false;  // the caller divides its geotransform by 3600 when arc_seconds is set
};

struct ResolvedSrs {
  SrsHandle srs;                      // OAMS_TRADITIONAL_GIS_ORDER; empty when the input has no usable CRS
  std::string note;                   // where the CRS came from (empty without a CRS)
  std::string prj_path;               // the sidecar found, even when user_crs overrides it ("" if none)
  bool arc_seconds = false;           // a geographic .prj with "Units DS": coordinates are arc-seconds
  std::vector<std::string> warnings;  // e.g. a .prj GDAL cannot parse (the input is then read without CRS)
};

// The resolver's view of a text input as open_text opened it (its compression "", "gzip",
// "zstd" or "zip", and the text's path: the /vsizip/ member of a zip): a zip member has
// sidecars of its own, a compressed name (a.asc.gz, a.xyz.gz) one extension more than the
// text. Both text readers build their SrsInput with it, so they find the same sidecars.
SrsInput text_srs_input(const std::string& path, const std::string& compression, const std::string& text_path,
                        const std::string& user_crs, const std::string& option);

// The .prj sidecars of `in`, in the order they are tried (each as .prj and .PRJ): the zip member's
// base, the name without its compression and data extensions (a.asc.gz -> a), without its last
// extension (a.asc -> a, a.asc.gz -> a.asc), and the full name (a.xyz -> a.xyz.prj).
std::vector<std::string> prj_candidates(const SrsInput& in);

// The first existing sidecar of prj_candidates(in), or "".
std::string find_prj(const SrsInput& in);

// The user's CRS when given (an unparsable one throws cogkit::error("options")), else the sidecar's
// (an unparsable one gives a warning and no CRS). An ESRI .prj that matches an EPSG CRS exactly
// becomes that EPSG CRS.
ResolvedSrs resolve_srs(const SrsInput& in);

}  // namespace cogkit::detail
