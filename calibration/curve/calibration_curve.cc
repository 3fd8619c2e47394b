#include "calibration/curve/calibration_curve.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include <Eigen/QR>

namespace wbe {
namespace {

bool Fail(std::string* why, const std::string& message) {
  if (why != nullptr) *why = message;
  return false;
}

int CoefficientCount(CurveType type) { return type == CurveType::kQuadratic ? 3 : 2; }

Eigen::VectorXd Basis(int count, double x) {
  Eigen::VectorXd g(count);
  double power = 1.0;
  for (int k = 0; k < count; ++k) {
    g(k) = power;
    power *= x;
  }
  return g;
}

}  // namespace

double CurveWeight(CurveWeighting weighting, double concentration) {
  switch (weighting) {
    case CurveWeighting::kNone:
      return 1.0;
    case CurveWeighting::kInverseX:
      return 1.0 / concentration;
    case CurveWeighting::kInverseX2:
      return 1.0 / (concentration * concentration);
  }
  return 1.0;
}

CalibrationCurve::CalibrationCurve(CurveType type, CurveWeighting weighting,
                                   const Eigen::VectorXd& coefficients,
                                   const Eigen::MatrixXd& covariance, double residual_sd,
                                   double r_squared, int point_count)
    : type_(type),
      weighting_(weighting),
      coefficients_(coefficients),
      covariance_(covariance),
      residual_sd_(residual_sd),
      r_squared_(r_squared),
      point_count_(point_count) {}

std::optional<CalibrationCurve> CalibrationCurve::Fit(CurveType type, CurveWeighting weighting,
                                                      const std::vector<double>& concentrations,
                                                      const std::vector<double>& responses,
                                                      std::string* why) {
  const int p = CoefficientCount(type);
  const int n = static_cast<int>(concentrations.size());
  if (responses.size() != concentrations.size()) {
    Fail(why, "concentrations and responses differ in number");
    return std::nullopt;
  }
  if (n < p + 1) {
    Fail(why, std::to_string(n) + " standards: a " + CurveTypeName(type) +
                  " curve needs at least " + std::to_string(p + 1) + " to estimate its scatter");
    return std::nullopt;
  }
  std::set<double> distinct;
  double scale = 0.0;
  for (int i = 0; i < n; ++i) {
    const double x = concentrations[i];
    if (!std::isfinite(x) || !std::isfinite(responses[i])) {
      Fail(why, "a concentration or response is not a finite number");
      return std::nullopt;
    }
    if (weighting != CurveWeighting::kNone && x <= 0.0) {
      Fail(why, std::string("a standard at concentration ") + std::to_string(x) +
                    " cannot be weighted " + CurveWeightingName(weighting));
      return std::nullopt;
    }
    distinct.insert(x);
    scale = std::max(scale, std::abs(x));
  }
  if (static_cast<int>(distinct.size()) < p) {
    Fail(why, std::to_string(distinct.size()) + " distinct concentrations: a " +
                  CurveTypeName(type) + " curve needs at least " + std::to_string(p));
    return std::nullopt;
  }

  // Solve on x / scale; weights on the scaled axis differ from the true ones by a constant
  // factor, which changes neither the solution nor the covariance (it is undone below).
  Eigen::MatrixXd design(n, p);
  Eigen::VectorXd rhs(n);
  Eigen::VectorXd weights(n);
  for (int i = 0; i < n; ++i) {
    const double xs = concentrations[i] / scale;
    weights(i) = CurveWeight(weighting, xs);
    const double root_w = std::sqrt(weights(i));
    design.row(i) = root_w * Basis(p, xs).transpose();
    rhs(i) = root_w * responses[i];
  }
  const Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(design);
  if (qr.rank() < p) {
    Fail(why, "the standards do not determine the curve (rank-deficient design)");
    return std::nullopt;
  }
  const Eigen::VectorXd scaled = qr.solve(rhs);
  const Eigen::VectorXd residual = rhs - design * scaled;  // sqrt(w) r
  const double scaled_variance = residual.squaredNorm() / (n - p);

  // (A'A)^-1 = P R^-1 R^-T P' for A P = Q R.
  const Eigen::MatrixXd r = qr.matrixR().topLeftCorner(p, p).triangularView<Eigen::Upper>();
  const Eigen::MatrixXd r_inverse =
      r.triangularView<Eigen::Upper>().solve(Eigen::MatrixXd::Identity(p, p));
  const Eigen::MatrixXd permutation = qr.colsPermutation().toDenseMatrix().cast<double>();
  const Eigen::MatrixXd scaled_covariance =
      scaled_variance * permutation * r_inverse * r_inverse.transpose() * permutation.transpose();

  // Back to method units: beta_k = scaled_k / scale^k.
  Eigen::VectorXd unscale(p);
  for (int k = 0; k < p; ++k) unscale(k) = std::pow(scale, -k);
  const Eigen::VectorXd coefficients = unscale.cwiseProduct(scaled);
  const Eigen::MatrixXd covariance =
      unscale.asDiagonal() * scaled_covariance * unscale.asDiagonal();
  // Weight on the scaled axis = weight on the true axis x scale^k (k = 0, 1, 2).
  const double weight_factor = weighting == CurveWeighting::kNone       ? 1.0
                               : weighting == CurveWeighting::kInverseX ? scale
                                                                        : scale * scale;
  const double residual_sd = std::sqrt(scaled_variance / weight_factor);

  double weight_sum = 0.0;
  double weighted_mean = 0.0;
  for (int i = 0; i < n; ++i) {
    weight_sum += weights(i);
    weighted_mean += weights(i) * responses[i];
  }
  weighted_mean /= weight_sum;
  double total = 0.0;
  for (int i = 0; i < n; ++i) {
    total += weights(i) * (responses[i] - weighted_mean) * (responses[i] - weighted_mean);
  }
  const double r_squared = total > 0.0 ? 1.0 - residual.squaredNorm() / total : 1.0;

  return CalibrationCurve(type, weighting, coefficients, covariance, residual_sd, r_squared, n);
}

double CalibrationCurve::Predict(double concentration) const {
  return Basis(static_cast<int>(coefficients_.size()), concentration).dot(coefficients_);
}

double CalibrationCurve::Slope(double concentration) const {
  return linear() + 2.0 * quadratic() * concentration;
}

double CalibrationCurve::ResponseSd(double concentration) const {
  switch (weighting_) {
    case CurveWeighting::kNone:
      return residual_sd_;
    case CurveWeighting::kInverseX:
      return residual_sd_ * std::sqrt(std::max(0.0, concentration));
    case CurveWeighting::kInverseX2:
      return residual_sd_ * std::abs(concentration);
  }
  return residual_sd_;
}

double CalibrationCurve::FittedResponseSe(double concentration) const {
  const Eigen::VectorXd g = Basis(static_cast<int>(coefficients_.size()), concentration);
  return std::sqrt(std::max(0.0, g.dot(covariance_ * g)));
}

InversePrediction CalibrationCurve::Inverse(double response) const {
  InversePrediction result;
  const double a = intercept();
  const double b = linear();
  const double c = quadratic();
  const double discriminant = b * b - 4.0 * c * (a - response);
  if (!(discriminant >= 0.0)) return result;
  // The rising-branch root, in the form that stays accurate when c is tiny.
  const double denominator = b + std::sqrt(discriminant);
  if (!(denominator > 0.0)) return result;
  const double x = 2.0 * (response - a) / denominator;
  const double slope = Slope(x);
  if (!(slope > 0.0)) return result;
  const double response_sd = ResponseSd(x);
  const double fitted_se = FittedResponseSe(x);
  result.valid = true;
  result.concentration = x;
  result.standard_error = std::sqrt(response_sd * response_sd + fitted_se * fitted_se) / slope;
  return result;
}

std::string CalibrationCurve::BriefReport() const {
  std::ostringstream out;
  out.precision(4);
  out << CurveTypeName(type_) << ' ' << CurveWeightingName(weighting_) << ": y = " << intercept()
      << (linear() < 0 ? " - " : " + ") << std::abs(linear()) << " x";
  if (type_ == CurveType::kQuadratic) {
    out << (quadratic() < 0 ? " - " : " + ") << std::abs(quadratic()) << " x^2";
  }
  out.precision(5);
  out << ", R^2 " << r_squared_;
  out.precision(3);
  out << ", s " << residual_sd_ << ", " << point_count_ << " points";
  return out.str();
}

}  // namespace wbe
