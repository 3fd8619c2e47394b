#pragma once

#include <array>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/forecast/backtest.h"
#include "models/forecast/forecaster.h"

namespace wbe {

// Evaluations on series that have one sampling week per year (EUDA/SCORE's European
// wastewater monitoring): the yearly trend logic of the alerts, and the weekday profile.

constexpr int kDaysPerWeek = 7;

// One sampling week. Days are Monday..Sunday.
struct SampledWeek {
  int year = 0;
  // Loads of the biomarker (any positive unit, e.g. mg/day/1000 inh.), NaN where not sampled.
  std::array<double, kDaysPerWeek> load_by_weekday{};
  // Below the limit of quantification: the day's true load is unknown (somewhere below the
  // LOQ), whatever load_by_weekday holds.
  std::array<bool, kDaysPerWeek> censored{};
};

// One site x biomarker, its weeks in any order, one per year at most.
struct YearlyWeekSeries {
  std::string site_id;
  std::string metabolite;
  std::vector<SampledWeek> weeks;
};

// ---- a. Yearly trend: backtest of the week's mean load, and the rising-trend probability ----

struct YearlyTrendOptions {
  // A week enters the yearly series only with at least this many observed days and none
  // censored (a censored day has no value to average); others are missing years.
  int min_observed_days = 5;
  // Model of the yearly log series: no season (period_days 0), level and damped slope.
  ForecastOptions forecast = NoSeasonForecast();
  // Years (steps, missing ones included) before the first origin.
  int min_train_years = 5;
  // The alert's rule: next year's level against the mean log level of this many previous
  // observed years.
  int trend_previous_years = 3;
  // Bins of equal width over [0, 1] of the predicted probability, for the reliability table.
  int reliability_bins = 5;

  static ForecastOptions NoSeasonForecast();
  BacktestOptions Backtest() const;  // horizon 1, one origin per year, refit at every origin
  bool Check(std::string* why = nullptr) const;
};

// One bin of the reliability table.
struct ReliabilityBin {
  double lower = 0.0;  // predicted probability range [lower, upper)
  double upper = 0.0;
  int forecasts = 0;
  double mean_predicted = std::nan("");
  double observed_frequency = std::nan("");
};

// Running sums of probability forecasts of a yes/no outcome.
struct ProbabilitySums {
  int forecasts = 0;
  int outcomes_yes = 0;
  double squared_error = 0.0;
  std::vector<int> bin_forecasts;
  std::vector<double> bin_predicted;
  std::vector<int> bin_yes;

  void Add(double probability, bool outcome, int bins);
  void Add(const ProbabilitySums& other);
};

// Brier score of probability forecasts against the climatology forecast, i.e. always
// predicting the base rate of the same outcomes (known only afterwards, so a slightly
// flattering baseline).
struct ProbabilityFigures {
  int forecasts = 0;
  double base_rate = std::nan("");          // share of outcomes that were yes
  double brier = std::nan("");              // mean (p - outcome)^2
  double brier_climatology = std::nan("");  // base_rate x (1 - base_rate)
  double brier_skill = std::nan("");        // 1 - brier / brier_climatology
  std::vector<ReliabilityBin> reliability;

  static ProbabilityFigures From(const ProbabilitySums& sums, int bins);
  nlohmann::json ToJson() const;
};

struct YearlySeriesResult {
  std::string site_id;
  std::string metabolite;
  int first_year = 0;
  int years = 0;           // steps from the first to the last usable year
  int observed_years = 0;  // usable weeks
  SeriesBacktest backtest;
  ProbabilitySums trend_sums;
  ProbabilitySums trend_including_noise_sums;
};

struct SkippedSeries {
  std::string site_id;
  std::string metabolite;
  std::string reason;
};

// Figures for a set of series (one metabolite, or all).
struct YearlyTrendFigures {
  int series = 0;          // backtested
  int series_skipped = 0;  // too short, too few observed years, ...
  int weeks_used = 0;
  int weeks_few_days = 0;             // fewer than min_observed_days observed days
  int weeks_censored = 0;             // some day below the LOQ
  double mase = std::nan("");         // mean over series of the per-series MASE
  double median_mase = std::nan("");  // median over series
  double naive_mase = std::nan("");   // mean over series of the naive (last year) MASE
  BacktestFigures pooled;             // all forecasts of all series pooled
  ProbabilityFigures trend;           // P(next year > mean of the previous years)
  // The same question asked of next year's observation, whose noise (sampling one week, the
  // lab) the alert's signal-level probability leaves out: a check of what makes the latter
  // over-confident.
  ProbabilityFigures trend_including_noise;

