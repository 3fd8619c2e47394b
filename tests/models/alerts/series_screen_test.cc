#include "models/alerts/series_screen.h"

#include <cmath>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "models/core/random.h"

namespace wbe {
namespace {

constexpr DayIndex kFirstMonday = 20300;  // 2025-07-28, a Monday

// A daily log series around `level` with a weekday pattern and noise; from day `jump_day` on
// the level is multiplied by `jump`. Own standard deviation 0.1.
DistrictSeries MakeSeries(int days, double jump, int jump_day, uint64_t seed) {
  DistrictSeries series;
  series.group_id = "A";
  series.district_ids = "A";
  series.drug = "methamphetamine";
  series.quantity = "consumption";
  series.first_day = kFirstMonday;
  std::mt19937_64 rng(seed);
  const double week[7] = {-0.05, -0.1, -0.05, 0.0, 0.05, 0.1, 0.05};
  for (int t = 0; t < days; ++t) {
    const double level = std::log(500.0) + (t >= jump_day ? std::log(jump) : 0.0);
    series.log_values.push_back(level + week[t % 7] + 0.12 * StandardNormal(rng));
    series.own_variances.push_back(0.01);
  }
  return series;
}

TEST(SeriesScreenTest, StableSeriesRaisesNothing) {
  const int weeks = 30;
  int alerts = 0;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    const DistrictSeries series = MakeSeries(7 * weeks, 1.0, 7 * weeks, seed);
    const SeriesScreen screen =
        ScreenSeries(series, kFirstMonday + 7 * (weeks - 1), 84, ScreeningOptions(), "甲基苯丙胺");
    ASSERT_TRUE(screen.screened) << screen.skip_reason;
    alerts += static_cast<int>(screen.alerts.size());
    EXPECT_LT(screen.outlook.trend_probability, 0.9);
    EXPECT_EQ(screen.outlook.forecast.size(), 8u);
  }
  EXPECT_LE(alerts, 1);
}

TEST(SeriesScreenTest, DoublingTwoWeeksAgoIsARisingTrend) {
  const int weeks = 30;
  const DistrictSeries series = MakeSeries(7 * weeks, 2.5, 7 * (weeks - 2), 3);
  const SeriesScreen screen =
      ScreenSeries(series, kFirstMonday + 7 * (weeks - 1), 84, ScreeningOptions(), "甲基苯丙胺");
  ASSERT_TRUE(screen.screened) << screen.skip_reason;
  EXPECT_GE(screen.outlook.trend_probability, 0.9);
  ASSERT_FALSE(screen.alerts.empty());
  const Alert& alert = screen.alerts.back();
  EXPECT_EQ(alert.kind, AlertKind::kRisingTrend);
  EXPECT_EQ(alert.group_id, "A");
  EXPECT_NE(alert.reason_en.find("methamphetamine"), std::string::npos);
  EXPECT_NE(alert.reason_zh.find("甲基苯丙胺"), std::string::npos);
  EXPECT_GT(alert.evidence["forecast_ratio"].get<double>(), 1.5);
}

TEST(SeriesScreenTest, TooShortAndAllCensoredSeriesAreSkippedWithAReason) {
  const DistrictSeries short_series = MakeSeries(7 * 5, 1.0, 1000, 1);
  const SeriesScreen too_short =
      ScreenSeries(short_series, kFirstMonday + 7 * 4, 84, ScreeningOptions(), "x");
  EXPECT_FALSE(too_short.screened);
  EXPECT_NE(too_short.skip_reason.find("too short"), std::string::npos) << too_short.skip_reason;

  DistrictSeries censored = MakeSeries(7 * 20, 1.0, 1000, 1);
  for (int t = 0; t < 7 * 19; ++t) censored.log_values[t] = std::nan("");
  const SeriesScreen all_censored =
      ScreenSeries(censored, kFirstMonday + 7 * 19, 84, ScreeningOptions(), "x");
  EXPECT_FALSE(all_censored.screened);
  EXPECT_NE(all_censored.skip_reason.find("censored"), std::string::npos)
      << all_censored.skip_reason;
}

TEST(SeriesScreenTest, BadOptionsAreRefused) {
  ScreeningOptions options;
  options.trend_probability = 0.4;
  std::string why;
  EXPECT_FALSE(options.Check(&why));
  EXPECT_FALSE(why.empty());
  const DistrictSeries series = MakeSeries(7 * 20, 1.0, 1000, 1);
  EXPECT_THROW(ScreenSeries(series, kFirstMonday + 7 * 19, 84, options, "x"),
               std::invalid_argument);
}

}  // namespace
}  // namespace wbe
