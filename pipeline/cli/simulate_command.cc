#include "pipeline/cli/simulate_command.h"

#include <cstdio>
#include <memory>

#include "pipeline/cli/number_validators.h"
#include "pipeline/jobs/demo_job.h"
#include "pipeline/jobs/simulate_job.h"

namespace wbe::cli {
namespace {

DrugCatalogue LoadCatalogue(const std::string& path) {
  return path.empty() ? DrugCatalogue::LoadDefault() : DrugCatalogue::LoadFromFile(path);
}

}  // namespace

void RegisterSimulateCommand(CLI::App& app) {
  struct Args {
    SimulateJobOptions options;
    std::string catalogue_path;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "simulate",
      "Simulate the demo city (districts, sewer network, flows, weekly lab batches) with its "
      "ground truth, then ingest the inputs into --out as a data directory (archive, "
      "calibration, QC) so that OUT/wbe-store.h5 holds calibrated measurements and the truth");
  cmd->add_option("--out", args->options.out_dir, "Output folder")->required();
  cmd->add_option("--seed", args->options.seed, "Random seed (same seed, same city)");
  cmd->add_option("--days", args->options.days, "Days to simulate")->check(NumberInRange(7, 3660));
  cmd->add_option("--scenario", args->options.scenario_path,
                  "City and scenario JSON (default: the built-in demo city)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--method", args->options.method_path,
                  "Quantitation method for the simulated lab batches (default: "
                  "data-schemas/examples/wbe-demo-lab.method.json)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--catalogue", args->catalogue_path, "Drug catalogue JSON")
      ->check(CLI::ExistingFile);
  cmd->add_option("--random-events", args->options.random_events.events_per_district_year,
                  "Add random use events for scoring the alerts: this many per district and "
                  "year, half sustained rises (x1.8-3 for 4-8 weeks), half 1-2 day spikes "
                  "(x4-8), of methamphetamine, ketamine, heroin or cocaine, after 16 quiet "
                  "weeks and 6 weeks apart (default 0: none)")
      ->check(NumberInRange(0, 52));
  cmd->callback([args] {
    const DrugCatalogue catalogue = LoadCatalogue(args->catalogue_path);
    const SimulateJobSummary summary = RunSimulateJob(
        catalogue, args->options, nullptr,
        [](const std::string& s) { std::fprintf(stderr, "wbe simulate: %s\n", s.c_str()); });
    std::printf("%s\nstore: %s\ninputs: %s\narchive: %s\nground truth: %s\n",
                summary.BriefReport().c_str(), summary.store_path.c_str(),
                summary.inputs_dir.c_str(), summary.archive_dir.c_str(), summary.truth_dir.c_str());
  });
}

void RegisterDemoCommand(CLI::App& app) {
  struct Args {
    DemoJobOptions options;
    std::string catalogue_path;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "Run the main job on the built-in demo city: simulate, back-calculate every site-day "
      "with Monte Carlo intervals, store and export, and compare with the truth");
  cmd->add_option("--out", args->options.out_dir, "Output folder");
  cmd->add_option("--seed", args->options.seed, "Random seed");
  cmd->add_option("--days", args->options.days, "Days to simulate")->check(NumberInRange(7, 3660));
  cmd->add_option("--draws", args->options.draws, "Monte Carlo draws per estimate")
      ->check(NumberInRange(0, 10000000));
  cmd->add_option("--threads", args->options.threads, "Worker threads (0: all cores)")
      ->check(NumberInRange(0, 1024));
  cmd->add_option("--catalogue", args->catalogue_path, "Drug catalogue JSON")
      ->check(CLI::ExistingFile);
  cmd->callback([args] {
    const DrugCatalogue catalogue = LoadCatalogue(args->catalogue_path);
    const DemoJobSummary summary = RunDemoJob(catalogue, args->options, [](const std::string& s) {
      std::fprintf(stderr, "wbe demo: %s\n", s.c_str());
    });
    std::printf("%s", summary.BriefReport().c_str());
  });
}

}  // namespace wbe::cli
