#include "models/alerts/series_screen.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "models/alerts/reason_text.h"
#include "models/core/json_number.h"
#include "models/core/normal_quantile.h"
#include "models/forecast/backtest.h"
#include "models/forecast/period_mean_forecast.h"

namespace wbe {
namespace {

constexpr int kForecastWeeks = 8;

std::vector<double> Slice(const std::vector<double>& values, int begin, int end) {
  std::vector<double> out(static_cast<size_t>(end - begin), std::nan(""));
  for (int t = begin; t < end; ++t) {
    if (t >= 0 && t < static_cast<int>(values.size())) out[t - begin] = values[t];
  }
  return out;
}

int CountObserved(const std::vector<double>& values) {
  int count = 0;
  for (const double v : values) count += std::isnan(v) ? 0 : 1;
  return count;
}

// Mean of the observed values in [begin, end) of a window's values; NaN when none.
double MeanObserved(const std::vector<double>& values, int begin, int end) {
  double sum = 0.0;
  int count = 0;
  for (int t = std::max(0, begin); t < end && t < static_cast<int>(values.size()); ++t) {
    if (std::isnan(values[t])) continue;
    sum += values[t];
    ++count;
  }
  return count > 0 ? sum / count : std::nan("");
}

ForecastBounds ExpBounds(double log_mean, double log_sd, double z) {
  return {std::exp(log_mean - z * log_sd), std::exp(log_mean + z * log_sd)};
}

}  // namespace

nlohmann::json SeriesOutlook::ToJson() const {
  nlohmann::json days = nlohmann::json::array();
  for (const OutlookDay& d : history) {
    days.push_back({{"day", FormatIsoDate(d.day)},
                    {"value", NumberOrNull(d.value)},
                    {"p05", NumberOrNull(d.p05)},
                    {"p95", NumberOrNull(d.p95)}});
  }
  nlohmann::json weeks = nlohmann::json::array();
  for (const OutlookWeek& w : forecast) {
    weeks.push_back({{"weeks_ahead", w.weeks_ahead},
                     {"week", IsoWeekOf(w.monday).ToString()},
                     {"monday", FormatIsoDate(w.monday)},
                     {"median", NumberOrNull(w.median)},
                     {"p25", NumberOrNull(w.interval_50.lower)},
                     {"p75", NumberOrNull(w.interval_50.upper)},
                     {"p10", NumberOrNull(w.interval_80.lower)},
                     {"p90", NumberOrNull(w.interval_80.upper)},
                     {"p025", NumberOrNull(w.interval_95.lower)},
                     {"p975", NumberOrNull(w.interval_95.upper)}});
  }
  return {{"group_id", group_id},
          {"district_ids", district_ids},
          {"drug", drug},
          {"drug_zh", drug_zh},
          {"quantity", quantity},
          {"unit", "mg/day"},
          {"reference_level", NumberOrNull(reference_level)},
          {"trend_probability", NumberOrNull(trend_probability)},
          {"trend_probability_last_week", NumberOrNull(trend_probability_last_week)},
          {"trend_ratio", NumberOrNull(trend_ratio)},
          {"trend_ratio_p05", NumberOrNull(trend_ratio_p05)},
          {"trend_ratio_p95", NumberOrNull(trend_ratio_p95)},
          {"spike_z", NumberOrNull(spike_z)},
          {"model", model_summary},
          {"history", std::move(days)},
          {"forecast", std::move(weeks)}};
}

SeriesScreen ScreenSeries(const DistrictSeries& series, DayIndex monday, int family_size,
                          const ScreeningOptions& options, const std::string& drug_title_zh,
                          const FittedModel* reuse) {
  std::string why;
  if (!options.Check(&why)) throw std::invalid_argument("screening options: " + why);
  if (series.step_days != 1) throw std::invalid_argument("screening needs a daily series");
  if (family_size < 1) throw std::invalid_argument("screening: family size must be >= 1");
  SeriesScreen screen;
  SeriesOutlook& outlook = screen.outlook;
  outlook.group_id = series.group_id;
  outlook.district_ids = series.district_ids;
  outlook.drug = series.drug;
  outlook.drug_zh = drug_title_zh;
  outlook.quantity = series.quantity;

  const int week_begin = series.StepOfDay(monday);  // first step of the week
  const int week_end = week_begin + 7;              // one past Sunday
  const int history_weeks = week_begin / 7;
  if (week_begin < 7 * options.min_history_weeks) {
    screen.skip_reason = "too short a series: " + std::to_string(std::max(0, history_weeks)) +
                         " weeks of estimates before the week, at least " +
                         std::to_string(options.min_history_weeks) + " needed";
    return screen;
  }
  const int start = std::max(0, week_begin - 7 * options.max_history_weeks);
  const std::vector<double> train_values = Slice(series.log_values, start, week_begin);
  const std::vector<double> train_variances = Slice(series.own_variances, start, week_begin);
  const std::vector<double> all_values = Slice(series.log_values, start, week_end);
  const std::vector<double> all_variances = Slice(series.own_variances, start, week_end);
  const int train_observed = CountObserved(train_values);
  const int week_observed = CountObserved(all_values) - train_observed;
  if (train_observed == 0) {
    screen.skip_reason =
        "no value before the week: every result was below the LOQ or missing (all censored)";
    return screen;
  }
  const int needed = 2 * std::max(options.forecast.period_days, 1) + 4;
  if (train_observed < needed) {
    screen.skip_reason = "too short a series: " + std::to_string(train_observed) +
                         " days with a value before the week (the rest below the LOQ or "
                         "missing), at least " +
                         std::to_string(needed) + " needed";
    return screen;
  }
  if (week_observed == 0) {
    screen.skip_reason = "no value in the week: every result was below the LOQ or missing";
    return screen;
  }
  try {
    screen.fitted =
        reuse != nullptr
            ? StructuralForecaster::Refilter(*reuse, train_values, train_variances)
            : StructuralForecaster::Fit(train_values, train_variances, options.forecast);
  } catch (const std::invalid_argument& e) {
    screen.skip_reason = std::string("the model could not be fitted: ") + e.what();
    return screen;
  }
  const FittedModel now = StructuralForecaster::Refilter(screen.fitted, all_values, all_variances);
  screen.screened = true;
  outlook.model_summary = now.BriefReport();

  // Spike: this week's one-step-ahead errors against the simultaneous bound.
  const double tail = (1.0 - options.spike_bound) / static_cast<double>(family_size);
  outlook.spike_z = NormalQuantile(1.0 - tail);
  const int offset = week_begin - start;
  for (int t = offset; t < offset + 7; ++t) {
    const double e = now.filter.innovations[t];
    const double f = now.filter.innovation_variances[t];
    if (std::isnan(e) || !(f > 0.0)) continue;
    const double z = e / std::sqrt(f);
    if (z <= outlook.spike_z || e < std::log(options.spike_min_ratio)) continue;
    const DayIndex day = series.DayOfStep(start + t);
    screen.spike_days.push_back(day);
    Alert alert;
    alert.kind = AlertKind::kSpike;
    alert.group_id = series.group_id;
    alert.district_ids = series.district_ids;
    alert.drug = series.drug;
    alert.first_day = alert.last_day = day;
    const double value = std::exp(all_values[t]);
    const double expected = std::exp(all_values[t] - e);
    const double bound = std::exp(all_values[t] - e + outlook.spike_z * std::sqrt(f));
    // Severity grows with how far past the bound: at the bound 0.5, twice as far 1.
    alert.severity = std::min(1.0, 0.5 * z / outlook.spike_z);
    alert.evidence = {{"day", FormatIsoDate(day)},
                      {"value_mg_per_day", value},
                      {"expected_mg_per_day", expected},
                      {"bound_mg_per_day", bound},
                      {"bound_probability", options.spike_bound},
                      {"family_size", family_size},
                      {"z", z},
                      {"quantity", series.quantity}};
    using namespace reason_text;
    alert.reason_en = series.drug + " in " + series.group_id + " on " + FormatIsoDate(day) + ": " +
                      Amount(value) + " mg/day, " + Ratio(value / expected) +
                      " times the forecast (" + Amount(expected) +
                      " mg/day) and above its simultaneous " + Percent(options.spike_bound) +
                      " bound (" + Amount(bound) + " mg/day); the estimator flagged no dumping";
    alert.reason_zh = series.group_id + " " + drug_title_zh + " " + FormatIsoDate(day) + "：" +
                      Amount(value) + " 毫克/天，为预测值（" + Amount(expected) + " 毫克/天）的 " +
                      Ratio(value / expected) + " 倍，超过 " + Percent(options.spike_bound) +
                      " 同时预测上界（" + Amount(bound) + " 毫克/天）；估算未发现倾倒迹象";
    screen.alerts.push_back(std::move(alert));
  }

  // Rising trend: the next weeks' level against the reference weeks' level.
  const int ahead_days = 7 * options.trend_ahead_weeks;
  const int reference_days = 7 * options.trend_reference_weeks;
  const int window_end = week_end - start;  // one past Sunday, in the window
  const double reference = MeanObserved(all_values, window_end - reference_days, window_end);
  const double threshold = reference + std::log(options.trend_min_ratio);
  const PeriodMeanForecast ahead = ForecastPeriodMean(now, 1, ahead_days);
  outlook.reference_level = std::exp(reference);
  outlook.trend_probability = ahead.ProbabilityAbove(threshold);
  outlook.trend_ratio = std::exp(ahead.log_mean - reference);
  outlook.trend_ratio_p05 = std::exp(ahead.log_mean - kZ90 * ahead.log_sd - reference);
  outlook.trend_ratio_p95 = std::exp(ahead.log_mean + kZ90 * ahead.log_sd - reference);
  const double reference_last_week =
      MeanObserved(train_values, window_end - 7 - reference_days, window_end - 7);
  outlook.trend_probability_last_week =
      std::isnan(reference_last_week)
          ? 0.0
          : ForecastPeriodMean(screen.fitted, 1, ahead_days)
                .ProbabilityAbove(reference_last_week + std::log(options.trend_min_ratio));
  if (outlook.trend_probability >= options.trend_probability) {
    Alert alert;
    alert.kind = AlertKind::kRisingTrend;
    alert.group_id = series.group_id;
    alert.district_ids = series.district_ids;
    alert.drug = series.drug;
    alert.first_day = series.DayOfStep(start + window_end - reference_days);
    alert.last_day = series.DayOfStep(start + window_end - 1);
    alert.severity = outlook.trend_probability;
    alert.raised_this_week = outlook.trend_probability_last_week < options.trend_probability;
    alert.evidence = {{"probability", outlook.trend_probability},
                      {"probability_last_week", outlook.trend_probability_last_week},
                      {"ahead_weeks", options.trend_ahead_weeks},
                      {"reference_weeks", options.trend_reference_weeks},
                      {"min_ratio", options.trend_min_ratio},
                      {"reference_mg_per_day", outlook.reference_level},
                      {"forecast_ratio", outlook.trend_ratio},
                      {"forecast_ratio_p05", outlook.trend_ratio_p05},
                      {"forecast_ratio_p95", outlook.trend_ratio_p95},
                      {"quantity", series.quantity}};
    using namespace reason_text;
    const std::string min_rise = Percent(options.trend_min_ratio - 1.0);
    alert.reason_en =
        series.drug + " in " + series.group_id + ": " + Percent(outlook.trend_probability) +
        " probability that the next " + std::to_string(options.trend_ahead_weeks) +
        " weeks' level exceeds the last " + std::to_string(options.trend_reference_weeks) +
        " weeks' (" + Amount(outlook.reference_level) + " mg/day) by " + min_rise +
        " or more; forecast " + Ratio(outlook.trend_ratio) + " times (90 % " +
        Ratio(outlook.trend_ratio_p05) + "-" + Ratio(outlook.trend_ratio_p95) + ")";
    alert.reason_zh = series.group_id + " " + drug_title_zh + "：未来 " +
                      std::to_string(options.trend_ahead_weeks) + " 周水平比前 " +
                      std::to_string(options.trend_reference_weeks) + " 周（" +
                      Amount(outlook.reference_level) + " 毫克/天）高出 " + min_rise +
                      " 以上的概率为 " + Percent(outlook.trend_probability) + "；预测为 " +
                      Ratio(outlook.trend_ratio) + " 倍（90 % 区间 " +
                      Ratio(outlook.trend_ratio_p05) + "–" + Ratio(outlook.trend_ratio_p95) + "）";
    screen.alerts.push_back(std::move(alert));
  }

  // Chart data: the reference weeks' days and the fan of the next weeks' levels.
  for (int t = std::max(0, window_end - reference_days); t < window_end; ++t) {
    if (std::isnan(all_values[t])) continue;
    const double sd = std::sqrt(std::max(0.0, all_variances[t]));
    outlook.history.push_back({series.DayOfStep(start + t), std::exp(all_values[t]),
                               std::exp(all_values[t] - kZ90 * sd),
                               std::exp(all_values[t] + kZ90 * sd)});
  }
  for (int k = 1; k <= kForecastWeeks; ++k) {
    const PeriodMeanForecast week = ForecastPeriodMean(now, 7 * k - 6, 7 * k);
    OutlookWeek w;
    w.weeks_ahead = k;
    w.monday = monday + 7 * k;
    w.median = std::exp(week.log_mean);
    w.interval_50 = ExpBounds(week.log_mean, week.log_sd, 0.67448975019608174);
    w.interval_80 = ExpBounds(week.log_mean, week.log_sd, 1.2815515655446004);
    w.interval_95 = ExpBounds(week.log_mean, week.log_sd, 1.959963984540054);
    outlook.forecast.push_back(w);
  }
  return screen;
}

}  // namespace wbe
