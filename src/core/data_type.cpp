// src/core/data_type.cpp — see data_type.hpp.
#include "core/data_type.hpp"

#include <cmath>
#include <limits>
#include <string>

namespace cogkit::detail {

GDALDataType gdal_type(DataType t) { return GDALGetDataTypeByName(std::string(to_gdal(t)).c_str()); }

bool representable(GDALDataType type, double v) {
  if (GDALDataTypeIsFloating(type))
    return type == GDT_Float64 || !std::isfinite(v) || std::fabs(v) <= std::numeric_limits<float>::max();
  if (!std::isfinite(v) || v != std::floor(v)) return false;
  switch (type) {
    case GDT_Byte: return v >= 0 && v <= 255;
    case GDT_UInt16: return v >= 0 && v <= 65535;
    case GDT_Int16: return v >= -32768 && v <= 32767;
    case GDT_UInt32: return v >= 0 && v <= 4294967295.0;
    case GDT_Int32: return v >= -2147483648.0 && v <= 2147483647.0;
    case GDT_UInt64: return v >= 0 && v < 18446744073709551616.0;
    case GDT_Int64: return v >= -9223372036854775808.0 && v < 9223372036854775808.0;
    default: return false;
  }
}

}  // namespace cogkit::detail
