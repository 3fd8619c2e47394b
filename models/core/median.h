#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace wbe {

// The median (the mean of the middle two for an even count); NaN for no values.
inline double Median(std::vector<double> values) {
  if (values.empty()) return std::nan("");
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : 0.5 * (values[mid - 1] + values[mid]);
}

}  // namespace wbe
