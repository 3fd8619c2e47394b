#include "models/forecast/kalman_filter.h"

#include <array>
#include <stdexcept>
#include <string>

namespace wbe {
namespace {

void CheckModel(const StructuralModel& model, const StructuralParameters<double>& parameters) {
  std::string why;
  if (!model.Check(&why) || !model.CheckParameters(parameters, &why)) {
    throw std::invalid_argument("Kalman filter: " + why);
  }
}

using FixedVector = Eigen::Matrix<double, kMaxStructuralStates, 1>;
using FixedMatrix = Eigen::Matrix<double, kMaxStructuralStates, kMaxStructuralStates>;

// out = in T', T the model's transition: column operations on contiguous columns. Columns past
// the model's dimension are 0.
void TimesTransitionTransposed(const StructuralModel& model, double phi, const FixedMatrix& in,
                               FixedMatrix* out) {
  FixedMatrix& o = *out;
  const int n = model.StateDimension();
  const int b = model.SlopeIndex();
  const int s = model.SeasonIndex();
  const int k = model.SeasonalStates();
  if (b >= 0) {
    o.col(0) = in.col(0) + in.col(b);
    o.col(b) = phi * in.col(b);
  } else {
    o.col(0) = in.col(0);
  }
  if (k > 0) {
    // A local sum: accumulating in o.col(s) would go through memory on every term.
    FixedVector sum = in.col(s);
    for (int i = 1; i < k; ++i) {
      sum += in.col(s + i);
      o.col(s + i) = in.col(s + i - 1);
    }
    o.col(s) = -sum;
  }
  for (int j = n; j < kMaxStructuralStates; ++j) o.col(j).setZero();
}

// X <- T X T' for a symmetric X: T X T' = (X T')' T', as X T' = (T X)'.
void Sandwich(const StructuralModel& model, double phi, FixedMatrix* x) {
  FixedMatrix half;
  TimesTransitionTransposed(model, phi, *x, &half);
  const FixedMatrix half_transposed = half.transpose();
  TimesTransitionTransposed(model, phi, half_transposed, x);
}

// out = in T: column operations, the transpose's counterpart of TimesTransitionTransposed.
void TimesTransition(const StructuralModel& model, double phi, const FixedMatrix& in,
                     FixedMatrix* out) {
  FixedMatrix& o = *out;
  const int n = model.StateDimension();
  const int b = model.SlopeIndex();
  const int s = model.SeasonIndex();
  const int k = model.SeasonalStates();
  o.col(0) = in.col(0);
  if (b >= 0) o.col(b) = in.col(0) + phi * in.col(b);
  for (int i = 0; i + 1 < k; ++i) o.col(s + i) = in.col(s + i + 1) - in.col(s);
  if (k > 0) o.col(s + k - 1) = -in.col(s);
  for (int j = n; j < kMaxStructuralStates; ++j) o.col(j).setZero();
}

// X <- T' X T for a symmetric X.
void TransposedSandwich(const StructuralModel& model, double phi, FixedMatrix* x) {
  FixedMatrix half;
  TimesTransition(model, phi, *x, &half);
  const FixedMatrix half_transposed = half.transpose();
  TimesTransition(model, phi, half_transposed, x);
}

// v <- T' v.
void TransposedTransitionTimes(const StructuralModel& model, double phi, FixedVector* v) {
  FixedVector& x = *v;
  const int b = model.SlopeIndex();
  const int s = model.SeasonIndex();
  const int k = model.SeasonalStates();
  if (b >= 0) x(b) = x(0) + phi * x(b);
  if (k == 0) return;
  const double season = x(s);
  for (int i = 0; i + 1 < k; ++i) x(s + i) = x(s + i + 1) - season;
  x(s + k - 1) = -season;
}

void Symmetrise(FixedMatrix* x) { x->triangularView<Eigen::StrictlyUpper>() = x->transpose(); }

}  // namespace

double KalmanLogLikelihoodGradient(const StructuralModel& model,
                                   const StructuralParameters<double>& parameters,
                                   const std::vector<double>& log_values,
                                   const std::vector<double>& own_variances,
                                   const KalmanFilterOptions& options,
                                   double gradient[kStructuralParameterCount]) {
  // Reverse mode: the filter runs forward in doubles and records what its backward pass needs;
  // the backward pass carries the adjoints (d log L / d .) of the state mean and covariance
  // from the last step to the first. The disturbance variances' derivatives are sums of the
  // covariance adjoint's diagonal; sigma_obs^2's of the innovation variances' adjoints, and the
  // own-variance weight's of the same weighted by each v_t; phi's collects its terms from every
  // transition. Cost: about two filter passes, whatever the number of parameters.
  constexpr double kLogTwoPi = 1.83787706640934548356;
  const int n = model.StateDimension();
  const int s = model.SeasonIndex();
  const int b = model.SlopeIndex();
  const double phi = parameters.phi;
  const double obs_variance = parameters.sigma_obs * parameters.sigma_obs;
  const double own_weight = parameters.own_variance_weight;

  struct Step {
    FixedVector pz;  // P_t z, P_t the predicted covariance
    // T P+_{t-1} e_slope, P+ the filtered covariance before the transition: the covariance's
    // derivative in phi is c e' + e c'.
    FixedVector c;
    double inverse_f = 0.0;
    double innovation = 0.0;
    double own = 0.0;      // v_t, the observation's own variance
    double a_slope = 0.0;  // a+_{t-1}(slope): the mean's derivative in phi
    bool observed = false;
    bool in_likelihood = false;
  };
  std::vector<Step> steps(log_values.size());

  FixedVector a = FixedVector::Zero();
  FixedMatrix p = FixedMatrix::Zero();
  p.topLeftCorner(n, n).diagonal().setConstant(options.initial_variance);
  double log_likelihood = 0.0;
  int diffuse_left = n;
  for (size_t t = 0; t < log_values.size(); ++t) {
    Step& step = steps[t];
    if (t > 0) {
      if (b >= 0) {
        step.c = p.col(b);
        model.ApplyTransition(phi, &step.c);
        step.a_slope = a(b);
      }
      model.ApplyTransition(phi, &a);
      Sandwich(model, phi, &p);
      p(0, 0) += parameters.sigma_level * parameters.sigma_level;
      if (b >= 0) p(b, b) += parameters.sigma_slope * parameters.sigma_slope;
      if (s >= 0) p(s, s) += parameters.sigma_seasonal * parameters.sigma_seasonal;
    }
    const double y = log_values[t];
    if (std::isnan(y)) continue;
    // Z = [1, 0, 1, 0 ...]: the level plus this step's season.
    FixedVector pz = p.col(0);
    double predicted = a(0);
    if (s >= 0) {
      pz += p.col(s);
      predicted += a(s);
    }
    const double own = own_variances.empty() ? 0.0 : own_variances[t];
    const double f =
        pz(0) + (s >= 0 ? pz(s) : 0.0) + obs_variance + (own > 0.0 ? own_weight * own : 0.0);
    if (!(f > 0.0)) return std::nan("");
    const double innovation = y - predicted;
    const double inverse_f = 1.0 / f;
    a += pz * (innovation * inverse_f);
    p.noalias() -= (pz * inverse_f) * pz.transpose();
    Symmetrise(&p);
    step.pz = pz;
    step.inverse_f = inverse_f;
    step.innovation = innovation;
    step.own = own;
    step.observed = true;
    if (diffuse_left > 0) {
      --diffuse_left;
    } else {
      step.in_likelihood = true;
      log_likelihood -= 0.5 * (kLogTwoPi + std::log(f) + innovation * innovation * inverse_f);
    }
  }

  // Backward. a_bar and p_bar: adjoints of the filtered mean and covariance of step t (after
  // its update), then of the predicted ones (before it); p_bar is kept symmetric.
  FixedVector a_bar = FixedVector::Zero();
  FixedMatrix p_bar = FixedMatrix::Zero();
  double d_level = 0.0, d_slope = 0.0, d_season = 0.0, d_obs = 0.0, d_phi = 0.0, d_own = 0.0;
  for (size_t t = log_values.size(); t-- > 0;) {
    const Step& step = steps[t];
    if (step.observed) {
      const FixedVector& pz = step.pz;
      const double g = step.inverse_f;
      const double v = step.innovation;
      // a+ = a + pz v g,  P+ = P - pz pz' g,  l = -(log f + v^2 g) / 2 (when in the likelihood).
      const FixedVector p_bar_pz = p_bar * pz;
      const double a_bar_pz = a_bar.dot(pz);
      FixedVector pz_bar = a_bar * (v * g) - p_bar_pz * (2.0 * g);
      double v_bar = a_bar_pz * g;
      double f_bar = -a_bar_pz * v * g * g + pz.dot(p_bar_pz) * g * g;
      if (step.in_likelihood) {
        f_bar -= 0.5 * (g - v * v * g * g);
        v_bar -= v * g;
      }
      // v = y - z'a, f = z'pz + h, pz = P z: P's adjoint gains sym(pz_bar z').
      a_bar(0) -= v_bar;
      if (s >= 0) a_bar(s) -= v_bar;
      pz_bar(0) += f_bar;
      if (s >= 0) pz_bar(s) += f_bar;
      d_obs += f_bar;
      d_own += f_bar * step.own;
      const FixedVector half = 0.5 * pz_bar;
      p_bar.col(0) += half;
      p_bar.row(0) += half.transpose();
      if (s >= 0) {
        p_bar.col(s) += half;
        p_bar.row(s) += half.transpose();
      }
    }
    if (t == 0) break;
    // a_t = T a+_{t-1}, P_t = T P+_{t-1} T' + Q.
    d_level += p_bar(0, 0);
    if (b >= 0) {
      d_slope += p_bar(b, b);
      d_phi += a_bar(b) * step.a_slope + 2.0 * p_bar.row(b).dot(step.c);
    }
    if (s >= 0) d_season += p_bar(s, s);
    TransposedTransitionTimes(model, phi, &a_bar);
    TransposedSandwich(model, phi, &p_bar);
  }
  gradient[0] = 2.0 * parameters.sigma_level * d_level;
  gradient[1] = b >= 0 ? 2.0 * parameters.sigma_slope * d_slope : 0.0;
  gradient[2] = s >= 0 ? 2.0 * parameters.sigma_seasonal * d_season : 0.0;
  gradient[3] = 2.0 * parameters.sigma_obs * d_obs;
  gradient[4] = b >= 0 ? d_phi : 0.0;
  gradient[5] = d_own;
  return log_likelihood;
}

KalmanFilterResult RunKalmanFilter(const StructuralModel& model,
                                   const StructuralParameters<double>& parameters,
                                   const std::vector<double>& log_values,
                                   const std::vector<double>& own_variances,
                                   const KalmanFilterOptions& options) {
  CheckModel(model, parameters);
  if (!own_variances.empty() && own_variances.size() != log_values.size()) {
    throw std::invalid_argument("Kalman filter: " + std::to_string(own_variances.size()) +
                                " own variances for " + std::to_string(log_values.size()) +
                                " values; give one per value, or none");
  }
  const int n = model.StateDimension();
  const auto steps = static_cast<Eigen::Index>(log_values.size());
  KalmanFilterResult result;
  result.filtered_states.resize(n, steps);
  result.filtered_state_variances.resize(n, steps);
  result.innovations.assign(log_values.size(), std::nan(""));
  result.innovation_variances.assign(log_values.size(), std::nan(""));
  result.final_state = Eigen::VectorXd::Zero(n);
  result.final_state_covariance = Eigen::MatrixXd::Identity(n, n) * options.initial_variance;
  int observed = 0;
  result.log_likelihood =
      KalmanFilterCore(model, parameters, log_values, own_variances, options,
                       [&](size_t t, double innovation, double variance,
                           const StateVector<double>& a, const StateMatrix<double>& p) {
                         const auto column = static_cast<Eigen::Index>(t);
                         result.filtered_states.col(column) = a;
                         result.filtered_state_variances.col(column) = p.diagonal();
                         result.innovations[t] = innovation;
                         result.innovation_variances[t] = variance;
                         if (!std::isnan(innovation)) ++observed;
                         result.final_state = a;
                         result.final_state_covariance = p;
                       });
  result.likelihood_terms = observed > n ? observed - n : 0;
  return result;
}

KalmanForecast ForecastFromFilter(const StructuralModel& model,
                                  const StructuralParameters<double>& parameters,
                                  const KalmanFilterResult& filtered, int horizon,
                                  double future_own_variance) {
  CheckModel(model, parameters);
  const int n = model.StateDimension();
  if (filtered.final_state.size() != n || filtered.final_state_covariance.rows() != n ||
      filtered.final_state_covariance.cols() != n) {
    throw std::invalid_argument("forecast: the filter result does not match the model's " +
                                std::to_string(n) + " states");
  }
  KalmanForecast forecast;
  StateVector<double> a = filtered.final_state;
  StateMatrix<double> p = filtered.final_state_covariance;
  const int s = model.SeasonIndex();
  const double obs_variance = parameters.sigma_obs * parameters.sigma_obs +
                              parameters.own_variance_weight * future_own_variance;
  for (int h = 1; h <= horizon; ++h) {
    model.Predict(parameters, &a, &p);
    double mean = a(0);
    double signal_variance = p(0, 0);
    if (s >= 0) {
      mean += a(s);
      signal_variance += 2.0 * p(0, s) + p(s, s);
    }
    forecast.log_means.push_back(mean);
    forecast.signal_variances.push_back(signal_variance);
    forecast.log_variances.push_back(signal_variance + obs_variance);
  }
  return forecast;
}

}  // namespace wbe
