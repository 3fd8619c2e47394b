#include "models/network/sewer_network.h"

#include <cmath>
#include <stdexcept>

#include "models/core/input_error.h"

namespace wbe {
namespace {

constexpr double kHoursPerDay = 24.0;

double RateOrZero(const Quantity& k_per_h) { return k_per_h.known() ? k_per_h.point() : 0.0; }

}  // namespace

SewerNetwork SewerNetwork::Build(const City& city) {
  city.Validate();
  SewerNetwork network;
  for (size_t d = 0; d < city.districts.size(); ++d) {
    network.district_ids_.push_back(city.districts[d].id);
    network.district_index_[city.districts[d].id] = d;
  }
  network.routes_by_site_.resize(city.sites.size());
  network.routes_by_district_.resize(city.districts.size());
  for (size_t s = 0; s < city.sites.size(); ++s) {
    const SamplingSite& site = city.sites[s];
    network.site_ids_.push_back(site.id);
    network.site_index_[site.id] = s;
    for (const DistrictPath& path : city.UpstreamDistricts(site.id)) {
      Route route;
      route.site_index = s;
      route.district_index = path.district_index;
      route.gravity_h = path.gravity_h;
      route.rising_main_h = path.rising_main_h;
      // Same expression as the simulator, so lags and spills agree to the last bit.
      const double lag_days = path.travel_time_h() / kHoursPerDay;
      route.whole_days_lag = static_cast<int>(std::floor(lag_days));
      route.spill_fraction = lag_days - static_cast<double>(route.whole_days_lag);
      network.routes_by_site_[s].push_back(route);
      network.routes_by_district_[path.district_index].push_back(route);
    }
  }
  return network;
}

size_t SewerNetwork::SiteIndex(const std::string& site_id) const {
  const auto it = site_index_.find(site_id);
  if (it == site_index_.end()) {
    throw InputError("", 0, "site", "unknown sampling site '" + site_id + "'");
  }
  return it->second;
}

size_t SewerNetwork::DistrictIndex(const std::string& district_id) const {
  const auto it = district_index_.find(district_id);
  if (it == district_index_.end()) {
    throw InputError("", 0, "district", "unknown district '" + district_id + "'");
  }
  return it->second;
}

const std::vector<Route>& SewerNetwork::Routes(size_t site_index) const {
  return routes_by_site_.at(site_index);
}

const std::vector<Route>& SewerNetwork::RoutesOfDistrict(size_t district_index) const {
  return routes_by_district_.at(district_index);
}

double SewerNetwork::Survival(const Route& route, const BiomarkerStability& stability) const {
  return std::exp(-(RateOrZero(stability.gravity_k_per_h) * route.gravity_h +
                    RateOrZero(stability.rising_main_k_per_h) * route.rising_main_h));
}

Eigen::MatrixXd SewerNetwork::ForwardLoads(const Eigen::MatrixXd& district_mass_mg_per_day,
                                           const BiomarkerStability& stability) const {
  if (static_cast<size_t>(district_mass_mg_per_day.rows()) != district_count()) {
    throw std::invalid_argument("ForwardLoads: expected " + std::to_string(district_count()) +
                                " district rows, got " +
                                std::to_string(district_mass_mg_per_day.rows()));
  }
  const Eigen::Index days = district_mass_mg_per_day.cols();
  Eigen::MatrixXd loads = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(site_count()), days);
  for (size_t s = 0; s < site_count(); ++s) {
    const Eigen::Index row = static_cast<Eigen::Index>(s);
    for (const Route& route : routes_by_site_[s]) {
      const double survival = Survival(route, stability);
      const auto mass =
          district_mass_mg_per_day.row(static_cast<Eigen::Index>(route.district_index));
      for (Eigen::Index t = 0; t < days; ++t) {
        const Eigen::Index same = t - route.whole_days_lag;
        const Eigen::Index before = same - 1;
        const double same_mg = same >= 0 ? mass(same) : 0.0;
        const double before_mg = before >= 0 ? mass(before) : 0.0;
        loads(row, t) +=
            survival * ((1.0 - route.spill_fraction) * same_mg + route.spill_fraction * before_mg);
      }
    }
  }
  return loads;
}

}  // namespace wbe
