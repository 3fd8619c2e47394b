#pragma once

#include <string>

#include <Eigen/Core>

namespace wbe {

// A structural time-series model of a log-scale series y_t (e.g. log consumption per day):
//
//   y_t          = level_t + season_t + eps_t,       eps_t ~ N(0, sigma_obs^2 + w v_t)
//   level_{t+1}  = level_t + slope_t + eta_t,        eta_t ~ N(0, sigma_level^2)
//   slope_{t+1}  = phi slope_t + zeta_t,             zeta_t ~ N(0, sigma_slope^2)
//   season_{t+1} = -(season_t + ... + season_{t-p+2}) + omega_t,  omega_t ~ N(0, sigma_seasonal^2)
//
// v_t is the observation's own known variance (the estimate's uncertainty), so a vague estimate
// moves the level less than a sharp one. w >= 0 weighs it: 1 takes the v_t at face value as
// independent noise; estimated, it comes out below 1 where the estimates' errors are correlated
// from day to day (smoothed estimates: part of their error moves with the level and is not
// noise around it), and near 1 where they are independent. The dummy seasonal keeps p - 1 states
// and sums to zero over a period, up to its disturbance.

// Up to level, slope and 6 seasonal states (a 7-day week): the filter's matrices never allocate.
constexpr int kMaxStructuralStates = 8;
constexpr int kMaxSeasonalPeriod = kMaxStructuralStates - 1;

template <typename T>
using StateVector = Eigen::Matrix<T, Eigen::Dynamic, 1, 0, kMaxStructuralStates, 1>;
template <typename T>
using StateMatrix =
    Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, 0, kMaxStructuralStates, kMaxStructuralStates>;

// Hyper-parameters, on the log scale per step (day for daily series). A sigma of 0 switches that
// disturbance off (the component is then deterministic but still estimated from the data).
// Templated so that Ceres Jets flow through the filter.
template <typename T>
struct StructuralParameters {
  T sigma_level = T(0.0);
  T sigma_slope = T(0.0);
  T sigma_seasonal = T(0.0);
  T sigma_obs = T(0.0);
  T phi = T(1.0);  // slope damping, in (0, 1]; 1: local linear trend
  // w, the weight on the observations' own variances (>= 0): observation variance
  // sigma_obs^2 + w v_t. 1: the own variances as given.
  T own_variance_weight = T(1.0);
};

// Which components the model has; the state is [level, slope?, season_t, ..., season_{t-p+2}].
struct StructuralModel {
  bool has_slope = true;
  // Seasonal period in steps: 7 for daily series with a weekday effect, 0 or 1 for none (e.g.
  // weekly series). At most kMaxSeasonalPeriod.
  int period = 7;

  int SeasonalStates() const { return period >= 2 ? period - 1 : 0; }
  int StateDimension() const { return 1 + (has_slope ? 1 : 0) + SeasonalStates(); }
  int SlopeIndex() const { return has_slope ? 1 : -1; }
  // Index of season_t, the state the observation sees; -1 without seasonality.
  int SeasonIndex() const { return SeasonalStates() > 0 ? (has_slope ? 2 : 1) : -1; }

  // False (and a reason in *why, when given) for a period < 0 or > kMaxSeasonalPeriod.
  bool Check(std::string* why = nullptr) const;
  // False (and a reason) for negative or non-finite sigmas or own-variance weight, or phi
  // outside (0, 1].
  bool CheckParameters(const StructuralParameters<double>& parameters,
                       std::string* why = nullptr) const;

  // m <- T m, T the transition matrix: row operations only, O(n) per column instead of a dense
  // product. Works on vectors (one column) and matrices alike.
  template <typename T, typename Derived>
  void ApplyTransition(const T& phi, Eigen::MatrixBase<Derived>* m) const {
    Eigen::MatrixBase<Derived>& x = *m;
    if (has_slope) {
      x.row(0) += x.row(1);
      x.row(1) *= phi;
    }
    const int s = SeasonIndex();
    const int k = SeasonalStates();
    if (k == 0) return;
    // season_{t+1} = -(sum of the k states); the older ones shift down by one.
    for (int j = 0; j < x.cols(); ++j) {
      T sum = x(s, j);
      for (int i = 1; i < k; ++i) sum += x(s + i, j);
      for (int i = k - 1; i >= 1; --i) x(s + i, j) = x(s + i - 1, j);
      x(s, j) = -sum;
    }
  }

  // P <- T P T' + Q for a symmetric P, and a <- T a.
  template <typename T>
  void Predict(const StructuralParameters<T>& parameters, StateVector<T>* a,
               StateMatrix<T>* p) const {
    ApplyTransition(parameters.phi, a);
    ApplyTransition(parameters.phi, p);  // T P
    p->transposeInPlace();               // P T' ... as rows
    ApplyTransition(parameters.phi, p);  // T (T P)' = T P T'
    (*p)(0, 0) += parameters.sigma_level * parameters.sigma_level;
    if (has_slope) (*p)(1, 1) += parameters.sigma_slope * parameters.sigma_slope;
    const int s = SeasonIndex();
    if (s >= 0) (*p)(s, s) += parameters.sigma_seasonal * parameters.sigma_seasonal;
  }
};

}  // namespace wbe
