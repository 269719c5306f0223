// src/core/data_type.hpp — cogkit's DataType and GDAL's, and which values a type holds.
#pragma once

#include <gdal.h>

#include "cogkit/core/options.hpp"

namespace cogkit::detail {

// GDAL's type for a DataType.
GDALDataType gdal_type(DataType t);

// `v` is a value of type `type` as it is (a nodata value must be): an integer in range for
// integer types; any value in range, NaN or ±inf for floating-point types.
bool representable(GDALDataType type, double v);

}  // namespace cogkit::detail
