#include "models/forecast/backtest.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <utility>

#include "models/core/json_number.h"
#include "models/core/median.h"
#include "models/forecast/district_series.h"

namespace wbe {
namespace {

bool Refuse(const std::string& reason, std::string* why) {
  if (why != nullptr) *why = reason;
  return false;
}

// The seasonal-naive forecast of values[target] from an origin that has seen values[0, origin):
// the latest observed value a whole number of periods before the target. NaN if none.
double SeasonalNaiveForecast(const std::vector<double>& values, int period, int origin,
                             int target) {
  const int m = std::max(period, 1);
  const int back = ((target - origin) / m + 1) * m;  // smallest multiple of m reaching < origin
  for (int t = target - back; t >= 0; t -= m) {
    if (!std::isnan(values[static_cast<size_t>(t)])) return values[static_cast<size_t>(t)];
  }
  return std::nan("");
}

int ObservedCount(const std::vector<double>& values, size_t end) {
  int count = 0;
  for (size_t t = 0; t < end; ++t) count += std::isnan(values[t]) ? 0 : 1;
  return count;
}

const char* PeriodName(BacktestPeriod period) {
  return period == BacktestPeriod::kDay ? "day" : "week";
}

std::string Format(const char* format, double value) {
  if (!std::isfinite(value)) return "-";
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

}  // namespace

double GaussianCrps(double mu, double sd, double y) {
  if (!(sd > 0.0)) return std::fabs(y - mu);
  constexpr double kInvSqrtPi = 0.56418958354775628695;
  constexpr double kInvSqrtTwoPi = 0.39894228040143267794;
  const double z = (y - mu) / sd;
  const double cdf = 0.5 * std::erfc(-z / std::sqrt(2.0));
  const double pdf = kInvSqrtTwoPi * std::exp(-0.5 * z * z);
  return sd * (z * (2.0 * cdf - 1.0) + 2.0 * pdf - kInvSqrtPi);
}

double SeasonalNaiveMae(const std::vector<double>& values, int period, size_t end) {
  const size_t m = static_cast<size_t>(std::max(period, 1));
  end = std::min(end, values.size());
  double sum = 0.0;
  int pairs = 0;
  for (size_t t = m; t < end; ++t) {
    if (std::isnan(values[t]) || std::isnan(values[t - m])) continue;
    sum += std::fabs(values[t] - values[t - m]);
    ++pairs;
  }
  return pairs > 0 ? sum / pairs : std::nan("");
}

int BacktestOptions::MinTrainSteps() const {
  if (min_train_steps > 0) return min_train_steps;
  return forecast.period_days >= 2 ? 8 * 7 : 12;
}

bool BacktestOptions::Check(std::string* why) const {
  std::string reason;
  if (!forecast.Check(&reason)) return Refuse("forecast options: " + reason, why);
  if (horizon_steps < 1) return Refuse("horizon_steps must be at least 1", why);
  if (min_train_steps < 0) return Refuse("min_train_steps must be positive (0: default)", why);
  if (origin_step_steps < 1) return Refuse("origin_step_steps must be at least 1", why);
  if (refit_every_origins < 1) return Refuse("refit_every_origins must be at least 1", why);
  return true;
}

nlohmann::json BacktestFigures::ToJson() const {
  return {{"forecasts", forecasts},
          {"mase", NumberOrNull(mase)},
          {"coverage_90", NumberOrNull(coverage_90)},
          {"crps", NumberOrNull(crps)},
          {"naive_mase", NumberOrNull(naive_mase)}};
}

void BacktestSums::Add(const BacktestSums& other) {
  forecasts += other.forecasts;
  scaled_error += other.scaled_error;
  covered += other.covered;
  crps += other.crps;
  naive_forecasts += other.naive_forecasts;
  naive_scaled_error += other.naive_scaled_error;
}

BacktestFigures BacktestSums::Figures() const {
  BacktestFigures figures;
  figures.forecasts = forecasts;
  if (forecasts > 0) {
    figures.mase = scaled_error / forecasts;
    figures.coverage_90 = static_cast<double>(covered) / forecasts;
    figures.crps = crps / forecasts;
  }
  if (naive_forecasts > 0) figures.naive_mase = naive_scaled_error / naive_forecasts;
  return figures;
}

nlohmann::json SeriesBacktest::ToJson() const {
  nlohmann::json document = figures.ToJson();
  document["series_steps"] = series_steps;
  document["observed_steps"] = observed_steps;
  document["origins"] = origins;
  document["origins_scored"] = origins_scored;
  document["fits"] = fits;
  document["fit_time_s"] = fit_time_s;
  document["seasonal_naive_mae"] = NumberOrNull(seasonal_naive_mae);
  nlohmann::json horizons = nlohmann::json::array();
  for (const BacktestFigures& h : by_horizon) horizons.push_back(h.ToJson());
  document["by_horizon"] = std::move(horizons);
  return document;
}

std::string SeriesBacktest::BriefReport() const {
  std::string text =
      "backtest (log scale): " + std::to_string(figures.forecasts) + " forecasts from " +
      std::to_string(origins_scored) + " of " + std::to_string(origins) + " origins, " +
      std::to_string(observed_steps) + " of " + std::to_string(series_steps) +
      " steps observed; MASE " + Format("%.3f", figures.mase) + " (seasonal naive " +
      Format("%.3f", figures.naive_mase) + ", in-sample MAE " + Format("%.4f", seasonal_naive_mae) +
      "), 90 % coverage " + Format("%.3f", figures.coverage_90) + ", CRPS " +
      Format("%.4f", figures.crps) + "; " + std::to_string(fits) + " fits, " +
      Format("%.3f", fit_time_s) + " s\n";
  return text;
}

SeriesBacktest BacktestSeries(const std::vector<double>& log_values,
                              const std::vector<double>& own_variances,
                              const BacktestOptions& options) {
  std::string why;
  if (!options.Check(&why)) throw std::invalid_argument("backtest options: " + why);
  if (!own_variances.empty() && own_variances.size() != log_values.size()) {
    throw std::invalid_argument("backtest: " + std::to_string(own_variances.size()) +
                                " own variances for " + std::to_string(log_values.size()) +
                                " values");
  }
  const int n = static_cast<int>(log_values.size());
  const int min_train = options.MinTrainSteps();
  const int horizon = options.horizon_steps;
  SeriesBacktest result;
  result.series_steps = n;
  result.observed_steps = ObservedCount(log_values, log_values.size());
  if (n < min_train + horizon) {
    throw std::invalid_argument(
        "backtest: series too short: " + std::to_string(n) + " steps, a backtest needs at least " +
        std::to_string(min_train + horizon) + " (" + std::to_string(min_train) +
        " to train before the first origin + a horizon of " + std::to_string(horizon) + ")");
  }
  if (result.observed_steps == 0) {
    throw std::invalid_argument("backtest: all " + std::to_string(n) +
                                " values are missing (NaN); nothing to backtest");
  }
  const int period = options.forecast.period_days;
  const int needed_observed = 2 * std::max(period, 1) + 4;  // StructuralForecaster::Fit's minimum
  result.by_horizon_sums.assign(static_cast<size_t>(horizon), BacktestSums());

  FittedModel fitted;
  bool have_fit = false;
  int origins_since_fit = 0;
  double scale_sum = 0.0;
  std::vector<double> train_values;
  std::vector<double> train_variances;
  for (int origin = min_train; origin + horizon <= n; origin += options.origin_step_steps) {
    ++result.origins;
    const size_t end = static_cast<size_t>(origin);
    if (ObservedCount(log_values, end) < needed_observed) continue;
    // MASE's scale: only data the origin has seen, so the score could have been computed then.
    const double scale = SeasonalNaiveMae(log_values, period, end);
    if (!(scale > 0.0)) continue;
    train_values.assign(log_values.begin(), log_values.begin() + origin);
    train_variances.clear();
    if (!own_variances.empty()) {
      train_variances.assign(own_variances.begin(), own_variances.begin() + origin);
    }
    if (!have_fit || (options.refit && origins_since_fit >= options.refit_every_origins)) {
      fitted = StructuralForecaster::Fit(train_values, train_variances, options.forecast);
      have_fit = true;
      origins_since_fit = 0;
      ++result.fits;
      result.fit_time_s += fitted.fit_time_s;
    } else {
      fitted = StructuralForecaster::Refilter(fitted, train_values, train_variances);
    }
    ++origins_since_fit;
    ++result.origins_scored;
    scale_sum += scale;
    const std::vector<ForecastStep> steps = StructuralForecaster::Forecast(fitted, horizon);
    for (int h = 1; h <= horizon; ++h) {
      const int target = origin + h - 1;
      const double y = log_values[static_cast<size_t>(target)];
      if (std::isnan(y)) continue;
      const ForecastStep& step = steps[static_cast<size_t>(h - 1)];
      const double error = std::fabs(y - step.log_mean);
      BacktestSums& sums = result.by_horizon_sums[static_cast<size_t>(h - 1)];
      ++sums.forecasts;
      sums.scaled_error += error / scale;
      sums.covered += error <= kZ90 * step.log_sd ? 1 : 0;
      sums.crps += GaussianCrps(step.log_mean, step.log_sd, y);
      const double naive = SeasonalNaiveForecast(log_values, period, origin, target);
      if (!std::isnan(naive)) {
        ++sums.naive_forecasts;
        sums.naive_scaled_error += std::fabs(y - naive) / scale;
      }
    }
  }
  for (const BacktestSums& sums : result.by_horizon_sums) {
    result.sums.Add(sums);
    result.by_horizon.push_back(sums.Figures());
  }
  result.figures = result.sums.Figures();
  if (result.figures.forecasts == 0) {
    throw std::invalid_argument(
        "backtest: no forecast could be scored: " + std::to_string(result.origins) +
        " origins, none with both " + std::to_string(needed_observed) +
        " observed training values and a positive seasonal-naive MAE, and an observed target");
  }
  result.seasonal_naive_mae = scale_sum / result.origins_scored;
  return result;
}

// ---- District estimates ----

BacktestOptions DistrictBacktestOptions::Effective() const {
  BacktestOptions effective = backtest;
  // Weekly means have no weekday effect left.
  if (period == BacktestPeriod::kWeek) effective.forecast.period_days = 1;
  return effective;
}

bool DistrictBacktestOptions::Check(std::string* why) const { return Effective().Check(why); }

DistrictBacktest BacktestDistrictEstimates(
    const std::vector<DistrictEstimate>& rows, const DistrictBacktestOptions& options,
    const std::function<void(int, int, const std::string&)>& progress) {
  std::string why;
  if (!options.Check(&why)) throw std::invalid_argument("backtest options: " + why);
  const BacktestOptions backtest = options.Effective();
  const int step_days = options.period == BacktestPeriod::kDay ? 1 : 7;
  std::vector<DistrictSeries> all_series = BuildDistrictSeries(rows, step_days, options.drugs);

  DistrictBacktest result;
  result.period = options.period;
  result.horizon_steps = backtest.horizon_steps;
  result.by_horizon.resize(static_cast<size_t>(backtest.horizon_steps));
  std::vector<BacktestSums> horizon_sums(static_cast<size_t>(backtest.horizon_steps));
  BacktestSums pooled;
  std::vector<double> mases;
  std::vector<double> naive_mases;
  int done = 0;
  for (const DistrictSeries& values : all_series) {
    if (progress) {
      progress(done, static_cast<int>(all_series.size()), values.group_id + " " + values.drug);
    }
    ++done;
    DistrictSeriesBacktest entry;
    entry.group_id = values.group_id;
    entry.drug = values.drug;
    entry.quantity = values.quantity;
    entry.first_day = values.first_day;
    entry.mass_filled_steps = values.mass_filled_steps;
    try {
      entry.result = BacktestSeries(values.log_values, values.own_variances, backtest);
    } catch (const std::exception& e) {
      std::string reason = e.what();
      if (reason.rfind("backtest: ", 0) == 0) reason = reason.substr(10);
      result.skipped.push_back({values.group_id, values.drug, reason});
      continue;
    }
    pooled.Add(entry.result.sums);
    for (size_t h = 0; h < horizon_sums.size(); ++h) {
      horizon_sums[h].Add(entry.result.by_horizon_sums[h]);
    }
    mases.push_back(entry.result.figures.mase);
    if (std::isfinite(entry.result.figures.naive_mase)) {
      naive_mases.push_back(entry.result.figures.naive_mase);
    }
    result.series.push_back(std::move(entry));
  }
  result.pooled = pooled.Figures();
  for (size_t h = 0; h < horizon_sums.size(); ++h) result.by_horizon[h] = horizon_sums[h].Figures();
  if (!mases.empty()) {
    double sum = 0.0;
    for (const double m : mases) sum += m;
    result.mean_mase = sum / static_cast<double>(mases.size());
    result.median_mase = Median(mases);
  }
  if (!naive_mases.empty()) {
    double sum = 0.0;
    for (const double m : naive_mases) sum += m;
    result.mean_naive_mase = sum / static_cast<double>(naive_mases.size());
  }
  return result;
}

nlohmann::json DistrictBacktest::ToJson() const {
  nlohmann::json overall = {
      {"mase", NumberOrNull(mean_mase)},
      {"median_mase", NumberOrNull(median_mase)},
      {"coverage_90", NumberOrNull(pooled.coverage_90)},
      {"crps", NumberOrNull(pooled.crps)},
      {"naive_mase", NumberOrNull(mean_naive_mase)},
      {"pooled_mase", NumberOrNull(pooled.mase)},
      {"forecasts", pooled.forecasts},
      {"series", static_cast<int>(series.size())},
      {"skipped", static_cast<int>(skipped.size())},
  };
  nlohmann::json horizons = nlohmann::json::array();
  for (const BacktestFigures& h : by_horizon) horizons.push_back(h.ToJson());
  overall["by_horizon"] = std::move(horizons);
  nlohmann::json series_list = nlohmann::json::array();
  for (const DistrictSeriesBacktest& entry : series) {
    nlohmann::json item = entry.result.ToJson();
    item["group_id"] = entry.group_id;
    item["drug"] = entry.drug;
    item["quantity"] = entry.quantity;
    item["first_day"] = FormatIsoDate(entry.first_day);
    item["mass_filled_steps"] = entry.mass_filled_steps;
    series_list.push_back(std::move(item));
  }
  nlohmann::json skipped_list = nlohmann::json::array();
  for (const SkippedBacktestSeries& entry : skipped) {
    skipped_list.push_back(
        {{"group_id", entry.group_id}, {"drug", entry.drug}, {"reason", entry.reason}});
  }
  return {{"scale", "log"},
          {"period", PeriodName(period)},
          {"horizon_steps", horizon_steps},
          {"overall", std::move(overall)},
          {"series", std::move(series_list)},
          {"skipped", std::move(skipped_list)}};
}

std::string DistrictBacktest::BriefReport() const {
  std::string text = std::string("rolling-origin backtest of ") +
                     (period == BacktestPeriod::kDay ? "daily" : "weekly") +
                     " district estimates, log scale, horizon " + std::to_string(horizon_steps) +
                     " " + PeriodName(period) +
                     "s (MASE against the in-sample seasonal-naive MAE; naive: the seasonal-"
                     "naive forecast scored alike; 90 % interval coverage; CRPS)\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-10s %-16s %-11s %6s %8s %7s %7s %9s %8s\n", "group", "drug",
                "quantity", "steps", "forecast", "MASE", "naive", "cover 90", "CRPS");
  text += line;
  for (const DistrictSeriesBacktest& entry : series) {
    const BacktestFigures& f = entry.result.figures;
    std::snprintf(line, sizeof line, "%-10s %-16s %-11s %6d %8d %7s %7s %9s %8s\n",
                  entry.group_id.c_str(), entry.drug.c_str(), entry.quantity.c_str(),
                  entry.result.series_steps, f.forecasts, Format("%.3f", f.mase).c_str(),
                  Format("%.3f", f.naive_mase).c_str(), Format("%.3f", f.coverage_90).c_str(),
                  Format("%.4f", f.crps).c_str());
    text += line;
  }
  std::snprintf(line, sizeof line,
                "overall: %d series, %d forecasts; MASE mean %s (median %s, seasonal naive %s), "
                "90 %% coverage %s, CRPS %s\n",
                static_cast<int>(series.size()), pooled.forecasts,
                Format("%.3f", mean_mase).c_str(), Format("%.3f", median_mase).c_str(),
                Format("%.3f", mean_naive_mase).c_str(), Format("%.3f", pooled.coverage_90).c_str(),
                Format("%.4f", pooled.crps).c_str());
  text += line;
  for (const SkippedBacktestSeries& entry : skipped) {
    text += "skipped " + entry.group_id + " " + entry.drug + ": " + entry.reason + "\n";
  }
  return text;
}

}  // namespace wbe
