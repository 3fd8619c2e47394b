#include "pipeline/cli/backcalc_command.h"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "models/backcalc/back_calculator.h"
#include "models/core/input_error.h"
#include "pipeline/cli/number_validators.h"
#include "pipeline/export/estimate_json.h"

namespace wbe::cli {
namespace {

struct BackcalcArgs {
  std::string drug;
  std::string biomarker;
  double concentration_ng_per_l = 0.0;
  bool below_loq = false;
  double flow_m3_per_day = 0.0;
  double population = 0.0;
  std::optional<double> excretion_fraction;
  std::optional<double> non_target_fraction;
  double residence_time_h = 0.0;
  std::string sewer_type = "gravity";
  double storage_time_h = 0.0;
  std::vector<std::string> other;
  std::string catalogue_path;
  std::string distribution = "lognormal";
  UncertaintyOptions uncertainty;
  bool json = false;
};

// Readable numbers: no exponent for the magnitudes loads and populations take.
std::string Format(double x) {
  char buffer[64];
  if (std::fabs(x) >= 1000.0 && std::fabs(x) < 1e12) {
    std::snprintf(buffer, sizeof(buffer), "%.0f", x);
  } else {
    std::snprintf(buffer, sizeof(buffer), "%.4g", x);
  }
  return buffer;
}

void PrintValue(const char* label, const char* unit, const UncertainValue& value) {
  if (!value.available()) {
    std::printf("  %-30s not available\n", label);
    return;
  }
  std::printf("  %-30s %12s %-20s", label, Format(value.point).c_str(), unit);
  if (value.has_interval()) {
    std::printf(" median %s, 90%% interval %s - %s", Format(value.median).c_str(),
                Format(value.p05).c_str(), Format(value.p95).c_str());
  }
  std::printf("\n");
}

void Run(const BackcalcArgs& args) {
  const DrugCatalogue catalogue = args.catalogue_path.empty()
                                      ? DrugCatalogue::LoadDefault()
                                      : DrugCatalogue::LoadFromFile(args.catalogue_path);
  UncertaintyOptions uncertainty = args.uncertainty;
  uncertainty.input_distribution = ParseInputDistribution(args.distribution);
  const BackCalculator calculator(catalogue, uncertainty);

  BackCalculationInput input;
  input.drug = args.drug;
  input.biomarker = args.biomarker;
  input.concentration_ng_per_l = args.concentration_ng_per_l;
  input.censored = args.below_loq;
  input.flow_m3_per_day = args.flow_m3_per_day;
  input.population = args.population;
  (ParseSewerType(args.sewer_type) == SewerType::kGravity ? input.residence_gravity_h
                                                          : input.residence_rising_main_h) =
      args.residence_time_h;
  input.storage_time_h = args.storage_time_h;
  input.excretion_fraction = args.excretion_fraction;
  input.non_target_fraction = args.non_target_fraction;
  for (const std::string& pair : args.other) {
    const size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw InputError("", 0, "--other", "expected NAME=NG_PER_L, got '" + pair + "'");
    }
    const std::string name = catalogue.GetBiomarker(pair.substr(0, eq)).name;
    double value = 0.0;
    try {
      size_t used = 0;
      value = std::stod(pair.substr(eq + 1), &used);
      if (used != pair.size() - eq - 1) throw std::invalid_argument("trailing text");
    } catch (const std::exception&) {
      throw InputError("", 0, "--other", "'" + pair.substr(eq + 1) + "' is not a number");
    }
    input.other_concentrations_ng_per_l[name] = value;
  }

  const BackCalculationResult result = calculator.Estimate(input);
  if (args.json) {
    std::cout << BackCalculationToJson(result).dump(2) << "\n";
    return;
  }
  const SiteDayEstimate& e = result.estimate;
  const BackCalculationParameters& p = result.parameters;
  std::printf("%s via %s (catalogue %s)%s\n", e.drug.c_str(), e.biomarker.c_str(),
              p.catalogue_version.c_str(), e.censored ? ", below LOQ: upper bounds" : "");
  PrintValue("load", "mg/day", e.load_mg_per_day);
  PrintValue("normalised load (biomarker)", "mg/day/1000 inh.",
             e.normalised_load_mg_per_day_per_1000);
  PrintValue("consumption (parent)", "mg/day/1000 inh.", e.consumption_mg_per_day_per_1000);
  PrintValue("doses", "doses/day/1000 inh.", e.doses_per_day_per_1000);
  PrintValue("users", "users/1000 inh.", e.users_per_1000);
  if (p.excretion_fraction) {
    std::printf(
        "  parameters: MW ratio %.4f, excretion fraction %.4g (%s), stability factor %.4f,"
        " correction factor %.4g\n",
        p.molecular_weight_ratio, *p.excretion_fraction, p.excretion_fraction_status.c_str(),
        p.stability_factor, p.correction_factor);
  }
  for (const std::string& c : p.corrections_applied) std::printf("  correction: %s\n", c.c_str());
  std::printf("  uncertainty: %d draws, seed %llu, %s inputs\n", e.draws,
              static_cast<unsigned long long>(e.seed), args.distribution.c_str());
  if (!e.note.empty()) std::printf("  note: %s\n", e.note.c_str());
}

}  // namespace

