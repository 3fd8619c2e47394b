#include "pipeline/cli/alerts_command.h"

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "models/core/input_error.h"
#include "pipeline/cli/number_validators.h"
#include "pipeline/jobs/alerts_job.h"

namespace wbe::cli {

void RegisterAlertsCommand(CLI::App& app) {
  struct Args {
    std::string store_path;
    std::string out_dir;
    std::string week;
    std::string catalogue_path;
    std::string today;
    AlertsJobOptions options;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "alerts",
      "Weekly screening report for one ISO week: rising trends (probability that the next 4 "
      "weeks exceed the last 12 weeks' level), spikes above the forecast's bound after the "
      "dumping check, new substances at a site, estimated against registered users, data gaps "
      "and QC failures, and the ranking of district groups for screening, with reasons in "
      "Chinese and English. Writes alerts-WEEK.json, alerts-WEEK.csv, ranking-WEEK.csv and "
      "alerts-WEEK.html (self-contained, with charts) into --out; the same store and week give "
      "the same files");
  cmd->add_option("--store", args->store_path,
                  "HDF5 store after `wbe estimate` (e.g. DIR/wbe-store.h5)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", args->out_dir, "Folder for the report files (created when missing)")
      ->required();
  cmd->add_option("--week", args->week,
                  "ISO week to report, e.g. 2026-W48 (default: the last complete week in the "
                  "data)");
  cmd->add_option("--catalogue", args->catalogue_path, "Drug catalogue JSON")
      ->check(CLI::ExistingFile);
  cmd->add_option("--threads", args->options.threads, "Series screened in parallel (0: all cores)")
      ->check(NonNegativeNumber());
  cmd->add_option("--trend-probability", args->options.screening.trend_probability,
                  "Rising-trend alert at this probability or more")
      ->check(CLI::Range(0.51, 0.999));
  cmd->add_option("--trend-min-ratio", args->options.screening.trend_min_ratio,
                  "Rising trend means the next weeks' level above the last weeks' times this")
      ->check(CLI::Range(1.0, 100.0));
  cmd->add_option("--spike-bound", args->options.screening.spike_bound,
                  "Spike: above this simultaneous upper forecast bound (per group and week)")
      ->check(CLI::Range(0.51, 0.9999));
  cmd->add_option("--registration-min-ratio", args->options.screening.registration_min_ratio,
                  "Under-registration: estimated users' lower 5 % bound above registered x this")
      ->check(PositiveNumber());
  cmd->add_option("--today", args->today,
                  "Treat this date (YYYY-MM-DD) as today when deciding whether a week has ended "
                  "(default: today, UTC)");
  cmd->add_flag("--json", args->json, "Print the report's JSON instead of the summary");
  cmd->callback([args] {
    if (!args->week.empty()) {
      try {
        args->options.week = ParseIsoWeek(args->week);
      } catch (const std::exception& e) {
        throw InputError("", 0, "--week", "'" + args->week + "' is not an ISO week like 2026-W48");
      }
    }
    if (!args->today.empty()) {
      try {
        args->options.today = ParseIsoDate(args->today);
      } catch (const std::exception& e) {
        throw InputError("", 0, "--today", "'" + args->today + "' is not a date like 2026-11-30");
      }
    }
    const DrugCatalogue catalogue = args->catalogue_path.empty()
                                        ? DrugCatalogue::LoadDefault()
                                        : DrugCatalogue::LoadFromFile(args->catalogue_path);
    const AlertsJobResult result = RunAlertsJob(
        catalogue, args->store_path, args->out_dir, args->options, [](int done, int total) {
          std::fprintf(stderr, "screened %d of %d series\n", done, total);
        });
    if (args->json) {
      std::cout << result.report.ToJson().dump(2) << "\n";
      return;
    }
    std::cout << result.report.BriefReport();
    std::cout << "report written (" << result.seconds << " s):\n";
    for (const std::string& file : result.files.All()) std::cout << "  " << file << "\n";
  });
}

}  // namespace wbe::cli
