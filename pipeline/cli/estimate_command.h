#pragma once

#include <CLI/CLI.hpp>

namespace wbe::cli {

// `wbe estimate --store FILE`: street-level back-calculation (the network inversion) of every
// measured drug, with intervals, identifiability groups and dumping flags, into the store.
void RegisterEstimateCommand(CLI::App& app);

}  // namespace wbe::cli
