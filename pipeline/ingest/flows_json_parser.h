#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "models/core/observations.h"

namespace wbe {

// Reads flows sent as JSON, the API's alternative to flows.csv:
//   {"flows": [{"site_id": "S01", "date": "2026-03-02", "flow_m3_per_day": 52000,
//               "rain_mm": 0, "cod_mg_per_l": 410, "nh4_n_mg_per_l": 38}, ...]}
// (rain_mm, cod_mg_per_l and nh4_n_mg_per_l optional or null). The same rules as ParseFlowsCsv;
// an InputError names the entry as its row (1-based) and the JSON pointer of the bad member.
std::vector<FlowRecord> ParseFlowsJson(std::string_view bytes, const std::string& source_name,
                                       const std::vector<std::string>& known_sites = {});

}  // namespace wbe
