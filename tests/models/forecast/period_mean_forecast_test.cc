#include "models/forecast/period_mean_forecast.h"

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>
#include <Eigen/Cholesky>

#include "models/core/random.h"
#include "models/forecast/kalman_filter.h"

namespace wbe {
namespace {

FittedModel FittedDailyModel() {
  std::mt19937_64 rng(7);
  std::vector<double> log_values;
  const double week[7] = {0.1, -0.05, -0.1, 0.0, 0.05, 0.2, -0.2};
  double level = 2.0;
  for (int t = 0; t < 140; ++t) {
    level += 0.004 + 0.03 * StandardNormal(rng);
    log_values.push_back(level + week[t % 7] + 0.1 * StandardNormal(rng));
  }
  return StructuralForecaster::Fit(log_values, {});
}

TEST(PeriodMeanForecastTest, OneStepIsTheSignalForecast) {
  const FittedModel fitted = FittedDailyModel();
  const KalmanForecast steps =
      ForecastFromFilter(fitted.model, fitted.parameters, fitted.filter, 5, 0.0);
  for (int h = 1; h <= 5; ++h) {
    const PeriodMeanForecast one = ForecastPeriodMean(fitted, h, h);
    EXPECT_NEAR(one.log_mean, steps.log_means[h - 1], 1e-9);
    EXPECT_NEAR(one.log_sd, std::sqrt(steps.signal_variances[h - 1]), 1e-9);
  }
}

// The mean over 28 days, against paths drawn from the model: the exact covariance of the
// steps must come out, not the sum of their variances.
TEST(PeriodMeanForecastTest, MatchesSimulatedPaths) {
  const FittedModel fitted = FittedDailyModel();
  const PeriodMeanForecast period = ForecastPeriodMean(fitted, 1, 28);
  const int n = fitted.model.StateDimension();
  const Eigen::LLT<Eigen::MatrixXd> chol(fitted.filter.final_state_covariance);
  const Eigen::MatrixXd root = chol.matrixL();
  const StructuralParameters<double>& p = fitted.parameters;
  std::mt19937_64 rng(11);
  const int kPaths = 20000;
  double sum = 0.0;
  double sum_sq = 0.0;
  for (int k = 0; k < kPaths; ++k) {
    Eigen::VectorXd z(n);
    for (int i = 0; i < n; ++i) z(i) = StandardNormal(rng);
    StateVector<double> x = fitted.filter.final_state + root * z;
    double mean = 0.0;
    for (int h = 1; h <= 28; ++h) {
      fitted.model.ApplyTransition(p.phi, &x);
      x(0) += p.sigma_level * StandardNormal(rng);
      if (fitted.model.has_slope) x(1) += p.sigma_slope * StandardNormal(rng);
      const int s = fitted.model.SeasonIndex();
      if (s >= 0) x(s) += p.sigma_seasonal * StandardNormal(rng);
      mean += (x(0) + (s >= 0 ? x(s) : 0.0)) / 28.0;
    }
    sum += mean;
    sum_sq += mean * mean;
  }
  const double mc_mean = sum / kPaths;
  const double mc_sd = std::sqrt(sum_sq / kPaths - mc_mean * mc_mean);
  EXPECT_NEAR(period.log_mean, mc_mean, 3.0 * mc_sd / std::sqrt(kPaths));
  EXPECT_NEAR(period.log_sd, mc_sd, 0.03 * mc_sd);
  // Correlated steps: the 28-day mean is far less certain than 28 independent steps would be.
  const PeriodMeanForecast last = ForecastPeriodMean(fitted, 28, 28);
  EXPECT_GT(period.log_sd, last.log_sd / std::sqrt(28.0) * 1.5);
}

TEST(PeriodMeanForecastTest, ProbabilityAboveIsGaussian) {
  PeriodMeanForecast forecast;
  forecast.log_mean = 1.0;
  forecast.log_sd = 0.5;
  EXPECT_NEAR(forecast.ProbabilityAbove(1.0), 0.5, 1e-12);
  EXPECT_NEAR(forecast.ProbabilityAbove(1.0 - 1.6448536269514722 * 0.5), 0.95, 1e-9);
  forecast.log_sd = 0.0;
  EXPECT_EQ(forecast.ProbabilityAbove(0.9), 1.0);
  EXPECT_EQ(forecast.ProbabilityAbove(1.1), 0.0);
}

TEST(PeriodMeanForecastTest, RejectsBadSteps) {
  const FittedModel fitted = FittedDailyModel();
  EXPECT_THROW(ForecastPeriodMean(fitted, 0, 3), std::invalid_argument);
  EXPECT_THROW(ForecastPeriodMean(fitted, 4, 3), std::invalid_argument);
}

}  // namespace
}  // namespace wbe
