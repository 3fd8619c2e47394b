#pragma once

#include <string>
#include <vector>

#include "models/core/civil_day.h"
#include "models/inversion/district_estimate.h"

namespace wbe {

// One district group x drug as a regular log-scale series, the form the forecaster reads.
struct DistrictSeries {
  std::string group_id;
  std::string district_ids;  // members, comma-separated
  std::string drug;
  // "consumption" (log mg/day of the parent drug) or "mass" (log mg/day of the biomarker, when
  // no row of the series has consumption).
  std::string quantity;
  int step_days = 1;                  // 1: days; 7: ISO weeks
  DayIndex first_day = 0;             // the first step's day (or Monday)
  int mass_filled_steps = 0;          // consumption missing, taken from mass x the series' factor
  std::vector<double> log_values;     // NaN where missing
  std::vector<double> own_variances;  // each value's own variance on the log scale

  DayIndex DayOfStep(int step) const { return first_day + step * step_days; }
  // The step holding `day` (floor), which may be < 0 or >= size().
  int StepOfDay(DayIndex day) const;
  int size() const { return static_cast<int>(log_values.size()); }
};

// Variance on the log scale of a lognormal's 90 % central interval: ((log p95 - log p05) /
// (2 x 1.6449))^2; NaN when the interval is missing or not positive.
double LogIntervalVariance(double p05, double p95);

// One series per (group_id, drug), in (group_id, drug) order, from the rows with days ==
// step_days (1 or 7), one step per day or ISO week from the group's first to its last row,
// missing steps NaN. Value: log of the consumption point; when a series has some consumption,
// rows without it use mass x the series' median consumption / mass ratio (the catalogue's point
// correction factor), else the whole series is log mass. Own variance from the 90 % interval
// given the parameters (the mass interval for mass values), the series' median own variance
// where a row has no interval. Non-positive points are missing (no log). drugs: exact names to
// keep; empty keeps all.
std::vector<DistrictSeries> BuildDistrictSeries(const std::vector<DistrictEstimate>& rows,
                                                int step_days,
                                                const std::vector<std::string>& drugs = {});

}  // namespace wbe