void RegisterBackcalcCommand(CLI::App& app) {
  auto args = std::make_shared<BackcalcArgs>();
  CLI::App* cmd = app.add_subcommand(
      "backcalc",
      "Back-calculate one site-day: load, normalised load, consumption, doses and users with a "
      "Monte Carlo 90 % interval");
  cmd->add_option("--drug", args->drug, "Drug name or alias (e.g. methamphetamine, heroin)")
      ->required();
  cmd->add_option("--biomarker", args->biomarker,
                  "Biomarker measured (default: the drug's preferred biomarker)");
  cmd->add_option("--concentration", args->concentration_ng_per_l,
                  "Biomarker concentration, ng/L (with --below-loq: the LOQ)")
      ->required()
      ->check(NonNegativeNumber());
  cmd->add_flag("--below-loq", args->below_loq,
                "The sample was below the LOQ given as --concentration: report upper bounds");
  cmd->add_option("--flow", args->flow_m3_per_day, "Daily wastewater flow, m3/day")
      ->required()
      ->check(PositiveNumber());
  cmd->add_option("--population", args->population, "Population served")
      ->required()
      ->check(PositiveNumber());
  cmd->add_option("--excretion-fraction", args->excretion_fraction,
                  "Override the catalogue's excretion fraction (taken as exact)")
      ->check(NumberInRange(1e-9, 1.0));
  cmd->add_option("--non-target-fraction", args->non_target_fraction,
                  "Override the share of the biomarker not from this drug (e.g. therapeutic "
                  "morphine for heroin)")
      ->check(NumberInRange(0.0, 0.999999));
  cmd->add_option("--other", args->other,
                  "Another biomarker at the same site-day, NAME=NG_PER_L (e.g. "
                  "methamphetamine=200 for the amphetamine correction); repeatable");
  cmd->add_option("--residence-time", args->residence_time_h,
                  "Mean in-sewer residence time, hours (default 0: no in-sewer loss)")
      ->check(NonNegativeNumber());
  cmd->add_option("--sewer-type", args->sewer_type, "gravity or rising_main")
      ->check(CLI::IsMember({"gravity", "rising_main"}));
  cmd->add_option("--storage-time", args->storage_time_h, "Sample storage before analysis, hours")
      ->check(NonNegativeNumber());
  cmd->add_option("--draws", args->uncertainty.draws, "Monte Carlo draws (0: point only)")
      ->check(NumberInRange(0, 100000000));
  cmd->add_option("--seed", args->uncertainty.seed, "Random seed");
  cmd->add_option("--distribution", args->distribution,
                  "Spread of concentration, flow, sampling and population: lognormal or normal")
      ->check(CLI::IsMember({"normal", "lognormal"}));
  cmd->add_option("--concentration-rsd", args->uncertainty.concentration_rsd,
                  "Analytical relative SD")
      ->check(NumberInRange(0.0, 5.0));
  cmd->add_option("--sampling-rsd", args->uncertainty.sampling_rsd, "Sampling relative SD")
      ->check(NumberInRange(0.0, 5.0));
  cmd->add_option("--sampling-count", args->uncertainty.sampling_count,
                  "Samples the sampling RSD is averaged over (RSD / sqrt(n))")
      ->check(NumberInRange(1, 1000000));
  cmd->add_option("--flow-rsd", args->uncertainty.flow_rsd, "Flow relative SD")
      ->check(NumberInRange(0.0, 5.0));
  cmd->add_option("--population-rsd", args->uncertainty.population_rsd, "Population relative SD")
      ->check(NumberInRange(0.0, 5.0));
  cmd->add_option("--catalogue", args->catalogue_path,
                  "Drug catalogue JSON (default: the shipped models/catalogue/drugs.json)");
  cmd->add_flag("--json", args->json, "Print one JSON object instead of a table");
  cmd->callback([args] { Run(*args); });
}

}  // namespace wbe::cli
