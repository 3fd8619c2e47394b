#pragma once

#include <CLI/CLI.hpp>

namespace wbe::cli {

// `wbe backtest --store FILE [--json] [--period day|week] [--drug NAME]... [--horizon N]`:
// rolling-origin backtest of the structural forecaster on each district group x drug series
// of the store's district estimates (MASE against seasonal naive, 90 % interval coverage,
// CRPS, all on the log scale). Exit 2 when the store has no district estimates for the period.
void RegisterBacktestCommand(CLI::App& app);

}  // namespace wbe::cli
