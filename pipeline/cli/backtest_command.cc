#include "pipeline/cli/backtest_command.h"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "models/core/input_error.h"
#include "models/forecast/backtest.h"
#include "pipeline/cli/number_validators.h"
#include "pipeline/store/hdf5_store.h"

namespace wbe::cli {

void RegisterBacktestCommand(CLI::App& app) {
  struct Args {
    std::string store_path;
    std::string period = "day";
    std::vector<std::string> drugs;
    int horizon_steps = 0;
    int min_train_steps = 0;
    int origin_step_steps = 7;
    bool no_refit = false;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "backtest",
      "Rolling-origin backtest of the structural forecaster on each district group x drug "
      "series of a store's district estimates: MASE against the seasonal-naive forecast, 90 % "
      "interval coverage and CRPS, on the log scale; one line per series and an overall line");
  cmd->add_option("--store", args->store_path,
                  "HDF5 store after `wbe estimate` (e.g. DIR/wbe-store.h5)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--period", args->period,
                  "day: daily estimates with a weekday effect; week: ISO-week means, no season")
      ->check(CLI::IsMember({"day", "week"}));
  cmd->add_option("--drug", args->drugs, "Backtest only this drug (exact name); repeatable")
      ->take_all();
  cmd->add_option("--horizon", args->horizon_steps,
                  "Steps forecast from each origin, in days or weeks (0: 7 days or 4 weeks)")
      ->check(NonNegativeNumber());
  cmd->add_option("--min-train", args->min_train_steps,
                  "Steps before the first origin (0: 56 days or 12 weeks)")
      ->check(NonNegativeNumber());
  cmd->add_option("--origin-step", args->origin_step_steps, "Steps between origins")
      ->check(PositiveNumber());
  cmd->add_flag("--no-refit", args->no_refit,
                "Fit the hyper-parameters once at the first origin and only re-run the Kalman "
                "filter at later ones (faster; the default refits at every origin)");
  cmd->add_flag("--json", args->json,
                "Print one JSON object: overall {mase, median_mase, coverage_90, crps, "
                "naive_mase, forecasts, series, skipped, by_horizon}, series [...], skipped [...]");
  cmd->callback([args] {
    const std::string& path = args->store_path;
    const StoreContents contents = Hdf5Store::Read(path);
    const bool daily = args->period == "day";
    const std::vector<DistrictEstimate>& rows =
        daily ? contents.district_estimates : contents.district_week_estimates;
    if (rows.empty()) {
      throw InputError(path + " has no " + (daily ? "daily" : "weekly") +
                       " district estimates: run wbe estimate --store " + path + " first");
    }
    std::set<std::string> estimated;
    for (const DistrictEstimate& row : rows) estimated.insert(row.drug);
    for (const std::string& drug : args->drugs) {
      if (estimated.count(drug) == 0) {
        std::string known;
        for (const std::string& name : estimated) known += (known.empty() ? "" : ", ") + name;
        throw InputError(
            "", 0, "--drug",
            "no district estimates for '" + drug + "' in " + path + " (estimated: " + known + ")");
      }
    }
    DistrictBacktestOptions options;
    options.period = daily ? BacktestPeriod::kDay : BacktestPeriod::kWeek;
    options.drugs = args->drugs;
    options.backtest.horizon_steps = args->horizon_steps > 0 ? args->horizon_steps : daily ? 7 : 4;
    options.backtest.min_train_steps = args->min_train_steps;
    options.backtest.origin_step_steps = args->origin_step_steps;
    options.backtest.refit = !args->no_refit;
    std::string why;
    if (!options.Check(&why)) throw InputError("backtest options: " + why);

    // A line on stderr every few seconds, so a long run shows it is alive without flooding.
    const auto start = std::chrono::steady_clock::now();
    auto last = start;
    const auto progress = [&](int done, int total, const std::string& label) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last < std::chrono::seconds(2)) return;
      last = now;
      std::fprintf(stderr, "wbe backtest: %d/%d series done (%.0f s), now %s\n", done, total,
                   std::chrono::duration<double>(now - start).count(), label.c_str());
    };
    const DistrictBacktest result = BacktestDistrictEstimates(rows, options, progress);
    if (result.series.empty()) {
      std::string reasons;
      for (const SkippedBacktestSeries& s : result.skipped) {
        reasons += "\n  " + s.group_id + " " + s.drug + ": " + s.reason;
      }
      throw InputError(path + ": no series could be backtested" +
                       (reasons.empty() ? std::string(" (no rows for the drugs asked)") : reasons));
    }
    if (args->json) {
      std::cout << result.ToJson().dump(2) << "\n";
    } else {
      std::printf("%s\n%s", path.c_str(), result.BriefReport().c_str());
    }
  });
}

}  // namespace wbe::cli
