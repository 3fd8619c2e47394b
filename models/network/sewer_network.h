#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "models/catalogue/drug_catalogue.h"
#include "models/city/city.h"

namespace wbe {

// How one district's sewage reaches one sampling site. A 24-h composite for day t holds the
// district's mass of day t - whole_days_lag with weight 1 - spill_fraction and of the day
// before that with weight spill_fraction (the same arithmetic as the city simulator).
struct Route {
  size_t site_index = 0;      // into City::sites
  size_t district_index = 0;  // into City::districts
  double gravity_h = 0.0;
  double rising_main_h = 0.0;
  int whole_days_lag = 0;       // floor(tau / 24 h)
  double spill_fraction = 0.0;  // tau / 24 h - whole_days_lag, in [0, 1)
  double travel_time_h() const { return gravity_h + rising_main_h; }
};

// The sampling design as the network inversion sees it: for every (site, upstream district)
// pair, the route's hours by sewer type and its split across composite days. Built only from
// a valid City, so an estimator never meets cycles, orphan districts or negative travel times.
class SewerNetwork {
 public:
  // Throws InputError (from City::Validate) naming the offending entity.
  static SewerNetwork Build(const City& city);

  size_t site_count() const { return site_ids_.size(); }
  size_t district_count() const { return district_ids_.size(); }
  const std::string& SiteId(size_t site_index) const { return site_ids_.at(site_index); }
  const std::string& DistrictId(size_t district_index) const {
    return district_ids_.at(district_index);
  }
  // Throw InputError on unknown ids.
  size_t SiteIndex(const std::string& site_id) const;
  size_t DistrictIndex(const std::string& district_id) const;

  // The routes into a site, in district order; throws std::out_of_range on a bad index.
  const std::vector<Route>& Routes(size_t site_index) const;
  // The routes out of a district, in site order; empty when no site is downstream of it.
  const std::vector<Route>& RoutesOfDistrict(size_t district_index) const;

  // Fraction of the biomarker that survives the route: exp(-(k_g x gravity_h + k_r x
  // rising_main_h)); an unknown rate counts as 0 (no loss), as in the simulator.
  double Survival(const Route& route, const BiomarkerStability& stability) const;

  // Daily loads at the sites (sites x days, mg/day) from the biomarker mass entering the sewer
  // in each district (districts x days, mg/day; column 0 is the first day). Mass from days
  // before column 0 is unknown and left out, so the first whole_days_lag + 1 columns of a site
  // may be too low; callers start the input that many days before the days they compare.
  // Throws std::invalid_argument when the row count is not district_count().
  Eigen::MatrixXd ForwardLoads(const Eigen::MatrixXd& district_mass_mg_per_day,
                               const BiomarkerStability& stability) const;

 private:
  std::vector<std::string> site_ids_;
  std::vector<std::string> district_ids_;
  std::map<std::string, size_t> site_index_;
  std::map<std::string, size_t> district_index_;
  std::vector<std::vector<Route>> routes_by_site_;
  std::vector<std::vector<Route>> routes_by_district_;
};

}  // namespace wbe
