#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "models/core/observations.h"

namespace wbe {

// Reads flows.csv (data-schemas/csv-formats.md): site_id, date, flow_m3_per_day and the
// optional rain_mm, cod_mg_per_l, nh4_n_mg_per_l. Throws InputError naming the file, line and
// column for a missing column, a bad number, a non-positive flow, a bad date or a site-day given
// twice; `known_sites` (empty: any) limits the site ids.
std::vector<FlowRecord> ParseFlowsCsv(std::string_view bytes, const std::string& source_name,
                                      const std::vector<std::string>& known_sites = {});

}  // namespace wbe
