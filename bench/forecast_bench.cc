// Structural forecasts against statsmodels: the same simulated daily log-scale series fitted and
// forecast by StructuralForecaster (Kalman filter + Ceres, models/forecast/) and by statsmodels'
// UnobservedComponents (bench/statsmodels_forecast.py, run with /usr/bin/python3), compared on
// fit + forecast wall time and on accuracy over a held-out tail.
//
// Each series (seeded by --seed and its index, models/core/random.h) follows the structural
// model itself: level + damped slope (phi 0.95-0.995) + a 7-day dummy seasonal with its own
// small disturbance + Gaussian noise (sigma 0.05-0.2 on the log scale), about 2 % of days
// missing at random. The last --holdout days (default 56, 8 weeks) are held out; both models
// fit the rest and forecast 1..holdout days ahead.
//
// With --own-variances, each day's value also carries an independent estimate error of known
// standard deviation (uniform in 0.05-0.15, drawn from a stream of its own, so the rest of the
// series is the same), and ours is given those own variances (ForecastOptions'
// estimate_own_variance_weight fits their weight w, which should come out near 1); statsmodels
// sees the values only and folds the error into its constant noise.
//
// Accuracy, on the log scale, over the held-out days that are observed:
//   MASE: mean |error| over horizons 1-7 (and 1-56), scaled by the in-sample MAE of the
//         seasonal naive forecast (y_t - y_{t-7}); the mean over series is reported.
//   coverage_90: share of held-out values inside the 90 % interval (all series pooled).
// The seasonal-naive forecast (last observed value of the same weekday; 90 % interval from its
// in-sample errors, widened by sqrt(weeks ahead)) is printed as a reference row.
//
// Time: ours, steady_clock around Fit + Forecast of every series, best of --repeats;
// statsmodels, time.perf_counter around model construction + fit + forecast of every series,
// best of --repeats (the Python side reports it). Single-threaded on both sides.
//
//   ./build/bench/bench_forecast [--seed 1] [--series 30] [--days 730] [--holdout 56]
//       [--repeats 3] [--starts N] [--autodiff] [--python /usr/bin/python3] [--no-statsmodels]
//       [--own-variances] [--keep] [--json]
// --starts sets ForecastOptions::num_starts (maximum-likelihood starting points; default: the
// forecaster's). statsmodels always fits from one start (its default start_params).
// --autodiff fits with ForecastOptions::analytic_gradient = false (Ceres Jets through the
// filter instead of the filter's hand-written reverse-mode gradient; same optima, slower).
// Prints a table (or, with --json, one JSON line); exits 1 on errors, 2 on bad flags.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/core/random.h"
#include "models/forecast/forecaster.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kPeriod = 7;
constexpr double kMissingFraction = 0.02;
constexpr double kZ90 = 1.6448536269514722;  // two-sided 90 %
// "Equal or better" accuracy: our MASE no more than statsmodels' plus this, at 1-7 and 1-56.
constexpr double kMaseTolerance = 0.01;
constexpr double kGoalRatio = 20.0;

