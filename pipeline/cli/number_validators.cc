#include "pipeline/cli/number_validators.h"

#include <cmath>

namespace wbe::cli {
namespace {

// Parses the whole text as a finite number; returns false otherwise.
bool ParseNumber(const std::string& text, double* value) {
  try {
    size_t used = 0;
    *value = std::stod(text, &used);
    return used == text.size() && std::isfinite(*value);
  } catch (const std::exception&) {
    return false;
  }
}

CLI::Validator Make(const std::string& description,
                    const std::function<std::string(double)>& check) {
  return CLI::Validator(
      [check](std::string& text) -> std::string {
        double value = 0.0;
        if (!ParseNumber(text, &value)) return "'" + text + "' is not a number";
        return check(value);
      },
      description);
}

}  // namespace

CLI::Validator PositiveNumber() {
  return Make("POSITIVE", [](double v) {
    return v > 0.0 ? std::string() : "must be a positive number, got " + CLI::detail::to_string(v);
  });
}

CLI::Validator NonNegativeNumber() {
  return Make("NON-NEGATIVE", [](double v) {
    return v >= 0.0 ? std::string() : "must be zero or positive, got " + CLI::detail::to_string(v);
  });
}

CLI::Validator NumberInRange(double min, double max) {
  return Make("[" + CLI::detail::to_string(min) + " - " + CLI::detail::to_string(max) + "]",
              [min, max](double v) {
                return v >= min && v <= max
                           ? std::string()
                           : "must be between " + CLI::detail::to_string(min) + " and " +
                                 CLI::detail::to_string(max) + ", got " + CLI::detail::to_string(v);
              });
}

}  // namespace wbe::cli
