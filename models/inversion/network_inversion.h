#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "models/catalogue/drug_catalogue.h"
#include "models/inversion/inversion_options.h"
#include "models/network/sewer_network.h"

namespace wbe {

// One composite sample's biomarker load at a site.
struct SiteLoadObservation {
  size_t site_index = 0;             // into SewerNetwork sites
  int day_index = 0;                 // 0 .. day_count - 1
  double load_mg_per_day = 0.0;      // used when !censored; must be > 0
  bool censored = false;             // below the limit of quantification
  double loq_load_mg_per_day = 0.0;  // used when censored: LOQ x flow; must be > 0
  // Log-scale sigma of this load (analytical, sampling and flow error combined); 0: the
  // options' observation_log_sigma.
  double log_sigma = 0.0;
};

// One (unit, day) unknown; day may be negative down to -warm_up_days.
struct UnitDay {
  size_t unit = 0;
  int day = 0;
};

// What to solve for besides the network and the observations.
struct InversionProblem {
  // persons, > 0, in network district order.
  std::vector<double> populations_per_district;
  // Districts solved for as one unknown per day, their mass split by population (district
  // indices; every district in exactly one unit). Empty: each district is its own unit. Use
  // the identifiability groups, whose members only their sum can be estimated for.
  std::vector<std::vector<size_t>> units;
  std::vector<SiteLoadObservation> observations;
  int day_count = 0;
  // Sets of unknowns whose joint posterior covariance (Laplace approximation at the solution)
  // is wanted, e.g. one unit's seven days of a week. Only these blocks are computed.
  std::vector<std::vector<UnitDay>> covariance_sets;
};

struct InversionResult {
  // log biomarker mass entering the sewer, units x days (mg/day); warm-up days dropped. Units
  // are districts unless InversionProblem::units groups them.
  Eigen::MatrixXd log_mass_mg_per_day;
  int warm_up_days = 0;  // unknowns solved for before day 0 (max lag + 1), not returned
  int iterations = 0;
  double initial_cost = 0.0;
  double final_cost = 0.0;
  bool converged = false;  // Ceres reported CONVERGENCE
  double solve_time_s = 0.0;
  std::string linear_solver;  // the one actually used
  std::string ceres_brief_report;
  // Per observation, in input order: (log observed - log model) / sigma at the solution; NaN
  // for censored ones and for sites with nothing upstream.
  std::vector<double> whitened_residuals;
  // One matrix per InversionProblem::covariance_sets entry, in its order (log scale).
  std::vector<Eigen::MatrixXd> covariances;
  bool covariance_ok = true;  // false: Ceres found the information matrix rank deficient

  Eigen::MatrixXd MassMgPerDay() const { return log_mass_mg_per_day.array().exp().matrix(); }
  std::string BriefReport() const;
};

// The network inversion for one biomarker: finds theta[d][t] = log mass (mg/day) per district
// and day such that the sewer network's forward model (SewerNetwork::ForwardLoads' lag and
// spill) reproduces the site loads, with a robust loss on observations, a censored likelihood
// below LOQ, a random walk over days and a weak per-capita prior.
class NetworkInversion {
 public:
  // populations_per_district: persons, > 0, in network district order. warm_start (optional,
  // may be null): units x k log masses with 1 <= k <= day_count, e.g. the previous solution
  // when new days arrive; days past its last column start from that column. Without it every
  // district-day starts at its per-capita prior mean.
  // Throws std::invalid_argument on bad options, shapes, indices or non-positive loads.
  static InversionResult Solve(const SewerNetwork& network, const BiomarkerStability& stability,
                               const std::vector<double>& populations_per_district,
                               const std::vector<SiteLoadObservation>& observations, int day_count,
                               const InversionOptions& options,
                               const Eigen::MatrixXd* warm_start = nullptr);
  // The same with units of districts and posterior covariance blocks; warm_start is then
  // units x k.
  static InversionResult Solve(const SewerNetwork& network, const BiomarkerStability& stability,
                               const InversionProblem& problem, const InversionOptions& options,
                               const Eigen::MatrixXd* warm_start = nullptr);

  // Max lag + 1: the days before day 0 whose mass can still reach a site on or after day 0.
  static int WarmUpDays(const SewerNetwork& network);
};

}  // namespace wbe
