#include "models/forecast/yearly_week_evaluation.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <utility>

#include "models/core/json_number.h"
#include "models/core/median.h"
#include "models/forecast/period_mean_forecast.h"

namespace wbe {
namespace {

bool Refuse(const std::string& reason, std::string* why) {
  if (why != nullptr) *why = reason;
  return false;
}

std::string Format(const char* format, double value) {
  if (!std::isfinite(value)) return "-";
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

std::string SeriesName(const YearlyWeekSeries& series) {
  return series.site_id + " " + series.metabolite;
}

// The weeks sorted by year, after checking that no year is given twice and that every
// uncensored observed load can be logged.
std::vector<const SampledWeek*> CheckedWeeks(const YearlyWeekSeries& series) {
  std::vector<const SampledWeek*> weeks;
  for (const SampledWeek& week : series.weeks) weeks.push_back(&week);
  std::stable_sort(weeks.begin(), weeks.end(),
                   [](const SampledWeek* a, const SampledWeek* b) { return a->year < b->year; });
  for (size_t i = 0; i < weeks.size(); ++i) {
    if (i > 0 && weeks[i]->year == weeks[i - 1]->year) {
      throw std::invalid_argument(SeriesName(series) + ": year " + std::to_string(weeks[i]->year) +
                                  " is given twice");
    }
    for (int d = 0; d < kDaysPerWeek; ++d) {
      const double load = weeks[i]->load_by_weekday[static_cast<size_t>(d)];
      if (weeks[i]->censored[static_cast<size_t>(d)] || std::isnan(load)) continue;
      if (!(load > 0.0) || !std::isfinite(load)) {
        throw std::invalid_argument(SeriesName(series) + " " + std::to_string(weeks[i]->year) +
                                    ": weekday " + std::to_string(d + 1) +
                                    " has an uncensored load that is not positive and finite (" +
                                    std::to_string(load) + ")");
      }
    }
  }
  return weeks;
}

int ObservedDays(const SampledWeek& week) {
  int count = 0;
  for (const double load : week.load_by_weekday) count += std::isnan(load) ? 0 : 1;
  return count;
}

bool AnyCensored(const SampledWeek& week) {
  for (int d = 0; d < kDaysPerWeek; ++d) {
    // A censored day counts only when it was sampled (a flag on a missing day means nothing).
    if (week.censored[static_cast<size_t>(d)]) return true;
  }
  return false;
}

double MeanOf(const std::vector<double>& values) {
  if (values.empty()) return std::nan("");
  double sum = 0.0;
  for (const double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

}  // namespace

// ---- options ----

ForecastOptions YearlyTrendOptions::NoSeasonForecast() {
  ForecastOptions forecast;
  forecast.period_days = 0;  // one week a year: no season left in the yearly series
  return forecast;
}

BacktestOptions YearlyTrendOptions::Backtest() const {
  BacktestOptions backtest;
  backtest.forecast = forecast;
  backtest.horizon_steps = 1;
  backtest.min_train_steps = min_train_years;
  backtest.origin_step_steps = 1;
  backtest.refit = true;
  backtest.refit_every_origins = 1;
  return backtest;
}

bool YearlyTrendOptions::Check(std::string* why) const {
  if (min_observed_days < 1 || min_observed_days > kDaysPerWeek) {
    return Refuse("min_observed_days must be 1..7, got " + std::to_string(min_observed_days), why);
  }
  if (forecast.period_days > 1) {
    return Refuse("the yearly series has no season: forecast.period_days must be 0 or 1", why);
  }
  if (min_train_years < 1) return Refuse("min_train_years must be at least 1", why);
  if (trend_previous_years < 1) return Refuse("trend_previous_years must be at least 1", why);
  if (reliability_bins < 1) return Refuse("reliability_bins must be at least 1", why);
  std::string reason;
  if (!Backtest().Check(&reason)) return Refuse(reason, why);
  return true;
}

bool WeekdayProfileOptions::Check(std::string* why) const {
  if (min_site_history_weeks < 1) return Refuse("min_site_history_weeks must be at least 1", why);
  if (min_pooled_history_weeks < 1) {
    return Refuse("min_pooled_history_weeks must be at least 1", why);
  }
  return true;
}

// ---- probability scores ----

void ProbabilitySums::Add(double probability, bool outcome, int bins) {
  if (bin_forecasts.empty()) {
    bin_forecasts.assign(static_cast<size_t>(bins), 0);
    bin_predicted.assign(static_cast<size_t>(bins), 0.0);
    bin_yes.assign(static_cast<size_t>(bins), 0);
  }
  ++forecasts;
  outcomes_yes += outcome ? 1 : 0;
  const double error = probability - (outcome ? 1.0 : 0.0);
  squared_error += error * error;
  const int bin = std::clamp(static_cast<int>(probability * bins), 0, bins - 1);
  ++bin_forecasts[static_cast<size_t>(bin)];
  bin_predicted[static_cast<size_t>(bin)] += probability;
  bin_yes[static_cast<size_t>(bin)] += outcome ? 1 : 0;
}

void ProbabilitySums::Add(const ProbabilitySums& other) {
  if (bin_forecasts.empty()) {
    bin_forecasts.assign(other.bin_forecasts.size(), 0);
    bin_predicted.assign(other.bin_predicted.size(), 0.0);
    bin_yes.assign(other.bin_yes.size(), 0);
  }
  forecasts += other.forecasts;
  outcomes_yes += other.outcomes_yes;
  squared_error += other.squared_error;
  for (size_t b = 0; b < other.bin_forecasts.size() && b < bin_forecasts.size(); ++b) {
    bin_forecasts[b] += other.bin_forecasts[b];
    bin_predicted[b] += other.bin_predicted[b];
    bin_yes[b] += other.bin_yes[b];
  }
}

ProbabilityFigures ProbabilityFigures::From(const ProbabilitySums& sums, int bins) {
  ProbabilityFigures figures;
  figures.forecasts = sums.forecasts;
  if (sums.forecasts > 0) {
    figures.base_rate = static_cast<double>(sums.outcomes_yes) / sums.forecasts;
    figures.brier = sums.squared_error / sums.forecasts;
    figures.brier_climatology = figures.base_rate * (1.0 - figures.base_rate);
    if (figures.brier_climatology > 0.0) {
      figures.brier_skill = 1.0 - figures.brier / figures.brier_climatology;
    }
  }
  for (int b = 0; b < bins; ++b) {
    ReliabilityBin bin;
    bin.lower = static_cast<double>(b) / bins;
    bin.upper = static_cast<double>(b + 1) / bins;
    const size_t i = static_cast<size_t>(b);
    if (i < sums.bin_forecasts.size() && sums.bin_forecasts[i] > 0) {
      bin.forecasts = sums.bin_forecasts[i];
      bin.mean_predicted = sums.bin_predicted[i] / bin.forecasts;
      bin.observed_frequency = static_cast<double>(sums.bin_yes[i]) / bin.forecasts;
    }
    figures.reliability.push_back(bin);
  }
  return figures;
}

nlohmann::json ProbabilityFigures::ToJson() const {
  nlohmann::json bins = nlohmann::json::array();
  for (const ReliabilityBin& bin : reliability) {
    bins.push_back({{"lower", bin.lower},
                    {"upper", bin.upper},
                    {"forecasts", bin.forecasts},
                    {"mean_predicted", NumberOrNull(bin.mean_predicted)},
                    {"observed_frequency", NumberOrNull(bin.observed_frequency)}});
  }
  return {{"trend_forecasts", forecasts},
          {"base_rate", NumberOrNull(base_rate)},
          {"brier", NumberOrNull(brier)},
          {"brier_climatology", NumberOrNull(brier_climatology)},
          {"brier_skill", NumberOrNull(brier_skill)},
          {"reliability", std::move(bins)}};
}

// ---- a. yearly trend ----

nlohmann::json YearlyTrendFigures::ToJson() const {
  nlohmann::json document = {{"series", series},
                             {"series_skipped", series_skipped},
                             {"weeks_used", weeks_used},
                             {"weeks_few_days", weeks_few_days},
                             {"weeks_censored", weeks_censored},
                             {"mase", NumberOrNull(mase)},
                             {"median_mase", NumberOrNull(median_mase)},
                             {"naive_mase", NumberOrNull(naive_mase)},
                             {"pooled_mase", NumberOrNull(pooled.mase)},
                             {"pooled_naive_mase", NumberOrNull(pooled.naive_mase)},
                             {"coverage_90", NumberOrNull(pooled.coverage_90)},
                             {"crps", NumberOrNull(pooled.crps)},
                             {"forecasts", pooled.forecasts}};
  document.update(trend.ToJson());
  document["brier_including_noise"] = NumberOrNull(trend_including_noise.brier);
  document["brier_skill_including_noise"] = NumberOrNull(trend_including_noise.brier_skill);
  return document;
}

namespace {

struct YearlyValues {
  int first_year = 0;
  std::vector<double> log_means;  // one per year from first_year, NaN missing
  int weeks_few_days = 0;
  int weeks_censored = 0;
};

YearlyValues BuildYearlyValues(const YearlyWeekSeries& series, const YearlyTrendOptions& options) {
  YearlyValues values;
  std::vector<std::pair<int, double>> usable;
  for (const SampledWeek* week : CheckedWeeks(series)) {
    if (AnyCensored(*week)) {
      ++values.weeks_censored;
      continue;
    }
    if (ObservedDays(*week) < options.min_observed_days) {
      ++values.weeks_few_days;
      continue;
    }
    double sum = 0.0;
    int days = 0;
    for (const double load : week->load_by_weekday) {
      if (std::isnan(load)) continue;
      sum += load;
      ++days;
    }
    usable.emplace_back(week->year, std::log(sum / days));
  }
  if (usable.empty()) return values;
  values.first_year = usable.front().first;
  values.log_means.assign(static_cast<size_t>(usable.back().first - values.first_year + 1),
                          std::nan(""));
  for (const auto& [year, log_mean] : usable) {
    values.log_means[static_cast<size_t>(year - values.first_year)] = log_mean;
  }
  return values;
}

struct TrendSums {
  ProbabilitySums signal;           // the alert's probability (the level, no observation noise)
  ProbabilitySums including_noise;  // of the observation itself
};

// The rising-trend probabilities from every origin where the forecaster can be fitted.
TrendSums ScoreTrend(const std::vector<double>& log_means, const YearlyTrendOptions& options) {
  TrendSums sums;
  const int needed_observed = 2 * std::max(options.forecast.period_days, 1) + 4;  // Fit's minimum
  std::vector<double> train;
  std::vector<double> recent;
  for (size_t origin = static_cast<size_t>(options.min_train_years); origin < log_means.size();
       ++origin) {
    const double next = log_means[origin];
    if (std::isnan(next)) continue;
    recent.clear();
    int observed = 0;
    for (size_t t = 0; t < origin; ++t) observed += std::isnan(log_means[t]) ? 0 : 1;
    for (size_t t = origin;
         t-- > 0 && static_cast<int>(recent.size()) < options.trend_previous_years;) {
      if (!std::isnan(log_means[t])) recent.push_back(log_means[t]);
    }
    if (observed < needed_observed ||
        static_cast<int>(recent.size()) < options.trend_previous_years) {
      continue;
    }
    train.assign(log_means.begin(), log_means.begin() + static_cast<long>(origin));
    const FittedModel fitted = StructuralForecaster::Fit(train, {}, options.forecast);
    const double threshold_log = MeanOf(recent);
    const double probability = ForecastPeriodMean(fitted, 1, 1).ProbabilityAbove(threshold_log);
    sums.signal.Add(probability, next > threshold_log, options.reliability_bins);
    const ForecastStep step = StructuralForecaster::Forecast(fitted, 1).front();
    const PeriodMeanForecast observation{1, 1, step.log_mean, step.log_sd};
    sums.including_noise.Add(observation.ProbabilityAbove(threshold_log), next > threshold_log,
                             options.reliability_bins);
  }
  return sums;
}

struct FigureAccumulator {
  YearlyTrendFigures figures;
  BacktestSums backtest;
  ProbabilitySums trend;
  ProbabilitySums trend_including_noise;
  std::vector<double> mases;
  std::vector<double> naive_mases;

  void AddSeries(const YearlySeriesResult& result) {
    ++figures.series;
    backtest.Add(result.backtest.sums);
    trend.Add(result.trend_sums);
    trend_including_noise.Add(result.trend_including_noise_sums);
    mases.push_back(result.backtest.figures.mase);
    if (std::isfinite(result.backtest.figures.naive_mase)) {
      naive_mases.push_back(result.backtest.figures.naive_mase);
    }
  }

  YearlyTrendFigures Finish(int bins) {
    figures.pooled = backtest.Figures();
    figures.trend = ProbabilityFigures::From(trend, bins);
    figures.trend_including_noise = ProbabilityFigures::From(trend_including_noise, bins);
    figures.mase = MeanOf(mases);
    if (!mases.empty()) figures.median_mase = Median(mases);
    figures.naive_mase = MeanOf(naive_mases);
    return figures;
  }
};

}  // namespace

YearlyTrendEvaluation EvaluateYearlyTrend(const std::vector<YearlyWeekSeries>& series,
                                          const YearlyTrendOptions& options) {
  std::string why;
  if (!options.Check(&why)) throw std::invalid_argument("yearly trend options: " + why);
  const BacktestOptions backtest = options.Backtest();
  YearlyTrendEvaluation evaluation;
  evaluation.options = options;
  std::map<std::string, FigureAccumulator> by_metabolite;
  FigureAccumulator overall;
  for (const YearlyWeekSeries& one : series) {
    const YearlyValues values = BuildYearlyValues(one, options);
    FigureAccumulator& group = by_metabolite[one.metabolite];
    for (FigureAccumulator* figures : {&group, &overall}) {
      figures->figures.weeks_few_days += values.weeks_few_days;
      figures->figures.weeks_censored += values.weeks_censored;
    }
    YearlySeriesResult result;
    result.site_id = one.site_id;
    result.metabolite = one.metabolite;
    result.first_year = values.first_year;
    result.years = static_cast<int>(values.log_means.size());
    for (const double v : values.log_means) result.observed_years += std::isnan(v) ? 0 : 1;
    std::string reason;
    if (result.observed_years == 0) {
      reason = "no usable week (" + std::to_string(values.weeks_censored) + " with a day below " +
               "the LOQ, " + std::to_string(values.weeks_few_days) + " with fewer than " +
               std::to_string(options.min_observed_days) + " days)";
    } else {
      try {
        result.backtest = BacktestSeries(values.log_means, {}, backtest);
      } catch (const std::invalid_argument& e) {
        reason = e.what();
        if (reason.rfind("backtest: ", 0) == 0) reason = reason.substr(10);
        reason += " (" + std::to_string(result.observed_years) + " usable years)";
      }
    }
    if (!reason.empty()) {
      evaluation.skipped.push_back({one.site_id, one.metabolite, reason});
      ++group.figures.series_skipped;
      ++overall.figures.series_skipped;
      continue;
    }
    TrendSums trend = ScoreTrend(values.log_means, options);
    result.trend_sums = std::move(trend.signal);
    result.trend_including_noise_sums = std::move(trend.including_noise);
    for (FigureAccumulator* figures : {&group, &overall}) {
      figures->figures.weeks_used += result.observed_years;
      figures->AddSeries(result);
    }
    evaluation.series.push_back(std::move(result));
  }
  for (auto& [metabolite, accumulator] : by_metabolite) {
    evaluation.by_metabolite[metabolite] = accumulator.Finish(options.reliability_bins);
  }
  evaluation.overall = overall.Finish(options.reliability_bins);
  return evaluation;
}

nlohmann::json YearlyTrendEvaluation::ToJson() const {
  nlohmann::json metabolites = nlohmann::json::object();
  for (const auto& [name, figures] : by_metabolite) metabolites[name] = figures.ToJson();
  nlohmann::json skipped_series = nlohmann::json::array();
  for (const SkippedSeries& s : skipped) {
    skipped_series.push_back(
        {{"site_id", s.site_id}, {"metabolite", s.metabolite}, {"reason", s.reason}});
  }
  nlohmann::json settings = {{"min_observed_days", options.min_observed_days},
                             {"min_train_years", options.min_train_years},
                             {"trend_previous_years", options.trend_previous_years},
                             {"horizon_years", 1},
                             {"slope", options.forecast.slope},
                             {"damped_slope", options.forecast.damped_slope}};
  return {{"settings", std::move(settings)},
          {"overall", overall.ToJson()},
          {"by_metabolite", std::move(metabolites)},
          {"skipped", std::move(skipped_series)}};
}

namespace {

std::string YearlyLine(const std::string& name, const YearlyTrendFigures& f) {
  char line[320];
  std::snprintf(
      line, sizeof line, "%-16s %6d %7d %6d %6d %6d %7s %7s %7s %7s %7s %7s %7s %7s %7s %7s\n",
      name.c_str(), f.series, f.series_skipped, f.weeks_used, f.weeks_censored, f.weeks_few_days,
      Format("%.3f", f.mase).c_str(), Format("%.3f", f.median_mase).c_str(),
      Format("%.3f", f.naive_mase).c_str(), Format("%.3f", f.pooled.coverage_90).c_str(),
      Format("%.3f", f.pooled.crps).c_str(), std::to_string(f.trend.forecasts).c_str(),
      Format("%.3f", f.trend.brier).c_str(), Format("%.3f", f.trend.brier_climatology).c_str(),
      Format("%.3f", f.trend.base_rate).c_str(),
      Format("%.3f", f.trend_including_noise.brier).c_str());
  return line;
}

}  // namespace

std::string YearlyTrendEvaluation::BriefReport() const {
  std::string text =
      "Yearly trend (log of the week's mean load, one step = one year, horizon 1 year, " +
      std::to_string(options.min_train_years) +
      " years before the first origin; weeks with a day below the LOQ or fewer than " +
      std::to_string(options.min_observed_days) +
      " days are missing years). MASE against the naive forecast (the last observed year);\n"
      "trend: P(next year above the mean of the previous " +
      std::to_string(options.trend_previous_years) +
      " observed years), Brier score against climatology (the base rate); BrierN: the same "
      "probability asked of next year's observation (its noise included).\n";
  char header[320];
  std::snprintf(header, sizeof header,
                "%-16s %6s %7s %6s %6s %6s %7s %7s %7s %7s %7s %7s %7s %7s %7s %7s\n", "metabolite",
                "series", "skipped", "weeks", "<LOQ", "short", "MASE", "median", "naive", "cov90",
                "CRPS", "trend", "Brier", "clim.", "rate", "BrierN");
  text += header;
  for (const auto& [name, figures] : by_metabolite) text += YearlyLine(name, figures);
  text += YearlyLine("overall", overall);
  text +=
      "reliability of the trend probability (overall): predicted range, forecasts, mean "
      "predicted, observed frequency\n";
  for (const ReliabilityBin& bin : overall.trend.reliability) {
    char line[160];
    std::snprintf(line, sizeof line, "  %.2f-%.2f %6d %7s %7s\n", bin.lower, bin.upper,
                  bin.forecasts, Format("%.3f", bin.mean_predicted).c_str(),
                  Format("%.3f", bin.observed_frequency).c_str());
    text += line;
  }
  return text;
}

// ---- b. weekday profile ----

void WeekdayErrorSums::Add(const WeekdayErrorSums& other) {
  weeks += other.weeks;
  days += other.days;
  flat += other.flat;
  site += other.site;
  site_days += other.site_days;
  pooled += other.pooled;
  pooled_days += other.pooled_days;
}

WeekdayErrorFigures WeekdayErrorSums::Figures() const {
  WeekdayErrorFigures figures;
  figures.weeks = weeks;
  figures.days = days;
  if (days > 0) figures.mae_flat = flat / days;
  // Every profile is scored on every day of a week that has it, so the flat error over the
  // same days is the flat sum restricted to those weeks; site_days == days or 0 by design,
  // the pooled profile may be missing for early years.
  if (site_days > 0) {
    figures.mae_site = site / site_days;
    if (site_days == days && flat > 0.0) figures.skill_site = 1.0 - site / flat;
  }
  if (pooled_days > 0) {
    figures.mae_pooled = pooled / pooled_days;
    if (pooled_days == days && flat > 0.0) figures.skill_pooled = 1.0 - pooled / flat;
  }
  return figures;
}

nlohmann::json WeekdayErrorFigures::ToJson() const {
  return {{"weeks", weeks},
          {"days", days},
          {"mae_flat", NumberOrNull(mae_flat)},
          {"mae_site", NumberOrNull(mae_site)},
          {"mae_pooled", NumberOrNull(mae_pooled)},
          {"skill_site", NumberOrNull(skill_site)},
          {"skill_pooled", NumberOrNull(skill_pooled)}};
}

nlohmann::json WeekdayFigures::ToJson() const {
  nlohmann::json log_profile = nlohmann::json::array();
  nlohmann::json relative_profile = nlohmann::json::array();
  for (const double deviation : mean_log_profile) {
    log_profile.push_back(NumberOrNull(weeks_complete > 0 ? deviation : std::nan("")));
    relative_profile.push_back(
        NumberOrNull(weeks_complete > 0 ? std::exp(deviation) - 1.0 : std::nan("")));
  }
  return {{"weeks_complete", weeks_complete},
          {"weeks_incomplete", weeks_incomplete},
          {"weeks_censored", weeks_censored},
          {"with_site_history", with_site_history.Figures().ToJson()},
          {"without_site_history", without_site_history.Figures().ToJson()},
          {"mean_log_profile", std::move(log_profile)},
          {"relative_profile", std::move(relative_profile)}};
}

namespace {

using Profile = std::array<double, kDaysPerWeek>;

// Each day's log load minus the week's mean log load.
Profile LogDeviations(const SampledWeek& week) {
  Profile deviations{};
  double mean = 0.0;
  for (int d = 0; d < kDaysPerWeek; ++d) {
    deviations[static_cast<size_t>(d)] = std::log(week.load_by_weekday[static_cast<size_t>(d)]);
    mean += deviations[static_cast<size_t>(d)] / kDaysPerWeek;
  }
  for (double& deviation : deviations) deviation -= mean;
  return deviations;
}

struct ProfileSum {
  Profile sum{};
  int weeks = 0;

  void Add(const Profile& deviations) {
    for (size_t d = 0; d < sum.size(); ++d) sum[d] += deviations[d];
    ++weeks;
  }
  void Add(const ProfileSum& other) {
    for (size_t d = 0; d < sum.size(); ++d) sum[d] += other.sum[d];
    weeks += other.weeks;
  }
  Profile Mean() const {
    Profile mean{};
    for (size_t d = 0; d < sum.size(); ++d) mean[d] = weeks > 0 ? sum[d] / weeks : 0.0;
    return mean;
  }
};

// Sum over the week's days of |log load - prediction from the other six days|, the other days
// first corrected by their profile values.
double AbsoluteLogErrorSum(const Profile& log_loads, const Profile& profile) {
  double corrected_total = 0.0;
  for (size_t d = 0; d < log_loads.size(); ++d) corrected_total += log_loads[d] - profile[d];
  double sum = 0.0;
  for (size_t d = 0; d < log_loads.size(); ++d) {
    const double others_level =
        (corrected_total - (log_loads[d] - profile[d])) / (kDaysPerWeek - 1);
    sum += std::fabs(log_loads[d] - (others_level + profile[d]));
  }
  return sum;
}

struct CompleteWeek {
  const YearlyWeekSeries* series = nullptr;
  int year = 0;
  Profile log_loads{};
  Profile deviations{};
};

}  // namespace

WeekdayEvaluation EvaluateWeekdayProfile(const std::vector<YearlyWeekSeries>& series,
                                         const WeekdayProfileOptions& options) {
  std::string why;
  if (!options.Check(&why)) throw std::invalid_argument("weekday profile options: " + why);
  WeekdayEvaluation evaluation;
  evaluation.options = options;
  // Complete weeks per series (in year order), and per metabolite and year for the pooled
  // profile.
  std::vector<std::vector<CompleteWeek>> complete(series.size());
  std::map<std::string, std::map<int, ProfileSum>> pooled_by_year;
  std::map<std::string, ProfileSum> all_by_metabolite;
  ProfileSum all_weeks;
  for (size_t s = 0; s < series.size(); ++s) {
    WeekdayFigures& figures = evaluation.by_metabolite[series[s].metabolite];
    for (const SampledWeek* week : CheckedWeeks(series[s])) {
      if (AnyCensored(*week)) {
        ++figures.weeks_censored;
        continue;
      }
      if (ObservedDays(*week) < kDaysPerWeek) {
        ++figures.weeks_incomplete;
        continue;
      }
      ++figures.weeks_complete;
      CompleteWeek entry;
      entry.series = &series[s];
      entry.year = week->year;
      for (size_t d = 0; d < entry.log_loads.size(); ++d) {
        entry.log_loads[d] = std::log(week->load_by_weekday[d]);
      }
      entry.deviations = LogDeviations(*week);
      pooled_by_year[series[s].metabolite][week->year].Add(entry.deviations);
      all_by_metabolite[series[s].metabolite].Add(entry.deviations);
      all_weeks.Add(entry.deviations);
      complete[s].push_back(entry);
    }
  }

  const Profile flat{};
  for (size_t s = 0; s < series.size(); ++s) {
    WeekdayFigures& figures = evaluation.by_metabolite[series[s].metabolite];
    const std::map<int, ProfileSum>& pooled_years = pooled_by_year[series[s].metabolite];
    ProfileSum site_history;
    for (const CompleteWeek& week : complete[s]) {
      ProfileSum pooled_history;  // every site's complete weeks of earlier years
      for (auto it = pooled_years.begin(); it != pooled_years.end() && it->first < week.year;
           ++it) {
        pooled_history.Add(it->second);
      }
      const bool has_site = site_history.weeks >= options.min_site_history_weeks;
      const bool has_pooled = pooled_history.weeks >= options.min_pooled_history_weeks;
      if (has_site || has_pooled) {
        WeekdayErrorSums& sums =
            has_site ? figures.with_site_history : figures.without_site_history;
        ++sums.weeks;
        sums.days += kDaysPerWeek;
        sums.flat += AbsoluteLogErrorSum(week.log_loads, flat);
        if (has_site) {
          sums.site += AbsoluteLogErrorSum(week.log_loads, site_history.Mean());
          sums.site_days += kDaysPerWeek;
        }
        if (has_pooled) {
          sums.pooled += AbsoluteLogErrorSum(week.log_loads, pooled_history.Mean());
          sums.pooled_days += kDaysPerWeek;
        }
      }
      site_history.Add(week.deviations);  // only later weeks may use this one
    }
  }

  for (auto& [metabolite, figures] : evaluation.by_metabolite) {
    figures.mean_log_profile = all_by_metabolite[metabolite].Mean();
    evaluation.overall.weeks_complete += figures.weeks_complete;
    evaluation.overall.weeks_incomplete += figures.weeks_incomplete;
    evaluation.overall.weeks_censored += figures.weeks_censored;
    evaluation.overall.with_site_history.Add(figures.with_site_history);
    evaluation.overall.without_site_history.Add(figures.without_site_history);
  }
  evaluation.overall.mean_log_profile = all_weeks.Mean();
  return evaluation;
}

nlohmann::json WeekdayEvaluation::ToJson() const {
  nlohmann::json metabolites = nlohmann::json::object();
  for (const auto& [name, figures] : by_metabolite) metabolites[name] = figures.ToJson();
  return {{"settings",
           {{"min_site_history_weeks", options.min_site_history_weeks},
            {"min_pooled_history_weeks", options.min_pooled_history_weeks},
            {"weekdays", {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}}}},
          {"overall", overall.ToJson()},
          {"by_metabolite", std::move(metabolites)}};
}

namespace {

std::string WeekdayLine(const std::string& name, const WeekdayFigures& f) {
  const WeekdayErrorFigures with = f.with_site_history.Figures();
  const WeekdayErrorFigures without = f.without_site_history.Figures();
  std::string profile;
  for (const double deviation : f.mean_log_profile) {
    profile += " " + (f.weeks_complete > 0 ? Format("%+4.0f", 100.0 * (std::exp(deviation) - 1.0))
                                           : std::string("   -"));
  }
  char line[400];
  std::snprintf(line, sizeof line, "%-16s %6d %6d %7s %7s %7s %6s %6s %6d %7s %6s  %s\n",
                name.c_str(), f.weeks_complete, with.weeks, Format("%.3f", with.mae_flat).c_str(),
                Format("%.3f", with.mae_site).c_str(), Format("%.3f", with.mae_pooled).c_str(),
                Format("%+.2f", with.skill_site).c_str(),
                Format("%+.2f", with.skill_pooled).c_str(), without.weeks,
                Format("%.3f", without.mae_flat).c_str(),
                Format("%+.2f", without.skill_pooled).c_str(), profile.c_str());
  return line;
}

}  // namespace

std::string WeekdayEvaluation::BriefReport() const {
  std::string text =
      "Weekday profile: each day of a complete week (7 days, none below the LOQ) predicted from "
      "the other six days, with the profile of earlier years (site's own, or pooled over all "
      "sites) or flat; mean absolute log error (MAE), skill = 1 - MAE / flat MAE. Profile: mean "
      "% above the week's (geometric) mean, Mon..Sun.\n";
  char header[400];
  std::snprintf(header, sizeof header, "%-16s %6s %6s %7s %7s %7s %6s %6s %6s %7s %6s  %s\n",
                "metabolite", "compl.", "w/hist", "flat", "site", "pooled", "skill", "skillP",
                "new", "flat", "skillP", " Mon  Tue  Wed  Thu  Fri  Sat  Sun");
  text += header;
  for (const auto& [name, figures] : by_metabolite) text += WeekdayLine(name, figures);
  text += WeekdayLine("overall", overall);
  text +=
      "(w/hist: weeks whose site has earlier complete weeks; new: a site's first complete "
      "week, pooled profile only)\n";
  return text;
}

}  // namespace wbe
