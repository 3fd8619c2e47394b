#include "models/forecast/backtest.h"

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

// A weekday pattern (Friday/Saturday parties), summing to zero.
const std::vector<double> kWeekdayPattern = {-0.1, -0.15, -0.1, -0.05, 0.1, 0.25, 0.05};

struct Series {
  std::vector<double> log_values;
  std::vector<double> own_variances;
};

// log y_t = level_t + weekday effect + noise; the level follows a slowly wandering trend.
// Own standard deviations uniform in [0.05, 0.15], as from a back-calculation's intervals.
Series SimulateTrendAndWeekday(int days, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Series series;
  double level = 4.0;
  double slope = 0.004;
  for (int t = 0; t < days; ++t) {
    const double own_sd = 0.05 + 0.1 * UniformUnit(rng);
    const double noise_sd = std::sqrt(0.08 * 0.08 + own_sd * own_sd);
    series.log_values.push_back(level + kWeekdayPattern[static_cast<size_t>(t % 7)] +
                                noise_sd * StandardNormal(rng));
    series.own_variances.push_back(own_sd * own_sd);
    level += slope + 0.02 * StandardNormal(rng);
    slope = 0.95 * slope + 0.0005 * StandardNormal(rng);
  }
  return series;
}

TEST(BacktestTest, BeatsSeasonalNaiveWithCalibratedIntervalsOnTrendAndWeekday) {
  const Series series = SimulateTrendAndWeekday(364, /*seed=*/61);
  BacktestOptions options;
  const SeriesBacktest result = BacktestSeries(series.log_values, series.own_variances, options);
  std::cout << result.BriefReport();
  EXPECT_EQ(result.origins, (364 - 56 - 7) / 7 + 1);
  EXPECT_EQ(result.origins_scored, result.origins);
  EXPECT_EQ(result.fits, result.origins);
  EXPECT_EQ(result.figures.forecasts, result.origins * 7);
  EXPECT_LT(result.figures.mase, 1.0);
  EXPECT_LT(result.figures.mase, result.figures.naive_mase);
  EXPECT_GE(result.figures.coverage_90, 0.8);
  EXPECT_LE(result.figures.coverage_90, 0.97);
  EXPECT_GT(result.figures.crps, 0.0);
  ASSERT_EQ(result.by_horizon.size(), 7u);
  for (const BacktestFigures& h : result.by_horizon) EXPECT_EQ(h.forecasts, result.origins);
  EXPECT_GT(result.seasonal_naive_mae, 0.0);
}

TEST(BacktestTest, RefilterWithoutRefitFitsOnce) {
  const Series series = SimulateTrendAndWeekday(280, /*seed=*/62);
  BacktestOptions options;
  options.refit = false;
  const SeriesBacktest once = BacktestSeries(series.log_values, series.own_variances, options);
  EXPECT_EQ(once.fits, 1);
  EXPECT_LT(once.figures.mase, 1.0);
  options.refit = true;
  options.refit_every_origins = 4;
  const SeriesBacktest every4 = BacktestSeries(series.log_values, series.own_variances, options);
  EXPECT_EQ(every4.fits, (every4.origins_scored + 3) / 4);
}

// CRPS = integral of (F(x) - 1{x >= y})^2 dx, by Simpson's rule on each side of y.
double NumericalCrps(double mu, double sd, double y) {
  const auto cdf = [&](double x) { return 0.5 * std::erfc(-(x - mu) / (sd * std::sqrt(2.0))); };
  const auto simpson = [&](double a, double b, bool above) {
    const int n = 20000;
    const double h = (b - a) / n;
    double sum = 0.0;
    for (int i = 0; i <= n; ++i) {
      const double x = a + i * h;
      const double d = cdf(x) - (above ? 1.0 : 0.0);
      const double w = (i == 0 || i == n) ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0);
      sum += w * d * d;
    }
    return sum * h / 3.0;
  };
  const double lo = std::min(y, mu) - 14.0 * sd;
  const double hi = std::max(y, mu) + 14.0 * sd;
  return simpson(lo, y, false) + simpson(y, hi, true);
}

