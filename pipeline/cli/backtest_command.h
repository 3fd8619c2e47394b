#pragma once

#include <CLI/CLI.hpp>

namespace wbe::cli {

// `wbe backtest --store FILE [--json] [--period day|week] [--drug NAME]... [--horizon N]`:
// rolling-origin backtest of the structural forecaster on each district group x drug series
// of the store's district estimates (MASE against seasonal naive, 90 % interval coverage,
// CRPS, all on the log scale). Exit 2 when the store has no district estimates for the period.
// `wbe backtest --euda FILE [--metabolite NAME]... [--site-info FILE] [--json]`: the same
// scores for the yearly trend of EUDA/SCORE's one-week-a-year city series, the rising-trend
// probability's Brier score, and the weekday profile's skill (models/forecast/
// yearly_week_evaluation.h). Exit 2 for a file that cannot be read or parsed.
void RegisterBacktestCommand(CLI::App& app);

}  // namespace wbe::cli
