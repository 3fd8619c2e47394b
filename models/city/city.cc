#include "models/city/city.h"

#include <cmath>
#include <set>
#include <sstream>
#include <stdexcept>

#include "models/core/input_error.h"

namespace wbe {

const char* SewerTypeName(SewerType type) {
  return type == SewerType::kGravity ? "gravity" : "rising_main";
}

SewerType ParseSewerType(const std::string& name) {
  if (name == "gravity") return SewerType::kGravity;
  if (name == "rising_main") return SewerType::kRisingMain;
  throw std::invalid_argument("unknown sewer type '" + name + "' (gravity or rising_main)");
}

const char* SiteKindName(SiteKind kind) {
  return kind == SiteKind::kTreatmentPlantInlet ? "treatment_plant_inlet" : "manhole";
}

SiteKind ParseSiteKind(const std::string& name) {
  if (name == "treatment_plant_inlet") return SiteKind::kTreatmentPlantInlet;
  if (name == "manhole") return SiteKind::kManhole;
  throw std::invalid_argument("unknown site kind '" + name +
                              "' (treatment_plant_inlet or manhole)");
}

namespace {

// The downstream edge of each node (a tree has at most one); nullptr at the root.
std::map<std::string, const SewerEdge*> DownstreamEdges(const City& city) {
  std::map<std::string, const SewerEdge*> downstream;
  for (const SewerEdge& edge : city.edges) downstream[edge.from_node] = &edge;
  return downstream;
}

}  // namespace

void City::Validate() const {
  const std::string where = "city '" + name + "'";
  std::set<std::string> node_set;
  for (const std::string& node : nodes) {
    if (node.empty()) throw InputError(where, 0, "nodes", "a node has an empty id");
    if (!node_set.insert(node).second) {
      throw InputError(where, 0, "nodes", "node '" + node + "' is listed twice");
    }
  }
  std::set<std::string> has_downstream;
  for (const SewerEdge& edge : edges) {
    const std::string label = "edge " + edge.from_node + " -> " + edge.to_node;
    if (!node_set.count(edge.from_node) || !node_set.count(edge.to_node)) {
      throw InputError(where, 0, "edges", label + " names a node that is not in the network");
    }
    if (edge.from_node == edge.to_node) {
      throw InputError(where, 0, "edges", label + " loops onto itself");
    }
    // A NaN would pass a plain "< 0" test and poison every survival and lag downstream.
    if (!std::isfinite(edge.travel_time_h)) {
      throw InputError(where, 0, "edges", label + " has a travel time that is not a finite number");
    }
    if (edge.travel_time_h < 0.0) {
      std::ostringstream hours;
      hours << edge.travel_time_h;
      throw InputError(where, 0, "edges",
                       label + " has a negative travel time (" + hours.str() + " h)");
    }
    if (!has_downstream.insert(edge.from_node).second) {
      throw InputError(
          where, 0, "edges",
          "node '" + edge.from_node + "' drains into two nodes; the sewer network must be a tree");
    }
  }
  if (!nodes.empty() && has_downstream.size() + 1 != nodes.size()) {
    throw InputError(where, 0, "edges",
                     "the network must have exactly one outlet (root); it has " +
                         std::to_string(nodes.size() - has_downstream.size()));
  }
  // Walking downstream from every node must end at the root without revisiting a node.
  const auto downstream = DownstreamEdges(*this);
  for (const std::string& start : nodes) {
    std::set<std::string> seen;
    std::string node = start;
    while (true) {
      if (!seen.insert(node).second) {
        throw InputError(where, 0, "edges", "the network has a cycle through node '" + node + "'");
      }
      const auto it = downstream.find(node);
      if (it == downstream.end()) break;
      node = it->second->to_node;
    }
  }
  std::set<std::string> ids;
  for (const District& district : districts) {
    if (district.id.empty()) throw InputError(where, 0, "districts", "a district has no id");
    if (!ids.insert(district.id).second) {
      throw InputError(where, 0, "districts", "district '" + district.id + "' is listed twice");
    }
    if (!(district.population > 0.0)) {
      throw InputError(where, 0, "districts",
                       "district '" + district.id + "' needs a positive population");
    }
    if (!node_set.count(district.outlet_node)) {
      throw InputError(where, 0, "districts",
                       "district '" + district.id + "' drains into node '" + district.outlet_node +
                           "', which is not in the network");
    }
  }
  std::set<std::string> site_ids;
  for (const SamplingSite& site : sites) {
    if (site.id.empty()) throw InputError(where, 0, "sites", "a sampling site has no id");
    if (!site_ids.insert(site.id).second) {
      throw InputError(where, 0, "sites", "site '" + site.id + "' is listed twice");
    }
    if (!node_set.count(site.node)) {
      throw InputError(
          where, 0, "sites",
          "site '" + site.id + "' sits on node '" + site.node + "', which is not in the network");
    }
    if (UpstreamDistricts(site.id).empty()) {
      throw InputError(where, 0, "sites", "no district drains to site '" + site.id + "'");
    }
  }
}

const District* City::FindDistrict(const std::string& id) const {
  for (const District& district : districts) {
    if (district.id == id) return &district;
  }
  return nullptr;
}

const SamplingSite* City::FindSite(const std::string& id) const {
  for (const SamplingSite& site : sites) {
    if (site.id == id) return &site;
  }
  return nullptr;
}

std::vector<std::string> City::UpstreamDistrictIds(const std::string& site_id) const {
  std::vector<std::string> ids;
  for (const DistrictPath& path : UpstreamDistricts(site_id)) {
    ids.push_back(districts[path.district_index].id);
  }
  return ids;
}

std::vector<DistrictPath> City::UpstreamDistricts(const std::string& site_id) const {
  const SamplingSite* site = FindSite(site_id);
  if (site == nullptr) throw InputError("", 0, "site", "unknown sampling site '" + site_id + "'");
  const auto downstream = DownstreamEdges(*this);
  std::vector<DistrictPath> paths;
  for (size_t i = 0; i < districts.size(); ++i) {
    DistrictPath path;
    path.district_index = i;
    std::string node = districts[i].outlet_node;
    bool reaches_site = node == site->node;
    size_t steps = 0;
    while (!reaches_site && steps++ <= nodes.size()) {
      const auto it = downstream.find(node);
      if (it == downstream.end()) break;
      const SewerEdge& edge = *it->second;
      (edge.sewer_type == SewerType::kGravity ? path.gravity_h : path.rising_main_h) +=
          edge.travel_time_h;
      node = edge.to_node;
      reaches_site = node == site->node;
    }
    if (reaches_site) paths.push_back(path);
  }
  return paths;
}

double City::PopulationServed(const std::string& site_id) const {
  double population = 0.0;
  for (const DistrictPath& path : UpstreamDistricts(site_id)) {
    population += districts[path.district_index].population;
  }
  return population;
}

double City::MeanTravelTimeH(const std::string& site_id) const {
  double weighted_h = 0.0;
  double population = 0.0;
  for (const DistrictPath& path : UpstreamDistricts(site_id)) {
    const double p = districts[path.district_index].population;
    weighted_h += p * path.travel_time_h();
    population += p;
  }
  return population > 0.0 ? weighted_h / population : 0.0;
}

}  // namespace wbe
