#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace wbe::cli {

// Validators whose messages say what is wrong in plain words ("must be a positive number,
// got -5"), unlike CLI11's ranges that print the full double range.
CLI::Validator PositiveNumber();
CLI::Validator NonNegativeNumber();
CLI::Validator NumberInRange(double min, double max);

}  // namespace wbe::cli
