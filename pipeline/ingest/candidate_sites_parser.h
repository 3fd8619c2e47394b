#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "models/network/sampling_design_advisor.h"

namespace wbe {

// The candidate manholes of `wbe advise-sites`, one per row, in either form:
//   CSV (UTF-8, RFC 4180) with a header row: id,node[,name]; other columns are ignored.
//   JSON: an array of objects [{"id": "C1", "node": "j_south", "name": "..."}, ...].
// Ids are machine ids (letters, digits, '_', '-', '.'), each listed once; name is optional.
// Whether the nodes exist is the advisor's check (it knows the city). Throws InputError naming
// the file, the row (the CSV line, or the 1-based array element) and the field.
std::vector<CandidateSite> ParseCandidateSitesCsv(std::string_view bytes,
                                                  const std::string& source_name);
std::vector<CandidateSite> ParseCandidateSitesJson(std::string_view bytes,
                                                   const std::string& source_name);

// Reads the file and parses it as JSON when its first non-blank character is '[' (or it ends in
// .json), else as CSV.
std::vector<CandidateSite> LoadCandidateSitesFile(const std::string& path);

}  // namespace wbe
