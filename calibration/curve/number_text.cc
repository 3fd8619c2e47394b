#include "calibration/curve/number_text.h"

#include <cmath>
#include <cstdio>

namespace wbe {

std::string NumberText(double value) {
  char text[48];
  const double magnitude = std::abs(value);
  // Outside this span fixed notation gets unwieldy; an exponent reads better there.
  if (value == 0.0 || !std::isfinite(value) || magnitude < 1e-4 || magnitude >= 1e9) {
    std::snprintf(text, sizeof(text), "%.4g", value);
    return text;
  }
  const int decimals = std::max(0, 3 - static_cast<int>(std::floor(std::log10(magnitude))));
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  std::string result = text;
  if (result.find('.') != std::string::npos) {  // 4 significant figures, no trailing zeros
    result.erase(result.find_last_not_of('0') + 1);
    if (result.back() == '.') result.pop_back();
  }
  return result;
}

std::string PercentText(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f", value);
  return text;
}

}  // namespace wbe
