#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "models/forecast/forecaster.h"

namespace wbe {

inline ForecastOptions ScreeningForecastOptions() {
  ForecastOptions options;
  options.estimate_own_variance_weight = false;
  return options;
}

// Settings of the weekly screening. These are decision thresholds of the alert system, chosen
// and checked on simulated cities (`wbe evaluate`), not literature values.
struct ScreeningOptions {
  // Rising trend: P(mean level of the next ahead_weeks > the last reference_weeks' mean level
  // x trend_min_ratio) >= trend_probability.
  int trend_ahead_weeks = 4;
  int trend_reference_weeks = 12;
  double trend_min_ratio = 1.25;
  double trend_probability = 0.9;

  // Spike: a day above the forecast's spike_bound upper bound. The bound is simultaneous over
  // the week's days and the group's screened drugs (Bonferroni): with separate 99 % bounds for
  // 7 days x 12 drugs, nearly every district would raise a false spike every week.
  double spike_bound = 0.99;
  // ... and at least this many times the forecast: a small site-day excess is within what
  // sampling and the lab do to a result, whatever the bound says.
  double spike_min_ratio = 2.5;
  // ... on a result at least this many times its LOQ: near the LOQ a result's relative
  // uncertainty is several times the method's, and a doubling there is noise.
  double spike_min_loq_multiple = 5.0;
  // Site series with fewer results above the LOQ than this share of their history days are
  // too sparse to forecast a single day from (MDMA at a small manhole, mostly below the LOQ).
  double spike_min_observed_fraction = 0.7;
  // Flags of the estimator (outlier or parent/metabolite ratio) within this many days of a
  // spike day, at a site that sees the group, make it a suspected dumping instead.
  int dumping_window_days = 2;

  // History: at least min_history_weeks before the week; at most max_history_weeks are used.
  int min_history_weeks = 8;
  int max_history_weeks = 104;
  // The forecaster's settings, with one change from its defaults: each daily estimate keeps its
  // full own variance (weight 1, not estimated). Estimated, the weight falls to near 0 on the
  // smoothed district estimates, the level then follows their day-to-day wander and artefacts
  // (amphetamine after its methamphetamine correction), and on the simulated cities of `wbe
  // evaluate` false alerts rose from 0.2 to 1.0-1.4 per district-year with fewer surges found.
  ForecastOptions forecast = ScreeningForecastOptions();

  // New substance: a result above the LOQ at a site where the biomarker had none in the last
  // new_substance_lookback_weeks weeks, of which at least new_substance_min_sampled_weeks had
  // samples at the site.
  int new_substance_lookback_weeks = 8;
  int new_substance_min_sampled_weeks = 4;

  // Under-registration: the lower 5 % bound of the week's estimated users of one drug exceeds
  // the group's registered users (all drugs) x registration_min_ratio.
  double registration_min_ratio = 1.5;

  // Data gaps: a site missing samples or flows on at least gap_min_days days of the week.
  int gap_min_days = 1;

  // Risk ranking: score = sum of weight x severity over a group's alerts; caveats weigh 0.
  double weight_rising_trend = 1.0;
  double weight_spike = 0.8;
  double weight_new_substance = 0.8;
  double weight_under_registration = 0.6;

  // False (and a reason) for values outside their ranges.
  bool Check(std::string* why = nullptr) const;
  nlohmann::json ToJson() const;
};

}  // namespace wbe
