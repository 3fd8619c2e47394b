#pragma once

#include <optional>
#include <random>
#include <string>
#include <vector>

namespace wbe {

// How sure the catalogue is of a number (see the catalogue's description).
enum class ValueStatus { kVerified, kComputed, kUnconfirmed, kAssumed, kNotFound };
const char* ValueStatusName(ValueStatus status);

enum class DistributionKind { kFixed, kUniform, kTriangular, kNormal, kLognormal };
const char* DistributionKindName(DistributionKind kind);

// A catalogue number with its provenance and, optionally, a distribution for Monte Carlo.
// For a triangular distribution `value` is the mode; for normal/lognormal it is the median
// (lognormal) or mean (normal) with `sd` or `rsd`.
struct Quantity {
  std::optional<double> value;  // empty when not found
  double min = 0.0;
  double max = 0.0;
  double sd = 0.0;
  double rsd = 0.0;
  DistributionKind distribution = DistributionKind::kFixed;
  ValueStatus status = ValueStatus::kNotFound;
  std::vector<std::string> sources;
  std::string note;

  bool known() const { return value.has_value(); }
  // The point value; throws std::logic_error when unknown.
  double point() const;
  // One draw from the distribution (the point value when fixed).
  double Sample(std::mt19937_64& rng) const;

  static Quantity Fixed(double value, ValueStatus status = ValueStatus::kAssumed);
};

}  // namespace wbe
