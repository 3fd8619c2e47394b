#pragma once

#include <string>

namespace wbe {

// How numbers appear in messages a technician reads: four significant figures, without an
// exponent for everyday magnitudes ("206431 ng/L" rather than "2.064e+05 ng/L"; "0.8674").
std::string NumberText(double value);
// One decimal: "80.7".
std::string PercentText(double value);

}  // namespace wbe
