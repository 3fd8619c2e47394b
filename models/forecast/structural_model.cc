#include "models/forecast/structural_model.h"

#include <cmath>

namespace wbe {
namespace {

bool Refuse(const std::string& reason, std::string* why) {
  if (why != nullptr) *why = reason;
  return false;
}

bool NonNegativeFinite(double value) { return std::isfinite(value) && value >= 0.0; }

}  // namespace

bool StructuralModel::Check(std::string* why) const {
  if (period < 0 || period > kMaxSeasonalPeriod) {
    return Refuse("seasonal period must be 0 or 1 (none) or 2.." +
                      std::to_string(kMaxSeasonalPeriod) + " steps, got " + std::to_string(period),
                  why);
  }
  return true;
}

bool StructuralModel::CheckParameters(const StructuralParameters<double>& parameters,
                                      std::string* why) const {
  if (!NonNegativeFinite(parameters.sigma_level)) {
    return Refuse("sigma_level must be zero (off) or positive", why);
  }
  if (!NonNegativeFinite(parameters.sigma_slope)) {
    return Refuse("sigma_slope must be zero (off) or positive", why);
  }
  if (!NonNegativeFinite(parameters.sigma_seasonal)) {
    return Refuse("sigma_seasonal must be zero (off) or positive", why);
  }
  if (!NonNegativeFinite(parameters.sigma_obs)) {
    return Refuse("sigma_obs must be zero (off) or positive", why);
  }
  if (!(parameters.phi > 0.0 && parameters.phi <= 1.0)) {
    return Refuse("phi (slope damping) must be in (0, 1]", why);
  }
  if (!NonNegativeFinite(parameters.own_variance_weight)) {
    return Refuse("own_variance_weight must be zero or positive and finite", why);
  }
  return true;
}

}  // namespace wbe
