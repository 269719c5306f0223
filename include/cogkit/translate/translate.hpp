// cogkit/translate/translate.hpp — band selection, data type and value scaling (step "translate").
//
// gdal_translate's -b, -ot, -scale and -unscale, with GDAL's own rounding and clamping: the
// step is a lazy view of the source (no pixel is held), so it streams like the source does.
#pragma once

#include <optional>
#include <vector>

#include "cogkit/core/options.hpp"

namespace cogkit {

struct TranslateOptions {
  std::vector<int> bands;               // -b: 1-based source bands, in output order; empty = all
  std::optional<DataType> output_type;  // -ot: with GDAL's rounding and clamping
  // -scale [src_min src_max [dst_min dst_max]]: 0 values = the source's min/max to 0..255;
  // nullopt = no scaling.
  std::optional<std::vector<double>> scale;
  bool unscale = false;                 // -unscale: apply each band's scale/offset to its values
  bool active() const { return !bands.empty() || output_type || scale || unscale; }
};

}  // namespace cogkit
