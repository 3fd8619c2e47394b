#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/backcalc/site_day_estimate.h"
#include "models/city/city.h"
#include "models/core/observations.h"
#include "pipeline/archive/batch_manifest.h"

namespace wbe {

// The JSON forms the API replies with (data-schemas/openapi.json). Missing numbers are null.

// batch_id -> sha256 of the version that counts for estimation (Manifest::Latest rules).
std::map<std::string, std::string> CurrentVersions(const std::vector<ManifestEntry>& entries);

nlohmann::json ManifestEntryJson(const ManifestEntry& entry, bool current);
nlohmann::json MeasurementJson(const Measurement& measurement);
nlohmann::json FlowJson(const FlowRecord& flow);
// A site estimate with the districts draining to its site.
nlohmann::json SiteEstimateJson(const SiteDayEstimate& estimate,
                                const std::vector<std::string>& districts);

// Flat rows (objects of scalars, or of objects of scalars, flattened as "outer.inner") as CSV
// with the given columns.
std::string JsonRowsToCsv(const std::vector<std::string>& columns, const nlohmann::json& rows);
// The columns of the first row, flattened as JsonRowsToCsv does.
std::vector<std::string> FlatColumns(const nlohmann::json& row);

}  // namespace wbe
