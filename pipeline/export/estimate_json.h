#pragma once

#include <nlohmann/json.hpp>

#include "models/backcalc/back_calculator.h"

namespace wbe {

// JSON forms of estimates, shared by the CLI, exports and (later) the HTTP API.
// Missing values (NaN) become null, never 0.
nlohmann::json UncertainValueToJson(const UncertainValue& value);
nlohmann::json SiteDayEstimateToJson(const SiteDayEstimate& estimate);
nlohmann::json BackCalculationParametersToJson(const BackCalculationParameters& parameters);
// The `wbe backcalc --json` object: every estimate field plus "parameters".
nlohmann::json BackCalculationToJson(const BackCalculationResult& result);

}  // namespace wbe
