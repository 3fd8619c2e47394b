#include "models/simulation/scenario.h"

#include <algorithm>
#include <numeric>
#include <set>

#include "models/core/input_error.h"
#include "models/core/schema_check.h"

namespace wbe {
namespace {

using nlohmann::json;

std::string Quoted(const std::string& text) { return "'" + text + "'"; }

// Collects the file name and the "/scenario" prefix so every error names the JSON pointer.
class Reader {
 public:
  Reader(const std::string& origin, const City& city, const DrugCatalogue& catalogue)
      : origin_(origin), city_(city), catalogue_(catalogue) {}

  [[noreturn]] void Fail(const std::string& pointer, const std::string& message) const {
    throw InputError(origin_, 0, "/scenario" + pointer, message);
  }

  std::string Drug(const std::string& name, const std::string& pointer) const {
    const wbe::Drug* drug = catalogue_.FindDrug(name);
    if (drug == nullptr) Fail(pointer, "unknown drug " + Quoted(name) + " (not in the catalogue)");
    return drug->name;
  }

  std::string Biomarker(const std::string& name, const std::string& pointer) const {
    const wbe::Biomarker* biomarker = catalogue_.FindBiomarker(name);
    if (biomarker == nullptr) {
      Fail(pointer, "unknown biomarker " + Quoted(name) + " (not in the catalogue)");
    }
    return biomarker->name;
  }

  void District(const std::string& id, const std::string& pointer) const {
    if (city_.FindDistrict(id) == nullptr) {
      Fail(pointer, "unknown district " + Quoted(id) + " (not in the city's districts)");
    }
  }

