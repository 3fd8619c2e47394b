#pragma once

#include <cmath>

namespace wbe {

// Standard normal CDF.
inline double NormalCdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// Standard normal quantile, by bisection on the CDF: exact to double precision for p in
// (1e-300, 1 - 1e-16), and cheap enough for the few thresholds a report needs. NaN outside
// (0, 1).
inline double NormalQuantile(double p) {
  if (!(p > 0.0 && p < 1.0)) return std::nan("");
  double low = -40.0;
  double high = 40.0;
  for (int i = 0; i < 200 && high - low > 1e-15; ++i) {
    const double mid = 0.5 * (low + high);
    (NormalCdf(mid) < p ? low : high) = mid;
  }
  return 0.5 * (low + high);
}

}  // namespace wbe
