#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/backcalc/site_day_estimate.h"
#include "models/catalogue/drug_catalogue.h"

namespace wbe {

// How inputs that the catalogue does not describe are spread in the Monte Carlo.
enum class InputDistribution { kNormal, kLognormal };
const char* InputDistributionName(InputDistribution distribution);
InputDistribution ParseInputDistribution(const std::string& name);  // throws std::invalid_argument

// Uncertainty model of the per-site back-calculation. Relative SDs are of the input itself
// (for lognormal inputs the median is the measured value). Defaults follow the Montreal
// implementation cited in wbe-science.md §3.2 (U_S 0.10, U_C 0.10, U_F 0.05, U_P 0.20).
struct UncertaintyOptions {
  int draws = 10000;  // 0: point estimate only
  uint64_t seed = 20261129;
  InputDistribution input_distribution = InputDistribution::kLognormal;
  double concentration_rsd = 0.10;  // analytical
  double sampling_rsd = 0.10;       // per sample; divided by sqrt(sampling_count)
  int sampling_count = 1;
  double flow_rsd = 0.05;
  double population_rsd = 0.20;
  double residence_time_rsd = 0.25;  // of the mean in-sewer residence time
  // Which catalogue distributions are drawn from (off: their point values are used).
  bool vary_stability = true;
  bool vary_excretion = true;
  bool vary_corrections = true;
  bool vary_dose = true;

  // True when every field is in range; `why` (if given) receives the first problem.
  bool Check(std::string* why = nullptr) const;
};

// One site-day measurement of one biomarker, and what to turn it into.
struct BackCalculationInput {
  std::string drug;
  std::string biomarker;  // empty: the drug's preferred route
  double concentration_ng_per_l = 0.0;
  bool censored = false;  // concentration_ng_per_l is then the LOQ
  double flow_m3_per_day = 0.0;
  double population = 0.0;
  double residence_gravity_h = 0.0;           // mean in-sewer time in gravity sewers
  double residence_rising_main_h = 0.0;       // mean in-sewer time in rising mains
  double storage_time_h = 0.0;                // sample storage before analysis
  std::optional<double> excretion_fraction;   // overrides the catalogue (then fixed)
  std::optional<double> non_target_fraction;  // overrides e.g. the therapeutic-morphine share
  // Concentrations of other biomarkers at the same site-day, for ratio corrections
  // (amphetamine formed from methamphetamine). A missing one skips that correction, noted.
  std::map<std::string, double> other_concentrations_ng_per_l;
  // Mixed into the seed: give each site-day its own stream so their draws are independent.
  uint64_t stream_id = 0;
};

// The point-value parameters a result was computed with (its provenance).
struct BackCalculationParameters {
  std::string drug;
  std::string biomarker;
  std::string catalogue_version;
  double molecular_weight_parent_g_per_mol = 0.0;
  double molecular_weight_biomarker_g_per_mol = 0.0;
  double molecular_weight_ratio = 0.0;
  std::optional<double> excretion_fraction;  // empty: unknown, loads only
  std::string excretion_fraction_status;
  double k_gravity_per_h = 0.0;
  double k_rising_main_per_h = 0.0;
  double k_in_sample_per_h = 0.0;
  double stability_factor = 1.0;   // fraction of the excreted mass that survives to analysis
  double correction_factor = 0.0;  // consumption per corrected biomarker mass (MW ratio / F)
  std::vector<std::string> corrections_applied;
  std::optional<double> typical_dose_mg;
  std::optional<double> doses_per_user_per_day;
  UncertaintyOptions uncertainty;
};

struct BackCalculationResult {
  SiteDayEstimate estimate;
  BackCalculationParameters parameters;
};

// Turns a biomarker concentration into loads, consumption, doses and users, with a seeded
// Monte Carlo over every uncertain input (wbe-science.md §1.1 and §3):
//   load = C x Q x 1e-3; corrected = load / exp(-k t) - corrections;
//   consumption = corrected x MW_parent / MW_biomarker / F; normalised by population x 1000.
class BackCalculator {
 public:
  // Throws std::invalid_argument when the options fail Check().
  BackCalculator(const DrugCatalogue& catalogue, UncertaintyOptions options);

  // Throws InputError naming the field for unknown names and out-of-range inputs.
  BackCalculationResult Estimate(const BackCalculationInput& input) const;

  const UncertaintyOptions& options() const { return options_; }

 private:
  const DrugCatalogue& catalogue_;
  UncertaintyOptions options_;
};

}  // namespace wbe
