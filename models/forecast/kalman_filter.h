#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

#include <Eigen/Core>

#include "models/forecast/structural_model.h"

namespace wbe {

// The Kalman filter for a StructuralModel. Every state starts diffuse (mean 0, variance
// initial_variance), so the first StateDimension() observed points only pin the states down and
// are left out of the log-likelihood (prediction-error decomposition).

struct KalmanFilterOptions {
  // Variance of the diffuse start, on the log scale. Large against the data's spread, small
  // enough that P - K F K' keeps its precision in doubles.
  double initial_variance = 1e6;
};

// Calls `step(t, innovation, innovation_variance, a_filtered, p_filtered)` after each time t
// (innovation NaN for a missing value, a_filtered and p_filtered then the prediction), and
// returns the log-likelihood, or NaN if an innovation variance was not positive. own_variances
// may be empty (all 0) and is only read where log_values is not NaN; they enter weighted by
// parameters.own_variance_weight.
template <typename T, typename Step>
T KalmanFilterCore(const StructuralModel& model, const StructuralParameters<T>& parameters,
                   const std::vector<double>& log_values, const std::vector<double>& own_variances,
                   const KalmanFilterOptions& options, Step&& step) {
  using std::log;
  constexpr double kLogTwoPi = 1.83787706640934548356;
  const int n = model.StateDimension();
  const int s = model.SeasonIndex();
  StateVector<T> a = StateVector<T>::Zero(n);
  StateMatrix<T> p = StateMatrix<T>::Identity(n, n) * T(options.initial_variance);
  StateVector<T> pz(n);
  const T obs_variance = parameters.sigma_obs * parameters.sigma_obs;
  T log_likelihood(0.0);
  int diffuse_left = n;
  for (size_t t = 0; t < log_values.size(); ++t) {
    if (t > 0) model.Predict(parameters, &a, &p);
    const double y = log_values[t];
    if (std::isnan(y)) {
      step(t, T(std::nan("")), T(std::nan("")), a, p);
      continue;
    }
    // Z = [1, 0, 1, 0 ...]: the level plus this step's season.
    pz = p.col(0);
    T predicted = a(0);
    if (s >= 0) {
      pz += p.col(s);
      predicted += a(s);
    }
    const double own = own_variances.empty() ? 0.0 : own_variances[t];
    const T f = pz(0) + (s >= 0 ? pz(s) : T(0.0)) + obs_variance +
                (own > 0.0 ? parameters.own_variance_weight * own : T(0.0));
    if (!(f > T(0.0))) return T(std::nan(""));
    const T innovation = y - predicted;
    const T inverse_f = 1.0 / f;  // one Jet division instead of n^2
    a += pz * (innovation * inverse_f);
    p.noalias() -= (pz * inverse_f) * pz.transpose();
    // Keep P symmetric against round-off: copy the lower triangle up.
    p.template triangularView<Eigen::StrictlyUpper>() = p.transpose();
    if (diffuse_left > 0) {
      --diffuse_left;
    } else {
      log_likelihood -= 0.5 * (kLogTwoPi + log(f) + innovation * innovation / f);
    }
    step(t, innovation, f, a, p);
  }
  return log_likelihood;
}

// The log-likelihood alone, for the optimiser (T = double or a Ceres Jet).
template <typename T>
T KalmanLogLikelihood(const StructuralModel& model, const StructuralParameters<T>& parameters,
                      const std::vector<double>& log_values,
                      const std::vector<double>& own_variances,
                      const KalmanFilterOptions& options = KalmanFilterOptions()) {
  return KalmanFilterCore(
      model, parameters, log_values, own_variances, options,
      [](size_t, const T&, const T&, const StateVector<T>&, const StateMatrix<T>&) {});
}

// The log-likelihood and its gradient with respect to the hyper-parameters, in double
// arithmetic: the filter forward, then its adjoint (reverse-mode derivative, written out by
// hand) backward, with fixed-size 8 x 8 matrices: about two filter passes for all six
// derivatives. Equal to KalmanLogLikelihood with Ceres Jets up to round-off, several times
// faster, for the optimiser's gradient. Gradient order: sigma_level, sigma_slope, sigma_seasonal,
// sigma_obs, phi, own_variance_weight (0 for components the model lacks, and for the weight
// without own variances). Returns NaN (gradient then unspecified) where KalmanLogLikelihood does.
// Does not check its arguments (see RunKalmanFilter).
constexpr int kStructuralParameterCount = 6;
double KalmanLogLikelihoodGradient(const StructuralModel& model,
                                   const StructuralParameters<double>& parameters,
                                   const std::vector<double>& log_values,
                                   const std::vector<double>& own_variances,
                                   const KalmanFilterOptions& options,
                                   double gradient[kStructuralParameterCount]);

struct KalmanFilterResult {
  double log_likelihood = 0.0;  // NaN if the filter broke down (see KalmanFilterCore)
  int likelihood_terms = 0;     // observed points minus the diffuse ones
  // states x time: filtered means E[state_t | y_1..t] and their variances (diagonal of P).
  Eigen::MatrixXd filtered_states;
  Eigen::MatrixXd filtered_state_variances;
  // Per time: y_t - E[y_t | y_1..t-1] and its variance (incl. sigma_obs^2 + w v_t); NaN where
  // y_t is missing. One-step-ahead errors for backtests and spike checks.
  std::vector<double> innovations;
  std::vector<double> innovation_variances;
  // The state after the last time step, where forecasts start.
  Eigen::VectorXd final_state;
  Eigen::MatrixXd final_state_covariance;
};

// Runs the filter over the series, keeping everything. Throws std::invalid_argument on a bad
// model or parameters or own_variances of a different length (when not empty).
KalmanFilterResult RunKalmanFilter(const StructuralModel& model,
                                   const StructuralParameters<double>& parameters,
                                   const std::vector<double>& log_values,
                                   const std::vector<double>& own_variances,
                                   const KalmanFilterOptions& options = KalmanFilterOptions());

// Means and variances of y at 1..horizon steps past the end of the filtered series. The
// variances include sigma_obs^2 + w future_own_variance (w = parameters.own_variance_weight):
// they are for a new observation.
struct KalmanForecast {
  std::vector<double> log_means;
  std::vector<double> log_variances;
  std::vector<double> signal_variances;  // level + season only, without observation noise
};
KalmanForecast ForecastFromFilter(const StructuralModel& model,
                                  const StructuralParameters<double>& parameters,
                                  const KalmanFilterResult& filtered, int horizon,
                                  double future_own_variance);

}  // namespace wbe
