#include "pipeline/ingest/flows_json_parser.h"

#include <cmath>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "models/core/input_error.h"

namespace wbe {

std::vector<FlowRecord> ParseFlowsJson(std::string_view bytes, const std::string& source_name,
                                       const std::vector<std::string>& known_sites) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(bytes);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(source_name, 0, "", std::string("not valid JSON: ") + e.what());
  }
  if (!document.is_object() || !document.contains("flows") || !document["flows"].is_array()) {
    throw InputError(source_name, 0, "/flows", "expected an object with a \"flows\" array");
  }
  const std::set<std::string> sites(known_sites.begin(), known_sites.end());
  std::set<std::pair<std::string, DayIndex>> seen;
  std::vector<FlowRecord> flows;
  const nlohmann::json& entries = document["flows"];
  for (size_t i = 0; i < entries.size(); ++i) {
    const long row = static_cast<long>(i) + 1;
    const std::string pointer = "/flows/" + std::to_string(i);
    const nlohmann::json& entry = entries[i];
    if (!entry.is_object()) throw InputError(source_name, row, pointer, "expected an object");
    const auto text = [&](const char* name) {
      if (!entry.contains(name) || !entry[name].is_string() ||
          entry[name].get<std::string>().empty()) {
        throw InputError(source_name, row, pointer + "/" + name, "a non-empty string is required");
      }
      return entry[name].get<std::string>();
    };
    const auto number = [&](const char* name, bool required) {
      if (!entry.contains(name) || entry[name].is_null()) {
        if (required) throw InputError(source_name, row, pointer + "/" + name, "is required");
        return FlowRecord::kMissing;
      }
      if (!entry[name].is_number()) {
        throw InputError(source_name, row, pointer + "/" + name, "must be a number");
      }
      const double value = entry[name].get<double>();
      if (!std::isfinite(value) || value < 0.0) {
        throw InputError(source_name, row, pointer + "/" + name, "must not be negative");
      }
      return value;
    };
    FlowRecord flow;
    flow.site_id = text("site_id");
    if (!sites.empty() && !sites.count(flow.site_id)) {
      throw InputError(source_name, row, pointer + "/site_id",
                       "unknown site '" + flow.site_id + "'; the city has no such sampling site");
    }
    try {
      flow.day = ParseIsoDate(text("date"));
    } catch (const std::invalid_argument& e) {
      throw InputError(source_name, row, pointer + "/date", e.what());
    }
    flow.flow_m3_per_day = number("flow_m3_per_day", true);
    if (!(flow.flow_m3_per_day > 0.0)) {
      throw InputError(source_name, row, pointer + "/flow_m3_per_day", "must be positive");
    }
    const double rain = number("rain_mm", false);
    flow.rain_mm = std::isnan(rain) ? 0.0 : rain;
    flow.cod_mg_per_l = number("cod_mg_per_l", false);
    flow.nh4_n_mg_per_l = number("nh4_n_mg_per_l", false);
    if (!seen.insert({flow.site_id, flow.day}).second) {
      throw InputError(source_name, row, pointer + "/date",
                       "site " + flow.site_id + " has two flows for " + FormatIsoDate(flow.day));
    }
    flows.push_back(std::move(flow));
  }
  return flows;
}

}  // namespace wbe