TEST(BacktestTest, GaussianCrpsMatchesNumericalIntegral) {
  const double cases[][3] = {{0.0, 1.0, 0.0},  {0.0, 1.0, 1.3},  {2.5, 0.3, 2.1},
                             {-1.0, 2.0, 4.0}, {3.0, 0.05, 3.2}, {1.0, 0.7, -0.4}};
  for (const auto& c : cases) {
    EXPECT_NEAR(GaussianCrps(c[0], c[1], c[2]), NumericalCrps(c[0], c[1], c[2]), 1e-6)
        << "mu " << c[0] << " sd " << c[1] << " y " << c[2];
  }
  // At the mean of a standard normal: (sqrt(2) - 1) / sqrt(pi).
  EXPECT_NEAR(GaussianCrps(0.0, 1.0, 0.0), (std::sqrt(2.0) - 1.0) / std::sqrt(M_PI), 1e-12);
  EXPECT_DOUBLE_EQ(GaussianCrps(1.0, 0.0, 3.0), 2.0);
}

TEST(BacktestTest, RefusesTooShortSeriesClearly) {
  const Series series = SimulateTrendAndWeekday(60, /*seed=*/63);
  try {
    BacktestSeries(series.log_values, series.own_variances);
    FAIL() << "a 60-day series was accepted";
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("too short"), std::string::npos) << message;
    EXPECT_NE(message.find("60 steps"), std::string::npos) << message;
    EXPECT_NE(message.find("63"), std::string::npos) << message;
  }
  std::vector<double> missing(100, std::nan(""));
  EXPECT_THROW(BacktestSeries(missing, {}), std::invalid_argument);
  BacktestOptions bad;
  bad.horizon_steps = 0;
  std::string why;
  EXPECT_FALSE(bad.Check(&why));
  EXPECT_NE(why.find("horizon"), std::string::npos);
  EXPECT_THROW(BacktestSeries(series.log_values, {}, bad), std::invalid_argument);
}

TEST(BacktestTest, HandlesMissingValues) {
  Series series = SimulateTrendAndWeekday(300, /*seed=*/64);
  std::mt19937_64 rng(65);
  int missing = 0;
  for (size_t t = 0; t < series.log_values.size(); ++t) {
    // 20 % missing at random and a whole fortnight lost (e.g. a broken sampler).
    if (UniformUnit(rng) < 0.2 || (t >= 150 && t < 164)) {
      series.log_values[t] = std::nan("");
      series.own_variances[t] = std::nan("");
      ++missing;
    }
  }
  const SeriesBacktest result = BacktestSeries(series.log_values, series.own_variances);
  std::cout << result.BriefReport();
  EXPECT_EQ(result.observed_steps, 300 - missing);
  EXPECT_LT(result.figures.forecasts, result.origins * 7);
  EXPECT_GT(result.figures.forecasts, result.origins * 7 / 2);
  EXPECT_TRUE(std::isfinite(result.figures.mase));
  EXPECT_TRUE(std::isfinite(result.figures.naive_mase));
  EXPECT_LT(result.figures.mase, 1.0);
  EXPECT_GE(result.figures.coverage_90, 0.75);
}

DistrictEstimate Row(const std::string& group, const std::string& drug, DayIndex day,
                     double consumption, double mass) {
  DistrictEstimate row;
  row.group_id = group;
  row.district_ids = group;
  row.resolved = true;
  row.drug = drug;
  row.start_day = day;
  row.days = 1;
  row.mass_mg_per_day = {mass, mass, mass * 0.85, mass / 0.85};
  row.consumption_mg_per_day = {consumption, consumption, consumption * 0.7, consumption / 0.7};
  row.consumption_p05_given_parameters = consumption * 0.85;
  row.consumption_p95_given_parameters = consumption / 0.85;
  return row;
}

