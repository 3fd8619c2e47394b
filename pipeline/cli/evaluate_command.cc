#include "pipeline/cli/evaluate_command.h"

#include <cstdio>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "models/core/input_error.h"
#include "models/inversion/estimate_evaluation.h"
#include "pipeline/store/hdf5_store.h"

namespace wbe::cli {

void RegisterEvaluateCommand(CLI::App& app) {
  struct Args {
    std::string store_path;
    std::vector<std::string> drugs;
    bool json = false;
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
    if (args->json) {
      std::cout << evaluation.ToJson().dump(2) << "\n";
    } else {
      std::printf("%s\n%s", path.c_str(), evaluation.BriefReport().c_str());
    }
  });
}

}  // namespace wbe::cli
