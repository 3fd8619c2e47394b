#pragma once

#include <CLI/CLI.hpp>

namespace wbe::cli {

// `wbe token create|list|revoke`: the API tokens of a data directory's HTTP service. Works
// while `wbe serve` runs on the same directory (it does not take the DataDirLock), and the
// server accepts a new token at once.
void RegisterTokenCommand(CLI::App& app);

}  // namespace wbe::cli
