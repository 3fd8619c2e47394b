#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wbe {

enum class SewerType { kGravity, kRisingMain };
const char* SewerTypeName(SewerType type);          // "gravity", "rising_main"
SewerType ParseSewerType(const std::string& name);  // throws std::invalid_argument

enum class SiteKind { kTreatmentPlantInlet, kManhole };
const char* SiteKindName(SiteKind kind);  // "treatment_plant_inlet", "manhole"
SiteKind ParseSiteKind(const std::string& name);

// A sub-catchment, usually a street office (街道). registered_users is an aggregate count only.
struct District {
  std::string id;
  std::string name;
  double population = 0.0;
  double area_km2 = 0.0;
  std::optional<int> registered_users;
  std::string outlet_node;  // the sewer node this district discharges into
};

// Sewage flows from from_node to to_node; the network is a tree rooted at the plant inlet.
struct SewerEdge {
  std::string from_node;
  std::string to_node;
  double travel_time_h = 0.0;
  SewerType sewer_type = SewerType::kGravity;
};

struct SamplingSite {
  std::string id;
  std::string name;
  SiteKind kind = SiteKind::kManhole;
  std::string node;
};

// How a district's sewage reaches a site: hours spent in each sewer type on the way.
struct DistrictPath {
  size_t district_index = 0;
  double gravity_h = 0.0;
  double rising_main_h = 0.0;
  double travel_time_h() const { return gravity_h + rising_main_h; }
};

struct City {
  std::string name;
  std::vector<District> districts;
  std::vector<std::string> nodes;
  std::vector<SewerEdge> edges;
  std::vector<SamplingSite> sites;

  // Throws InputError naming the offending entity: unknown nodes, cycles, several roots,
  // districts without an outlet, sites off the network, duplicate ids, travel times that are
  // negative or not finite.
  void Validate() const;

  const District* FindDistrict(const std::string& id) const;
  const SamplingSite* FindSite(const std::string& id) const;

  // Districts upstream of (or at) the site's node, with their path hours by sewer type.
  std::vector<DistrictPath> UpstreamDistricts(const std::string& site_id) const;
  // The same districts' ids, in City order.
  std::vector<std::string> UpstreamDistrictIds(const std::string& site_id) const;
  // Sum of the populations of the upstream districts.
  double PopulationServed(const std::string& site_id) const;
  // Population-weighted mean travel time to the site, hours.
  double MeanTravelTimeH(const std::string& site_id) const;
};

}  // namespace wbe
