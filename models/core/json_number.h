#pragma once

#include <cmath>

#include <nlohmann/json.hpp>

namespace wbe {

// A number for JSON output: NaN ("not available") and infinities become null, never 0.
inline nlohmann::json NumberOrNull(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

}  // namespace wbe
