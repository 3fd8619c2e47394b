#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/alerts/alert.h"
#include "models/alerts/screening_options.h"
#include "models/forecast/district_series.h"
#include "models/forecast/forecaster.h"

namespace wbe {

// One day of a series as the report draws it: the estimate and its 90 % interval (the
// estimate's own uncertainty), mg/day.
struct OutlookDay {
  DayIndex day = 0;
  double value = 0.0;
  double p05 = 0.0;
  double p95 = 0.0;
};

// The forecast of one future ISO week's level (geometric mean over its days, mg/day).
struct OutlookWeek {
  int weeks_ahead = 1;
  DayIndex monday = 0;
  double median = 0.0;
  ForecastBounds interval_50;
  ForecastBounds interval_80;
  ForecastBounds interval_95;
};

// What the screening saw in one district group x drug for a week: the chart data (history and
// forecast fan) and the trend and spike statistics behind any alert.
struct SeriesOutlook {
  std::string group_id;
  std::string district_ids;
  std::string drug;
  std::string drug_zh;
  std::string quantity;               // "consumption" or "mass"
  std::vector<OutlookDay> history;    // the reference weeks up to the report week's Sunday
  std::vector<OutlookWeek> forecast;  // weeks 1..8 after the report week
  double reference_level = 0.0;       // geometric mean of the reference weeks, mg/day
  // Rising trend: P(next weeks' level > reference x min ratio), and the forecast ratio of the
  // next weeks' level to the reference (median and 90 % interval).
  double trend_probability = 0.0;
  double trend_probability_last_week = 0.0;
  double trend_ratio = 1.0;
  double trend_ratio_p05 = 1.0;
  double trend_ratio_p95 = 1.0;
  double spike_z = 0.0;  // the simultaneous bound's z for this week's days
  std::string model_summary;

  nlohmann::json ToJson() const;
};

struct SeriesScreen {
  bool screened = false;
  std::string skip_reason;  // when not screened: why, in words a user can act on
  SeriesOutlook outlook;
  // Rising trend and spike alerts (spikes near an estimator flag come back as dumping
  // candidates: see ScreenWeek), without reasons' district names resolved.
  std::vector<Alert> alerts;
  std::vector<DayIndex> spike_days;
  FittedModel fitted;  // hyper-parameters from the history before the week
};

// Screens `series` (daily, step_days 1) for the ISO week starting `monday`: fits the model on
// the history before the week (or re-runs `reuse`'s filter with its hyper-parameters), filters
// through the week, then tests the week's days against the simultaneous spike bound for
// `family_size` tests (the group's screened drugs x 7 days) and the next weeks' level against
// the reference weeks. drug_title_en/zh name the drug in the reasons.
SeriesScreen ScreenSeries(const DistrictSeries& series, DayIndex monday, int family_size,
                          const ScreeningOptions& options, const std::string& drug_title_zh,
                          const FittedModel* reuse = nullptr);

}  // namespace wbe
