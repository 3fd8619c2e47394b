#pragma once

#include <string>

#include "models/alerts/weekly_screening.h"

namespace wbe {

// The weekly report's alerts as CSV, one row per alert (columns in
// data-schemas/csv-formats.md, "alerts-WEEK.csv"); evidence as compact JSON in one cell.
std::string AlertsCsv(const ScreeningReport& report);

// The risk ranking as CSV, one row per district group ("ranking-WEEK.csv").
std::string RankingCsv(const ScreeningReport& report);

}  // namespace wbe
