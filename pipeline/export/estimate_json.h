#pragma once

#include <nlohmann/json.hpp>

#include "models/backcalc/back_calculator.h"
#include "models/inversion/district_estimate.h"
#include "models/network/identifiability.h"

namespace wbe {

// JSON forms of estimates, shared by the CLI, exports and (later) the HTTP API.
// Missing values (NaN) become null, never 0.
nlohmann::json UncertainValueToJson(const UncertainValue& value);
nlohmann::json SiteDayEstimateToJson(const SiteDayEstimate& estimate);
// A district group's estimate for a day or an ISO week; members as an array.
nlohmann::json DistrictEstimateToJson(const DistrictEstimate& estimate);
nlohmann::json DistrictGroupToJson(const DistrictGroup& group);
nlohmann::json EstimateFlagToJson(const EstimateFlag& flag);
nlohmann::json BackCalculationParametersToJson(const BackCalculationParameters& parameters);
// The `wbe backcalc --json` object: every estimate field plus "parameters".
nlohmann::json BackCalculationToJson(const BackCalculationResult& result);

}  // namespace wbe
