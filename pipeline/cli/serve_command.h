#pragma once

#include <CLI/CLI.hpp>

namespace wbe::cli {

// `wbe serve`: the HTTP API (pipeline/server/).
void RegisterServeCommand(CLI::App& app);

}  // namespace wbe::cli
