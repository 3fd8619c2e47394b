#pragma once

#include <cmath>
#include <cstdio>
#include <string>

namespace wbe::reason_text {

// Numbers as people read them in a report: "97 %", "2.1", "1 340".
inline std::string Percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f %%", 100.0 * fraction);
  return text;
}

inline std::string Ratio(double ratio) {
  char text[32];
  std::snprintf(text, sizeof text, ratio < 10.0 ? "%.2g" : "%.0f", ratio);
  return text;
}

inline std::string Amount(double value) {
  char text[32];
  if (!std::isfinite(value)) return "n/a";
  std::snprintf(text, sizeof text, std::fabs(value) >= 100.0 ? "%.0f" : "%.3g", value);
  return text;
}

}  // namespace wbe::reason_text
