#include "models/forecast/period_mean_forecast.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include <Eigen/Dense>

namespace wbe {

double PeriodMeanForecast::ProbabilityAbove(double threshold_log) const {
  if (!(log_sd > 0.0)) return log_mean > threshold_log ? 1.0 : 0.0;
  return 0.5 * std::erfc((threshold_log - log_mean) / (log_sd * std::sqrt(2.0)));
}

PeriodMeanForecast ForecastPeriodMean(const FittedModel& fitted, int first_step, int last_step) {
  if (first_step < 1 || last_step < first_step) {
    throw std::invalid_argument("period forecast: steps must satisfy 1 <= first <= last, got " +
                                std::to_string(first_step) + ".." + std::to_string(last_step));
  }
  const StructuralModel& model = fitted.model;
  const StructuralParameters<double>& parameters = fitted.parameters;
  const int n = model.StateDimension();
  if (fitted.filter.final_state.size() != n) {
    throw std::invalid_argument("period forecast: the fitted filter does not match its model");
  }
  // The transition as a matrix, from its row operations applied to the identity.
  StateMatrix<double> transition_small = StateMatrix<double>::Identity(n, n);
  model.ApplyTransition(parameters.phi, &transition_small);
  const Eigen::MatrixXd transition = transition_small;
  Eigen::RowVectorXd signal = Eigen::RowVectorXd::Zero(n);  // Z: level + this step's season
  signal(0) = 1.0;
  if (model.SeasonIndex() >= 0) signal(model.SeasonIndex()) = 1.0;
  Eigen::VectorXd disturbance = Eigen::VectorXd::Zero(n);
  disturbance(0) = parameters.sigma_level * parameters.sigma_level;
  if (model.has_slope) disturbance(1) = parameters.sigma_slope * parameters.sigma_slope;
  if (model.SeasonIndex() >= 0) {
    disturbance(model.SeasonIndex()) = parameters.sigma_seasonal * parameters.sigma_seasonal;
  }

  // Augmented state [x; S], S the running sum of Z x over the period's steps.
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(n + 1);
  mean.head(n) = fitted.filter.final_state;
  Eigen::MatrixXd covariance = Eigen::MatrixXd::Zero(n + 1, n + 1);
  covariance.topLeftCorner(n, n) = fitted.filter.final_state_covariance;
  for (int h = 1; h <= last_step; ++h) {
    const bool counted = h >= first_step;
    Eigen::MatrixXd step = Eigen::MatrixXd::Identity(n + 1, n + 1);
    step.topLeftCorner(n, n) = transition;
    Eigen::MatrixXd noise_map = Eigen::MatrixXd::Zero(n + 1, n);
    noise_map.topRows(n).setIdentity();
    if (counted) {
      step.bottomLeftCorner(1, n) = signal * transition;
      noise_map.bottomRows(1) = signal;
    }
    mean = step * mean;
    covariance = step * covariance * step.transpose() +
                 noise_map * disturbance.asDiagonal() * noise_map.transpose();
  }
  const double count = last_step - first_step + 1;
  PeriodMeanForecast forecast;
  forecast.first_step = first_step;
  forecast.last_step = last_step;
  forecast.log_mean = mean(n) / count;
  forecast.log_sd = std::sqrt(std::max(0.0, covariance(n, n))) / count;
  return forecast;
}

}  // namespace wbe
