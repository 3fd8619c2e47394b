#pragma once

#include <string>
#include <vector>

#include "models/forecast/kalman_filter.h"
#include "models/forecast/structural_model.h"

namespace wbe {

// Settings of the structural forecaster for one series (e.g. one district x drug).
struct ForecastOptions {
  // 7 for daily series with a weekday effect; 0 or 1 for none (e.g. weekly series).
  int period_days = 7;
  bool slope = true;  // false: local level only (no trend)
  // Estimate the slope's damping phi; false: phi = 1 (a trend that goes on forever).
  bool damped_slope = true;
  // Starting points for the maximum-likelihood search; the best optimum wins. Each is a few
  // milliseconds on two years of daily data, and the likelihood has local optima (a trend
  // absorbed by the level or by noise), so more than one is worth it.
  int num_starts = 3;
  int max_num_iterations = 200;
  double function_tolerance = 1e-9;
  double gradient_tolerance = 1e-8;
  double parameter_tolerance = 1e-9;
  // The likelihood's gradient from the filter's hand-written reverse-mode recursions
  // (KalmanLogLikelihoodGradient: doubles, about two filter passes, several times faster);
  // false: Ceres automatic differentiation with Jets through the same filter (the reference
  // the analytic gradient is tested against).
  bool analytic_gradient = true;
  // Estimate w, the weight on the own variances (observation variance sigma_obs^2 + w v_t; see
  // structural_model.h), by maximum likelihood with the other hyper-parameters; false: w = 1,
  // the own variances taken as independent noise. Smoothed estimates (e.g. district estimates
  // from an inversion with a random-walk prior) have errors correlated from day to day, which
  // the filter cannot tell from level changes; taken at face value they push sigma_obs and
  // sigma_level to 0 and widen the forecast intervals. Without own variances (or all 0) w has
  // no effect and stays 1.
  bool estimate_own_variance_weight = true;
  KalmanFilterOptions filter;
  bool minimizer_progress_to_stdout = false;

  // False (and a reason in *why, when given) for a period outside 0..7, non-positive starts or
  // iterations, negative tolerances or a non-positive initial variance.
  bool Check(std::string* why = nullptr) const;
  StructuralModel Model() const;
};

// A model fitted to one series: hyper-parameters by maximum likelihood, and the Kalman filter
// run over the series with them (where forecasts start).
struct FittedModel {
  StructuralModel model;
  StructuralParameters<double> parameters;
  KalmanFilterOptions filter_options;
  KalmanFilterResult filter;
  double log_likelihood = 0.0;  // at parameters, without the diffuse start's terms
  int series_length = 0;
  int observed_count = 0;
  // Own variance assumed for future observations when forecasting: the median of the observed
  // ones, weighted by parameters.own_variance_weight like them. Set it to 0 for intervals of
  // the underlying quantity's log without estimate noise.
  double future_own_variance = 0.0;

  int starts = 0;                  // starting points tried
  int iterations = 0;              // of the best start
  bool converged = false;          // the best start's search reported CONVERGENCE
  double fit_time_s = 0.0;         // all starts (not in BriefReport: it varies between runs)
  std::string ceres_brief_report;  // of the best start

  // One line: components, hyper-parameters, starts and convergence; the same on re-runs.
  std::string BriefReport() const;
};

struct ForecastBounds {
  double lower = 0.0;
  double upper = 0.0;
};

// One step ahead of the series' end. Intervals are for a new observation (its noise
// sigma_obs^2 + w FittedModel::future_own_variance included), central and Gaussian on the log
// scale, so exp() of the log bounds are the value's bounds and exp(log_mean) its median.
struct ForecastStep {
  int steps_ahead = 0;  // 1: the day after the last value
  double log_mean = 0.0;
  double log_sd = 0.0;
  ForecastBounds log_50;
  ForecastBounds log_80;
  ForecastBounds log_95;
  double median = 0.0;  // exp(log_mean)
  ForecastBounds value_50;
  ForecastBounds value_80;
  ForecastBounds value_95;
};

// Structural time-series forecasts of a log-scale series (see structural_model.h).
class StructuralForecaster {
 public:
  // log_values: one per step (day), NaN where missing. own_variances: each value's own variance
  // on the log scale, e.g. ((log p95 - log p05) / (2 x 1.645))^2 from a 90 % interval; empty
  // for none. Throws std::invalid_argument on bad options, a series too short (fewer than
  // 2 x period + 4 observed values), all values missing, infinite values, or variances that are
  // negative, or NaN where the value is observed.
  static FittedModel Fit(const std::vector<double>& log_values,
                         const std::vector<double>& own_variances,
                         const ForecastOptions& options = ForecastOptions());

  // The fitted hyper-parameters applied to another series (e.g. the same one with more days,
  // for rolling-origin backtests) without refitting. Same checks as Fit.
  static FittedModel Refilter(const FittedModel& fitted, const std::vector<double>& log_values,
                              const std::vector<double>& own_variances);

  // 1..horizon_days steps past the fitted series' end. Throws std::invalid_argument for
  // horizon_days < 1.
  static std::vector<ForecastStep> Forecast(const FittedModel& fitted, int horizon_days);
};

}  // namespace wbe
