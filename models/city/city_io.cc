#include "models/city/city_io.h"

#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "data-schemas/validation/json_schema_validator.h"
#include "models/core/input_error.h"
#include "models/core/schema_check.h"

namespace wbe {
namespace {

using nlohmann::json;

std::string Quoted(const std::string& text) { return "'" + text + "'"; }

// The id of the array element a JSON pointer points into, so that a message about
// "/districts/3/population" can also say "district 'D'".
std::string EntityLabel(const json& document, const std::string& pointer) {
  struct Part {
    const char* prefix;
    const char* noun;
  };
  static const Part kParts[] = {{"/districts/", "district"},
                                {"/sites/", "site"},
                                {"/network/nodes/", "node"},
                                {"/network/edges/", "edge"}};
  for (const Part& part : kParts) {
    const std::string prefix = part.prefix;
    if (pointer.compare(0, prefix.size(), prefix) != 0) continue;
    const size_t end = pointer.find('/', prefix.size());
    const std::string element = pointer.substr(0, end);
    try {
      const json& node = document.at(json::json_pointer(element));
      if (!node.is_object()) return "";
      if (std::string(part.noun) == "edge") {
        if (node.contains("from") && node.contains("to") && node["from"].is_string() &&
            node["to"].is_string()) {
          return "edge " + node["from"].get<std::string>() + " -> " + node["to"].get<std::string>();
        }
        return "";
      }
      if (node.contains("id") && node["id"].is_string()) {
        return std::string(part.noun) + " " + Quoted(node["id"].get<std::string>());
      }
    } catch (const json::exception&) {
      return "";
    }
  }
  return "";
}

void CheckSchema(const json& document, const std::string& origin) {
  const std::vector<SchemaViolation> violations =
      SchemaValidator("city.schema.json").Validate(document);
  if (violations.empty()) return;
  const SchemaViolation& first = violations.front();
  std::string message = first.message;
  const std::string label = EntityLabel(document, first.instance_path);
  if (!label.empty()) message = label + ": " + message;
  if (violations.size() > 1) {
    message += " (and " + std::to_string(violations.size() - 1) + " more problems)";
  }
  throw InputError(origin, 0, first.instance_path, message);
}

// Maps the field City::Validate names to where that part sits in the JSON document.
std::string PointerForCityField(const std::string& field) {
  if (field == "nodes") return "/network/nodes";
  if (field == "edges") return "/network/edges";
  if (field.empty()) return "";
  return "/" + field;
}

}  // namespace

City LoadCityFromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path, 0, "", "cannot open the city file");
  std::stringstream text;
  text << in.rdbuf();
  json document;
  try {
    document = json::parse(text.str());
  } catch (const json::parse_error& e) {
    throw InputError(path, 0, "", std::string("not valid JSON: ") + e.what());
  }
  return CityFromJson(document, path);
}

City CityFromJson(const json& document, const std::string& origin) {
  CheckSchema(document, origin);

  City city;
  city.name = document.at("name").get<std::string>();
  const json& network = document.at("network");
  const json& nodes = network.at("nodes");
  for (const json& node : nodes) city.nodes.push_back(node.at("id").get<std::string>());
  const std::set<std::string> node_set(city.nodes.begin(), city.nodes.end());

  // References are checked here, where the JSON pointer of the entry is still known.
  const json& edges = network.at("edges");
  for (size_t i = 0; i < edges.size(); ++i) {
    const json& node = edges[i];
    SewerEdge edge;
    edge.from_node = node.at("from").get<std::string>();
    edge.to_node = node.at("to").get<std::string>();
    edge.travel_time_h = node.at("travel_time_h").get<double>();
    edge.sewer_type = ParseSewerType(node.at("sewer_type").get<std::string>());
    const std::string path = "/network/edges/" + std::to_string(i);
    const std::string label = "edge " + edge.from_node + " -> " + edge.to_node;
    if (!node_set.count(edge.from_node)) {
      throw InputError(
          origin, 0, path + "/from",
          label + ": unknown node " + Quoted(edge.from_node) + " (not in /network/nodes)");
    }
    if (!node_set.count(edge.to_node)) {
      throw InputError(
          origin, 0, path + "/to",
          label + ": unknown node " + Quoted(edge.to_node) + " (not in /network/nodes)");
    }
    city.edges.push_back(edge);
  }

  const json& districts = document.at("districts");
  for (size_t i = 0; i < districts.size(); ++i) {
    const json& node = districts[i];
    District district;
    district.id = node.at("id").get<std::string>();
    district.name = node.at("name").get<std::string>();
    district.population = node.at("population").get<double>();
    district.area_km2 = node.at("area_km2").get<double>();
    if (node.contains("registered_users") && !node["registered_users"].is_null()) {
      district.registered_users = node["registered_users"].get<int>();
    }
    district.outlet_node = node.at("outlet_node").get<std::string>();
    if (!node_set.count(district.outlet_node)) {
      throw InputError(origin, 0, "/districts/" + std::to_string(i) + "/outlet_node",
                       "district " + Quoted(district.id) + " drains into unknown node " +
                           Quoted(district.outlet_node) + " (not in /network/nodes)");
    }
    city.districts.push_back(district);
  }

  const json& sites = document.at("sites");
  for (size_t i = 0; i < sites.size(); ++i) {
    const json& node = sites[i];
    SamplingSite site;
    site.id = node.at("id").get<std::string>();
    site.name = node.at("name").get<std::string>();
    site.kind = ParseSiteKind(node.at("kind").get<std::string>());
    site.node = node.at("node").get<std::string>();
    if (!node_set.count(site.node)) {
      throw InputError(origin, 0, "/sites/" + std::to_string(i) + "/node",
                       "site " + Quoted(site.id) + " sits on unknown node " + Quoted(site.node) +
                           "; it is off the sewer network");
    }
    city.sites.push_back(site);
  }

  // Tree shape, duplicates and reachability: City::Validate knows them; keep its message and
  // point at the part of the document it concerns.
  try {
    city.Validate();
  } catch (const InputError& e) {
    throw InputError(origin, 0, PointerForCityField(e.field()), e.message());
  }
  return city;
}

json CityToJson(const City& city) {
  json document;
  document["name"] = city.name;
  json districts = json::array();
  for (const District& district : city.districts) {
    json node;
    node["id"] = district.id;
    node["name"] = district.name;
    node["population"] = district.population;
    node["area_km2"] = district.area_km2;
    if (district.registered_users) node["registered_users"] = *district.registered_users;
    node["outlet_node"] = district.outlet_node;
    districts.push_back(node);
  }
  document["districts"] = districts;
  json nodes = json::array();
  for (const std::string& id : city.nodes) nodes.push_back({{"id", id}});
  json edges = json::array();
  for (const SewerEdge& edge : city.edges) {
    edges.push_back({{"from", edge.from_node},
                     {"to", edge.to_node},
                     {"travel_time_h", edge.travel_time_h},
                     {"sewer_type", SewerTypeName(edge.sewer_type)}});
  }
  document["network"] = {{"nodes", nodes}, {"edges", edges}};
  json sites = json::array();
  for (const SamplingSite& site : city.sites) {
    sites.push_back({{"id", site.id},
                     {"name", site.name},
                     {"kind", SiteKindName(site.kind)},
                     {"node", site.node}});
  }
  document["sites"] = sites;
  return document;
}

}  // namespace wbe