 private:
  std::string origin_;
  const City& city_;
  const DrugCatalogue& catalogue_;
};

void CheckSchema(const json& block, const std::string& origin) {
  CheckAgainstSchema(block, "demo-scenario.schema.json", origin, "/scenario");
}

DrugScenario ReadDrug(const json& node, const std::string& pointer, const Reader& reader,
                      const DrugCatalogue& catalogue) {
  DrugScenario drug;
  drug.drug = reader.Drug(node.at("drug").get<std::string>(), pointer + "/drug");
  drug.baseline_mg_per_day_per_1000 = node.at("baseline_mg_per_day_per_1000").get<double>();
  drug.trend_per_year = node.at("trend_per_year").get<double>();
  drug.day_rsd = node.at("day_rsd").get<double>();
  if (node.contains("day_of_week_factors")) {
    const std::vector<double> factors = node["day_of_week_factors"].get<std::vector<double>>();
    if (factors.size() != 7) {
      reader.Fail(
          pointer + "/day_of_week_factors",
          "needs exactly 7 factors (Monday to Sunday), got " + std::to_string(factors.size()));
    }
    const double mean = std::accumulate(factors.begin(), factors.end(), 0.0) / 7.0;
    if (!(mean > 0.0)) reader.Fail(pointer + "/day_of_week_factors", "all factors are zero");
    // Rescaled so the baseline stays the weekly mean.
    for (size_t i = 0; i < 7; ++i) drug.day_of_week_factors[i] = factors[i] / mean;
  }
  const wbe::Drug& catalogue_drug = catalogue.GetDrug(drug.drug);
  if (node.contains("simulated_excretion_fractions")) {
    for (const auto& [name, value] : node["simulated_excretion_fractions"].items()) {
      const std::string where = pointer + "/simulated_excretion_fractions/" + name;
      const std::string biomarker = reader.Biomarker(name, where);
      const ExcretionRoute* route = catalogue_drug.FindRoute(biomarker);
      if (route == nullptr) {
        reader.Fail(where, "drug " + Quoted(drug.drug) + " has no route through biomarker " +
                               Quoted(biomarker));
      }
      if (route->excretion_fraction.known()) {
        reader.Fail(where, "the catalogue already gives the excretion fraction of " +
                               Quoted(drug.drug) + " as " + Quoted(biomarker) +
                               "; the simulator uses the catalogue value");
      }
      drug.simulated_excretion_fractions[biomarker] = value.get<double>();
    }
  }
  for (const ExcretionRoute& route : catalogue_drug.routes) {
    if (!route.excretion_fraction.known() &&
        !drug.simulated_excretion_fractions.count(route.biomarker)) {
      reader.Fail(pointer + "/simulated_excretion_fractions",
                  "the catalogue has no excretion fraction for " + Quoted(drug.drug) + " as " +
                      Quoted(route.biomarker) + "; give a simulated one");
    }
  }
  return drug;
}

ScenarioEvent ReadEvent(const json& node, const std::string& pointer, const Reader& reader,
                        const std::set<std::string>& scenario_drugs) {
  ScenarioEvent event;
  const std::string kind = node.at("kind").get<std::string>();
  event.kind = kind == "surge"           ? EventKind::kSurge
               : kind == "new_substance" ? EventKind::kNewSubstance
                                         : EventKind::kDumping;
  event.district_id = node.at("district").get<std::string>();
  reader.District(event.district_id, pointer + "/district");
  event.drug = reader.Drug(node.at("drug").get<std::string>(), pointer + "/drug");
  if (!scenario_drugs.count(event.drug)) {
    reader.Fail(pointer + "/drug", "drug " + Quoted(event.drug) + " is not in /scenario/drugs");
  }
  event.start_offset_days = node.at("start_offset_days").get<int>();
  event.duration_days = node.value("duration_days", 0);
  event.description = node.value("description", "");
  auto require = [&](const char* field) {
    if (!node.contains(field)) {
      reader.Fail(pointer, "a " + kind + " event needs '" + std::string(field) + "'");
    }
  };
  switch (event.kind) {
    case EventKind::kSurge:
      require("multiplier");
      require("duration_days");
      event.multiplier = node["multiplier"].get<double>();
      break;
    case EventKind::kNewSubstance:
      require("mg_per_day_per_1000");
      event.mg_per_day_per_1000 = node["mg_per_day_per_1000"].get<double>();
      break;
    case EventKind::kDumping:
      require("mass_mg");
      require("biomarker");
      event.mass_mg = node["mass_mg"].get<double>();
      event.biomarker =
          reader.Biomarker(node["biomarker"].get<std::string>(), pointer + "/biomarker");
      event.duration_days = 1;
      break;
  }
  return event;
}

LabSettings ReadLab(const json& node, const Reader& reader) {
  LabSettings lab;
  lab.lab_id = node.at("lab_id").get<std::string>();
  lab.enrichment_factor = node.at("enrichment_factor").get<double>();
  lab.analysis_delay_days = node.at("analysis_delay_days").get<int>();
  lab.calibration_levels_ng_per_l =
      node.at("calibration_levels_ng_per_l").get<std::vector<double>>();
  if (!std::is_sorted(lab.calibration_levels_ng_per_l.begin(),
                      lab.calibration_levels_ng_per_l.end()) ||
      std::adjacent_find(lab.calibration_levels_ng_per_l.begin(),
                         lab.calibration_levels_ng_per_l.end()) !=
          lab.calibration_levels_ng_per_l.end()) {
    reader.Fail("/lab/calibration_levels_ng_per_l", "levels must be strictly ascending");
  }
  lab.qc_levels_ng_per_l = node.at("qc_levels_ng_per_l").get<std::vector<double>>();
  lab.istd_area = node.at("istd_area").get<double>();
  lab.istd_area_rsd = node.at("istd_area_rsd").get<double>();
  lab.matrix_factor_median = node.at("matrix_factor_median").get<double>();
  lab.matrix_factor_rsd = node.at("matrix_factor_rsd").get<double>();
  lab.batch_sensitivity_rsd = node.at("batch_sensitivity_rsd").get<double>();
  lab.saturation_at_top_level = node.at("saturation_at_top_level").get<double>();
  lab.peak_detection_area = node.at("peak_detection_area").get<double>();
  lab.retention_time_batch_sd_min = node.at("retention_time_batch_sd_min").get<double>();
  lab.retention_time_injection_sd_min = node.at("retention_time_injection_sd_min").get<double>();
  lab.qualifier_ratio_rsd = node.at("qualifier_ratio_rsd").get<double>();
  const double default_rsd = node.at("analytical_rsd_default").get<double>();
  lab.standard_injection_rsd = node.at("standard_injection_rsd").get<double>();
  const json& carry = node.at("carry_over");
  lab.carry_over_probability = carry.at("probability_per_batch_and_analyte").get<double>();
  lab.carry_over_min_fraction = carry.at("min_fraction").get<double>();
  lab.carry_over_max_fraction = carry.at("max_fraction").get<double>();
  if (lab.carry_over_min_fraction > lab.carry_over_max_fraction) {
    reader.Fail("/lab/carry_over", "min_fraction is above max_fraction");
  }
  std::set<std::string> names;
  const json& analytes = node.at("analytes");
  for (size_t i = 0; i < analytes.size(); ++i) {
    const json& a = analytes[i];
    const std::string pointer = "/lab/analytes/" + std::to_string(i);
    LabAnalyteSettings settings;
    settings.analyte = reader.Biomarker(a.at("analyte").get<std::string>(), pointer + "/analyte");
    if (!names.insert(settings.analyte).second) {
      reader.Fail(pointer + "/analyte", "analyte " + Quoted(settings.analyte) + " listed twice");
    }
    settings.retention_time_min = a.at("retention_time_min").get<double>();
    settings.qualifier_ratio = a.at("qualifier_ratio").get<double>();
    settings.response_per_ng_per_l = a.at("response_per_ng_per_l").get<double>();
    settings.analytical_rsd = a.value("analytical_rsd", default_rsd);
    lab.analytes.push_back(settings);
  }
  if (node.contains("failing_qc")) {
    const json& f = node["failing_qc"];
    lab.failing_qc.enabled = true;
    lab.failing_qc.batch_number = f.at("batch_number").get<int>();
    lab.failing_qc.analyte =
        reader.Biomarker(f.at("analyte").get<std::string>(), "/lab/failing_qc/analyte");
    if (!names.count(lab.failing_qc.analyte)) {
      reader.Fail("/lab/failing_qc/analyte",
                  Quoted(lab.failing_qc.analyte) + " is not among /scenario/lab/analytes");
    }
    lab.failing_qc.level = f.at("level").get<int>();
    if (lab.failing_qc.level > static_cast<int>(lab.qc_levels_ng_per_l.size())) {
      reader.Fail("/lab/failing_qc/level",
                  "there are only " + std::to_string(lab.qc_levels_ng_per_l.size()) + " QC levels");
    }
    lab.failing_qc.bias_factor = f.at("bias_factor").get<double>();
    lab.failing_qc.description = f.value("description", "");
  }
  return lab;
}

}  // namespace

double WaterSettings::WaterUseFor(const std::string& district_id) const {
  const auto it = district_water_use_l_per_capita_per_day.find(district_id);
  return it == district_water_use_l_per_capita_per_day.end() ? water_use_l_per_capita_per_day
                                                             : it->second;
}

double RainSettings::FlowFactor(double rain_mm) const {
  return 1.0 + std::min(max_flow_increase, flow_increase_per_mm * rain_mm);
}

double SamplingSettings::Rsd(SiteKind kind) const {
  return kind == SiteKind::kTreatmentPlantInlet ? plant_rsd : manhole_rsd;
}

double SamplingSettings::FailureProbability(SiteKind kind) const {
  return kind == SiteKind::kTreatmentPlantInlet ? plant_failure_probability
                                                : manhole_failure_probability;
}

const char* EventKindName(EventKind kind) {
  switch (kind) {
    case EventKind::kSurge:
      return "surge";
    case EventKind::kNewSubstance:
      return "new_substance";
    case EventKind::kDumping:
      return "dumping";
  }
  return "unknown";
}

double Scenario::DistrictMultiplier(const std::string& district_id, const std::string& drug) const {
  const auto district = district_multipliers.find(district_id);
  if (district == district_multipliers.end()) return 1.0;
  const auto it = district->second.find(drug);
  return it == district->second.end() ? 1.0 : it->second;
}

Scenario ScenarioFromJson(const json& block, const std::string& origin, const City& city,
                          const DrugCatalogue& catalogue) {
  CheckSchema(block, origin);
  const Reader reader(origin, city, catalogue);
  Scenario scenario;
  scenario.note = block.at("note").get<std::string>();

  const json& water = block.at("water");
  scenario.water.water_use_l_per_capita_per_day =
      water.at("water_use_l_per_capita_per_day").get<double>();
  scenario.water.infiltration_fraction = water.at("infiltration_fraction").get<double>();
  scenario.water.flow_day_rsd = water.at("flow_day_rsd").get<double>();
  scenario.water.flow_meter_rsd = water.at("flow_meter_rsd").get<double>();
  if (water.contains("district_water_use_l_per_capita_per_day")) {
    for (const auto& [id, value] : water["district_water_use_l_per_capita_per_day"].items()) {
      reader.District(id, "/water/district_water_use_l_per_capita_per_day/" + id);
      scenario.water.district_water_use_l_per_capita_per_day[id] = value.get<double>();
    }
  }

  const json& rain = block.at("rain");
  scenario.rain.probability_per_day = rain.at("probability_per_day").get<double>();
  scenario.rain.mean_mm = rain.at("mean_mm").get<double>();
  scenario.rain.flow_increase_per_mm = rain.at("flow_increase_per_mm").get<double>();
  scenario.rain.max_flow_increase = rain.at("max_flow_increase").get<double>();

  const json& hydro = block.at("hydrochemistry");
  scenario.hydrochemistry.cod_g_per_capita_per_day =
      hydro.at("cod_g_per_capita_per_day").get<double>();
  scenario.hydrochemistry.nh4_n_g_per_capita_per_day =
      hydro.at("nh4_n_g_per_capita_per_day").get<double>();
  scenario.hydrochemistry.rsd = hydro.at("rsd").get<double>();

  const json& sampling = block.at("sampling");
  scenario.sampling.plant_rsd = sampling.at("rsd").at("treatment_plant_inlet").get<double>();
  scenario.sampling.manhole_rsd = sampling.at("rsd").at("manhole").get<double>();
  scenario.sampling.plant_failure_probability =
      sampling.at("sampler_failure_probability").at("treatment_plant_inlet").get<double>();
  scenario.sampling.manhole_failure_probability =
      sampling.at("sampler_failure_probability").at("manhole").get<double>();
  scenario.sampling.unrefrigerated_storage_h =
      sampling.at("unrefrigerated_storage_h").get<double>();

  std::set<std::string> drug_names;
  const json& drugs = block.at("drugs");
  for (size_t i = 0; i < drugs.size(); ++i) {
    const std::string pointer = "/drugs/" + std::to_string(i);
    DrugScenario drug = ReadDrug(drugs[i], pointer, reader, catalogue);
    if (!drug_names.insert(drug.drug).second) {
      reader.Fail(pointer + "/drug", "drug " + Quoted(drug.drug) + " listed twice");
    }
    scenario.drugs.push_back(drug);
  }

  if (block.contains("district_multipliers")) {
    for (const auto& [id, per_drug] : block["district_multipliers"].items()) {
      const std::string pointer = "/district_multipliers/" + id;
      reader.District(id, pointer);
      for (const auto& [name, value] : per_drug.items()) {
        const std::string drug = reader.Drug(name, pointer + "/" + name);
        if (!drug_names.count(drug)) {
          reader.Fail(pointer + "/" + name, "drug " + Quoted(drug) + " is not in /scenario/drugs");
        }
        scenario.district_multipliers[id][drug] = value.get<double>();
      }
    }
  }

  if (block.contains("background_sources")) {
    const json& sources = block["background_sources"];
    for (size_t i = 0; i < sources.size(); ++i) {
      const std::string pointer = "/background_sources/" + std::to_string(i);
      BackgroundSource source;
      source.biomarker =
          reader.Biomarker(sources[i].at("biomarker").get<std::string>(), pointer + "/biomarker");
      source.mg_per_day_per_1000 = sources[i].at("mg_per_day_per_1000").get<double>();
      source.day_rsd = sources[i].at("day_rsd").get<double>();
      source.description = sources[i].value("description", "");
      scenario.background_sources.push_back(source);
    }
  }

  if (block.contains("metabolic_formation")) {
    const json& formations = block["metabolic_formation"];
    for (size_t i = 0; i < formations.size(); ++i) {
      const std::string pointer = "/metabolic_formation/" + std::to_string(i);
      MetabolicFormation formation;
      formation.from_biomarker = reader.Biomarker(
          formations[i].at("from_biomarker").get<std::string>(), pointer + "/from_biomarker");
      formation.to_biomarker = reader.Biomarker(formations[i].at("to_biomarker").get<std::string>(),
                                                pointer + "/to_biomarker");
      if (formation.from_biomarker == formation.to_biomarker) {
        reader.Fail(pointer, "a biomarker cannot form itself");
      }
      formation.ratio = formations[i].at("ratio").get<double>();
      formation.description = formations[i].value("description", "");
      scenario.metabolic_formation.push_back(formation);
    }
  }

  const json& events = block.at("events");
  for (size_t i = 0; i < events.size(); ++i) {
    scenario.events.push_back(
        ReadEvent(events[i], "/events/" + std::to_string(i), reader, drug_names));
  }

  scenario.lab = ReadLab(block.at("lab"), reader);
  return scenario;
}

}  // namespace wbe
