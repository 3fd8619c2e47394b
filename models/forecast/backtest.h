#pragma once

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/core/civil_day.h"
#include "models/forecast/forecaster.h"
#include "models/inversion/district_estimate.h"

namespace wbe {

// Rolling-origin evaluation of the StructuralForecaster. At each origin T the model sees the
// series' first T steps and forecasts steps T+1..T+horizon; the forecasts are scored against
// the held-out values where they are observed. Everything is on the log scale (log mg/day),
// where the forecaster's predictive is Gaussian and where relative errors are comparable
// across districts and drugs of very different size.

// Two-sided standard normal quantile of the 90 % central interval.
constexpr double kZ90 = 1.6448536269514722;

// CRPS of the Gaussian N(mu, sd^2) at y, closed form (Gneiting & Raftery 2007):
// sd * (z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)), z = (y - mu) / sd. For sd == 0, |y - mu|.
double GaussianCrps(double mu, double sd, double y);

// Mean absolute error of the in-sample seasonal-naive forecast y_t = y_{t-period} over the
// first `end` values, using only pairs where both are observed (period < 2: naive, lag 1).
// NaN when there is no such pair.
double SeasonalNaiveMae(const std::vector<double>& values, int period, size_t end);

struct BacktestOptions {
  // Model settings; forecast.period_days is also the seasonal-naive period (7 daily, 1 weekly).
  ForecastOptions forecast;
  // Steps (days for daily series, weeks for weekly ones) forecast from each origin.
  int horizon_steps = 7;
  // Steps before the first origin; 0: 8 weeks (56) when the model has a season (daily series),
  // else 12 (weekly series).
  int min_train_steps = 0;
  int origin_step_steps = 7;  // steps between successive origins
  // true: refit the hyper-parameters at every refit_every_origins-th origin and only re-run the
  // filter (StructuralForecaster::Refilter) in between; false: fit once at the first origin.
  // Refitting each time is the honest setting, refiltering the fast one.
  bool refit = true;
  int refit_every_origins = 1;

  int MinTrainSteps() const;
  // False (and a reason) for bad forecast options, or a horizon, minimum training length,
  // origin step or refit interval below 1.
  bool Check(std::string* why = nullptr) const;
};

// Scores of a set of forecasts; NaN when forecasts == 0.
struct BacktestFigures {
  int forecasts = 0;  // (origin, horizon) pairs whose target is observed
  // Mean over forecasts of |log error| / the origin's in-sample seasonal-naive MAE.
  double mase = std::nan("");
  // Share of targets inside log_mean -+ 1.6449 log_sd (the 90 % central interval).
  double coverage_90 = std::nan("");
  double crps = std::nan("");  // mean CRPS of the Gaussian predictive, log scale
  // The seasonal-naive forecast from the same origins (the last observed value a whole number
  // of periods back), scored the same way: the benchmark the model should beat out of sample.
  double naive_mase = std::nan("");

  nlohmann::json ToJson() const;
};

// Running sums behind BacktestFigures.
struct BacktestSums {
  int forecasts = 0;
  double scaled_error = 0.0;
  int covered = 0;
  double crps = 0.0;
  int naive_forecasts = 0;
  double naive_scaled_error = 0.0;

  void Add(const BacktestSums& other);
  BacktestFigures Figures() const;
};

struct SeriesBacktest {
  int series_steps = 0;    // length of the series, missing steps included
  int observed_steps = 0;  // non-missing values
  int origins = 0;         // origins tried
  int origins_scored = 0;  // with a positive MASE scale and a fit
  int fits = 0;            // maximum-likelihood fits (the rest were refilters)
  double fit_time_s = 0.0;
  // Mean over the scored origins of the in-sample seasonal-naive MAE (log scale): the MASE
  // scale.
  double seasonal_naive_mae = std::nan("");
  BacktestSums sums;
  BacktestFigures figures;
  std::vector<BacktestFigures> by_horizon;  // [h - 1]
  std::vector<BacktestSums> by_horizon_sums;

