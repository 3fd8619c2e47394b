#pragma once

#include <cmath>
#include <string>

#include <ceres/types.h>

namespace wbe {

// How the observed-load residuals are protected against outliers such as dumping events.
enum class RobustLoss { kTrivial, kHuber, kCauchy };

// Settings of the network inversion for one biomarker. Sigmas are on the natural-log scale.
struct InversionOptions {
  RobustLoss loss = RobustLoss::kHuber;
  // Where the loss leaves the quadratic, in whitened units (multiples of the observation sigma).
  // 1 sigma: on the demo city a 20x dumping spike moves other days by < 9 % with Huber (19 % at
  // 2 sigma) and < 1 % with Cauchy.
  double loss_scale = 1.0;
  // Analytical, sampling and flow uncertainty of one site-day load (log scale).
  double observation_log_sigma = 0.15;
  // Day-to-day change of a district's log biomarker mass (random walk).
  double random_walk_log_sigma_per_day = 0.3;
  // Optional day-of-week effect: > 0 adds (theta[t] - theta[t-7]) / sigma, a weekly-periodic
  // random walk, so a weekday resembles the same weekday a week before (weekend parties) and a
  // day without samples borrows that pattern. 0: off.
  double day_of_week_log_sigma = 0.0;
  // Weak per-capita prior: log mass per person per day and its sigma. Wide by default so that
  // it only decides where the data say nothing (unresolved groups, warm-up days).
  double per_capita_log_mg_per_person_per_day = std::log(0.1);
  double per_capita_log_sigma = 3.0;

  int max_num_iterations = 200;
  int num_threads = 1;
  double function_tolerance = 1e-10;
  double gradient_tolerance = 1e-12;
  double parameter_tolerance = 1e-10;
  // SPARSE_NORMAL_CHOLESKY falls back to DENSE_QR when Ceres has no sparse library.
  ceres::LinearSolverType linear_solver_type = ceres::SPARSE_NORMAL_CHOLESKY;
  bool minimizer_progress_to_stdout = false;

  // False (and a reason in *why, when given) for non-positive sigmas or loss scale, a
  // non-finite prior mean, or non-positive iteration or thread counts.
  bool Check(std::string* why = nullptr) const;
};

}  // namespace wbe
