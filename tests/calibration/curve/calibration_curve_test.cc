#include "calibration/curve/calibration_curve.h"

#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace wbe {
namespace {

const std::vector<double> kLevels = {1, 2, 5, 10, 50, 100, 500, 1000};

std::vector<double> Responses(const std::vector<double>& x, double a, double b, double c) {
  std::vector<double> y;
  for (double v : x) y.push_back(a + b * v + c * v * v);
  return y;
}

struct Case {
  CurveType type;
  CurveWeighting weighting;
};

class ExactRecoveryTest : public ::testing::TestWithParam<Case> {};

TEST_P(ExactRecoveryTest, RecoversNoiseFreeCoefficients) {
  const Case c = GetParam();
  const double a = 0.02;
  const double b = 0.0031;
  const double q = c.type == CurveType::kQuadratic ? -1.2e-6 : 0.0;
  std::string why;
  const auto fit =
      CalibrationCurve::Fit(c.type, c.weighting, kLevels, Responses(kLevels, a, b, q), &why);
  ASSERT_TRUE(fit) << why;
  EXPECT_NEAR(fit->intercept(), a, 1e-10);
  EXPECT_NEAR(fit->linear(), b, 1e-12);
  EXPECT_NEAR(fit->quadratic(), q, 1e-15);
  EXPECT_NEAR(fit->r_squared(), 1.0, 1e-12);
  EXPECT_NEAR(fit->residual_sd(), 0.0, 1e-9);
  EXPECT_EQ(fit->point_count(), 8);
  EXPECT_EQ(fit->degrees_of_freedom(), c.type == CurveType::kQuadratic ? 5 : 6);
  for (double x : kLevels) {
    const InversePrediction inverse = fit->Inverse(fit->Predict(x));
    ASSERT_TRUE(inverse.valid) << x;
    EXPECT_NEAR(inverse.concentration / x, 1.0, 1e-9) << x;
  }
}

INSTANTIATE_TEST_SUITE_P(EveryModel, ExactRecoveryTest,
                         ::testing::Values(Case{CurveType::kLinear, CurveWeighting::kNone},
                                           Case{CurveType::kLinear, CurveWeighting::kInverseX},
                                           Case{CurveType::kLinear, CurveWeighting::kInverseX2},
                                           Case{CurveType::kQuadratic, CurveWeighting::kNone},
                                           Case{CurveType::kQuadratic, CurveWeighting::kInverseX},
                                           Case{CurveType::kQuadratic,
                                                CurveWeighting::kInverseX2}));

TEST(CalibrationCurveTest, StaysAccurateOnNanogramPerLitreScales) {
  // The demo lab's vial levels (200 to 200 000 ng/L): x^2 spans 10 orders of magnitude.
  const std::vector<double> x = {200, 400, 1000, 2000, 10000, 20000, 100000, 200000};
  const auto fit = CalibrationCurve::Fit(CurveType::kQuadratic, CurveWeighting::kInverseX2, x,
                                         Responses(x, 1e-4, 3.1e-5, -6e-12));
  ASSERT_TRUE(fit);
  EXPECT_NEAR(fit->linear() / 3.1e-5, 1.0, 1e-9);
  EXPECT_NEAR(fit->quadratic() / -6e-12, 1.0, 1e-7);
  EXPECT_NEAR(fit->Inverse(fit->Predict(200.0)).concentration, 200.0, 1e-6);
}

TEST(CalibrationCurveTest, WeightingProtectsTheLowEndFromAnOffTopStandard) {
  std::vector<double> y = Responses(kLevels, 0.0, 0.002, 0.0);
  y.back() *= 1.05;  // top standard 5 % high
  const auto unweighted =
      CalibrationCurve::Fit(CurveType::kLinear, CurveWeighting::kNone, kLevels, y);
  const auto weighted =
      CalibrationCurve::Fit(CurveType::kLinear, CurveWeighting::kInverseX2, kLevels, y);
  ASSERT_TRUE(unweighted && weighted);
  const double low_unweighted = unweighted->Inverse(y.front()).concentration;
  const double low_weighted = weighted->Inverse(y.front()).concentration;
  EXPECT_GT(std::abs(low_unweighted - 1.0), 0.10);  // > 10 % off at the lowest level
  EXPECT_LT(std::abs(low_weighted - 1.0), 0.01);
  // 1/x sits in between.
  const auto inverse_x =
      CalibrationCurve::Fit(CurveType::kLinear, CurveWeighting::kInverseX, kLevels, y);
  const double low_inverse_x = inverse_x->Inverse(y.front()).concentration;
  EXPECT_LT(std::abs(low_inverse_x - 1.0), std::abs(low_unweighted - 1.0));
  EXPECT_GT(std::abs(low_inverse_x - 1.0), std::abs(low_weighted - 1.0));
}

TEST(CalibrationCurveTest, UnweightedLinearCovarianceMatchesTextbook) {
  const std::vector<double> x = {1, 2, 3, 4, 5, 6};
  const std::vector<double> y = {2.1, 3.9, 6.2, 7.8, 10.1, 12.2};
  const auto fit = CalibrationCurve::Fit(CurveType::kLinear, CurveWeighting::kNone, x, y);
  ASSERT_TRUE(fit);
  double mean = 0.0;
  for (double v : x) mean += v / x.size();
  double sxx = 0.0;
  for (double v : x) sxx += (v - mean) * (v - mean);
  double sse = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    sse += std::pow(y[i] - fit->Predict(x[i]), 2);
  }
  const double s2 = sse / (x.size() - 2);
  EXPECT_NEAR(fit->residual_sd(), std::sqrt(s2), 1e-12);
  EXPECT_NEAR(fit->covariance()(1, 1), s2 / sxx, 1e-12);
  EXPECT_NEAR(fit->covariance()(0, 0), s2 * (1.0 / x.size() + mean * mean / sxx), 1e-12);
  EXPECT_NEAR(fit->covariance()(0, 1), -s2 * mean / sxx, 1e-12);
}

