#include "models/forecast/forecaster.h"
#include "models/core/median.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <ceres/autodiff_first_order_function.h>
#include <ceres/first_order_function.h>
#include <ceres/gradient_problem.h>
#include <ceres/gradient_problem_solver.h>
#include <ceres/jet.h>

namespace wbe {
namespace {

// Debian's Ceres isfinite(Jet) looks at the value only; a NaN gradient with a finite value
// makes the Wolfe line search abort (CHECK failure), so check the derivatives too.
inline bool AllFinite(double v) { return std::isfinite(v); }
template <typename T, int N>
bool AllFinite(const ceres::Jet<T, N>& v) {
  return std::isfinite(v.a) && v.v.allFinite();
}

bool Refuse(const std::string& reason, std::string* why) {
  if (why != nullptr) *why = reason;
  return false;
}

// Two-sided standard normal quantiles for the 50, 80 and 95 % central intervals.
constexpr double kZ50 = 0.67448975019608174;
constexpr double kZ80 = 1.2815515655446004;
constexpr double kZ95 = 1.9599639845400542;

// The optimiser's unknowns x, one per parameter, each sigma a multiple of its starting value so
// that every unknown starts at 1 (a well-scaled first step):
//   sigma_level = x0 s0, sigma_slope = x1 s1, sigma_seasonal = x2 s2,
//   sigma_obs = sqrt(floor^2 + (x3 s3)^2), phi = 1 - (1 - phi_min) sin^2(x4),
//   own_variance_weight = floor + (x5 s5)^2 (sqrt(w) scales the own standard deviations, like a
//   sigma).
// A sigma of 0, the weight's floor and phi = 1 (or phi_min) are interior points (x = 0, or x4 =
// pi/2), where the likelihood is smooth and flat: the many series whose best slope or seasonal
// disturbance is 0, or whose slope is not identified (phi free), converge in a few steps instead
// of creeping towards log sigma = -infinity or logit phi = +-infinity. The sign of x is immaterial
// (sigmas enter as squares; Fit keeps |sigma|). Unknowns of components the model lacks have no
// gradient and stay where they start. x5 exists only where the weight is estimated (options,
// and own variances not all 0): otherwise the problem has 5 unknowns and w = 1.
constexpr int kMaxUnknowns = 6;
static_assert(kMaxUnknowns == kStructuralParameterCount, "one unknown per parameter");
constexpr int kWeightUnknown = 5;

// Keeps the observation variance away from 0 when the series has no own variances: a nearly
// constant series would otherwise drive the likelihood to infinity. 1e-4 on the log scale is
// 0.01 %, far below any real estimate's noise.
constexpr double kSigmaObsFloor = 1e-4;
// Damping is per step: phi = 0.01 forgets the slope within a step, as good as no slope.
constexpr double kPhiMin = 0.01;
// The estimated own-variance weight's floor: on ordinary days w v_t is then negligible next to
// sigma_obs^2 (1e-3 x 0.01), but an estimate flagged as very vague (v_t 1e3 or 1e4 times the
// usual) still counts for little instead of being taken as sharp, as it would at w = 0.
constexpr double kOwnWeightFloor = 1e-3;

struct Scales {
  double sigma[4] = {1.0, 1.0, 1.0, 1.0};  // level, slope, seasonal, obs
  double own_weight_root = 1.0;            // s5: sqrt of the starting weight
  bool estimate_weight = false;            // x5 exists
  int Unknowns() const { return estimate_weight ? kMaxUnknowns : kMaxUnknowns - 1; }
};

// weight_x: x5, or null where the weight is not estimated (x has 5 unknowns then).
template <typename T>
StructuralParameters<T> ToParameters(const T* x, const T* weight_x, const Scales& scales,
                                     const ForecastOptions& options) {
  using std::sin;
  using std::sqrt;
  StructuralParameters<T> parameters;
  parameters.sigma_level = x[0] * scales.sigma[0];
  parameters.sigma_slope = options.slope ? x[1] * scales.sigma[1] : T(0.0);
  parameters.sigma_seasonal =
      options.Model().SeasonalStates() > 0 ? x[2] * scales.sigma[2] : T(0.0);
  const T obs = x[3] * scales.sigma[3];
  parameters.sigma_obs = sqrt(kSigmaObsFloor * kSigmaObsFloor + obs * obs);
  if (options.slope && options.damped_slope) {
    const T sine = sin(x[4]);
    parameters.phi = 1.0 - (1.0 - kPhiMin) * sine * sine;
  } else {
    parameters.phi = T(1.0);
  }
  if (weight_x != nullptr) {
    const T root = *weight_x * scales.own_weight_root;
    parameters.own_variance_weight = kOwnWeightFloor + root * root;
  } else {
    parameters.own_variance_weight = T(1.0);
  }
  return parameters;
}

// -log-likelihood per likelihood term, so that tolerances do not depend on the series' length.
// kUnknowns: 5, or 6 with the own-variance weight (the Jets' size).
template <int kUnknowns>
class NegativeLogLikelihood {
 public:
  NegativeLogLikelihood(const std::vector<double>* log_values,
                        const std::vector<double>* own_variances, const Scales& scales,
                        const ForecastOptions& options, double terms)
      : log_values_(log_values),
        own_variances_(own_variances),
        scales_(scales),
        options_(options),
        model_(options.Model()),
        scale_(1.0 / terms) {}

