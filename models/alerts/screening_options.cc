#include "models/alerts/screening_options.h"

#include <cmath>

namespace wbe {

bool ScreeningOptions::Check(std::string* why) const {
  const auto fail = [&](const std::string& message) {
    if (why != nullptr) *why = message;
    return false;
  };
  if (trend_ahead_weeks < 1) return fail("trend_ahead_weeks must be at least 1");
  if (trend_reference_weeks < 1) return fail("trend_reference_weeks must be at least 1");
  if (!(trend_min_ratio >= 1.0) || !std::isfinite(trend_min_ratio)) {
    return fail("trend_min_ratio must be a finite ratio of at least 1");
  }
  if (!(trend_probability > 0.5 && trend_probability < 1.0)) {
    return fail("trend_probability must be in (0.5, 1)");
  }
  if (!(spike_bound > 0.5 && spike_bound < 1.0)) return fail("spike_bound must be in (0.5, 1)");
  if (!(spike_min_ratio >= 1.0) || !std::isfinite(spike_min_ratio)) {
    return fail("spike_min_ratio must be a finite ratio of at least 1");
  }
  if (!(spike_min_loq_multiple >= 0.0) || !std::isfinite(spike_min_loq_multiple)) {
    return fail("spike_min_loq_multiple must be 0 or more");
  }
  if (!(spike_min_observed_fraction >= 0.0 && spike_min_observed_fraction <= 1.0)) {
    return fail("spike_min_observed_fraction must be in [0, 1]");
  }
  if (dumping_window_days < 0) return fail("dumping_window_days must be 0 or more");
  if (min_history_weeks < 3) return fail("min_history_weeks must be at least 3");
  if (max_history_weeks < min_history_weeks + 1) {
    return fail("max_history_weeks must exceed min_history_weeks");
  }
  if (!forecast.Check(why)) return false;
  if (new_substance_lookback_weeks < 1) return fail("new_substance_lookback_weeks must be >= 1");
  if (new_substance_min_sampled_weeks < 1 ||
      new_substance_min_sampled_weeks > new_substance_lookback_weeks) {
    return fail("new_substance_min_sampled_weeks must be in 1..new_substance_lookback_weeks");
  }
  if (!(registration_min_ratio > 0.0) || !std::isfinite(registration_min_ratio)) {
    return fail("registration_min_ratio must be positive");
  }
  if (gap_min_days < 1 || gap_min_days > 7) return fail("gap_min_days must be in 1..7");
  for (const double w :
       {weight_rising_trend, weight_spike, weight_new_substance, weight_under_registration}) {
    if (!(w >= 0.0) || !std::isfinite(w)) return fail("risk weights must be 0 or more");
  }
  return true;
}

nlohmann::json ScreeningOptions::ToJson() const {
  return {{"trend_ahead_weeks", trend_ahead_weeks},
          {"trend_reference_weeks", trend_reference_weeks},
          {"trend_min_ratio", trend_min_ratio},
          {"trend_probability", trend_probability},
          {"spike_bound", spike_bound},
          {"spike_min_ratio", spike_min_ratio},
          {"spike_min_loq_multiple", spike_min_loq_multiple},
          {"spike_min_observed_fraction", spike_min_observed_fraction},
          {"dumping_window_days", dumping_window_days},
          {"min_history_weeks", min_history_weeks},
          {"max_history_weeks", max_history_weeks},
          {"forecast_num_starts", forecast.num_starts},
          {"new_substance_lookback_weeks", new_substance_lookback_weeks},
          {"new_substance_min_sampled_weeks", new_substance_min_sampled_weeks},
          {"registration_min_ratio", registration_min_ratio},
          {"gap_min_days", gap_min_days},
          {"weights",
           {{"rising_trend", weight_rising_trend},
            {"spike", weight_spike},
            {"new_substance", weight_new_substance},
            {"under_registration", weight_under_registration}}}};
}

}  // namespace wbe
