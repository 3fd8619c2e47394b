#include "pipeline/cli/estimate_command.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "models/core/civil_day.h"
#include "models/core/input_error.h"
#include "pipeline/cli/number_validators.h"
#include "pipeline/jobs/estimate_job.h"

namespace wbe::cli {
namespace {

DayIndex ParseDateOption(const std::string& text, const char* option) {
  try {
    return ParseIsoDate(text);
  } catch (const std::exception&) {
    throw InputError(std::string(option) + " must be a date like 2026-08-03, got '" + text + "'");
  }
}

}  // namespace

void RegisterEstimateCommand(CLI::App& app) {
  struct Args {
    std::string store_path;
    std::string from;
    std::string to;
    std::string catalogue_path;
    std::string loss = "huber";
    EstimateJobOptions options;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "estimate",
      "Estimate each district's daily and weekly consumption of each drug from the sampling "
      "sites (a Ceres inversion of the sewer network) with 90% intervals, say which districts "
      "the sites cannot tell apart, flag likely dumping, and write it all into the store");
  cmd->add_option("--store", args->store_path, "HDF5 store (e.g. from wbe simulate or ingest)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--from", args->from, "First day to estimate, YYYY-MM-DD (default: first data)");
  cmd->add_option("--to", args->to, "Last day to estimate, YYYY-MM-DD (default: last data)");
  cmd->add_option("--drug", args->options.drugs,
                  "Drug to estimate (repeatable; default: every drug measured)");
  cmd->add_option("--draws", args->options.estimator.draws,
                  "Monte Carlo draws per estimate (0: no intervals)")
      ->check(NumberInRange(0, 1000000));
  cmd->add_option("--seed", args->options.estimator.seed, "Random seed of the Monte Carlo");
  cmd->add_option("--threads", args->options.threads, "Drugs solved in parallel (0: all cores)")
      ->check(NumberInRange(0, 1024));
  cmd->add_option("--loss", args->loss, "Robust loss on observed loads")
      ->check(CLI::IsMember({"huber", "cauchy", "none"}));
  cmd->add_option("--outlier-sigmas", args->options.estimator.outlier_sigmas,
                  "Flag an observation this many sigmas from the fit")
      ->check(PositiveNumber());
  cmd->add_option("--day-of-week-sigma", args->options.estimator.inversion.day_of_week_log_sigma,
                  "Optional day-of-week effect: log-scale sigma tying each day to the same "
                  "weekday a week before (0: off)")
      ->check(NonNegativeNumber());
  cmd->add_option("--storage-time", args->options.estimator.measurement.storage_time_h,
                  "Hours between sampling and analysis (in-sample decay correction)")
      ->check(NonNegativeNumber());
  cmd->add_option("--catalogue", args->catalogue_path, "Drug catalogue JSON")
      ->check(CLI::ExistingFile);
  cmd->callback([args] {
    if (!args->from.empty()) args->options.from = ParseDateOption(args->from, "--from");
    if (!args->to.empty()) args->options.to = ParseDateOption(args->to, "--to");
    args->options.estimator.inversion.loss = args->loss == "huber"    ? RobustLoss::kHuber
                                             : args->loss == "cauchy" ? RobustLoss::kCauchy
                                                                      : RobustLoss::kTrivial;
    std::string why;
    if (!args->options.Check(&why)) throw InputError(why);
    const DrugCatalogue catalogue = args->catalogue_path.empty()
                                        ? DrugCatalogue::LoadDefault()
                                        : DrugCatalogue::LoadFromFile(args->catalogue_path);
    const EstimateJobSummary summary = RunEstimateJob(
        catalogue, args->store_path, args->options,
        [](const std::string& line) { std::fprintf(stderr, "wbe estimate: %s\n", line.c_str()); });
    std::printf("%sstore: %s\n", summary.BriefReport().c_str(), args->store_path.c_str());
  });
}

}  // namespace wbe::cli
