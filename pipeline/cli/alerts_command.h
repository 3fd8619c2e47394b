#pragma once

#include <CLI/CLI.hpp>

namespace wbe::cli {

// `wbe alerts --store FILE --out DIR [--week 2026-W48] [--json]`: the weekly screening report
// (rising trends, spikes, new substances, under-registration, data gaps, the district ranking)
// as JSON, CSV and a self-contained HTML page in DIR. Exit 2 for a week that has not ended, a
// store without district estimates, or when no series could be screened.
void RegisterAlertsCommand(CLI::App& app);

}  // namespace wbe::cli
