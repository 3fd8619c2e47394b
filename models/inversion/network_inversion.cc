#include "models/inversion/network_inversion.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <ceres/covariance.h>
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

// The joint posterior covariance of each set of unknowns: Ceres' sparse QR of the Jacobian
// at the solution (robust losses included), only the pairs the sets need.
bool ComputeCovarianceBlocks(const std::vector<std::vector<UnitDay>>& sets,
                             const InversionOptions& options, ceres::Problem* problem,
                             ThetaLayout* theta, std::vector<Eigen::MatrixXd>* covariances) {
  std::set<std::pair<const double*, const double*>> pairs;
  for (const std::vector<UnitDay>& set : sets) {
    for (size_t i = 0; i < set.size(); ++i) {
      for (size_t j = i; j < set.size(); ++j) {
        const double* a = theta->At(set[i].unit, set[i].day);
        const double* b = theta->At(set[j].unit, set[j].day);
        pairs.insert(a <= b ? std::make_pair(a, b) : std::make_pair(b, a));
      }
    }
  }
  ceres::Covariance::Options covariance_options;
  covariance_options.num_threads = options.num_threads;
  covariance_options.algorithm_type =
      ceres::IsSparseLinearAlgebraLibraryTypeAvailable(ceres::SUITE_SPARSE) ? ceres::SPARSE_QR
                                                                            : ceres::DENSE_SVD;
  ceres::Covariance covariance(covariance_options);
  const std::vector<std::pair<const double*, const double*>> pair_list(pairs.begin(), pairs.end());
  covariances->clear();
  const bool ok = covariance.Compute(pair_list, problem);
  for (const std::vector<UnitDay>& set : sets) {
    Eigen::MatrixXd matrix = Eigen::MatrixXd::Constant(
        static_cast<Eigen::Index>(set.size()), static_cast<Eigen::Index>(set.size()), std::nan(""));
    if (ok) {
      for (size_t i = 0; i < set.size(); ++i) {
        for (size_t j = i; j < set.size(); ++j) {
          double value = 0.0;
          covariance.GetCovarianceBlock(theta->At(set[i].unit, set[i].day),
                                        theta->At(set[j].unit, set[j].day), &value);
          matrix(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = value;
          matrix(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(i)) = value;
        }
      }
    }
    covariances->push_back(std::move(matrix));
  }
  return ok;
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
  InversionProblem problem;
  problem.populations_per_district = populations_per_district;
  problem.observations = observations;
  problem.day_count = day_count;
  return Solve(network, stability, problem, options, warm_start);
}

InversionResult NetworkInversion::Solve(const SewerNetwork& network,
                                        const BiomarkerStability& stability,
                                        const InversionProblem& input,
                                        const InversionOptions& options,
                                        const Eigen::MatrixXd* warm_start) {
  std::string why;
  if (!options.Check(&why)) throw std::invalid_argument("InversionOptions: " + why);
  const size_t districts = network.district_count();
  const std::vector<double>& populations = input.populations_per_district;
  const int day_count = input.day_count;
  if (populations.size() != districts) {
    throw std::invalid_argument("NetworkInversion: one population per district is needed");
  }
  for (double population : populations) {
    if (!(population > 0.0) || !std::isfinite(population)) {
      throw std::invalid_argument("NetworkInversion: populations must be positive");
    }
  }
  if (day_count <= 0) throw std::invalid_argument("NetworkInversion: day_count must be positive");

  // unit_of[d] and each district's share of its unit's mass.
  std::vector<std::vector<size_t>> units = input.units;
  if (units.empty()) {
    for (size_t d = 0; d < districts; ++d) units.push_back({d});
  }
  std::vector<size_t> unit_of(districts, units.size());
  std::vector<double> unit_population(units.size(), 0.0);
  for (size_t u = 0; u < units.size(); ++u) {
    if (units[u].empty()) throw std::invalid_argument("NetworkInversion: an empty unit");
    for (size_t d : units[u]) {
      if (d >= districts || unit_of[d] != units.size()) {
        throw std::invalid_argument(
            "NetworkInversion: units must hold every district exactly once");
      }
      unit_of[d] = u;
      unit_population[u] += populations[d];
    }
  }
  for (size_t d = 0; d < districts; ++d) {
    if (unit_of[d] == units.size()) {
      throw std::invalid_argument("NetworkInversion: units must hold every district exactly once");
    }
  }
  if (warm_start != nullptr &&
      (warm_start->rows() != static_cast<Eigen::Index>(units.size()) || warm_start->cols() < 1 ||
       warm_start->cols() > day_count || !warm_start->allFinite())) {
    throw std::invalid_argument(
        "NetworkInversion: warm start must be units x (1 .. day_count) finite log masses");
  }

  const int warm_up_days = WarmUpDays(network);
  ThetaLayout theta(units.size(), warm_up_days, day_count);
  for (size_t u = 0; u < units.size(); ++u) {
    const double prior_log_mass =
        std::log(unit_population[u]) + options.per_capita_log_mg_per_person_per_day;
    for (int day = -warm_up_days; day < day_count; ++day) {
      double start = prior_log_mass;
      if (warm_start != nullptr) {
        const Eigen::Index column = std::clamp<Eigen::Index>(day, 0, warm_start->cols() - 1);
        start = (*warm_start)(static_cast<Eigen::Index>(u), column);
      }
      *theta.At(u, day) = start;
    }
  }

  ceres::Problem problem;
  // Priors and the random walk cover every unknown, so each block is in the problem even when
  // no site sees its unit.
  for (size_t u = 0; u < units.size(); ++u) {
    for (int day = -warm_up_days; day < day_count; ++day) {
      problem.AddResidualBlock(PerCapitaPriorCost::Create(
                                   unit_population[u], options.per_capita_log_mg_per_person_per_day,
                                   options.per_capita_log_sigma),
                               nullptr, theta.At(u, day));
      if (day > -warm_up_days) {
        problem.AddResidualBlock(RandomWalkCost::Create(options.random_walk_log_sigma_per_day),
                                 nullptr, theta.At(u, day), theta.At(u, day - 1));
      }
      if (options.day_of_week_log_sigma > 0.0 && day - 7 >= -warm_up_days) {
        problem.AddResidualBlock(RandomWalkCost::Create(options.day_of_week_log_sigma), nullptr,
                                 theta.At(u, day), theta.At(u, day - 7));
      }
    }
  }

  struct ObservedTerm {
    size_t observation = 0;
    ceres::ResidualBlockId block = nullptr;
  };
  std::vector<ObservedTerm> observed_terms;
  for (size_t i = 0; i < input.observations.size(); ++i) {
    const SiteLoadObservation& observation = input.observations[i];
    if (observation.site_index >= network.site_count()) {
      throw std::invalid_argument("NetworkInversion: observation site index out of range");
    }
    if (observation.day_index < 0 || observation.day_index >= day_count) {
      throw std::invalid_argument("NetworkInversion: observation day index out of range");
    }
    SiteDayLoadTerms terms;
    for (const Route& route : network.Routes(observation.site_index)) {
      const size_t u = unit_of[route.district_index];
      const double weight = network.Survival(route, stability) * populations[route.district_index] /
                            unit_population[u];
      const int day = observation.day_index - route.whole_days_lag;
      terms.Add(theta.At(u, day), weight * (1.0 - route.spill_fraction));
      terms.Add(theta.At(u, day - 1), weight * route.spill_fraction);
    }
    if (terms.empty()) continue;  // a site with nothing upstream says nothing about districts
    if (observation.log_sigma < 0.0 || !std::isfinite(observation.log_sigma)) {
      throw std::invalid_argument("NetworkInversion: an observation's log sigma must be >= 0");
    }
    const double log_sigma =
        observation.log_sigma > 0.0 ? observation.log_sigma : options.observation_log_sigma;
    if (observation.censored) {
      if (!(observation.loq_load_mg_per_day > 0.0)) {
        throw std::invalid_argument("NetworkInversion: a censored observation needs LOQ load > 0");
      }
      problem.AddResidualBlock(
          CensoredLoadCost::Create(terms, observation.loq_load_mg_per_day, log_sigma), nullptr,
          terms.blocks());
    } else {
      if (!(observation.load_mg_per_day > 0.0) || !std::isfinite(observation.load_mg_per_day)) {
        throw std::invalid_argument(
            "NetworkInversion: observed loads must be positive (report zeros as censored)");
      }
      observed_terms.push_back(
          {i, problem.AddResidualBlock(
                  ObservedLoadCost::Create(terms, observation.load_mg_per_day, log_sigma),
                  MakeLoss(options), terms.blocks())});
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
  result.log_mass_mg_per_day.resize(static_cast<Eigen::Index>(units.size()), day_count);
  for (size_t u = 0; u < units.size(); ++u) {
    for (int day = 0; day < day_count; ++day) {
      result.log_mass_mg_per_day(static_cast<Eigen::Index>(u), day) = *theta.At(u, day);
    }
  }
  result.iterations = static_cast<int>(summary.iterations.size());
  result.initial_cost = summary.initial_cost;
  result.final_cost = summary.final_cost;
  result.converged = summary.termination_type == ceres::CONVERGENCE;
  result.solve_time_s = summary.total_time_in_seconds;
  result.linear_solver = ceres::LinearSolverTypeToString(solver_options.linear_solver_type);
  result.ceres_brief_report = summary.BriefReport();

  // Whitened residuals without the robust loss: how far each observation is from the fit.
  result.whitened_residuals.assign(input.observations.size(), std::nan(""));
  for (const ObservedTerm& term : observed_terms) {
    double residual = 0.0;
    const ceres::CostFunction* cost = problem.GetCostFunctionForResidualBlock(term.block);
    std::vector<double*> blocks;
    problem.GetParameterBlocksForResidualBlock(term.block, &blocks);
    cost->Evaluate(blocks.data(), &residual, nullptr);
    result.whitened_residuals[term.observation] = residual;
  }

  if (!input.covariance_sets.empty()) {
    result.covariance_ok = ComputeCovarianceBlocks(input.covariance_sets, options, &problem, &theta,
                                                   &result.covariances);
  }
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