  template <typename T>
  bool operator()(const T* x, T* cost) const {
    const T* weight_x = nullptr;
    if constexpr (kUnknowns > kWeightUnknown) weight_x = x + kWeightUnknown;
    const T log_likelihood =
        KalmanLogLikelihood(model_, ToParameters(x, weight_x, scales_, options_), *log_values_,
                            *own_variances_, options_.filter);
    if (!AllFinite(log_likelihood)) return false;  // the line search backs off
    cost[0] = -log_likelihood * scale_;
    return true;
  }

 private:
  const std::vector<double>* log_values_;
  const std::vector<double>* own_variances_;
  Scales scales_;
  ForecastOptions options_;
  StructuralModel model_;
  double scale_;
};

// The same cost with the filter's hand-written derivative recursions
// (KalmanLogLikelihoodGradient) and the chain rule through ToParameters' transforms.
class AnalyticNegativeLogLikelihood final : public ceres::FirstOrderFunction {
 public:
  AnalyticNegativeLogLikelihood(const std::vector<double>* log_values,
                                const std::vector<double>* own_variances, const Scales& scales,
                                const ForecastOptions& options, double terms)
      : log_values_(log_values),
        own_variances_(own_variances),
        scales_(scales),
        options_(options),
        model_(options.Model()),
        scale_(1.0 / terms) {}

  bool Evaluate(const double* x, double* cost, double* gradient) const override {
    const StructuralParameters<double> parameters =
        ToParameters(x, scales_.estimate_weight ? x + kWeightUnknown : nullptr, scales_, options_);
    if (gradient == nullptr) {
      const double log_likelihood =
          KalmanLogLikelihood(model_, parameters, *log_values_, *own_variances_, options_.filter);
      if (!std::isfinite(log_likelihood)) return false;
      cost[0] = -log_likelihood * scale_;
      return true;
    }
    double d[kStructuralParameterCount] = {};
    const double log_likelihood = KalmanLogLikelihoodGradient(model_, parameters, *log_values_,
                                                              *own_variances_, options_.filter, d);
    if (!std::isfinite(log_likelihood)) return false;
    // d parameter / dx through ToParameters' transforms.
    const double chain[kMaxUnknowns] = {
        scales_.sigma[0],
        scales_.sigma[1],
        scales_.sigma[2],
        scales_.sigma[3] * scales_.sigma[3] * x[3] / parameters.sigma_obs,
        options_.slope && options_.damped_slope ? -(1.0 - kPhiMin) * std::sin(2.0 * x[4]) : 0.0,
        scales_.estimate_weight
            ? 2.0 * scales_.own_weight_root * scales_.own_weight_root * x[kWeightUnknown]
            : 0.0};
    const int unknowns = scales_.Unknowns();
    for (int i = 0; i < unknowns; ++i) {
      gradient[i] = -d[i] * chain[i] * scale_;
      if (!std::isfinite(gradient[i])) return false;
    }
    cost[0] = -log_likelihood * scale_;
    return true;
  }

  int NumParameters() const override { return scales_.Unknowns(); }