TEST(BacktestTest, BuildsOneSeriesPerGroupAndDrugFromDistrictEstimates) {
  constexpr int kDays = 120;
  const DayIndex first = DayFromCivil(2026, 1, 5);
  std::vector<DistrictEstimate> rows;
  const Series a = SimulateTrendAndWeekday(kDays, 71);
  const Series b = SimulateTrendAndWeekday(kDays, 72);
  const Series c = SimulateTrendAndWeekday(kDays, 73);
  for (int t = 0; t < kDays; ++t) {
    const size_t i = static_cast<size_t>(t);
    if (t % 10 != 3) {  // some days unsampled
      rows.push_back(Row("A", "cocaine", first + t, std::exp(a.log_values[i]),
                         std::exp(a.log_values[i]) / 2.0));
    }
    // Consumption unavailable on some days: filled from mass x the factor 2.
    DistrictEstimate row_b =
        Row("B", "cocaine", first + t, std::exp(b.log_values[i]), std::exp(b.log_values[i]) / 2.0);
    if (t % 5 == 0) row_b.consumption_mg_per_day = UncertainValue();
    rows.push_back(row_b);
    // A drug with no consumption at all: mass only.
    DistrictEstimate row_c =
        Row("A", "ketamine", first + t, std::nan(""), std::exp(c.log_values[i]));
    row_c.consumption_mg_per_day = UncertainValue();
    rows.push_back(row_c);
    // All censored (point 0) and too short series: skipped with a reason.
    rows.push_back(Row("C", "cocaine", first + t, 0.0, 0.0));
    if (t < 40) rows.push_back(Row("D+E", "cocaine", first + t, 100.0 + t, 50.0));
  }
  DistrictEstimate week = Row("A", "cocaine", first, 1.0, 1.0);
  week.days = 7;
  rows.push_back(week);  // weekly rows are not part of a daily backtest

  DistrictBacktestOptions options;
  int progress_calls = 0;
  const DistrictBacktest result =
      BacktestDistrictEstimates(rows, options, [&](int, int total, const std::string&) {
        ++progress_calls;
        EXPECT_EQ(total, 5);
      });
  std::cout << result.BriefReport();
  EXPECT_EQ(progress_calls, 5);
  ASSERT_EQ(result.series.size(), 3u);
  ASSERT_EQ(result.skipped.size(), 2u);
  EXPECT_EQ(result.skipped[0].group_id, "C");
  EXPECT_NE(result.skipped[0].reason.find("missing"), std::string::npos);
  EXPECT_EQ(result.skipped[1].group_id, "D+E");
  EXPECT_NE(result.skipped[1].reason.find("too short"), std::string::npos);
  for (const DistrictSeriesBacktest& s : result.series) {
    EXPECT_EQ(s.result.series_steps, kDays) << s.group_id << " " << s.drug;
    EXPECT_TRUE(std::isfinite(s.result.figures.mase)) << s.group_id << " " << s.drug;
    EXPECT_EQ(s.first_day, first);
  }
  EXPECT_EQ(result.series[0].quantity, "consumption");
  EXPECT_EQ(result.series[1].quantity, "mass");  // A ketamine
  EXPECT_EQ(result.series[2].mass_filled_steps, kDays / 5);
  EXPECT_TRUE(std::isfinite(result.mean_mase));
  EXPECT_TRUE(std::isfinite(result.median_mase));
  EXPECT_GT(result.pooled.forecasts, 0);

  const nlohmann::json json = result.ToJson();
  EXPECT_TRUE(json["overall"]["mase"].is_number());
  EXPECT_TRUE(json["overall"]["coverage_90"].is_number());
  EXPECT_TRUE(json["overall"]["crps"].is_number());
  EXPECT_EQ(json["series"].size(), 3u);
  EXPECT_EQ(json["skipped"].size(), 2u);

  options.drugs = {"ketamine"};
  EXPECT_EQ(BacktestDistrictEstimates(rows, options).series.size(), 1u);
  options.drugs.clear();
  options.period = BacktestPeriod::kWeek;
  const DistrictBacktest weekly = BacktestDistrictEstimates(rows, options);
  EXPECT_TRUE(weekly.series.empty());
  ASSERT_EQ(weekly.skipped.size(), 1u);  // one weekly row: too short
}

}  // namespace
}  // namespace wbe
