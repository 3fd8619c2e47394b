#pragma once

#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "calibration/method/quantitation_method.h"

namespace wbe {

// Weight of a standard at concentration x: 1, 1/x or 1/x^2. The weights say how the response's
// variance grows with concentration: Var(y | x) = residual_sd^2 / weight(x).
double CurveWeight(CurveWeighting weighting, double concentration);

struct InversePrediction {
  // False when no concentration on the curve's rising branch gives this response (above the
  // maximum of a saturating quadratic, or a curve that does not rise).
  bool valid = false;
  double concentration = 0.0;   // method unit (vial)
  double standard_error = 0.0;  // same unit; delta method, see Inverse()
};

// A calibration curve y = a + b x + c x^2 (c = 0 for a linear curve), x the nominal vial
// concentration and y the analyte/ISTD response ratio, fitted by weighted least squares with
// a free intercept (not forced through zero).
class CalibrationCurve {
 public:
  CalibrationCurve() = default;
  // Rebuilds a fitted curve from what a report stores. coefficients: a, b (and c when
  // quadratic); covariance of the same size.
  CalibrationCurve(CurveType type, CurveWeighting weighting, const Eigen::VectorXd& coefficients,
                   const Eigen::MatrixXd& covariance, double residual_sd, double r_squared,
                   int point_count);

  // Weighted least squares through Householder QR on the weighted design (concentrations
  // scaled to [0, 1] first, so that x^2 columns of ng/L standards do not ruin the
  // conditioning). Returns empty and says why when the fit is impossible: fewer points than
  // coefficients + 1 (no residual SD), a concentration <= 0 with 1/x weights, a response that
  // is not finite, or fewer distinct concentrations than coefficients.
  static std::optional<CalibrationCurve> Fit(CurveType type, CurveWeighting weighting,
                                             const std::vector<double>& concentrations,
                                             const std::vector<double>& responses,
                                             std::string* why = nullptr);

  double Predict(double concentration) const;
  double Slope(double concentration) const;  // dy/dx
  // Response SD of one injection at this concentration as the weighted fit implies it:
  // residual_sd / sqrt(weight(x)). For 1/x weights at x = 0 it is 0.
  double ResponseSd(double concentration) const;
  // Standard error of the fitted mean response at x, from the coefficient covariance.
  double FittedResponseSe(double concentration) const;

  // Concentration whose predicted response equals `response`, on the branch of the curve that
  // rises (for a quadratic the root x = 2 (y - a) / (b + sqrt(b^2 - 4 c (a - y)))). Its
  // standard error by the delta method:
  //   se^2 = (ResponseSd(x)^2 + g' Cov g) / Slope(x)^2,  g = (1, x, x^2),
  // i.e. the scatter of one new injection at that level plus the curve's own uncertainty, which
  // grows with the distance from the standards' centroid.
  InversePrediction Inverse(double response) const;

  CurveType type() const { return type_; }
  CurveWeighting weighting() const { return weighting_; }
  // a, b (, c) in method units.
  const Eigen::VectorXd& coefficients() const { return coefficients_; }
  double intercept() const { return coefficients_(0); }
  double linear() const { return coefficients_(1); }
  double quadratic() const { return coefficients_.size() > 2 ? coefficients_(2) : 0.0; }
  const Eigen::MatrixXd& covariance() const { return covariance_; }
  // sqrt(sum w r^2 / (n - p)), with w = weight(x) on the method's concentration scale.
  double residual_sd() const { return residual_sd_; }
  // Weighted: 1 - sum w r^2 / sum w (y - weighted mean y)^2 (what vendor software reports).
  double r_squared() const { return r_squared_; }
  int point_count() const { return point_count_; }
  int degrees_of_freedom() const { return point_count_ - static_cast<int>(coefficients_.size()); }

  // "quadratic 1/x^2: y = -0.1611 + 0.6874 x + 0.001874 x^2, R^2 0.9985, s 0.0521, 6 points"
  std::string BriefReport() const;

 private:
  CurveType type_ = CurveType::kLinear;
  CurveWeighting weighting_ = CurveWeighting::kNone;
  Eigen::VectorXd coefficients_ = Eigen::VectorXd::Zero(2);
  Eigen::MatrixXd covariance_ = Eigen::MatrixXd::Zero(2, 2);
  double residual_sd_ = 0.0;
  double r_squared_ = 0.0;
  int point_count_ = 0;
};

}  // namespace wbe
