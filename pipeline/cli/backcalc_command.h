#pragma once

#include <CLI/CLI.hpp>

namespace wbe::cli {

// `wbe backcalc`: one site-day back-calculation from the command line.
void RegisterBackcalcCommand(CLI::App& app);

}  // namespace wbe::cli