  nlohmann::json ToJson() const;
};

struct YearlyTrendEvaluation {
  YearlyTrendOptions options;
  std::vector<YearlySeriesResult> series;
  std::vector<SkippedSeries> skipped;
  std::map<std::string, YearlyTrendFigures> by_metabolite;
  YearlyTrendFigures overall;

  // {"settings", "overall": {"mase", "median_mase", "coverage_90", "crps", "naive_mase",
  //  "pooled_mase", "forecasts", "brier", "brier_climatology", "brier_skill", "base_rate",
  //  "trend_forecasts", "reliability": [...], "brier_including_noise",
  //  "brier_skill_including_noise", "series", "series_skipped", "weeks_*"},
  //  "by_metabolite": {name: same}, "skipped": [...]}; NaN is null.
  nlohmann::json ToJson() const;
  std::string BriefReport() const;  // a table per metabolite and overall
};

// Builds each series' yearly log mean load (log of the mean of the observed days; weeks with
// too few days or a censored day missing), backtests it with BacktestSeries and scores the
// rising-trend probability ForecastPeriodMean(fit, 1, 1).ProbabilityAbove(mean log of the
// previous trend_previous_years observed years) against whether the next observed year's log
// mean was above that level (and the same probability for the observation, from the one-step
// forecast with its noise). Series too short for either are listed in `skipped` with the
// reason. Throws std::invalid_argument for bad options, a year given twice in a series, or an
// uncensored load that is not positive.
YearlyTrendEvaluation EvaluateYearlyTrend(const std::vector<YearlyWeekSeries>& series,
                                          const YearlyTrendOptions& options = YearlyTrendOptions());

// ---- b. Weekday profile ----

struct WeekdayProfileOptions {
  // Weeks of the same site (earlier years) needed for a site profile.
  int min_site_history_weeks = 1;
  // Weeks of the same metabolite at any site (earlier years) needed for the pooled profile.
  int min_pooled_history_weeks = 5;

  bool Check(std::string* why = nullptr) const;
};

// Mean absolute log errors of the day predictions on a set of weeks; a profile's skill is
// 1 - its error / the flat profile's (> 0: the profile helps).
struct WeekdayErrorFigures {
  int weeks = 0;
  int days = 0;
  double mae_flat = std::nan("");
  double mae_site = std::nan("");    // NaN where no week had a site profile
  double mae_pooled = std::nan("");  // NaN where no week had a pooled profile
  double skill_site = std::nan("");
  double skill_pooled = std::nan("");

  nlohmann::json ToJson() const;
};

struct WeekdayErrorSums {
  int weeks = 0;
  int days = 0;
  double flat = 0.0;
  double site = 0.0;
  int site_days = 0;
  double pooled = 0.0;
  int pooled_days = 0;

  void Add(const WeekdayErrorSums& other);
  WeekdayErrorFigures Figures() const;
};

struct WeekdayFigures {
  int weeks_complete = 0;    // all 7 days observed and none censored
  int weeks_incomplete = 0;  // a day missing
  int weeks_censored = 0;    // all observed, a day below the LOQ
  // Weeks whose site has earlier complete weeks: flat, site and pooled profiles compared on
  // the same days.
  WeekdayErrorSums with_site_history;
  // A site's first complete week(s): only the pooled profile can be used (flat vs pooled).
  WeekdayErrorSums without_site_history;
  // Mean over all complete weeks of each weekday's log deviation from its week's mean log
  // (Monday..Sunday), and exp(deviation) - 1 as a relative effect.
  std::array<double, kDaysPerWeek> mean_log_profile{};

  nlohmann::json ToJson() const;
};

struct WeekdayEvaluation {
  WeekdayProfileOptions options;
  std::map<std::string, WeekdayFigures> by_metabolite;
  WeekdayFigures overall;

  // {"settings", "overall": {...}, "by_metabolite": {name: {...}}}: per set "weeks_complete",
  // "with_site_history" and "without_site_history" ({"weeks", "days", "mae_flat", "mae_site",
  // "mae_pooled", "skill_site", "skill_pooled"}), "mean_log_profile" and
  // "relative_profile" (Monday..Sunday); NaN is null.
  nlohmann::json ToJson() const;
  std::string BriefReport() const;
};

// For each complete week (7 observed, uncensored days) predicts each day's log load from the
// other six days' mean log load, each first corrected by its weekday's profile value, plus the
// day's profile value; the profile is the mean log deviation of each weekday from its week's
// mean over complete weeks of EARLIER years only (the same site's, or every site's of the
// metabolite for the pooled profile), against the flat profile (no weekday effect). Throws
// std::invalid_argument for bad options, a year given twice in a series, or an uncensored
// load that is not positive.
WeekdayEvaluation EvaluateWeekdayProfile(
    const std::vector<YearlyWeekSeries>& series,
    const WeekdayProfileOptions& options = WeekdayProfileOptions());

}  // namespace wbe
