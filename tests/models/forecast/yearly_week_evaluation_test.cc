// Yearly-trend and weekday-profile evaluations on synthetic one-week-a-year series whose truth
// is known.
#include "models/forecast/yearly_week_evaluation.h"

#include <array>
#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wbe {
namespace {

using ::testing::HasSubstr;

using Profile = std::array<double, kDaysPerWeek>;

constexpr size_t kFriday = 4, kSaturday = 5, kSunday = 6;

// A site whose weeks are exp(level + profile[d] + noise); level(year) given.
YearlyWeekSeries MakeSeries(const std::string& site, const std::string& metabolite, int first_year,
                            int years, const std::function<double(int)>& level,
                            const Profile& profile, double noise_sd, std::mt19937* random) {
  std::normal_distribution<double> noise(0.0, noise_sd);
  YearlyWeekSeries series;
  series.site_id = site;
  series.metabolite = metabolite;
  for (int y = 0; y < years; ++y) {
    SampledWeek week;
    week.year = first_year + y;
    for (size_t d = 0; d < kDaysPerWeek; ++d) {
      week.load_by_weekday[d] = std::exp(level(y) + profile[d] + noise(*random));
    }
    series.weeks.push_back(week);
  }
  return series;
}

Profile WeekendPeak() {
  Profile profile{};
  profile[kFriday] = 0.3;
  profile[kSaturday] = 0.9;
  profile[kSunday] = 0.7;
  return profile;
}

TEST(WeekdayProfileTest, AWeekendPeakIsLearnedFromEarlierYears) {
  std::mt19937 random(11);
  std::vector<YearlyWeekSeries> series;
  for (int s = 0; s < 6; ++s) {
    series.push_back(MakeSeries(
        "P" + std::to_string(s), "MDMA", 2011, 8, [s](int) { return 1.0 + 0.2 * s; }, WeekendPeak(),
        0.1, &random));
    series.push_back(MakeSeries(
        "F" + std::to_string(s), "flat", 2011, 8, [s](int) { return 2.0 + 0.1 * s; }, Profile{},
        0.1, &random));
  }
  const WeekdayEvaluation evaluation = EvaluateWeekdayProfile(series);
  ASSERT_EQ(evaluation.by_metabolite.count("MDMA"), 1u);
  const WeekdayFigures& peak = evaluation.by_metabolite.at("MDMA");
  EXPECT_EQ(peak.weeks_complete, 48);
  const WeekdayErrorFigures with = peak.with_site_history.Figures();
  EXPECT_EQ(with.weeks, 6 * 7);  // every week but each site's first
  // The weekend peak dwarfs the noise: the learned profile removes most of the error.
  EXPECT_GT(with.skill_site, 0.5);
  EXPECT_GT(with.skill_pooled, 0.5);
  // A site's first week: only the pooled profile of other sites' earlier years (none before
  // 2011 here, so none at all).
  EXPECT_EQ(peak.without_site_history.Figures().weeks, 0);
  // The mean profile peaks on Saturday.
  const Profile& mean = peak.mean_log_profile;
  EXPECT_NEAR(mean[kSaturday] - mean[0], 0.9, 0.1);
  EXPECT_GT(mean[kSaturday], mean[kFriday]);

  const WeekdayErrorFigures flat = evaluation.by_metabolite.at("flat").with_site_history.Figures();
  EXPECT_EQ(flat.weeks, 6 * 7);
  // No weekday effect: a profile estimated from noise can only add a little noise.
  EXPECT_LT(std::fabs(flat.skill_site), 0.15);
  EXPECT_LT(flat.skill_site, with.skill_site);
  EXPECT_NEAR(flat.mae_flat, with.mae_site, 0.05);  // both are noise-only errors

  const WeekdayErrorFigures overall = evaluation.overall.with_site_history.Figures();
  EXPECT_EQ(overall.weeks, 2 * 6 * 7);
  EXPECT_GT(overall.skill_site, flat.skill_site);
  const nlohmann::json json = evaluation.ToJson();
  EXPECT_EQ(json["by_metabolite"]["MDMA"]["relative_profile"].size(), 7u);
  EXPECT_TRUE(json["overall"]["with_site_history"]["skill_site"].is_number());
  EXPECT_THAT(evaluation.BriefReport(), HasSubstr("MDMA"));
}

TEST(WeekdayProfileTest, NewSitesUseThePooledProfileAndBadWeeksAreCounted) {
  std::mt19937 random(5);
  std::vector<YearlyWeekSeries> series;
  for (int s = 0; s < 5; ++s) {  // sites sampled since 2011
    series.push_back(MakeSeries(
        "OLD" + std::to_string(s), "MDMA", 2011, 4, [](int) { return 1.0; }, WeekendPeak(), 0.1,
        &random));
  }
  // A site that joins in 2014: its first week has no site history, only the pooled profile.
  YearlyWeekSeries late = MakeSeries(
      "NEW", "MDMA", 2014, 2, [](int) { return 1.5; }, WeekendPeak(), 0.1, &random);
  SampledWeek censored = late.weeks[0];
  censored.year = 2016;
  censored.censored[2] = true;  // a day below the LOQ: the week cannot be used
  SampledWeek incomplete = late.weeks[0];
  incomplete.year = 2017;
  incomplete.load_by_weekday[3] = std::nan("");
  late.weeks.push_back(censored);
  late.weeks.push_back(incomplete);
  series.push_back(late);
  const WeekdayEvaluation evaluation = EvaluateWeekdayProfile(series);
  const WeekdayFigures& mdma = evaluation.by_metabolite.at("MDMA");
  EXPECT_EQ(mdma.weeks_censored, 1);
  EXPECT_EQ(mdma.weeks_incomplete, 1);
  EXPECT_EQ(mdma.weeks_complete, 5 * 4 + 2);
  const WeekdayErrorFigures first_weeks = mdma.without_site_history.Figures();
  // OLD sites' 2011 weeks have no history at all; NEW's 2014 week has 15 pooled weeks before it.
  EXPECT_EQ(first_weeks.weeks, 1);
  EXPECT_TRUE(std::isnan(first_weeks.mae_site));
  EXPECT_GT(first_weeks.skill_pooled, 0.5);
}

// A series whose week mean follows level(year) exactly on every day (no weekday effect).
YearlyWeekSeries YearlySeries(const std::string& site, int years, double slope_per_year,
                              double noise_sd, std::mt19937* random) {
  return MakeSeries(
      site, "cocaine", 2011, years, [slope_per_year](int y) { return 2.0 + slope_per_year * y; },
      Profile{}, noise_sd, random);
}

TEST(YearlyTrendTest, SteadyTrendsAreForecastAndTheTrendProbabilityIsSharp) {
  std::mt19937 random(3);
  std::vector<YearlyWeekSeries> series;
  for (int s = 0; s < 4; ++s) {
    series.push_back(YearlySeries("UP" + std::to_string(s), 14, 0.15, 0.03, &random));
    series.push_back(YearlySeries("DOWN" + std::to_string(s), 14, -0.15, 0.03, &random));
  }
  const YearlyTrendEvaluation evaluation = EvaluateYearlyTrend(series);
  ASSERT_EQ(evaluation.series.size(), 8u) << evaluation.ToJson().dump();
  EXPECT_TRUE(evaluation.skipped.empty());
  const YearlyTrendFigures& overall = evaluation.overall;
  EXPECT_EQ(overall.weeks_used, 8 * 14);
  // Origins from year 6 (6 observed years needed by the fit) to 13: 8 forecasts a series.
  EXPECT_EQ(overall.pooled.forecasts, 8 * 8);
  EXPECT_EQ(overall.trend.forecasts, 8 * 8);
  // A steady trend: the model's slope beats "same as last year" by far.
  EXPECT_LT(overall.mase, 0.6);
  EXPECT_GT(overall.naive_mase, 0.8);
  EXPECT_GT(overall.pooled.coverage_90, 0.7);
  // Half the series rise: the base rate is 1/2, climatology's Brier 1/4; the model knows
  // which way each series goes.
  EXPECT_NEAR(overall.trend.base_rate, 0.5, 1e-12);
  EXPECT_NEAR(overall.trend.brier_climatology, 0.25, 1e-12);
  EXPECT_LT(overall.trend.brier, 0.05);
  EXPECT_GT(overall.trend.brier_skill, 0.8);
  // Sharp forecasts: only the outer bins are used, and they are right.
  const std::vector<ReliabilityBin>& bins = overall.trend.reliability;
  ASSERT_EQ(bins.size(), 5u);
  EXPECT_GT(bins.front().forecasts + bins.back().forecasts, 60);
  EXPECT_LT(bins.front().observed_frequency, 0.1);
  EXPECT_GT(bins.back().observed_frequency, 0.9);

  const nlohmann::json json = evaluation.ToJson();
  for (const char* key : {"mase", "coverage_90", "crps", "naive_mase", "brier", "brier_climatology",
                          "brier_skill", "reliability"}) {
    EXPECT_TRUE(json["overall"].contains(key)) << key;
  }
  EXPECT_TRUE(json["by_metabolite"].contains("cocaine"));
  EXPECT_THAT(evaluation.BriefReport(), HasSubstr("overall"));
}

TEST(YearlyTrendTest, NoisyFlatSeriesGiveNoSkillOverClimatology) {
  std::mt19937 random(8);
  std::vector<YearlyWeekSeries> series;
  for (int s = 0; s < 8; ++s)
    series.push_back(YearlySeries("N" + std::to_string(s), 14, 0.0, 0.3, &random));
  const YearlyTrendEvaluation evaluation = EvaluateYearlyTrend(series);
  ASSERT_FALSE(evaluation.series.empty());
  // Nothing to predict: no better than the base rate (and not much worse).
  EXPECT_GT(evaluation.overall.trend.brier_skill, -0.5);
  EXPECT_LT(evaluation.overall.trend.brier_skill, 0.2);
}

TEST(YearlyTrendTest, ShortCensoredAndGappySeriesAreSkippedWithAReason) {
  std::mt19937 random(4);
  YearlyWeekSeries short_series = YearlySeries("SHORT", 5, 0.1, 0.05, &random);
  YearlyWeekSeries censored = YearlySeries("LOQ", 10, 0.1, 0.05, &random);
  for (SampledWeek& week : censored.weeks) week.censored[0] = true;
  YearlyWeekSeries gappy = YearlySeries("GAPS", 12, 0.1, 0.05, &random);
  // Five weeks with only four days, one with a censored day: 6 usable years of 12.
  for (int y = 0; y < 5; ++y) {
    for (size_t d = 0; d < 3; ++d)
      gappy.weeks[static_cast<size_t>(2 * y + 1)].load_by_weekday[d] = std::nan("");
  }
  gappy.weeks[4].censored[6] = true;
  const YearlyTrendEvaluation evaluation = EvaluateYearlyTrend(
      {short_series, censored, gappy, YearlySeries("OK", 12, 0.1, 0.05, &random)});
  EXPECT_EQ(evaluation.series.size(), 1u);
  ASSERT_EQ(evaluation.skipped.size(), 3u);
  EXPECT_EQ(evaluation.overall.series_skipped, 3);
  EXPECT_EQ(evaluation.overall.weeks_censored, 10 + 1);
  EXPECT_EQ(evaluation.overall.weeks_few_days, 5);
  std::map<std::string, std::string> reasons;
  for (const SkippedSeries& skipped : evaluation.skipped) reasons[skipped.site_id] = skipped.reason;
  EXPECT_THAT(reasons["SHORT"], HasSubstr("too short"));
  EXPECT_THAT(reasons["LOQ"], HasSubstr("no usable week"));
  EXPECT_THAT(reasons["GAPS"], HasSubstr("6 usable years"));
}

TEST(YearlyWeekEvaluationTest, RefusesBadInputAndOptions) {
  std::mt19937 random(1);
  YearlyWeekSeries twice = YearlySeries("T", 8, 0.1, 0.05, &random);
  twice.weeks.push_back(twice.weeks[3]);
  EXPECT_THROW(EvaluateYearlyTrend({twice}), std::invalid_argument);
  EXPECT_THROW(EvaluateWeekdayProfile({twice}), std::invalid_argument);
  YearlyWeekSeries zero = YearlySeries("Z", 8, 0.1, 0.05, &random);
  zero.weeks[2].load_by_weekday[1] = 0.0;  // a 0 that is not flagged as censored
  try {
    EvaluateWeekdayProfile({zero});
    ADD_FAILURE() << "an uncensored zero load was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("Z cocaine 2013"));
  }
  zero.weeks[2].censored[1] = true;
  EXPECT_NO_THROW(EvaluateWeekdayProfile({zero}));

  YearlyTrendOptions options;
  std::string why;
  EXPECT_TRUE(options.Check(&why)) << why;
  options.forecast.period_days = 7;
  EXPECT_FALSE(options.Check(&why));
  EXPECT_THAT(why, HasSubstr("no season"));
  options = YearlyTrendOptions();
  options.min_observed_days = 8;
  EXPECT_FALSE(options.Check(&why));
  EXPECT_THROW(EvaluateYearlyTrend({}, options), std::invalid_argument);
  WeekdayProfileOptions weekday;
  weekday.min_pooled_history_weeks = 0;
  EXPECT_FALSE(weekday.Check(&why));
}

}  // namespace
}  // namespace wbe
