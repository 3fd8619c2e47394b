#include "models/inversion/network_inversion.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <ceres/loss_function.h>
#include <ceres/problem.h>
#include <ceres/solver.h>

#include "models/inversion/cost_functions.h"

namespace wbe {
namespace {

// theta is one contiguous array, district-major, with the warm-up days first in each row:
// column c of the array is day c - warm_up_days.
class ThetaLayout {
 public:
  ThetaLayout(size_t districts, int warm_up_days, int day_count)
      : warm_up_days_(warm_up_days),
        columns_(warm_up_days + day_count),
        values_(districts * static_cast<size_t>(columns_), 0.0) {}
  int columns() const { return columns_; }
  // day may be negative down to -warm_up_days.
  double* At(size_t district, int day) {
    return &values_[district * static_cast<size_t>(columns_) +
                    static_cast<size_t>(day + warm_up_days_)];
  }

 private:
  int warm_up_days_;
  int columns_;
  std::vector<double> values_;
};

ceres::LossFunction* MakeLoss(const InversionOptions& options) {
  switch (options.loss) {
    case RobustLoss::kHuber:
      return new ceres::HuberLoss(options.loss_scale);
    case RobustLoss::kCauchy:
      return new ceres::CauchyLoss(options.loss_scale);
    case RobustLoss::kTrivial:
      break;
  }
  return nullptr;
}

}  // namespace

int NetworkInversion::WarmUpDays(const SewerNetwork& network) {
  int max_lag = 0;
  for (size_t s = 0; s < network.site_count(); ++s) {
    for (const Route& route : network.Routes(s)) max_lag = std::max(max_lag, route.whole_days_lag);
  }
  return max_lag + 1;
}

InversionResult NetworkInversion::Solve(const SewerNetwork& network,
                                        const BiomarkerStability& stability,
                                        const std::vector<double>& populations_per_district,
                                        const std::vector<SiteLoadObservation>& observations,
                                        int day_count, const InversionOptions& options,
                                        const Eigen::MatrixXd* warm_start) {
  std::string why;
  if (!options.Check(&why)) throw std::invalid_argument("InversionOptions: " + why);
  const size_t districts = network.district_count();
  if (populations_per_district.size() != districts) {
    throw std::invalid_argument("NetworkInversion: one population per district is needed");
  }
  for (double population : populations_per_district) {
    if (!(population > 0.0) || !std::isfinite(population)) {
      throw std::invalid_argument("NetworkInversion: populations must be positive");
    }
  }
  if (day_count <= 0) throw std::invalid_argument("NetworkInversion: day_count must be positive");
  if (warm_start != nullptr &&
      (warm_start->rows() != static_cast<Eigen::Index>(districts) || warm_start->cols() < 1 ||
       warm_start->cols() > day_count || !warm_start->allFinite())) {
    throw std::invalid_argument(
        "NetworkInversion: warm start must be districts x (1 .. day_count) finite log masses");
  }

  const int warm_up_days = WarmUpDays(network);
  ThetaLayout theta(districts, warm_up_days, day_count);
  std::vector<double> prior_log_mass(districts);
  for (size_t d = 0; d < districts; ++d) {
    prior_log_mass[d] =
        std::log(populations_per_district[d]) + options.per_capita_log_mg_per_person_per_day;
    for (int day = -warm_up_days; day < day_count; ++day) {
      double start = prior_log_mass[d];
      if (warm_start != nullptr) {
        const Eigen::Index column = std::clamp<Eigen::Index>(day, 0, warm_start->cols() - 1);
        start = (*warm_start)(static_cast<Eigen::Index>(d), column);
      }
      *theta.At(d, day) = start;
    }
  }

  ceres::Problem problem;
  // Priors and the random walk cover every unknown, so each block is in the problem even when
  // no site sees its district.
  for (size_t d = 0; d < districts; ++d) {
    for (int day = -warm_up_days; day < day_count; ++day) {
      problem.AddResidualBlock(
          PerCapitaPriorCost::Create(populations_per_district[d],
                                     options.per_capita_log_mg_per_person_per_day,
                                     options.per_capita_log_sigma),
          nullptr, theta.At(d, day));
      if (day > -warm_up_days) {
        problem.AddResidualBlock(RandomWalkCost::Create(options.random_walk_log_sigma_per_day),
                                 nullptr, theta.At(d, day), theta.At(d, day - 1));
      }
    }
  }

  for (const SiteLoadObservation& observation : observations) {
    if (observation.site_index >= network.site_count()) {
      throw std::invalid_argument("NetworkInversion: observation site index out of range");
    }
    if (observation.day_index < 0 || observation.day_index >= day_count) {
      throw std::invalid_argument("NetworkInversion: observation day index out of range");
    }
    SiteDayLoadTerms terms;
    for (const Route& route : network.Routes(observation.site_index)) {
      const double survival = network.Survival(route, stability);
      const int day = observation.day_index - route.whole_days_lag;
      terms.Add(theta.At(route.district_index, day), survival * (1.0 - route.spill_fraction));
      terms.Add(theta.At(route.district_index, day - 1), survival * route.spill_fraction);
    }
    if (terms.empty()) continue;  // a site with nothing upstream says nothing about districts
    if (observation.censored) {
      if (!(observation.loq_load_mg_per_day > 0.0)) {
        throw std::invalid_argument("NetworkInversion: a censored observation needs LOQ load > 0");
      }
      problem.AddResidualBlock(CensoredLoadCost::Create(terms, observation.loq_load_mg_per_day,
                                                        options.observation_log_sigma),
                               nullptr, terms.blocks());
    } else {
      if (!(observation.load_mg_per_day > 0.0) || !std::isfinite(observation.load_mg_per_day)) {
        throw std::invalid_argument(
            "NetworkInversion: observed loads must be positive (report zeros as censored)");
      }
      problem.AddResidualBlock(ObservedLoadCost::Create(terms, observation.load_mg_per_day,
                                                        options.observation_log_sigma),
                               MakeLoss(options), terms.blocks());
    }
  }

  ceres::Solver::Options solver_options;
  solver_options.linear_solver_type = options.linear_solver_type;
  if (solver_options.linear_solver_type == ceres::SPARSE_NORMAL_CHOLESKY &&
      !ceres::IsSparseLinearAlgebraLibraryTypeAvailable(
          solver_options.sparse_linear_algebra_library_type)) {
    solver_options.linear_solver_type = ceres::DENSE_QR;
  }
  solver_options.max_num_iterations = options.max_num_iterations;
  solver_options.num_threads = options.num_threads;
  solver_options.function_tolerance = options.function_tolerance;
  solver_options.gradient_tolerance = options.gradient_tolerance;
  solver_options.parameter_tolerance = options.parameter_tolerance;
  solver_options.minimizer_progress_to_stdout = options.minimizer_progress_to_stdout;
  ceres::Solver::Summary summary;
  ceres::Solve(solver_options, &problem, &summary);

  InversionResult result;
  result.warm_up_days = warm_up_days;
  result.log_mass_mg_per_day.resize(static_cast<Eigen::Index>(districts), day_count);
  for (size_t d = 0; d < districts; ++d) {
    for (int day = 0; day < day_count; ++day) {
      result.log_mass_mg_per_day(static_cast<Eigen::Index>(d), day) = *theta.At(d, day);
    }
  }
  result.iterations = static_cast<int>(summary.iterations.size());
  result.initial_cost = summary.initial_cost;
  result.final_cost = summary.final_cost;
  result.converged = summary.termination_type == ceres::CONVERGENCE;
  result.solve_time_s = summary.total_time_in_seconds;
  result.linear_solver = ceres::LinearSolverTypeToString(solver_options.linear_solver_type);
  result.ceres_brief_report = summary.BriefReport();
  return result;
}

std::string InversionResult::BriefReport() const {
  std::ostringstream out;
  out << "Network inversion: " << log_mass_mg_per_day.rows() << " districts x "
      << log_mass_mg_per_day.cols() << " days (+" << warm_up_days << " warm-up), " << iterations
      << " iterations, cost " << initial_cost << " -> " << final_cost << ", "
      << (converged ? "converged" : "NOT converged") << ", " << solve_time_s << " s, "
      << linear_solver;
  return out.str();
}

}  // namespace wbe
