#include "models/forecast/kalman_filter.h"

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

}  // namespace

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
  const double obs_variance = parameters.sigma_obs * parameters.sigma_obs + future_own_variance;
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
