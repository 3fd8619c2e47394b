#include "models/inversion/inversion_options.h"

namespace wbe {
namespace {

bool Refuse(const std::string& reason, std::string* why) {
  if (why != nullptr) *why = reason;
  return false;
}

bool PositiveFinite(double value) { return std::isfinite(value) && value > 0.0; }

}  // namespace

bool InversionOptions::Check(std::string* why) const {
  if (loss != RobustLoss::kTrivial && !PositiveFinite(loss_scale)) {
    return Refuse("loss_scale must be positive", why);
  }
  if (!PositiveFinite(observation_log_sigma)) {
    return Refuse("observation_log_sigma must be positive", why);
  }
  if (!PositiveFinite(random_walk_log_sigma_per_day)) {
    return Refuse("random_walk_log_sigma_per_day must be positive", why);
  }
  if (!(day_of_week_log_sigma >= 0.0) || !std::isfinite(day_of_week_log_sigma)) {
    return Refuse("day_of_week_log_sigma must be zero (off) or positive", why);
  }
  if (!PositiveFinite(per_capita_log_sigma)) {
    return Refuse("per_capita_log_sigma must be positive", why);
  }
  if (!std::isfinite(per_capita_log_mg_per_person_per_day)) {
    return Refuse("per_capita_log_mg_per_person_per_day must be finite", why);
  }
  if (max_num_iterations <= 0) return Refuse("max_num_iterations must be positive", why);
  if (num_threads <= 0) return Refuse("num_threads must be positive", why);
  if (!(function_tolerance >= 0.0) || !(gradient_tolerance >= 0.0) ||
      !(parameter_tolerance >= 0.0)) {
    return Refuse("tolerances must be non-negative", why);
  }
  return true;
}

}  // namespace wbe