  nlohmann::json ToJson() const;
  std::string BriefReport() const;
};

// Backtests one log-scale series (NaN = missing) with its own variances (empty: none; see
// StructuralForecaster::Fit). Origins run from MinTrainSteps() in steps of origin_step_steps
// while the whole horizon still fits in the series. An origin is skipped when its training
// window has too few observed values for a fit or a seasonal-naive MAE of 0 or NaN. Throws
// std::invalid_argument for bad options, a series shorter than MinTrainSteps() +
// horizon_steps, or one where no forecast could be scored.
SeriesBacktest BacktestSeries(const std::vector<double>& log_values,
                              const std::vector<double>& own_variances,
                              const BacktestOptions& options = BacktestOptions());

// ---- District estimates (what a store holds after `wbe estimate`) ----

enum class BacktestPeriod { kDay, kWeek };

struct DistrictBacktestOptions {
  BacktestPeriod period = BacktestPeriod::kDay;
  // Settings per series; for kWeek, Effective() turns the weekday season off.
  BacktestOptions backtest;
  std::vector<std::string> drugs;  // exact names; empty: every drug

  // backtest with the period's model: forecast.period_days 1 for weekly series.
  BacktestOptions Effective() const;
  bool Check(std::string* why = nullptr) const;
};

struct DistrictSeriesBacktest {
  std::string group_id;
  std::string drug;
  // "consumption" (log mg/day of the parent drug) or "mass" (log mg/day of the biomarker,
  // when no row of the series has consumption).
  std::string quantity;
  DayIndex first_day = 0;     // the first step's day (or Monday)
  int mass_filled_steps = 0;  // consumption missing, taken from mass x the series' factor
  SeriesBacktest result;
};

struct SkippedBacktestSeries {
  std::string group_id;
  std::string drug;
  std::string reason;
};

struct DistrictBacktest {
  BacktestPeriod period = BacktestPeriod::kDay;
  int horizon_steps = 0;
  std::vector<DistrictSeriesBacktest> series;
  std::vector<SkippedBacktestSeries> skipped;

  // Over the backtested series: mean and median of the per-series MASE, pooled coverage and
  // mean CRPS over all forecasts, and the same for the seasonal-naive benchmark.
  double mean_mase = std::nan("");
  double median_mase = std::nan("");
  double mean_naive_mase = std::nan("");
  BacktestFigures pooled;                   // all forecasts of all series
  std::vector<BacktestFigures> by_horizon;  // pooled, [h - 1]

  // {"period", "horizon_steps", "overall": {"mase" (mean per series), "median_mase",
  //  "coverage_90", "crps", "naive_mase", "pooled_mase", "series", "skipped", "forecasts",
  //  "by_horizon": [...]}, "series": [...], "skipped": [...]}; NaN is null.
  nlohmann::json ToJson() const;
  // A table, one line per series, then the overall line and the skipped series.
  std::string BriefReport() const;
};

// Builds one series per (group_id, drug) from rows with days == 1 (kDay) or 7 (kWeek), one
// step per day or ISO week from the group's first to its last row, missing steps NaN. Value:
// log of the consumption point; when a series has some consumption, rows without it use
// mass x the series' median consumption / mass ratio (the catalogue's point correction factor),
// else the whole series is log mass. Own variance from the 90 % interval given the parameters:
// ((log p95 - log p05) / (2 x 1.6449))^2 (the mass interval for mass values), the series'
// median own variance where a row has no interval. Non-positive points are missing (no log).
// Series that are all missing, too short or fail are listed in `skipped` with the reason.
// progress(done, total, label), when given, is called before each series.
DistrictBacktest BacktestDistrictEstimates(
    const std::vector<DistrictEstimate>& rows, const DistrictBacktestOptions& options,
    const std::function<void(int, int, const std::string&)>& progress = nullptr);

}  // namespace wbe
