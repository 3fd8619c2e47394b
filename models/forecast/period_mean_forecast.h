#pragma once

#include "models/forecast/forecaster.h"

namespace wbe {

// The forecast of a stretch of future steps taken together, e.g. "the next 4 weeks" of a daily
// series: the mean over steps first..last ahead of the underlying signal (level + season, the
// quantity without observation noise). Forecasts of single steps cannot answer "will the next
// month be higher than the last quarter" because their errors are strongly correlated.
struct PeriodMeanForecast {
  int first_step = 1;
  int last_step = 1;
  double log_mean = 0.0;  // mean of the signal's log over the steps
  double log_sd = 0.0;    // its standard deviation, over the state's and the future's noise

  // P(the period's mean log signal > threshold_log), Gaussian.
  double ProbabilityAbove(double threshold_log) const;
};

// Propagates the fitted filter's final state with its disturbances, keeping the running sum of
// the signal as an extra state so the correlation between steps is exact. Throws
// std::invalid_argument unless 1 <= first_step <= last_step.
PeriodMeanForecast ForecastPeriodMean(const FittedModel& fitted, int first_step, int last_step);

}  // namespace wbe