struct Flags {
  uint64_t seed = 1;
  int series = 30;
  int days = 730;
  int holdout = 56;
  int repeats = 3;
  int starts = 0;         // 0: ForecastOptions' default
  bool autodiff = false;  // ForecastOptions::analytic_gradient = false
  bool own_variances = false;
  std::string python = "/usr/bin/python3";
  bool statsmodels = true;
  bool keep = false;
  bool json = false;
};

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const bool has_value = i + 1 < argc;
    if (flag == "--seed" && has_value) {
      flags->seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (flag == "--series" && has_value) {
      flags->series = std::atoi(argv[++i]);
    } else if (flag == "--days" && has_value) {
      flags->days = std::atoi(argv[++i]);
    } else if (flag == "--holdout" && has_value) {
      flags->holdout = std::atoi(argv[++i]);
    } else if (flag == "--repeats" && has_value) {
      flags->repeats = std::atoi(argv[++i]);
    } else if (flag == "--starts" && has_value) {
      flags->starts = std::atoi(argv[++i]);
    } else if (flag == "--python" && has_value) {
      flags->python = argv[++i];
    } else if (flag == "--autodiff") {
      flags->autodiff = true;
    } else if (flag == "--own-variances") {
      flags->own_variances = true;
    } else if (flag == "--no-statsmodels") {
      flags->statsmodels = false;
    } else if (flag == "--keep") {
      flags->keep = true;
    } else if (flag == "--json") {
      flags->json = true;
    } else {
      std::fprintf(
          stderr,
          "usage: %s [--seed S] [--series N] [--days N] [--holdout N] [--repeats N]\n"
          "  [--starts N] [--autodiff] [--own-variances] [--python PATH] [--no-statsmodels]\n"
          "  [--keep] [--json]\n"
          "unknown or incomplete flag: %s\n",
          argv[0], flag.c_str());
      return false;
    }
  }
  if (flags->series < 1 || flags->holdout < 7 || flags->repeats < 1 || flags->starts < 0 ||
      flags->days - flags->holdout < 8 * kPeriod) {
    std::fprintf(
        stderr,
        "--series >= 1, --holdout >= 7, --repeats >= 1, --starts >= 0, --days - --holdout >= %d\n",
        8 * kPeriod);
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Simulated series.

struct Series {
  std::vector<double> train;                // log values, NaN where missing
  std::vector<double> test;                 // the held-out tail, NaN where missing
  std::vector<double> train_own_variances;  // with --own-variances; empty otherwise
  int missing = 0;
};

Series Simulate(const Flags& flags, int index) {
  std::mt19937_64 rng(wbe::Mix64(flags.seed ^ wbe::Mix64(static_cast<uint64_t>(index) + 1)));
  const auto uniform = [&](double lo, double hi) { return lo + (hi - lo) * wbe::UniformUnit(rng); };
  double level = std::log(uniform(20.0, 2000.0));  // e.g. mg/day
  double slope = 0.002 * wbe::StandardNormal(rng);
  const double phi = uniform(0.95, 0.995);
  const double sigma_level = uniform(0.005, 0.02);
  const double sigma_slope = uniform(0.0002, 0.001);
  const double sigma_seasonal = uniform(0.001, 0.005);
  const double sigma_obs = uniform(0.05, 0.2);
  // Weekday pattern centred to sum to 0; season[0] is today's, season[1..5] the days before.
  std::vector<double> pattern(kPeriod);
  double mean = 0.0;
  for (double& p : pattern) {
    p = 0.15 * wbe::StandardNormal(rng);
    mean += p / kPeriod;
  }
  std::vector<double> season(kPeriod - 1);
  for (int i = 0; i < kPeriod - 1; ++i) season[static_cast<size_t>(i)] = pattern[i] - mean;

  std::mt19937_64 own_rng(
      wbe::Mix64(flags.seed ^ wbe::Mix64(static_cast<uint64_t>(index) + 0x5eed0000ULL)));
  Series series;
  const int train_days = flags.days - flags.holdout;
  for (int t = 0; t < flags.days; ++t) {
    double y = level + season[0] + sigma_obs * wbe::StandardNormal(rng);
    if (flags.own_variances) {
      const double own_sd = 0.05 + 0.1 * wbe::UniformUnit(own_rng);
      y += own_sd * wbe::StandardNormal(own_rng);
      if (t < train_days) series.train_own_variances.push_back(own_sd * own_sd);
    }
    if (wbe::UniformUnit(rng) < kMissingFraction) {
      y = std::nan("");
      ++series.missing;
    }
    (t < train_days ? series.train : series.test).push_back(y);
    level += slope + sigma_level * wbe::StandardNormal(rng);
    slope = phi * slope + sigma_slope * wbe::StandardNormal(rng);
    double sum = 0.0;
    for (double s : season) sum += s;
    for (size_t i = season.size() - 1; i >= 1; --i) season[i] = season[i - 1];
    season[0] = -sum + sigma_seasonal * wbe::StandardNormal(rng);
  }
  return series;
}

// ---------------------------------------------------------------------------------------------
// Accuracy.

struct Forecasts {
  std::vector<double> mean, lower, upper;  // horizon values each (90 % bounds)
};

// In-sample MAE of the seasonal naive forecast y_t = y_{t-7}, over pairs both observed.
double SeasonalNaiveScale(const std::vector<double>& train) {
  double sum = 0.0;
  int n = 0;
  for (size_t t = kPeriod; t < train.size(); ++t) {
    const double d = train[t] - train[t - kPeriod];
    if (std::isnan(d)) continue;
    sum += std::abs(d);
    ++n;
  }
  return n > 0 ? sum / n : std::nan("");
}

Forecasts SeasonalNaive(const std::vector<double>& train, int horizon) {
  double sum_sq = 0.0;
  int n = 0;
  for (size_t t = kPeriod; t < train.size(); ++t) {
    const double d = train[t] - train[t - kPeriod];
    if (std::isnan(d)) continue;
    sum_sq += d * d;
    ++n;
  }
  const double sd = std::sqrt(sum_sq / std::max(1, n - 1));
  Forecasts f;
  const int end = static_cast<int>(train.size());
  for (int h = 0; h < horizon; ++h) {
    // The same weekday in the last week, or the week before when that day is missing.
    int j = end - kPeriod + h % kPeriod;
    while (j >= 0 && std::isnan(train[static_cast<size_t>(j)])) j -= kPeriod;
    const double m = j >= 0 ? train[static_cast<size_t>(j)] : std::nan("");
    const double weeks = static_cast<double>(h / kPeriod + 1);
    const double half = kZ90 * sd * std::sqrt(weeks);
    f.mean.push_back(m);
    f.lower.push_back(m - half);
    f.upper.push_back(m + half);
  }
  return f;
}

struct Accuracy {
  double mase_week = 0.0;  // horizons 1-7, mean over series
  double mase_all = 0.0;   // horizons 1-holdout, mean over series
  double coverage_90 = 0.0;
};

Accuracy Score(const std::vector<Series>& series, const std::vector<Forecasts>& forecasts) {
  Accuracy accuracy;
  int covered = 0;
  int points = 0;
  for (size_t i = 0; i < series.size(); ++i) {
    const double scale = SeasonalNaiveScale(series[i].train);
    double week_sum = 0.0, all_sum = 0.0;
    int week_n = 0, all_n = 0;
    for (size_t h = 0; h < series[i].test.size(); ++h) {
      const double y = series[i].test[h];
      if (std::isnan(y)) continue;
      const double error = std::abs(y - forecasts[i].mean[h]);
      all_sum += error;
      ++all_n;
      if (h < kPeriod) {
        week_sum += error;
        ++week_n;
      }
      covered += y >= forecasts[i].lower[h] && y <= forecasts[i].upper[h] ? 1 : 0;
      ++points;
    }
    accuracy.mase_week += week_sum / std::max(1, week_n) / scale / series.size();
    accuracy.mase_all += all_sum / std::max(1, all_n) / scale / series.size();
  }
  accuracy.coverage_90 = static_cast<double>(covered) / std::max(1, points);
  return accuracy;
}

// ---------------------------------------------------------------------------------------------

struct Row {
  std::string model;
  double time_s = std::nan("");  // all series, best of repeats
  Accuracy accuracy;
  std::string note;
};

struct OursRun {
  Row row;
  int converged = 0;
  double median_own_weight = std::nan("");  // fitted w, median over series (--own-variances)
};

OursRun RunOurs(const std::vector<Series>& series, const Flags& flags, bool damped) {
  wbe::ForecastOptions options;
  options.period_days = kPeriod;
  options.slope = true;
  options.damped_slope = damped;
  if (flags.starts > 0) options.num_starts = flags.starts;
  options.analytic_gradient = !flags.autodiff;
  std::vector<Forecasts> forecasts(series.size());
  std::vector<int> converged(series.size(), 0);
  std::vector<double> own_weights(series.size(), std::nan(""));
  double best = std::numeric_limits<double>::infinity();
  for (int r = 0; r < flags.repeats; ++r) {
    const Clock::time_point start = Clock::now();
    for (size_t i = 0; i < series.size(); ++i) {
      const wbe::FittedModel fitted =
          wbe::StructuralForecaster::Fit(series[i].train, series[i].train_own_variances, options);
      const std::vector<wbe::ForecastStep> steps =
          wbe::StructuralForecaster::Forecast(fitted, flags.holdout);
      // Outside the timed work in spirit, but cheap (56 values): kept inside to mirror the
      // Python side, which also builds its forecast arrays inside the timed region.
      Forecasts& f = forecasts[i];
      f.mean.clear();
      f.lower.clear();
      f.upper.clear();
      for (const wbe::ForecastStep& step : steps) {
        f.mean.push_back(step.log_mean);
        f.lower.push_back(step.log_mean - kZ90 * step.log_sd);
        f.upper.push_back(step.log_mean + kZ90 * step.log_sd);
      }
      converged[i] = fitted.converged ? 1 : 0;
      own_weights[i] = fitted.parameters.own_variance_weight;
    }
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  OursRun run;
  run.row.model = damped ? "ours (damped slope)" : "ours (phi = 1, as statsmodels)";
  run.row.time_s = best;
  run.row.accuracy = Score(series, forecasts);
  for (int c : converged) run.converged += c;
  run.row.note = std::to_string(run.converged) + "/" + std::to_string(series.size()) +
                 " converged, " + std::to_string(options.num_starts) +
                 (options.num_starts == 1 ? " start each" : " starts each");
  if (flags.own_variances) {
    std::sort(own_weights.begin(), own_weights.end());
    const size_t mid = own_weights.size() / 2;
    run.median_own_weight = own_weights.size() % 2 == 1
                                ? own_weights[mid]
                                : 0.5 * (own_weights[mid - 1] + own_weights[mid]);
    char text[64];
    std::snprintf(text, sizeof text, ", median w %.3f", run.median_own_weight);
    run.row.note += text;
  }
  return run;
}

std::string RunCommand(const std::string& command, int* status) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run: " + command);
  std::string out;
  char buffer[1 << 16];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int raw = ::pclose(pipe);
  *status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return out;
}

std::string Quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

nlohmann::json RowJson(const Row& row, size_t series) {
  return {{"model", row.model},
          {"time_s", row.time_s},
          {"per_series_s", row.time_s / static_cast<double>(series)},
          {"mase_1_7", row.accuracy.mase_week},
          {"mase_1_all", row.accuracy.mase_all},
          {"coverage_90", row.accuracy.coverage_90},
          {"note", row.note}};
}

int Run(const Flags& flags) {
  std::vector<Series> series;
  int missing = 0;
  for (int i = 0; i < flags.series; ++i) {
    series.push_back(Simulate(flags, i));
    missing += series.back().missing;
  }

  std::vector<Row> rows;
  const OursRun ours = RunOurs(series, flags, /*damped=*/true);
  rows.push_back(ours.row);
  rows.push_back(RunOurs(series, flags, /*damped=*/false).row);

  {
    std::vector<Forecasts> naive;
    for (const Series& s : series) naive.push_back(SeasonalNaive(s.train, flags.holdout));
    Row row;
    row.model = "seasonal naive (7)";
    row.accuracy = Score(series, naive);
    row.note = "reference; interval from in-sample errors";
    rows.push_back(row);
  }

  // statsmodels on the same training series.
  std::optional<Row> sm_row;
  std::string sm_status;
  std::string sm_spec;
  std::string sm_version;
  const fs::path temp_dir =
      fs::temp_directory_path() / ("wbe-bench-forecast-" + std::to_string(::getpid()));
  const std::string script = std::string(WBE_SOURCE_DATA_DIR) + "/bench/statsmodels_forecast.py";
  if (!flags.statsmodels) {
    sm_status = "skipped (--no-statsmodels)";
  } else if (::access(flags.python.c_str(), X_OK) != 0) {
    sm_status = "not run: " + flags.python + " is missing (apt-get install python3-statsmodels)";
  } else {
    fs::create_directories(temp_dir);
    const fs::path series_path = temp_dir / "series.json";
    {
      nlohmann::json all = nlohmann::json::array();
      for (const Series& s : series) {
        nlohmann::json values = nlohmann::json::array();
        for (double y : s.train)
          values.push_back(std::isnan(y) ? nlohmann::json() : nlohmann::json(y));
        all.push_back(values);
      }
      std::ofstream out(series_path);
      out << nlohmann::json{{"horizon", flags.holdout}, {"period", kPeriod}, {"series", all}}
                 .dump();
      if (!out) throw std::runtime_error("cannot write " + series_path.string());
    }
    int status = 0;
    const std::string output =
        RunCommand(Quoted(flags.python) + " " + Quoted(script) + " " +
                       Quoted(series_path.string()) + " --repeats " + std::to_string(flags.repeats),
                   &status);
    if (status == 3) {
      sm_status = "not run: " + flags.python +
                  " cannot import statsmodels (apt-get install python3-statsmodels)";
    } else if (status != 0) {
      sm_status = "failed: the script exited with status " + std::to_string(status);
    } else {
      const nlohmann::json reply = nlohmann::json::parse(output);
      const nlohmann::json& replies = reply.at("series");
      if (replies.size() != series.size()) {
        throw std::runtime_error("statsmodels returned " + std::to_string(replies.size()) +
                                 " series, expected " + std::to_string(series.size()));
      }
      std::vector<Forecasts> forecasts;
      int converged = 0;
      for (const nlohmann::json& r : replies) {
        Forecasts f;
        f.mean = r.at("mean").get<std::vector<double>>();
        f.lower = r.at("lower_90").get<std::vector<double>>();
        f.upper = r.at("upper_90").get<std::vector<double>>();
        if (f.mean.size() != static_cast<size_t>(flags.holdout) ||
            f.lower.size() != f.mean.size() || f.upper.size() != f.mean.size()) {
          throw std::runtime_error("statsmodels returned a forecast of the wrong length");
        }
        forecasts.push_back(std::move(f));
        converged += r.at("converged").get<bool>() ? 1 : 0;
      }
      Row row;
      row.model = "statsmodels UC (LLT)";
      row.time_s = reply.at("time_s").get<double>();
      row.accuracy = Score(series, forecasts);
      row.note = std::to_string(converged) + "/" + std::to_string(series.size()) + " converged, " +
                 reply.at("method").get<std::string>();
      sm_spec = reply.at("spec").get<std::string>();
      sm_version = reply.at("statsmodels_version").get<std::string>();
      sm_row = row;
      sm_status = "ok";
    }
  }
  if (!flags.keep) fs::remove_all(temp_dir);

  const Row& ours_row = rows.front();
  const double ratio = sm_row ? sm_row->time_s / ours_row.time_s : std::nan("");
  const bool equal_or_better =
      sm_row && ours_row.accuracy.mase_week <= sm_row->accuracy.mase_week + kMaseTolerance &&
      ours_row.accuracy.mase_all <= sm_row->accuracy.mase_all + kMaseTolerance;
  const bool goal_met = sm_row && ratio >= kGoalRatio && equal_or_better;
  const bool beats_naive = ours_row.accuracy.mase_all < 1.0 && ours_row.accuracy.mase_week < 1.0;

  if (flags.json) {
    nlohmann::json models = nlohmann::json::array();
    for (const Row& row : rows) models.push_back(RowJson(row, series.size()));
    if (sm_row) models.push_back(RowJson(*sm_row, series.size()));
    nlohmann::json line = {
        {"bench", "forecast"},
        {"seed", flags.seed},
        {"series", flags.series},
        {"days", flags.days},
        {"holdout", flags.holdout},
        {"missing_days", missing},
        {"repeats", flags.repeats},
        {"starts", flags.starts > 0 ? flags.starts : wbe::ForecastOptions().num_starts},
        {"own_variances", flags.own_variances},
        {"models", models},
        {"statsmodels", sm_status},
        {"statsmodels_spec", sm_spec},
        {"statsmodels_version", sm_version},
        {"mase_beats_seasonal_naive", beats_naive},
        {"goal_ratio", kGoalRatio},
        {"goal_met", goal_met}};
    line["speed_ratio_statsmodels_over_ours"] = sm_row ? nlohmann::json(ratio) : nlohmann::json();
    line["ours_median_own_variance_weight"] =
        flags.own_variances ? nlohmann::json(ours.median_own_weight) : nlohmann::json();
    std::printf("%s\n", line.dump().c_str());
    return 0;
  }

  std::printf(
      "series: %d simulated daily log-scale series (seed %llu), %d days each, last %d held out; "
      "level + damped slope + 7-day dummy seasonal + noise; %d of %d days missing\n",
      flags.series, static_cast<unsigned long long>(flags.seed), flags.days, flags.holdout, missing,
      flags.series * flags.days);
  std::printf(
      "ours: StructuralForecaster::Fit (period 7, slope, MLE via Ceres BFGS) + Forecast(%d), "
      "%s; time best of %d\n",
      flags.holdout,
      flags.own_variances ? "own variances (sd 0.05-0.15, independent), weight estimated"
                          : "no own variances",
      flags.repeats);
  if (sm_row) {
    std::printf("statsmodels %s: %s + get_forecast(%d); time best of %d\n", sm_version.c_str(),
                sm_spec.c_str(), flags.holdout, flags.repeats);
  }
  std::printf("MASE: log scale, vs in-sample seasonal naive (7) MAE, mean over series\n\n");
  const std::string mase_all = "MASE 1-" + std::to_string(flags.holdout);
  std::printf("%-32s %9s %11s %9s %10s %11s  %s\n", "model", "total s", "per series", "MASE 1-7",
              mase_all.c_str(), "coverage_90", "note");
  auto print_row = [](const Row& row, size_t n) {
    if (std::isnan(row.time_s)) {
      std::printf("%-32s %9s %11s", row.model.c_str(), "-", "-");
    } else {
      std::printf("%-32s %9.3f %9.2fms", row.model.c_str(), row.time_s,
                  1e3 * row.time_s / static_cast<double>(n));
    }
    std::printf(" %9.3f %10.3f %10.1f%%  %s\n", row.accuracy.mase_week, row.accuracy.mase_all,
                100.0 * row.accuracy.coverage_90, row.note.c_str());
  };
  for (const Row& row : rows) print_row(row, series.size());
  if (sm_row) print_row(*sm_row, series.size());
  std::printf("\nours vs seasonal naive: MASE %s 1 at 1-7 and 1-%d\n", beats_naive ? "<" : "NOT <",
              flags.holdout);
  if (sm_row) {
    std::printf(
        "speed ratio statsmodels / ours (damped): %.1fx; MASE %s (tolerance %.2f); goal (>= "
        "%.0fx at equal or better MASE): %s\n",
        ratio, equal_or_better ? "equal or better" : "WORSE", kMaseTolerance, kGoalRatio,
        goal_met ? "met" : "NOT met");
  } else {
    std::printf("statsmodels: %s\n", sm_status.c_str());
  }
  if (flags.keep && fs::exists(temp_dir)) {
    std::printf("series kept: %s\n", (temp_dir / "series.json").string().c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) return 2;
  try {
    return Run(flags);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_forecast: error: %s\n", e.what());
    return 1;
  }
}
