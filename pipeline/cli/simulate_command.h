#pragma once

#include <CLI/CLI.hpp>

namespace wbe::cli {

// `wbe simulate` and `wbe demo`: the demo city, simulated, and the main job run on it.
void RegisterSimulateCommand(CLI::App& app);
void RegisterDemoCommand(CLI::App& app);

}  // namespace wbe::cli
