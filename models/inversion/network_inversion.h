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
};

struct InversionResult {
  // log biomarker mass entering the sewer, districts x days (mg/day); warm-up days dropped.
  Eigen::MatrixXd log_mass_mg_per_day;
  int warm_up_days = 0;  // unknowns solved for before day 0 (max lag + 1), not returned
  int iterations = 0;
  double initial_cost = 0.0;
  double final_cost = 0.0;
  bool converged = false;  // Ceres reported CONVERGENCE
  double solve_time_s = 0.0;
  std::string linear_solver;  // the one actually used
  std::string ceres_brief_report;

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
  // may be null): districts x k log masses with 1 <= k <= day_count, e.g. the previous solution
  // when new days arrive; days past its last column start from that column. Without it every
  // district-day starts at its per-capita prior mean.
  // Throws std::invalid_argument on bad options, shapes, indices or non-positive loads.
  static InversionResult Solve(const SewerNetwork& network, const BiomarkerStability& stability,
                               const std::vector<double>& populations_per_district,
                               const std::vector<SiteLoadObservation>& observations, int day_count,
                               const InversionOptions& options,
                               const Eigen::MatrixXd* warm_start = nullptr);

  // Max lag + 1: the days before day 0 whose mass can still reach a site on or after day 0.
  static int WarmUpDays(const SewerNetwork& network);
};

}  // namespace wbe
