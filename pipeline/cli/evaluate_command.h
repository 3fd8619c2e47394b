#pragma once

#include <CLI/CLI.hpp>

namespace wbe::cli {

// `wbe evaluate --store FILE [--json] [--drug NAME]...`: scores a simulated store's weekly
// district estimates against the simulator's truth (median absolute relative error, 90 %
// interval coverage). Exit 2 when the store has no truth or no district estimates.
void RegisterEvaluateCommand(CLI::App& app);

}  // namespace wbe::cli
