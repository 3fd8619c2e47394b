#include "models/forecast/kalman_filter.h"

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <ceres/jet.h>
#include <gtest/gtest.h>

namespace wbe {
namespace {

StructuralModel LocalLevel() {
  StructuralModel model;
  model.has_slope = false;
  model.period = 0;
  return model;
}

StructuralParameters<double> LocalLevelParameters() {
  StructuralParameters<double> parameters;
  parameters.sigma_level = 0.5;  // q = 0.25
  parameters.sigma_obs = 0.3;    // h = 0.09
  return parameters;
}

// Local level, y = 1.0, 1.5, 0.8, 1.2 with own variances 0, 0.01, 0.16, 0. The diffuse first
// point gives a = 1.0, P = h = 0.09 and is left out. Then, with P <- P + q, F = P + h + v,
// e = y - a, a <- a + P e / F, P <- P - P^2 / F:
//   t=2: P = 0.34,      F = 0.44,      e =  0.5        -> a = 1.386364, P = 0.077273
//   t=3: P = 0.327273,  F = 0.577273,  e = -0.586364   -> a = 1.053937, P = 0.141732
//   t=4: P = 0.391732,  F = 0.481732,  e =  0.146063   -> a = 1.172712, P = 0.073186
// log L = -0.5 sum (log 2 pi + log F + e^2 / F) = -2.3104549005.
constexpr double kHandLogLikelihood = -2.3104549005423327;
const std::vector<double> kValues = {1.0, 1.5, 0.8, 1.2};
const std::vector<double> kOwnVariances = {0.0, 0.01, 0.16, 0.0};

TEST(KalmanFilterTest, LocalLevelLogLikelihoodMatchesHandComputation) {
  const KalmanFilterResult result =
      RunKalmanFilter(LocalLevel(), LocalLevelParameters(), kValues, kOwnVariances);
  // The diffuse start's 1e6 leaves an O(h / 1e6) difference from the exact limit.
  EXPECT_NEAR(result.log_likelihood, kHandLogLikelihood, 1e-6);
  EXPECT_EQ(result.likelihood_terms, 3);
  EXPECT_NEAR(result.filtered_states(0, 1), 1.386364, 1e-6);
  EXPECT_NEAR(result.filtered_states(0, 3), 1.172712, 1e-6);
  EXPECT_NEAR(result.filtered_state_variances(0, 3), 0.073186, 1e-6);
  EXPECT_NEAR(result.innovations[2], -0.586364, 1e-6);
  EXPECT_NEAR(result.innovation_variances[2], 0.577273, 1e-6);
}

TEST(KalmanFilterTest, JetLogLikelihoodCarriesTheDerivative) {
  using Jet = ceres::Jet<double, 1>;
  StructuralParameters<Jet> parameters;
  parameters.sigma_level = Jet(0.5, 0);  // d/d sigma_level
  parameters.sigma_obs = Jet(0.3);
  const Jet log_likelihood = KalmanLogLikelihood(LocalLevel(), parameters, kValues, kOwnVariances);
  EXPECT_NEAR(log_likelihood.a, kHandLogLikelihood, 1e-6);

  const double step = 1e-6;
  StructuralParameters<double> plus = LocalLevelParameters();
  StructuralParameters<double> minus = LocalLevelParameters();
  plus.sigma_level += step;
  minus.sigma_level -= step;
  const double numeric = (KalmanLogLikelihood(LocalLevel(), plus, kValues, kOwnVariances) -
                          KalmanLogLikelihood(LocalLevel(), minus, kValues, kOwnVariances)) /
                         (2.0 * step);
  EXPECT_NEAR(log_likelihood.v[0], numeric, 1e-5);
}

TEST(KalmanFilterTest, MissingValueOnlyPredicts) {
  const std::vector<double> values = {1.0, 1.5, std::nan(""), 1.2};
  const KalmanFilterResult result =
      RunKalmanFilter(LocalLevel(), LocalLevelParameters(), values, {});
  EXPECT_TRUE(std::isnan(result.innovations[2]));
  EXPECT_EQ(result.likelihood_terms, 2);
  // Local level: the prediction keeps the mean and adds q to the variance.
  EXPECT_DOUBLE_EQ(result.filtered_states(0, 2), result.filtered_states(0, 1));
  EXPECT_NEAR(result.filtered_state_variances(0, 2), result.filtered_state_variances(0, 1) + 0.25,
              1e-12);
}

TEST(KalmanFilterTest, ForecastOfALocalLevelIsFlatWithGrowingVariance) {
  const KalmanFilterResult result =
      RunKalmanFilter(LocalLevel(), LocalLevelParameters(), kValues, kOwnVariances);
  const KalmanForecast forecast =
      ForecastFromFilter(LocalLevel(), LocalLevelParameters(), result, 3, 0.0);
  ASSERT_EQ(forecast.log_means.size(), 3u);
  for (int h = 0; h < 3; ++h) {
    EXPECT_NEAR(forecast.log_means[h], 1.172712, 1e-6);
    // P_T + h q + sigma_obs^2
    EXPECT_NEAR(forecast.log_variances[h], 0.073186 + 0.25 * (h + 1) + 0.09, 1e-6);
  }
}

TEST(KalmanFilterTest, OwnVarianceWeightScalesTheOwnVariances) {
  // w = 0: as if there were no own variances.
  StructuralParameters<double> ignored = LocalLevelParameters();
  ignored.own_variance_weight = 0.0;
  const KalmanFilterResult zero = RunKalmanFilter(LocalLevel(), ignored, kValues, kOwnVariances);
  const KalmanFilterResult none =
      RunKalmanFilter(LocalLevel(), LocalLevelParameters(), kValues, {});
  EXPECT_DOUBLE_EQ(zero.log_likelihood, none.log_likelihood);
  EXPECT_DOUBLE_EQ(zero.innovation_variances[2], none.innovation_variances[2]);
  EXPECT_NE(
      zero.log_likelihood,
      RunKalmanFilter(LocalLevel(), LocalLevelParameters(), kValues, kOwnVariances).log_likelihood);

  // w = 2.5: the same as own variances 2.5 times as large at w = 1.
  StructuralParameters<double> weighted = LocalLevelParameters();
  weighted.own_variance_weight = 2.5;
  std::vector<double> scaled = kOwnVariances;
  for (double& v : scaled) v *= 2.5;
  const KalmanFilterResult a = RunKalmanFilter(LocalLevel(), weighted, kValues, kOwnVariances);
  const KalmanFilterResult b =
      RunKalmanFilter(LocalLevel(), LocalLevelParameters(), kValues, scaled);
  EXPECT_NEAR(a.log_likelihood, b.log_likelihood, 1e-12);
  EXPECT_NEAR(a.innovation_variances[2], b.innovation_variances[2], 1e-12);
  // t=2 by hand (see above): F = 0.34 + 0.09 + 2.5 x 0.01.
  EXPECT_NEAR(a.innovation_variances[1], 0.34 + 0.09 + 0.025, 1e-6);

  // A new observation's own variance is weighted the same way in forecasts.
  const KalmanForecast plain = ForecastFromFilter(LocalLevel(), weighted, a, 2, 0.0);
  const KalmanForecast with_own = ForecastFromFilter(LocalLevel(), weighted, a, 2, 0.04);
  for (int h = 0; h < 2; ++h) {
    EXPECT_NEAR(with_own.log_variances[h] - plain.log_variances[h], 2.5 * 0.04, 1e-12);
    EXPECT_DOUBLE_EQ(with_own.signal_variances[h], plain.signal_variances[h]);
  }
}

TEST(KalmanFilterTest, TransitionKeepsTheSeasonSummingToZero) {
  StructuralModel model;  // level, slope, 7-day season
  StructuralParameters<double> parameters;
  parameters.phi = 0.5;
  StateVector<double> a(model.StateDimension());
  a << 2.0, 0.4, 0.1, 0.2, -0.3, 0.05, 0.15, -0.25;  // season_{t-6} = 0.05
  StateMatrix<double> p = StateMatrix<double>::Zero(8, 8);
  model.Predict(parameters, &a, &p);
  EXPECT_DOUBLE_EQ(a(0), 2.4);
  EXPECT_DOUBLE_EQ(a(1), 0.2);
  EXPECT_NEAR(a(2), 0.05, 1e-15);  // the weekday of t-6 comes round again
  EXPECT_DOUBLE_EQ(a(3), 0.1);
  EXPECT_DOUBLE_EQ(a(7), 0.15);
}

// A pseudo-random series (a fixed linear congruential sequence, no library generator) with a
// trend, a weekday pattern, noise and a few missing days.
std::vector<double> TestSeries(int days, bool with_missing) {
  std::vector<double> values;
  uint64_t state = 12345;
  const auto uniform = [&state]() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / 9007199254740992.0;
  };
  const double pattern[7] = {0.2, -0.1, 0.05, 0.3, -0.25, -0.15, -0.05};
  for (int t = 0; t < days; ++t) {
    const double y = 3.0 + 0.01 * t + pattern[t % 7] + 0.2 * (uniform() - 0.5);
    values.push_back(with_missing && (t % 17 == 5 || t == days - 2) ? std::nan("") : y);
  }
  return values;
}

TEST(KalmanFilterTest, AnalyticGradientMatchesJetsForEveryModelShape) {
  using Jet = ceres::Jet<double, kStructuralParameterCount>;
  struct Case {
    bool slope;
    int period;
    bool missing;
    bool own;
    double phi;
    double own_weight;
  };
  const Case cases[] = {{true, 7, true, true, 0.93, 1.0},  {true, 7, false, false, 1.0, 1.0},
                        {false, 7, true, false, 1.0, 0.5}, {true, 0, true, true, 0.7, 0.3},
                        {false, 0, false, true, 1.0, 2.0}, {true, 4, true, false, 0.99, 1.0},
                        {false, 2, true, true, 1.0, 1.0},  {true, 7, true, true, 0.95, 0.0},
                        {true, 7, false, true, 0.98, 0.05}};
  for (const Case& c : cases) {
    SCOPED_TRACE("slope " + std::to_string(c.slope) + ", period " + std::to_string(c.period) +
                 ", missing " + std::to_string(c.missing) + ", own " + std::to_string(c.own) +
                 ", w " + std::to_string(c.own_weight));
    StructuralModel model;
    model.has_slope = c.slope;
    model.period = c.period;
    const std::vector<double> values = TestSeries(120, c.missing);
    std::vector<double> own;
    if (c.own) {
      // Comparable with sigma_obs^2 = 0.0064, so that the weight matters.
      for (size_t t = 0; t < values.size(); ++t) own.push_back(0.002 * (1 + t % 5));
    }
    StructuralParameters<double> parameters;
    parameters.sigma_level = 0.03;
    parameters.sigma_slope = c.slope ? 0.004 : 0.0;
    parameters.sigma_seasonal = c.period >= 2 ? 0.01 : 0.0;
    parameters.sigma_obs = 0.08;
    parameters.phi = c.phi;
    parameters.own_variance_weight = c.own_weight;
    StructuralParameters<Jet> jets;
    jets.sigma_level = Jet(parameters.sigma_level, 0);
    jets.sigma_slope = Jet(parameters.sigma_slope, 1);
    jets.sigma_seasonal = Jet(parameters.sigma_seasonal, 2);
    jets.sigma_obs = Jet(parameters.sigma_obs, 3);
    jets.phi = Jet(parameters.phi, 4);
    jets.own_variance_weight = Jet(parameters.own_variance_weight, 5);
    const Jet expected = KalmanLogLikelihood(model, jets, values, own);
    double gradient[kStructuralParameterCount] = {};
    const double log_likelihood = KalmanLogLikelihoodGradient(model, parameters, values, own,
                                                              KalmanFilterOptions(), gradient);
    EXPECT_NEAR(log_likelihood, expected.a, 1e-9 * std::abs(expected.a));
    for (int i = 0; i < kStructuralParameterCount; ++i) {
      // Parameters the model lacks have no gradient, nor has the weight without own variances.
      const bool absent =
          (!c.slope && (i == 1 || i == 4)) || (c.period < 2 && i == 2) || (!c.own && i == 5);
      const double want = absent ? 0.0 : expected.v[i];
      EXPECT_NEAR(gradient[i], want, 1e-6 * (1.0 + std::abs(want))) << "parameter " << i;
    }
    // The weight's derivative is not trivially 0 where there are own variances.
    if (c.own) {
      EXPECT_GT(std::abs(gradient[5]), 1.0);
    }
  }
}

TEST(KalmanFilterTest, AnalyticGradientIsNanWhenTheFilterBreaksDown) {
  StructuralParameters<double> parameters;  // every variance 0: F = 0 after the diffuse start
  parameters.sigma_level = 0.0;
  double gradient[kStructuralParameterCount] = {};
  const double log_likelihood = KalmanLogLikelihoodGradient(
      LocalLevel(), parameters, {1.0, 1.0, 1.0}, {}, KalmanFilterOptions(), gradient);
  EXPECT_TRUE(std::isnan(log_likelihood));
}

TEST(KalmanFilterTest, RefusesBadParameters) {
  StructuralParameters<double> parameters = LocalLevelParameters();
  parameters.sigma_obs = -1.0;
  EXPECT_THROW(RunKalmanFilter(LocalLevel(), parameters, kValues, {}), std::invalid_argument);
  parameters = LocalLevelParameters();
  parameters.phi = 1.5;
  EXPECT_THROW(RunKalmanFilter(LocalLevel(), parameters, kValues, {}), std::invalid_argument);
  parameters = LocalLevelParameters();
  parameters.own_variance_weight = -0.1;
  EXPECT_THROW(RunKalmanFilter(LocalLevel(), parameters, kValues, kOwnVariances),
               std::invalid_argument);
  parameters.own_variance_weight = std::nan("");
  EXPECT_THROW(
      ForecastFromFilter(
          LocalLevel(), parameters,
          RunKalmanFilter(LocalLevel(), LocalLevelParameters(), kValues, kOwnVariances), 1, 0.01),
      std::invalid_argument);
  StructuralModel model;
  model.period = 8;
  EXPECT_THROW(RunKalmanFilter(model, LocalLevelParameters(), kValues, {}), std::invalid_argument);
  EXPECT_THROW(RunKalmanFilter(LocalLevel(), LocalLevelParameters(), kValues, {0.0}),
               std::invalid_argument);
}

}  // namespace
}  // namespace wbe
