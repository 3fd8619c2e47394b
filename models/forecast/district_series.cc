#include "models/forecast/district_series.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <utility>

#include "models/core/median.h"
#include "models/forecast/backtest.h"

namespace wbe {
namespace {

// rows: one group and drug, sorted by start_day, all of the period's length.
DistrictSeries BuildOne(const std::vector<const DistrictEstimate*>& rows, int step_days) {
  DistrictSeries series;
  series.group_id = rows.front()->group_id;
  series.district_ids = rows.front()->district_ids;
  series.drug = rows.front()->drug;
  series.step_days = step_days;
  series.first_day = rows.front()->start_day;
  const int steps = (rows.back()->start_day - series.first_day) / step_days + 1;
  series.log_values.assign(static_cast<size_t>(steps), std::nan(""));
  series.own_variances.assign(static_cast<size_t>(steps), std::nan(""));
  // Consumption = mass x a fixed point correction factor, so one ratio converts rows that only
  // have mass without a jump in the series.
  std::vector<double> ratios;
  for (const DistrictEstimate* row : rows) {
    const double c = row->consumption_mg_per_day.point;
    const double m = row->mass_mg_per_day.point;
    if (c > 0.0 && m > 0.0) ratios.push_back(c / m);
  }
  const bool consumption = !ratios.empty();
  series.quantity = consumption ? "consumption" : "mass";
  const double log_factor = consumption ? std::log(Median(ratios)) : 0.0;
  std::vector<double> known_variances;
  for (const DistrictEstimate* row : rows) {
    const int offset = row->start_day - series.first_day;
    if (offset % step_days != 0) continue;  // not on the grid (a week not starting on Monday)
    const size_t t = static_cast<size_t>(offset / step_days);
    double value = std::nan("");
    double variance = std::nan("");
    const double c = row->consumption_mg_per_day.point;
    if (consumption && c > 0.0) {
      value = std::log(c);
      variance = LogIntervalVariance(row->consumption_p05_given_parameters,
                                     row->consumption_p95_given_parameters);
    } else if (row->mass_mg_per_day.point > 0.0) {
      value = std::log(row->mass_mg_per_day.point) + log_factor;
      variance = LogIntervalVariance(row->mass_mg_per_day.p05, row->mass_mg_per_day.p95);
      if (consumption) ++series.mass_filled_steps;
    }
    if (std::isnan(value)) continue;  // zero, censored or unavailable: missing
    series.log_values[t] = value;
    series.own_variances[t] = variance;
    if (!std::isnan(variance)) known_variances.push_back(variance);
  }
  // A value without an interval gets the series' typical own variance (0 if none is known).
  const double fallback = known_variances.empty() ? 0.0 : Median(known_variances);
  for (size_t t = 0; t < series.log_values.size(); ++t) {
    if (!std::isnan(series.log_values[t]) && std::isnan(series.own_variances[t])) {
      series.own_variances[t] = fallback;
    }
  }
  return series;
}

}  // namespace

int DistrictSeries::StepOfDay(DayIndex day) const {
  const int offset = day - first_day;
  return offset >= 0 ? offset / step_days : -((-offset + step_days - 1) / step_days);
}

double LogIntervalVariance(double p05, double p95) {
  if (!(p05 > 0.0) || !(p95 >= p05) || !std::isfinite(p95)) return std::nan("");
  const double sd = (std::log(p95) - std::log(p05)) / (2.0 * kZ90);
  return sd * sd;
}

std::vector<DistrictSeries> BuildDistrictSeries(const std::vector<DistrictEstimate>& rows,
                                                int step_days,
                                                const std::vector<std::string>& drugs) {
  if (step_days != 1 && step_days != 7) {
    throw std::invalid_argument("district series: steps must be 1 or 7 days, got " +
                                std::to_string(step_days));
  }
  std::map<std::pair<std::string, std::string>, std::vector<const DistrictEstimate*>> groups;
  for (const DistrictEstimate& row : rows) {
    if (row.days != step_days) continue;
    if (!drugs.empty() && std::find(drugs.begin(), drugs.end(), row.drug) == drugs.end()) continue;
    groups[{row.group_id, row.drug}].push_back(&row);
  }
  std::vector<DistrictSeries> series;
  series.reserve(groups.size());
  for (auto& [key, group_rows] : groups) {
    std::stable_sort(group_rows.begin(), group_rows.end(),
                     [](const DistrictEstimate* a, const DistrictEstimate* b) {
                       return a->start_day < b->start_day;
                     });
    series.push_back(BuildOne(group_rows, step_days));
  }
  return series;
}

}  // namespace wbe
