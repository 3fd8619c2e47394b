#include "models/forecast/forecaster.h"

#include <cmath>
#include <cstdint>
#include <iostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/core/random.h"

namespace wbe {
namespace {

// A series drawn from the structural model itself, with the truth kept.
struct SimulatedSeries {
  std::vector<double> log_values;
  std::vector<double> own_variances;
  std::vector<double> level;
  std::vector<double> season;  // season_t, the weekday effect of day t
};

// initial_season: one effect per weekday, summing to zero (empty: no season). Own standard
// deviations are uniform in [0.05, 0.15], as from 90 % intervals of a back-calculation.
SimulatedSeries Simulate(const StructuralParameters<double>& parameters,
                         std::vector<double> initial_season, double initial_slope, int days,
                         uint64_t seed) {
  std::mt19937_64 rng(seed);
  SimulatedSeries series;
  double level = 3.0;
  double slope = initial_slope;
  // recent[0] = season_t, recent[i] = season_{t-i}
  std::vector<double> recent(initial_season.rbegin(), initial_season.rend());
  for (int t = 0; t < days; ++t) {
    const double season = recent.empty() ? 0.0 : recent[0];
    const double own_sd = 0.05 + 0.1 * UniformUnit(rng);
    const double noise_sd =
        std::sqrt(parameters.sigma_obs * parameters.sigma_obs + own_sd * own_sd);
    series.level.push_back(level);
    series.season.push_back(season);
    series.log_values.push_back(level + season + noise_sd * StandardNormal(rng));
    series.own_variances.push_back(own_sd * own_sd);
    level += slope + parameters.sigma_level * StandardNormal(rng);
    slope = parameters.phi * slope + parameters.sigma_slope * StandardNormal(rng);
    if (!recent.empty()) {
      double sum = 0.0;
      for (size_t i = 0; i + 1 < recent.size(); ++i) sum += recent[i];
      for (size_t i = recent.size() - 1; i >= 1; --i) recent[i] = recent[i - 1];
      recent[0] = -sum + parameters.sigma_seasonal * StandardNormal(rng);
    }
  }
  return series;
}

std::vector<double> Head(const std::vector<double>& values, size_t count) {
  return std::vector<double>(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(count));
}

// A weekday pattern (Friday/Saturday parties), summing to zero.
const std::vector<double> kWeekdayPattern = {-0.1, -0.15, -0.1, -0.05, 0.1, 0.25, 0.05};

TEST(StructuralForecasterTest, RecoversHyperParametersAndCalibratedOneStepIntervals) {
  StructuralParameters<double> truth;
  truth.sigma_level = 0.03;
  truth.sigma_slope = 0.003;
  truth.sigma_seasonal = 0.01;
  truth.sigma_obs = 0.1;
  truth.phi = 0.9;
  constexpr int kFitDays = 730;
  constexpr int kHeldOutDays = 200;
  const SimulatedSeries series =
      Simulate(truth, kWeekdayPattern, 0.0, kFitDays + kHeldOutDays, /*seed=*/20261);

  const FittedModel fitted = StructuralForecaster::Fit(Head(series.log_values, kFitDays),
                                                       Head(series.own_variances, kFitDays));
  std::cout << fitted.BriefReport() << "\n";
  EXPECT_TRUE(fitted.converged) << fitted.ceres_brief_report;
  EXPECT_EQ(fitted.starts, 3);
  EXPECT_NEAR(fitted.parameters.sigma_obs, 0.1, 0.03);
  EXPECT_GT(fitted.parameters.sigma_level, 0.01);
  EXPECT_LT(fitted.parameters.sigma_level, 0.06);
  EXPECT_LT(fitted.parameters.sigma_slope, 0.015);
  EXPECT_LT(fitted.parameters.sigma_seasonal, 0.03);
  EXPECT_GT(fitted.parameters.phi, 0.3);
  EXPECT_LE(fitted.parameters.phi, 1.0);
  EXPECT_LT(fitted.fit_time_s, 2.0);  // a few milliseconds in Release
  // The own variances are independent noise here, as the model takes them at w = 1.
  EXPECT_GT(fitted.parameters.own_variance_weight, 0.6);
  EXPECT_LT(fitted.parameters.own_variance_weight, 1.5);

  // Rolling origin over the held-out days: hyper-parameters fixed, the filter re-run on
  // everything before the origin, one step ahead.
  int covered = 0;
  for (int origin = kFitDays; origin < kFitDays + kHeldOutDays; ++origin) {
    const FittedModel at_origin = StructuralForecaster::Refilter(
        fitted, Head(series.log_values, origin), Head(series.own_variances, origin));
    const ForecastStep step = StructuralForecaster::Forecast(at_origin, 1)[0];
    const double y = series.log_values[origin];
    if (y >= step.log_95.lower && y <= step.log_95.upper) ++covered;
  }
  const double coverage = static_cast<double>(covered) / kHeldOutDays;
  std::cout << "1-step 95 % interval coverage over " << kHeldOutDays
            << " held-out days: " << coverage << "\n";
  EXPECT_GE(coverage, 0.88);
  EXPECT_LE(coverage, 0.99);
}

TEST(StructuralForecasterTest, RecoversTheWeekdayPatternAndForecastsCarryIt) {
  StructuralParameters<double> truth;
  truth.sigma_level = 0.02;
  truth.sigma_slope = 0.001;
  truth.sigma_seasonal = 0.002;
  truth.sigma_obs = 0.08;
  truth.phi = 0.95;
  const SimulatedSeries series = Simulate(truth, kWeekdayPattern, 0.0, 365, /*seed=*/7);
  const FittedModel fitted = StructuralForecaster::Fit(series.log_values, series.own_variances);
  std::cout << fitted.BriefReport() << "\n";

  // The filtered season of the last week against the simulated one.
  const int s = fitted.model.SeasonIndex();
  ASSERT_GE(s, 0);
  const int last = fitted.series_length - 1;
  for (int t = last - 6; t <= last; ++t) {
    EXPECT_NEAR(fitted.filter.filtered_states(s, t), series.season[t], 0.05) << "day " << t;
  }

  // The forecasts' weekday profile (minus its weekly mean) is the season of the same weekday
  // in the last week, in both forecast weeks.
  const std::vector<ForecastStep> steps = StructuralForecaster::Forecast(fitted, 14);
  for (int week = 0; week < 2; ++week) {
    double mean = 0.0;
    for (int d = 0; d < 7; ++d) mean += steps[week * 7 + d].log_mean / 7.0;
    for (int d = 0; d < 7; ++d) {
      const int same_weekday_last_week = last - 6 + d;
      EXPECT_NEAR(steps[week * 7 + d].log_mean - mean, series.season[same_weekday_last_week], 0.06)
          << "week " << week << " day " << d;
    }
  }
  // Saturday's peak shows in the back-transformed medians, inside their bounds.
  for (const ForecastStep& step : steps) {
    EXPECT_NEAR(step.median, std::exp(step.log_mean), 1e-12);
    EXPECT_LT(step.value_95.lower, step.value_80.lower);
    EXPECT_LT(step.value_80.lower, step.value_50.lower);
    EXPECT_LT(step.value_50.lower, step.median);
    EXPECT_LT(step.median, step.value_50.upper);
    EXPECT_LT(step.value_50.upper, step.value_80.upper);
    EXPECT_LT(step.value_80.upper, step.value_95.upper);
  }
}

TEST(StructuralForecasterTest, HonoursMissingValuesAndOwnVariances) {
  StructuralParameters<double> truth;
  truth.sigma_level = 0.05;
  truth.sigma_obs = 0.1;
  SimulatedSeries series = Simulate(truth, {}, 0.0, 80, /*seed=*/11);
  for (int t = 20; t < 25; ++t) series.log_values[t] = std::nan("");  // a week without samples
  ForecastOptions options;
  options.period_days = 0;
  options.slope = false;

  constexpr int kOutlier = 50;
  std::vector<double> without = series.log_values;
  without[kOutlier] = std::nan("");
  const FittedModel fitted = StructuralForecaster::Fit(without, series.own_variances, options);
  std::cout << fitted.BriefReport() << "\n";
  EXPECT_EQ(fitted.observed_count, 74);
  EXPECT_TRUE(std::isnan(fitted.filter.innovations[22]));
  // Days without samples carry the level on with growing uncertainty.
  EXPECT_DOUBLE_EQ(fitted.filter.filtered_states(0, 22), fitted.filter.filtered_states(0, 19));
  EXPECT_GT(fitted.filter.filtered_state_variances(0, 24),
            fitted.filter.filtered_state_variances(0, 19));

  // A wild estimate (e^3 = 20x) with a huge own variance barely moves the level ...
  std::vector<double> with = series.log_values;
  with[kOutlier] = series.log_values[kOutlier] + 3.0;
  std::vector<double> vague = series.own_variances;
  vague[kOutlier] = 1e4;
  const FittedModel vague_fit = StructuralForecaster::Refilter(fitted, with, vague);
  const double level_without = fitted.filter.filtered_states(0, kOutlier);
  EXPECT_NEAR(vague_fit.filter.filtered_states(0, kOutlier), level_without, 0.001);
  // ... while the same estimate taken as sharp moves it a lot.
  std::vector<double> sharp = series.own_variances;
  sharp[kOutlier] = 0.0;
  const FittedModel sharp_fit = StructuralForecaster::Refilter(fitted, with, sharp);
  EXPECT_GT(sharp_fit.filter.filtered_states(0, kOutlier) - level_without, 0.5);

  // Missing days at the end widen the forecast.
  std::vector<double> gap_at_end = without;
  for (size_t t = gap_at_end.size() - 5; t < gap_at_end.size(); ++t) gap_at_end[t] = std::nan("");
  const FittedModel gap_fit = StructuralForecaster::Refilter(fitted, gap_at_end, vague);
  EXPECT_GT(StructuralForecaster::Forecast(gap_fit, 1)[0].log_sd,
            StructuralForecaster::Forecast(fitted, 1)[0].log_sd);
}

// Smoothed estimates: the error of each day's estimate is an AR(1) (correlation 0.95 from day to
// day, as from an inversion's random-walk prior) whose marginal variance is the reported own
// variance, plus a little independent noise. Taken at face value (w = 1) the own variances claim
// day-to-day noise that is not there.
SimulatedSeries SimulateSmoothedEstimates(int days, uint64_t seed) {
  std::mt19937_64 rng(seed);
  SimulatedSeries series;
  constexpr double kRho = 0.95;
  constexpr double kErrorSd = 0.12;
  double level = 3.0;
  double error = kErrorSd * StandardNormal(rng);
  for (int t = 0; t < days; ++t) {
    const double season = kWeekdayPattern[static_cast<size_t>(t % 7)];
    series.level.push_back(level);
    series.season.push_back(season);
    series.log_values.push_back(level + season + error + 0.02 * StandardNormal(rng));
    const double own_sd = kErrorSd * (0.7 + 0.6 * UniformUnit(rng));
    series.own_variances.push_back(own_sd * own_sd);
    level += 0.02 * StandardNormal(rng);
    error = kRho * error + kErrorSd * std::sqrt(1.0 - kRho * kRho) * StandardNormal(rng);
  }
  return series;
}

TEST(StructuralForecasterTest, OwnVarianceWeightFallsForSmoothedEstimates) {
  const SimulatedSeries series = SimulateSmoothedEstimates(365, /*seed=*/5);
  const FittedModel estimated = StructuralForecaster::Fit(series.log_values, series.own_variances);
  ForecastOptions fixed_options;
  fixed_options.estimate_own_variance_weight = false;
  const FittedModel fixed =
      StructuralForecaster::Fit(series.log_values, series.own_variances, fixed_options);
  std::cout << "estimated: " << estimated.BriefReport() << "\nfixed: " << fixed.BriefReport()
            << "\n";
  EXPECT_EQ(fixed.parameters.own_variance_weight, 1.0);
  EXPECT_LT(estimated.parameters.own_variance_weight, 0.5);
  // w = 1 is inside the estimated model: its optimum can only be better, and here by far.
  EXPECT_GT(estimated.log_likelihood, fixed.log_likelihood + 5.0);
  // The correlated error is level movement the filter can follow; at w = 1 the level is held
  // stiffer than that.
  EXPECT_GT(estimated.parameters.sigma_level, fixed.parameters.sigma_level);
}

TEST(StructuralForecasterTest, OwnVarianceWeightStaysAtOneWithoutOwnVariances) {
  StructuralParameters<double> truth;
  truth.sigma_level = 0.02;
  truth.sigma_obs = 0.1;
  const SimulatedSeries series = Simulate(truth, kWeekdayPattern, 0.0, 120, /*seed=*/3);
  const FittedModel none = StructuralForecaster::Fit(series.log_values, {});
  EXPECT_EQ(none.parameters.own_variance_weight, 1.0);
  const FittedModel zeros = StructuralForecaster::Fit(
      series.log_values, std::vector<double>(series.log_values.size(), 0.0));
  EXPECT_EQ(zeros.parameters.own_variance_weight, 1.0);
  // Same problem, same optimum: the weight's unknown is not there to wander.
  EXPECT_DOUBLE_EQ(none.log_likelihood, zeros.log_likelihood);
  EXPECT_EQ(none.iterations, zeros.iterations);
}

TEST(StructuralForecasterTest, ForecastsAndRefiltersUseTheWeight) {
  StructuralParameters<double> truth;
  truth.sigma_level = 0.02;
  truth.sigma_obs = 0.08;
  const SimulatedSeries series = Simulate(truth, kWeekdayPattern, 0.0, 200, /*seed=*/17);
  const FittedModel fitted = StructuralForecaster::Fit(series.log_values, series.own_variances);
  ASSERT_GT(fitted.future_own_variance, 0.0);
  FittedModel unweighted = fitted;
  unweighted.parameters.own_variance_weight = 0.0;
  const std::vector<ForecastStep> a = StructuralForecaster::Forecast(fitted, 3);
  const std::vector<ForecastStep> b = StructuralForecaster::Forecast(unweighted, 3);
  for (size_t h = 0; h < a.size(); ++h) {
    EXPECT_NEAR(a[h].log_sd * a[h].log_sd - b[h].log_sd * b[h].log_sd,
                fitted.parameters.own_variance_weight * fitted.future_own_variance, 1e-12);
  }
  // Refilter keeps the weight and filters with it.
  const FittedModel again =
      StructuralForecaster::Refilter(unweighted, series.log_values, series.own_variances);
  EXPECT_EQ(again.parameters.own_variance_weight, 0.0);
  const KalmanFilterResult direct = RunKalmanFilter(unweighted.model, unweighted.parameters,
                                                    series.log_values, series.own_variances);
  EXPECT_EQ(again.filter.innovation_variances, direct.innovation_variances);
  EXPECT_EQ(again.log_likelihood, direct.log_likelihood);
  const int t = fitted.series_length - 1;
  EXPECT_GT(fitted.filter.innovation_variances[t], again.filter.innovation_variances[t]);
}

TEST(StructuralForecasterTest, BriefReportIsTheSameOnReRuns) {
  StructuralParameters<double> truth;
  truth.sigma_level = 0.02;
  truth.sigma_obs = 0.08;
  const SimulatedSeries series = Simulate(truth, kWeekdayPattern, 0.0, 150, /*seed=*/23);
  const FittedModel a = StructuralForecaster::Fit(series.log_values, series.own_variances);
  const FittedModel b = StructuralForecaster::Fit(series.log_values, series.own_variances);
  EXPECT_EQ(a.BriefReport(), b.BriefReport());
  EXPECT_NE(a.BriefReport().find("own-variance weight"), std::string::npos) << a.BriefReport();
  // No run time in it (it is in fit_time_s): the report ends with the convergence.
  const std::string report = a.BriefReport();
  const std::string tail = "iterations, converged";
  ASSERT_GE(report.size(), tail.size());
  EXPECT_EQ(report.substr(report.size() - tail.size()), tail) << report;
}

// The message of the std::invalid_argument that f throws, or "" if none.
template <typename F>
std::string RefusalOf(F f) {
  try {
    f();
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "";
}

TEST(StructuralForecasterTest, AnalyticGradientFindsTheSameOptimumAsAutomaticDifferentiation) {
  StructuralParameters<double> truth;
  truth.sigma_level = 0.02;
  truth.sigma_slope = 0.001;
  truth.sigma_seasonal = 0.002;
  truth.sigma_obs = 0.08;
  truth.phi = 0.95;
  const SimulatedSeries series = Simulate(truth, kWeekdayPattern, 0.01, 200, /*seed=*/11);
  ForecastOptions analytic;
  ForecastOptions jets;
  jets.analytic_gradient = false;
  const FittedModel a =
      StructuralForecaster::Fit(series.log_values, series.own_variances, analytic);
  const FittedModel b = StructuralForecaster::Fit(series.log_values, series.own_variances, jets);
  // Same cost and gradient up to round-off: the same optimum, to the solver's tolerance.
  EXPECT_NEAR(a.log_likelihood, b.log_likelihood, 1e-4);
  EXPECT_NEAR(a.parameters.sigma_obs, b.parameters.sigma_obs, 1e-3);
  EXPECT_NEAR(a.parameters.sigma_level, b.parameters.sigma_level, 1e-3);
  EXPECT_NEAR(a.parameters.own_variance_weight, b.parameters.own_variance_weight, 1e-2);
  EXPECT_NE(a.parameters.own_variance_weight, 1.0);  // estimated, not left at its default
  const std::vector<ForecastStep> fa = StructuralForecaster::Forecast(a, 7);
  const std::vector<ForecastStep> fb = StructuralForecaster::Forecast(b, 7);
  for (size_t h = 0; h < fa.size(); ++h) {
    EXPECT_NEAR(fa[h].log_mean, fb[h].log_mean, 1e-3) << "step " << h + 1;
    EXPECT_NEAR(fa[h].log_sd, fb[h].log_sd, 1e-3) << "step " << h + 1;
  }
}

TEST(StructuralForecasterTest, RefusesBadInputsWithMessages) {
  const std::vector<double> values(40, 1.0);
  const std::vector<double> variances(40, 0.01);
  const auto fit = [](const std::vector<double>& y, const std::vector<double>& v,
                      ForecastOptions options = ForecastOptions()) {
    return [=] { StructuralForecaster::Fit(y, v, options); };
  };

  // Too short: a 7-day season needs 2 x 7 + 4 = 18 observed values.
  std::vector<double> short_series(17, 1.0);
  short_series.push_back(std::nan(""));
  const std::string too_short = RefusalOf(fit(short_series, {}));
  EXPECT_NE(too_short.find("too short"), std::string::npos) << too_short;
  EXPECT_NE(too_short.find("17 observed values"), std::string::npos) << too_short;
  EXPECT_NE(too_short.find("at least 18"), std::string::npos) << too_short;
  ForecastOptions no_season;
  no_season.period_days = 0;
  EXPECT_NE(RefusalOf(fit(std::vector<double>(5, 1.0), {}, no_season)).find("at least 6"),
            std::string::npos);

  const std::string all_missing = RefusalOf(fit(std::vector<double>(30, std::nan("")), {}));
  EXPECT_NE(all_missing.find("all 30 values are missing"), std::string::npos) << all_missing;
  EXPECT_NE(RefusalOf(fit({}, {})).find("empty"), std::string::npos);

  std::vector<double> negative = variances;
  negative[3] = -0.5;
  const std::string negative_message = RefusalOf(fit(values, negative));
  EXPECT_NE(negative_message.find("own variance 3 is -0.5"), std::string::npos) << negative_message;
  EXPECT_NE(negative_message.find("zero or positive"), std::string::npos) << negative_message;

  std::vector<double> nan_variance = variances;
  nan_variance[2] = std::nan("");
  const std::string nan_message = RefusalOf(fit(values, nan_variance));
  EXPECT_NE(nan_message.find("own variance 2 is NaN but its value is observed"), std::string::npos)
      << nan_message;
  // A NaN variance where the value is missing too is fine.
  std::vector<double> missing_value = values;
  missing_value[2] = std::nan("");
  EXPECT_EQ(RefusalOf(fit(missing_value, nan_variance)), "");

  std::vector<double> log_of_zero = values;
  log_of_zero[5] = -INFINITY;
  EXPECT_NE(RefusalOf(fit(log_of_zero, variances)).find("log value 5 is -inf"), std::string::npos);
  EXPECT_NE(RefusalOf(fit(values, std::vector<double>(39, 0.01))).find("39 own variances"),
            std::string::npos);

  ForecastOptions bad_period;
  bad_period.period_days = 12;
  EXPECT_NE(RefusalOf(fit(values, variances, bad_period)).find("period"), std::string::npos);
  ForecastOptions no_starts;
  no_starts.num_starts = 0;
  EXPECT_NE(RefusalOf(fit(values, variances, no_starts)).find("num_starts"), std::string::npos);

  const FittedModel fitted = StructuralForecaster::Fit(missing_value, nan_variance);
  EXPECT_NE(RefusalOf([&] { StructuralForecaster::Forecast(fitted, 0); }).find("horizon"),
            std::string::npos);
}

// MASE of the week-ahead forecasts (1..7 days from each origin) against seasonal naive, whose
// forecast of day t+h is the value of day t+h-7, over a year of rolling origins.
TEST(StructuralForecasterTest, WeekAheadForecastsBeatSeasonalNaive) {
  StructuralParameters<double> truth;
  truth.sigma_level = 0.02;
  truth.sigma_slope = 0.002;
  truth.sigma_seasonal = 0.005;
  truth.sigma_obs = 0.1;
  truth.phi = 0.98;
  constexpr int kDays = 730;
  constexpr int kFitDays = 365;
  constexpr int kHorizon = 7;
  const SimulatedSeries series = Simulate(truth, kWeekdayPattern, 0.004, kDays, /*seed=*/42);
  const FittedModel fitted = StructuralForecaster::Fit(Head(series.log_values, kFitDays),
                                                       Head(series.own_variances, kFitDays));
  std::cout << fitted.BriefReport() << "\n";

  double model_error = 0.0;
  double naive_error = 0.0;
  for (int origin = kFitDays; origin + kHorizon <= kDays; ++origin) {
    const FittedModel at_origin = StructuralForecaster::Refilter(
        fitted, Head(series.log_values, origin), Head(series.own_variances, origin));
    const std::vector<ForecastStep> steps = StructuralForecaster::Forecast(at_origin, kHorizon);
    for (int h = 1; h <= kHorizon; ++h) {
      const double y = series.log_values[origin + h - 1];
      model_error += std::abs(y - steps[h - 1].log_mean);
      naive_error += std::abs(y - series.log_values[origin + h - 1 - 7]);
    }
  }
  const double mase = model_error / naive_error;
  std::cout << "week-ahead MASE against seasonal naive: " << mase << "\n";
  EXPECT_LT(mase, 1.0);
}

}  // namespace
}  // namespace wbe
