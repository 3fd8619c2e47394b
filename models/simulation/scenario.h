#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/catalogue/drug_catalogue.h"
#include "models/city/city.h"

namespace wbe {

// The demo simulator's settings: the "scenario" block of a demo city file, validated against
// data-schemas/demo-scenario.schema.json and cross-checked against the city and the catalogue.
// Every number is a simulation setting, not a literature value.

struct WaterSettings {
  double water_use_l_per_capita_per_day = 0.0;
  double infiltration_fraction = 0.0;  // of dry-weather sewage
  double flow_day_rsd = 0.0;           // day-to-day variation of a district's sewage volume
  double flow_meter_rsd = 0.0;         // error of the reported site flow
  std::map<std::string, double> district_water_use_l_per_capita_per_day;  // overrides by id

  double WaterUseFor(const std::string& district_id) const;
};

struct RainSettings {
  double probability_per_day = 0.0;
  double mean_mm = 0.0;  // wet-day depth is exponential with this mean
  double flow_increase_per_mm = 0.0;
  double max_flow_increase = 0.0;

  // Relative flow on a day with this much rain: 1 + min(max, per_mm x rain).
  double FlowFactor(double rain_mm) const;
};

struct HydrochemistrySettings {
  double cod_g_per_capita_per_day = 0.0;
  double nh4_n_g_per_capita_per_day = 0.0;
  double rsd = 0.0;
};

struct SamplingSettings {
  double plant_rsd = 0.0;
  double manhole_rsd = 0.0;
  double plant_failure_probability = 0.0;
  double manhole_failure_probability = 0.0;
  double unrefrigerated_storage_h = 0.0;

  double Rsd(SiteKind kind) const;
  double FailureProbability(SiteKind kind) const;
};

struct DrugScenario {
  std::string drug;  // canonical catalogue name
  double baseline_mg_per_day_per_1000 = 0.0;
  double trend_per_year = 0.0;
  double day_rsd = 0.0;
  std::array<double, 7> day_of_week_factors{{1, 1, 1, 1, 1, 1, 1}};  // Monday..Sunday, mean 1
  std::map<std::string, double> simulated_excretion_fractions;       // canonical biomarker ->
};

struct BackgroundSource {
  std::string biomarker;
  double mg_per_day_per_1000 = 0.0;
  double day_rsd = 0.0;
  std::string description;
};

struct MetabolicFormation {
  std::string from_biomarker;
  std::string to_biomarker;
  double ratio = 0.0;
  std::string description;
};

enum class EventKind { kSurge, kNewSubstance, kDumping };
const char* EventKindName(EventKind kind);  // "surge", "new_substance", "dumping"

struct ScenarioEvent {
  EventKind kind = EventKind::kSurge;
  std::string district_id;
  std::string drug;       // canonical catalogue name
  std::string biomarker;  // dumping only
  int start_offset_days = 0;
  int duration_days = 0;             // 0: until the end of the run
  double multiplier = 1.0;           // surge
  double mg_per_day_per_1000 = 0.0;  // new_substance
  double mass_mg = 0.0;              // dumping
  std::string description;
};

struct LabAnalyteSettings {
  std::string analyte;  // canonical biomarker name
  double retention_time_min = 0.0;
  double qualifier_ratio = 0.0;
  double response_per_ng_per_l = 0.0;  // area ratio per ng/L in the injected extract
  double analytical_rsd = 0.0;         // whole-method RSD of a sample result
};

struct FailingQc {
  bool enabled = false;
  int batch_number = 0;  // 1-based, date order
  std::string analyte;
  int level = 0;  // 1-based into qc_levels_ng_per_l
  double bias_factor = 1.0;
  std::string description;
};

struct LabSettings {
  std::string lab_id;
  double enrichment_factor = 1.0;
  int analysis_delay_days = 0;
  std::vector<double> calibration_levels_ng_per_l;  // sewage-equivalent, ascending
  std::vector<double> qc_levels_ng_per_l;           // sewage-equivalent
  double istd_area = 0.0;
  double istd_area_rsd = 0.0;
  double matrix_factor_median = 1.0;
  double matrix_factor_rsd = 0.0;
  double batch_sensitivity_rsd = 0.0;
  double saturation_at_top_level = 0.0;
  double peak_detection_area = 0.0;
  double retention_time_batch_sd_min = 0.0;
  double retention_time_injection_sd_min = 0.0;
  double qualifier_ratio_rsd = 0.0;
  double standard_injection_rsd = 0.0;  // standards, QCs, blanks (samples: analytical_rsd)
  double carry_over_probability = 0.0;  // per batch and analyte
  double carry_over_min_fraction = 0.0;
  double carry_over_max_fraction = 0.0;
  FailingQc failing_qc;
  std::vector<LabAnalyteSettings> analytes;
};

struct Scenario {
  std::string note;
  WaterSettings water;
  RainSettings rain;
  HydrochemistrySettings hydrochemistry;
  SamplingSettings sampling;
  std::vector<DrugScenario> drugs;
  std::map<std::string, std::map<std::string, double>> district_multipliers;  // id -> drug ->
  std::vector<BackgroundSource> background_sources;
  std::vector<MetabolicFormation> metabolic_formation;
  std::vector<ScenarioEvent> events;
  LabSettings lab;

  // 1 when the scenario gives no multiplier for this district and drug.
  double DistrictMultiplier(const std::string& district_id, const std::string& drug) const;
};

// `block` is the "scenario" member of a demo city file; `origin` names the file. Throws
// InputError (file, JSON pointer under /scenario, message) on the first problem.
Scenario ScenarioFromJson(const nlohmann::json& block, const std::string& origin, const City& city,
                          const DrugCatalogue& catalogue);

}  // namespace wbe
