#include "pipeline/cli/evaluate_command.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "models/alerts/alert_evaluation.h"
#include "models/core/input_error.h"
#include "models/inversion/estimate_evaluation.h"
#include "pipeline/cli/number_validators.h"
#include "pipeline/jobs/alerts_job.h"
#include "pipeline/store/hdf5_store.h"

namespace wbe::cli {

void RegisterEvaluateCommand(CLI::App& app) {
  struct Args {
    std::string store_path;
    std::vector<std::string> drugs;
    bool json = false;
    bool no_alerts = false;
    AlertEvaluationOptions alerts;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "evaluate",
      "Score a simulated store's weekly district estimates against the simulator's truth: "
      "median absolute relative error of weekly consumption and 90 % interval coverage, for "
      "resolved districts, unresolved groups and each drug");
  cmd->add_option("--store", args->store_path,
                  "HDF5 store of a simulated city after `wbe estimate` (e.g. DIR/wbe-store.h5)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--drug", args->drugs, "Score only this drug (exact name); repeatable")
      ->take_all();
  cmd->add_flag("--json", args->json,
                "Print one JSON object: median_abs_rel_error, coverage_90, coverage_90_full, "
                "district_weeks, skipped, groups {...}, by_drug {drug: {...}}");
  cmd->add_flag("--no-alerts", args->no_alerts,
                "Skip the alert replay (it screens every week with enough history and takes "
                "about a second per week)");
  cmd->add_option("--alerts-refit-weeks", args->alerts.refit_every_weeks,
                  "Alert replay: refit the forecast models every N weeks, re-run the filter "
                  "in between")
      ->check(PositiveNumber());
  cmd->callback([args] {
    const std::string& path = args->store_path;
    const StoreContents contents = Hdf5Store::Read(path);
    if (!contents.truth.has_value()) {
      throw InputError(path +
                       " has no ground truth: evaluate needs a simulated store (wbe simulate)");
    }
    if (contents.district_week_estimates.empty()) {
      throw InputError(path + " has no weekly district estimates: run wbe estimate --store " +
                       path + " first");
    }
    std::set<std::string> estimated;
    for (const DistrictEstimate& row : contents.district_week_estimates) {
      estimated.insert(row.drug);
    }
    for (const std::string& drug : args->drugs) {
      if (estimated.count(drug) == 0) {
        std::string known;
        for (const std::string& name : estimated) known += (known.empty() ? "" : ", ") + name;
        throw InputError("", 0, "--drug",
                         "no weekly district estimates for '" + drug + "' in " + path +
                             " (estimated: " + known + ")");
      }
    }
    EvaluationOptions options;
    options.drugs = args->drugs;
    const EstimateEvaluation evaluation =
        EvaluateDistrictEstimates(contents.district_week_estimates, *contents.truth, options);
    // The alerts: replayed over every week with enough history, when the truth has surges.
    std::optional<AlertEvaluation> alerts;
    const bool has_surges =
        std::any_of(contents.truth->events.begin(), contents.truth->events.end(),
                    [](const InjectedEvent& e) { return e.kind == "surge"; });
    if (!args->no_alerts && has_surges && !contents.district_estimates.empty()) {
      const DrugCatalogue catalogue = DrugCatalogue::LoadDefault();
      const ScreeningInputs inputs = ScreeningInputsFor(contents, catalogue);
      try {
        alerts = EvaluateAlerts(inputs, *contents.truth, args->alerts, [](int done, int total) {
          std::fprintf(stderr, "alert replay: week %d of %d\n", done, total);
        });
      } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "alert replay skipped: %s\n", e.what());
      }
    }
    if (args->json) {
      nlohmann::json out = evaluation.ToJson();
      out["alerts"] = alerts ? alerts->ToJson() : nlohmann::json(nullptr);
      std::cout << out.dump(2) << "\n";
    } else {
      std::printf("%s\n%s", path.c_str(), evaluation.BriefReport().c_str());
      if (alerts) std::printf("%s", alerts->BriefReport().c_str());
    }
  });
}

}  // namespace wbe::cli