 private:
  const std::vector<double>* log_values_;
  const std::vector<double>* own_variances_;
  Scales scales_;
  ForecastOptions options_;
  StructuralModel model_;
  double scale_;
};

ceres::FirstOrderFunction* CreateCost(const std::vector<double>* log_values,
                                      const std::vector<double>* own_variances,
                                      const Scales& scales, const ForecastOptions& options,
                                      double terms) {
  if (options.analytic_gradient) {
    return new AnalyticNegativeLogLikelihood(log_values, own_variances, scales, options, terms);
  }
  // The Jets' size is the number of unknowns: two instantiations.
  if (scales.estimate_weight) {
    return new ceres::AutoDiffFirstOrderFunction<NegativeLogLikelihood<kMaxUnknowns>, kMaxUnknowns>(
        new NegativeLogLikelihood<kMaxUnknowns>(log_values, own_variances, scales, options, terms));
  }
  return new ceres::AutoDiffFirstOrderFunction<NegativeLogLikelihood<kMaxUnknowns - 1>,
                                               kMaxUnknowns - 1>(
      new NegativeLogLikelihood<kMaxUnknowns - 1>(log_values, own_variances, scales, options,
                                                  terms));
}

// Observed count; throws on the input problems a person has to fix.
int CheckSeries(const std::vector<double>& log_values, const std::vector<double>& own_variances,
                int period) {
  if (log_values.empty()) throw std::invalid_argument("forecast: the series is empty");
  if (!own_variances.empty() && own_variances.size() != log_values.size()) {
    throw std::invalid_argument("forecast: " + std::to_string(own_variances.size()) +
                                " own variances for " + std::to_string(log_values.size()) +
                                " values; give one per value (any number where the value is "
                                "missing), or none");
  }
  int observed = 0;
  for (size_t t = 0; t < log_values.size(); ++t) {
    const double y = log_values[t];
    if (std::isnan(y)) continue;
    if (!std::isfinite(y)) {
      std::ostringstream message;
      message << "forecast: log value " << t << " is " << y
              << "; a zero or censored estimate has no log: pass NaN (missing) for it";
      throw std::invalid_argument(message.str());
    }
    ++observed;
    if (own_variances.empty()) continue;
    const double v = own_variances[t];
    if (std::isnan(v)) {
      throw std::invalid_argument(
          "forecast: own variance " + std::to_string(t) +
          " is NaN but its value is observed; give the estimate's variance (0 if unknown) or "
          "mark the value missing (NaN)");
    }
    if (!(v >= 0.0) || !std::isfinite(v)) {
      std::ostringstream message;
      message << "forecast: own variance " << t << " is " << v
              << "; a variance must be zero or positive and finite";
      throw std::invalid_argument(message.str());
    }
  }
  if (observed == 0) {
    throw std::invalid_argument("forecast: all " + std::to_string(log_values.size()) +
                                " values are missing (NaN); nothing to fit");
  }
  const int effective_period = std::max(period, 1);
  const int needed = 2 * effective_period + 4;
  if (observed < needed) {
    std::string message = "forecast: series too short: " + std::to_string(observed) +
                          " observed values, the model needs at least " + std::to_string(needed) +
                          " (2 x period " + std::to_string(effective_period) + " + 4)";
    if (period >= 2) message += "; wait for more data or fit without seasonality (period 0)";
    throw std::invalid_argument(message);
  }
  return observed;
}

// The filter at fixed parameters, and what FittedModel keeps of the series.
void FilterSeries(const std::vector<double>& log_values, const std::vector<double>& own_variances,
                  int observed, FittedModel* fitted) {
  fitted->filter = RunKalmanFilter(fitted->model, fitted->parameters, log_values, own_variances,
                                   fitted->filter_options);
  fitted->log_likelihood = fitted->filter.log_likelihood;
  fitted->series_length = static_cast<int>(log_values.size());
  fitted->observed_count = observed;
  std::vector<double> observed_variances;
  if (!own_variances.empty()) {
    for (size_t t = 0; t < log_values.size(); ++t) {
      if (!std::isnan(log_values[t])) observed_variances.push_back(own_variances[t]);
    }
  }
  fitted->future_own_variance =
      observed_variances.empty() ? 0.0 : Median(std::move(observed_variances));
}

// Standard deviation of the observed day-to-day changes: the scale the starting sigmas are
// fractions of.
double ChangeScale(const std::vector<double>& log_values) {
  double sum = 0.0;
  double sum_squares = 0.0;
  int count = 0;
  for (size_t t = 1; t < log_values.size(); ++t) {
    const double change = log_values[t] - log_values[t - 1];
    if (std::isnan(change)) continue;
    sum += change;
    sum_squares += change * change;
    ++count;
  }
  if (count < 2) return 0.1;
  const double variance = (sum_squares - sum * sum / count) / (count - 1);
  return variance > 1e-8 ? std::sqrt(variance) : 0.1;
}

}  // namespace

bool ForecastOptions::Check(std::string* why) const {
  if (!Model().Check(why)) return false;
  if (num_starts < 1) return Refuse("num_starts must be at least 1", why);
  if (max_num_iterations < 1) return Refuse("max_num_iterations must be positive", why);
  if (!(function_tolerance >= 0.0) || !(gradient_tolerance >= 0.0) ||
      !(parameter_tolerance >= 0.0)) {
    return Refuse("tolerances must be non-negative", why);
  }
  if (!(filter.initial_variance > 0.0) || !std::isfinite(filter.initial_variance)) {
    return Refuse("filter.initial_variance must be positive and finite", why);
  }
  return true;
}

StructuralModel ForecastOptions::Model() const {
  StructuralModel model;
  model.has_slope = slope;
  model.period = period_days;
  return model;
}

FittedModel StructuralForecaster::Fit(const std::vector<double>& log_values,
                                      const std::vector<double>& own_variances,
                                      const ForecastOptions& options) {
  std::string why;
  if (!options.Check(&why)) throw std::invalid_argument("forecast options: " + why);
  const int observed = CheckSeries(log_values, own_variances, options.period_days);
  const auto start_time = std::chrono::steady_clock::now();

  const StructuralModel model = options.Model();
  const double terms = std::max(1, observed - model.StateDimension());
  ceres::GradientProblemSolver::Options solver_options;
  // Five or six unknowns: full BFGS is cheap and needs fewer likelihood evaluations than L-BFGS.
  solver_options.line_search_direction_type = ceres::BFGS;
  solver_options.max_num_iterations = options.max_num_iterations;
  solver_options.function_tolerance = options.function_tolerance;
  solver_options.gradient_tolerance = options.gradient_tolerance;
  solver_options.parameter_tolerance = options.parameter_tolerance;
  solver_options.minimizer_progress_to_stdout = options.minimizer_progress_to_stdout;
  solver_options.logging_type =
      options.minimizer_progress_to_stdout ? ceres::PER_MINIMIZER_ITERATION : ceres::SILENT;

  // Starting sigmas as fractions of the day-to-day change's spread: noise-dominated, level-
  // dominated, and a quiet smooth trend.
  const double scale = ChangeScale(log_values);
  // The own-variance weight is estimated only where it has an effect.
  bool estimate_weight = false;
  if (options.estimate_own_variance_weight && !own_variances.empty()) {
    for (size_t t = 0; t < log_values.size() && !estimate_weight; ++t) {
      estimate_weight = !std::isnan(log_values[t]) && own_variances[t] > 0.0;
    }
  }
  // own_weight: the starting w (> 0: x5 = 0 is a stationary point). Own variances at face value,
  // and nearly ignored (as from smoothed estimates) in the level-dominated start.
  struct Start {
    double level, slope, seasonal, obs, phi, own_weight;
  };
  const Start starts[] = {{0.3, 0.01, 0.05, 0.6, 0.9, 1.0},
                          {0.7, 0.05, 0.1, 0.3, 0.98, 0.05},
                          {0.05, 0.002, 0.02, 0.7, 0.7, 1.0}};
  constexpr int kStartCount = static_cast<int>(sizeof(starts) / sizeof(starts[0]));

  FittedModel fitted;
  fitted.model = model;
  fitted.filter_options = options.filter;
  double best_cost = std::numeric_limits<double>::infinity();
  double best_x[kMaxUnknowns] = {};
  Scales best_scales;
  for (int i = 0; i < options.num_starts; ++i) {
    const Start& start = starts[i % kStartCount];
    // Past the listed starts, spread them by powers of two.
    const double spread = std::pow(2.0, (i / kStartCount) * (i % 2 == 0 ? 1 : -1));
    Scales scales;
    scales.sigma[0] = start.level * scale * spread;
    scales.sigma[1] = start.slope * scale * spread;
    scales.sigma[2] = start.seasonal * scale * spread;
    scales.sigma[3] = start.obs * scale / spread;
    scales.own_weight_root = std::sqrt(start.own_weight);
    scales.estimate_weight = estimate_weight;
    double x[kMaxUnknowns] = {
        1.0, 1.0, 1.0, 1.0, std::asin(std::sqrt((1.0 - start.phi) / (1.0 - kPhiMin))), 1.0};
    ceres::GradientProblem problem(CreateCost(&log_values, &own_variances, scales, options, terms));
    ceres::GradientProblemSolver::Summary summary;
    ceres::Solve(solver_options, problem, x, &summary);
    ++fitted.starts;
    if (!std::isfinite(summary.final_cost) || !(summary.final_cost < best_cost)) continue;
    best_cost = summary.final_cost;
    std::copy(x, x + kMaxUnknowns, best_x);
    best_scales = scales;
    fitted.iterations = static_cast<int>(summary.iterations.size());
    fitted.converged = summary.termination_type == ceres::CONVERGENCE;
    fitted.ceres_brief_report = summary.BriefReport();
  }
  if (!std::isfinite(best_cost)) {
    throw std::runtime_error("forecast: the likelihood could not be evaluated at any start");
  }
  fitted.parameters =
      ToParameters(best_x, best_scales.estimate_weight ? best_x + kWeightUnknown : nullptr,
                   best_scales, options);
  fitted.parameters.sigma_level = std::abs(fitted.parameters.sigma_level);
  fitted.parameters.sigma_slope = std::abs(fitted.parameters.sigma_slope);
  fitted.parameters.sigma_seasonal = std::abs(fitted.parameters.sigma_seasonal);
  FilterSeries(log_values, own_variances, observed, &fitted);
  fitted.fit_time_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
  return fitted;
}

FittedModel StructuralForecaster::Refilter(const FittedModel& fitted,
                                           const std::vector<double>& log_values,
                                           const std::vector<double>& own_variances) {
  const int observed = CheckSeries(log_values, own_variances, fitted.model.period);
  FittedModel refiltered = fitted;
  FilterSeries(log_values, own_variances, observed, &refiltered);
  return refiltered;
}

std::vector<ForecastStep> StructuralForecaster::Forecast(const FittedModel& fitted,
                                                         int horizon_days) {
  if (horizon_days < 1) {
    throw std::invalid_argument("forecast: horizon must be at least 1 day, got " +
                                std::to_string(horizon_days));
  }
  if (!(fitted.future_own_variance >= 0.0)) {
    throw std::invalid_argument("forecast: future_own_variance must be zero or positive");
  }
  const KalmanForecast raw = ForecastFromFilter(fitted.model, fitted.parameters, fitted.filter,
                                                horizon_days, fitted.future_own_variance);
  std::vector<ForecastStep> steps(static_cast<size_t>(horizon_days));
  for (int h = 0; h < horizon_days; ++h) {
    ForecastStep& step = steps[static_cast<size_t>(h)];
    step.steps_ahead = h + 1;
    step.log_mean = raw.log_means[static_cast<size_t>(h)];
    step.log_sd = std::sqrt(raw.log_variances[static_cast<size_t>(h)]);
    const auto bounds = [&](double z) {
      return ForecastBounds{step.log_mean - z * step.log_sd, step.log_mean + z * step.log_sd};
    };
    const auto exp_bounds = [](const ForecastBounds& log_bounds) {
      return ForecastBounds{std::exp(log_bounds.lower), std::exp(log_bounds.upper)};
    };
    step.log_50 = bounds(kZ50);
    step.log_80 = bounds(kZ80);
    step.log_95 = bounds(kZ95);
    step.median = std::exp(step.log_mean);
    step.value_50 = exp_bounds(step.log_50);
    step.value_80 = exp_bounds(step.log_80);
    step.value_95 = exp_bounds(step.log_95);
  }
  return steps;
}

std::string FittedModel::BriefReport() const {
  std::ostringstream out;
  out << "Structural model (level" << (model.has_slope ? ", slope" : "");
  if (model.SeasonalStates() > 0) out << ", " << model.period << "-step season";
  out << "): " << observed_count << " of " << series_length << " values observed, log-likelihood "
      << log_likelihood << "; sigma level " << parameters.sigma_level;
  if (model.has_slope)
    out << ", slope " << parameters.sigma_slope << " (phi " << parameters.phi << ")";
  if (model.SeasonalStates() > 0) out << ", season " << parameters.sigma_seasonal;
  out << ", obs " << parameters.sigma_obs << ", own-variance weight "
      << parameters.own_variance_weight << "; " << starts << " starts, best " << iterations
      << " iterations, " << (converged ? "converged" : "NOT converged");
  return out.str();
}

}  // namespace wbe
