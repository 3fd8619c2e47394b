#pragma once

#include <CLI/CLI.hpp>

namespace wbe::cli {

// `wbe ingest`: a lab batch into the data directory. Exit 0 when accepted (fully or with
// flags), 1 when rejected, 2 when the file cannot be read.
void RegisterIngestCommand(CLI::App& app);
// `wbe store rebuild|import-city|import-flows`.
void RegisterStoreCommand(CLI::App& app);

// Exit code the current command asked for (0 unless a command set it).
int RequestedExitCode();
void SetRequestedExitCode(int code);

}  // namespace wbe::cli
