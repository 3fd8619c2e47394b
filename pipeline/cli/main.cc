// `wbe`: the command line of the wastewater drug-use estimator. Each command lives in its own
// file and registers itself here.
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

#include "models/core/input_error.h"
#include "pipeline/cli/advise_sites_command.h"
#include "pipeline/cli/alerts_command.h"
#include "pipeline/cli/backcalc_command.h"
#include "pipeline/cli/backtest_command.h"
#include "pipeline/cli/estimate_command.h"
#include "pipeline/cli/evaluate_command.h"
#include "pipeline/cli/ingest_command.h"
#include "pipeline/cli/serve_command.h"
#include "pipeline/cli/simulate_command.h"
#include "pipeline/cli/token_command.h"

int main(int argc, char** argv) {
  CLI::App app{
      "wbe: wastewater-based epidemiology of drug use, from lab batches to street-level "
      "estimates and weekly risk alerts"};
  app.require_subcommand(1);
  app.option_defaults()->always_capture_default();  // --help shows every default
  // One line per failure, naming the problem, for scripts and for people alike.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string("wbe: error: ") + e.what() + " (run with --help for usage)\n";
  });
  wbe::cli::RegisterBackcalcCommand(app);
  wbe::cli::RegisterSimulateCommand(app);
  wbe::cli::RegisterDemoCommand(app);
  wbe::cli::RegisterIngestCommand(app);
  wbe::cli::RegisterStoreCommand(app);
  wbe::cli::RegisterEstimateCommand(app);
  wbe::cli::RegisterEvaluateCommand(app);
  wbe::cli::RegisterBacktestCommand(app);
  wbe::cli::RegisterAlertsCommand(app);
  wbe::cli::RegisterAdviseSitesCommand(app);
  wbe::cli::RegisterTokenCommand(app);
  wbe::cli::RegisterServeCommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const wbe::InputError& e) {
    // Bad input the user can fix (file, row, column named): exit 2.
    std::fprintf(stderr, "wbe: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    // Anything else (I/O, a damaged archive): exit 3, distinct from a rejected batch (1).
    std::fprintf(stderr, "wbe: error: %s\n", e.what());
    return 3;
  }
  return wbe::cli::RequestedExitCode();
}
