#pragma once

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <utility>
#include <vector>

#include <ceres/autodiff_cost_function.h>
#include <ceres/dynamic_autodiff_cost_function.h>
#include <ceres/jet.h>

namespace wbe {

// Residuals of the network inversion. The unknowns are scalar parameter blocks theta[d][t] =
// log biomarker mass (mg/day) entering the sewer in district d on day t.

// log L_model = log sum_i w_i exp(theta_i), where each term is one (route, day) pair with
// weight survival x (1 - spill) or survival x spill. Log-sum-exp keeps it finite for any theta.
template <typename T>
T LogModelLoad(const std::vector<double>& weights, T const* const* theta) {
  T max_theta = theta[0][0];
  for (size_t i = 1; i < weights.size(); ++i) {
    if (theta[i][0] > max_theta) max_theta = theta[i][0];
  }
  T sum(0.0);
  for (size_t i = 0; i < weights.size(); ++i) sum += weights[i] * exp(theta[i][0] - max_theta);
  return max_theta + log(sum);
}

// log Phi(z) for the standard normal, finite down to any z: erfc while it does not underflow,
// the asymptotic series (relative error < 1e-8 for z < -20) below.
constexpr double kHalfLogTwoPi = 0.91893853320467274178;  // log(sqrt(2 pi))

template <typename T>
T LogStandardNormalCdf(const T& z) {
  using std::erfc;
  using std::log;
  using std::log1p;
  if (z < T(-20.0)) {
    const T inv_z2 = T(1.0) / (z * z);
    return -0.5 * z * z - log(-z) - kHalfLogTwoPi +
           log(T(1.0) - inv_z2 + 3.0 * inv_z2 * inv_z2 - 15.0 * inv_z2 * inv_z2 * inv_z2);
  }
  if (z < T(0.0)) return log(0.5 * erfc(-z / std::sqrt(2.0)));
  // Phi close to 1: log1p keeps the small upper tail.
  return log1p(-0.5 * erfc(z / std::sqrt(2.0)));
}

// Shared parts of the site-day residuals: the list of contributing theta blocks and their
// weights (survival x split), in the order the blocks are given to AddResidualBlock.
class SiteDayLoadTerms {
 public:
  void Add(double* theta, double weight) {
    if (!(weight > 0.0)) return;  // a zero spill contributes nothing and would waste a block
    // Ceres refuses a block twice in one residual: members of one unit on one day share it.
    for (size_t i = 0; i < blocks_.size(); ++i) {
      if (blocks_[i] == theta) {
        weights_[i] += weight;
        return;
      }
    }
    blocks_.push_back(theta);
    weights_.push_back(weight);
  }
  bool empty() const { return blocks_.empty(); }
  const std::vector<double*>& blocks() const { return blocks_; }
  const std::vector<double>& weights() const { return weights_; }

 private:
  std::vector<double*> blocks_;
  std::vector<double> weights_;
};

// (log L_obs - log L_model) / sigma for one observed site-day load.
class ObservedLoadCost {
 public:
  ObservedLoadCost(std::vector<double> weights, double log_observed_load, double log_sigma)
      : weights_(std::move(weights)),
        log_observed_load_(log_observed_load),
        log_sigma_(log_sigma) {}

  template <typename T>
  bool operator()(T const* const* theta, T* residual) const {
    residual[0] = (log_observed_load_ - LogModelLoad(weights_, theta)) / log_sigma_;
    return true;
  }

  // observed_load_mg_per_day > 0; terms non-empty.
  static ceres::CostFunction* Create(const SiteDayLoadTerms& terms, double observed_load_mg_per_day,
                                     double log_sigma) {
    auto* cost = new ceres::DynamicAutoDiffCostFunction<ObservedLoadCost>(
        new ObservedLoadCost(terms.weights(), std::log(observed_load_mg_per_day), log_sigma));
    for (size_t i = 0; i < terms.blocks().size(); ++i) cost->AddParameterBlock(1);
    cost->SetNumResiduals(1);
    return cost;
  }

 private:
  std::vector<double> weights_;
  double log_observed_load_;
  double log_sigma_;
};

// A site-day below the limit of quantification: sqrt(-2 log Phi((log L_loq - log L_model) /
// sigma)). Near zero while the model is well below the LOQ and growing once it rises above, so
// it only ever pushes the model down.
class CensoredLoadCost {
 public:
  CensoredLoadCost(std::vector<double> weights, double log_loq_load, double log_sigma)
      : weights_(std::move(weights)), log_loq_load_(log_loq_load), log_sigma_(log_sigma) {}

  template <typename T>
  bool operator()(T const* const* theta, T* residual) const {
    using std::sqrt;
    const T z = (log_loq_load_ - LogModelLoad(weights_, theta)) / log_sigma_;
    const T minus_two_log_cdf = -2.0 * LogStandardNormalCdf(z);
    // Far below the LOQ the term underflows to 0, where sqrt has no derivative; it is flat
    // there anyway.
    if (!(minus_two_log_cdf > T(1e-300))) {
      residual[0] = T(0.0);
      return true;
    }
    residual[0] = sqrt(minus_two_log_cdf);
    return true;
  }

  // loq_load_mg_per_day > 0; terms non-empty.
  static ceres::CostFunction* Create(const SiteDayLoadTerms& terms, double loq_load_mg_per_day,
                                     double log_sigma) {
    auto* cost = new ceres::DynamicAutoDiffCostFunction<CensoredLoadCost>(
        new CensoredLoadCost(terms.weights(), std::log(loq_load_mg_per_day), log_sigma));
    for (size_t i = 0; i < terms.blocks().size(); ++i) cost->AddParameterBlock(1);
    cost->SetNumResiduals(1);
    return cost;
  }

 private:
  std::vector<double> weights_;
  double log_loq_load_;
  double log_sigma_;
};

// (theta[d][t] - theta[d][t-1]) / sigma_rw: a district's mass changes smoothly from day to day.
class RandomWalkCost {
 public:
  explicit RandomWalkCost(double log_sigma_per_day) : log_sigma_per_day_(log_sigma_per_day) {}

  template <typename T>
  bool operator()(const T* theta_today, const T* theta_yesterday, T* residual) const {
    residual[0] = (theta_today[0] - theta_yesterday[0]) / log_sigma_per_day_;
    return true;
  }

  static ceres::CostFunction* Create(double log_sigma_per_day) {
    return new ceres::AutoDiffCostFunction<RandomWalkCost, 1, 1, 1>(
        new RandomWalkCost(log_sigma_per_day));
  }

 private:
  double log_sigma_per_day_;
};

// (theta[d][t] - log(population_d x per-capita mean)) / sigma_prior: keeps districts the data
// cannot see near a plausible level.
class PerCapitaPriorCost {
 public:
  PerCapitaPriorCost(double prior_log_mass_mg_per_day, double log_sigma)
      : prior_log_mass_mg_per_day_(prior_log_mass_mg_per_day), log_sigma_(log_sigma) {}

  template <typename T>
  bool operator()(const T* theta, T* residual) const {
    residual[0] = (theta[0] - prior_log_mass_mg_per_day_) / log_sigma_;
    return true;
  }

  static ceres::CostFunction* Create(double population, double log_mg_per_person_per_day,
                                     double log_sigma) {
    return new ceres::AutoDiffCostFunction<PerCapitaPriorCost, 1, 1>(
        new PerCapitaPriorCost(std::log(population) + log_mg_per_person_per_day, log_sigma));
  }

 private:
  double prior_log_mass_mg_per_day_;
  double log_sigma_;
};

}  // namespace wbe