TEST(CalibrationCurveTest, InverseRoundTripsAndItsErrorGrowsAwayFromTheCentroid) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 0.05);
  const std::vector<double> x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  std::vector<double> y;
  for (double v : x) y.push_back(0.3 + 1.5 * v + noise(rng));
  const auto fit = CalibrationCurve::Fit(CurveType::kLinear, CurveWeighting::kNone, x, y);
  ASSERT_TRUE(fit);
  const double centroid = 5.5;
  double previous_se = 0.0;
  for (double distance : {0.0, 1.0, 2.0, 4.0, 8.0}) {
    const double concentration = centroid + distance;
    const InversePrediction inverse = fit->Inverse(fit->Predict(concentration));
    ASSERT_TRUE(inverse.valid);
    EXPECT_NEAR(inverse.concentration, concentration, 1e-12);
    EXPECT_GT(inverse.standard_error, previous_se) << distance;
    previous_se = inverse.standard_error;
    // Symmetric on the other side of the centroid for an unweighted line.
    const InversePrediction mirror = fit->Inverse(fit->Predict(centroid - distance));
    EXPECT_NEAR(mirror.standard_error, inverse.standard_error, 1e-12);
  }
  // At the centroid: the delta method gives sqrt(s^2 + s^2/n) / b.
  const InversePrediction at_centroid = fit->Inverse(fit->Predict(centroid));
  const double s = fit->residual_sd();
  EXPECT_NEAR(at_centroid.standard_error, std::sqrt(s * s * (1.0 + 1.0 / x.size())) / fit->linear(),
              1e-12);
}

TEST(CalibrationCurveTest, ResponseSdFollowsTheWeighting) {
  std::vector<double> y = Responses(kLevels, 0.0, 1.0, 0.0);
  y[3] *= 1.02;
  for (CurveWeighting w :
       {CurveWeighting::kNone, CurveWeighting::kInverseX, CurveWeighting::kInverseX2}) {
    const auto fit = CalibrationCurve::Fit(CurveType::kLinear, w, kLevels, y);
    ASSERT_TRUE(fit);
    const double s = fit->residual_sd();
    const double expected = w == CurveWeighting::kNone       ? s
                            : w == CurveWeighting::kInverseX ? s * std::sqrt(100.0)
                                                             : s * 100.0;
    EXPECT_NEAR(fit->ResponseSd(100.0), expected, 1e-12 * expected);
  }
}

TEST(CalibrationCurveTest, InverseRefusesResponsesBeyondASaturatingCurve) {
  // y = x - 0.001 x^2 peaks at x = 500, y = 250.
  const auto fit =
      CalibrationCurve::Fit(CurveType::kQuadratic, CurveWeighting::kNone, {10, 50, 100, 200, 300},
                            Responses({10, 50, 100, 200, 300}, 0.0, 1.0, -0.001));
  ASSERT_TRUE(fit);
  EXPECT_TRUE(fit->Inverse(200.0).valid);
  EXPECT_NEAR(fit->Inverse(200.0).concentration, 276.393202250021, 1e-6);  // the rising root
  EXPECT_FALSE(fit->Inverse(260.0).valid);
}

TEST(CalibrationCurveTest, SaysWhyAFitIsImpossible) {
  std::string why;
  EXPECT_FALSE(CalibrationCurve::Fit(CurveType::kQuadratic, CurveWeighting::kNone, {1, 2, 3},
                                     {1, 2, 3}, &why));
  EXPECT_NE(why.find("needs at least 4"), std::string::npos) << why;
  EXPECT_FALSE(CalibrationCurve::Fit(CurveType::kLinear, CurveWeighting::kInverseX, {0, 1, 2},
                                     {0, 1, 2}, &why));
  EXPECT_NE(why.find("cannot be weighted 1/x"), std::string::npos) << why;
  EXPECT_FALSE(CalibrationCurve::Fit(CurveType::kLinear, CurveWeighting::kNone, {2, 2, 2, 2},
                                     {1, 2, 3, 4}, &why));
  EXPECT_NE(why.find("distinct"), std::string::npos) << why;
  EXPECT_FALSE(CalibrationCurve::Fit(CurveType::kLinear, CurveWeighting::kNone, {1, 2, 3},
                                     {1, NAN, 3}, &why));
}

TEST(CalibrationCurveTest, RebuiltCurvePredictsAlike) {
  const auto fit = CalibrationCurve::Fit(CurveType::kQuadratic, CurveWeighting::kInverseX, kLevels,
                                         Responses(kLevels, 0.1, 0.01, 1e-6));
  ASSERT_TRUE(fit);
  const CalibrationCurve rebuilt(fit->type(), fit->weighting(), fit->coefficients(),
                                 fit->covariance(), fit->residual_sd(), fit->r_squared(),
                                 fit->point_count());
  EXPECT_DOUBLE_EQ(rebuilt.Predict(42.0), fit->Predict(42.0));
  EXPECT_EQ(rebuilt.BriefReport(), fit->BriefReport());
  EXPECT_NE(fit->BriefReport().find("quadratic 1/x: y = "), std::string::npos)
      << fit->BriefReport();
}

}  // namespace
}  // namespace wbe
