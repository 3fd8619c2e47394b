#include "pipeline/export/estimate_json.h"

#include <cmath>

#include "models/core/json_number.h"
#include "models/core/string_lists.h"

namespace wbe {
namespace {

template <typename T>
nlohmann::json OptionalOrNull(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json UncertainValueToJson(const UncertainValue& value) {
  nlohmann::json out = {{"point", NumberOrNull(value.point)}};
  if (value.has_interval()) {
    out["median"] = NumberOrNull(value.median);
    out["p05"] = NumberOrNull(value.p05);
    out["p95"] = NumberOrNull(value.p95);
  }
  return out;
}

nlohmann::json DistrictEstimateToJson(const DistrictEstimate& e) {
  return {
      {"group_id", e.group_id},
      {"districts", SplitStrings(e.district_ids, ',')},
      {"resolved", e.resolved},
      {"drug", e.drug},
      {"biomarker", e.biomarker},
      {"start_date", FormatIsoDate(e.start_day)},
      {"days", e.days},
      {"population", e.population},
      {"observations", e.observations},
      {"censored_observations", e.censored_observations},
      {"flagged_observations", e.flagged_observations},
      {"mass_mg_per_day", UncertainValueToJson(e.mass_mg_per_day)},
      {"consumption_mg_per_day", UncertainValueToJson(e.consumption_mg_per_day)},
      {"consumption_given_parameters_mg_per_day",
       {{"p05", NumberOrNull(e.consumption_p05_given_parameters)},
        {"p95", NumberOrNull(e.consumption_p95_given_parameters)}}},
      {"consumption_mg_per_day_per_1000", UncertainValueToJson(e.consumption_mg_per_day_per_1000)},
      {"users", UncertainValueToJson(e.users)},
      {"provenance",
       {{"batch_ids", e.batch_ids},
        {"catalogue_version", e.catalogue_version},
        {"draws", e.draws},
        {"seed", e.seed}}},
      {"note", e.note},
  };
}

nlohmann::json DistrictGroupToJson(const DistrictGroup& group) {
  return {{"districts", group.district_ids},
          {"sites", group.site_ids},
          {"resolved", group.resolved},
          {"unobserved", group.unobserved}};
}

nlohmann::json EstimateFlagToJson(const EstimateFlag& f) {
  return {{"kind", f.kind},
          {"site_id", f.site_id},
          {"date", FormatIsoDate(f.day)},
          {"drug", f.drug},
          {"biomarker", f.biomarker},
          {"value", NumberOrNull(f.value)},
          {"expected", NumberOrNull(f.expected)},
          {"batch_ids", f.batch_ids},
          {"message", f.message}};
}

nlohmann::json SiteDayEstimateToJson(const SiteDayEstimate& e) {
  nlohmann::json out = {
      {"drug", e.drug},
      {"biomarker", e.biomarker},
      {"censored", e.censored},
      {"population", e.population},
      {"load_mg_per_day", UncertainValueToJson(e.load_mg_per_day)},
      {"normalised_load_mg_per_day_per_1000",
       UncertainValueToJson(e.normalised_load_mg_per_day_per_1000)},
      {"consumption_mg_per_day_per_1000", UncertainValueToJson(e.consumption_mg_per_day_per_1000)},
      {"doses_per_day_per_1000", UncertainValueToJson(e.doses_per_day_per_1000)},
      {"users_per_1000", UncertainValueToJson(e.users_per_1000)},
      {"provenance",
       {{"catalogue_version", e.catalogue_version},
        {"draws", e.draws},
        {"seed", e.seed},
        {"batch_ids", e.batch_ids}}},
      {"note", e.note}};
  if (!e.site_id.empty()) {
    out["site_id"] = e.site_id;
    out["date"] = FormatIsoDate(e.day);
  }
  return out;
}

nlohmann::json BackCalculationParametersToJson(const BackCalculationParameters& p) {
  const UncertaintyOptions& u = p.uncertainty;
  return {{"drug", p.drug},
          {"biomarker", p.biomarker},
          {"catalogue_version", p.catalogue_version},
          {"molecular_weight_parent_g_per_mol", p.molecular_weight_parent_g_per_mol},
          {"molecular_weight_biomarker_g_per_mol", p.molecular_weight_biomarker_g_per_mol},
          {"molecular_weight_ratio", p.molecular_weight_ratio},
          {"excretion_fraction", OptionalOrNull(p.excretion_fraction)},
          {"excretion_fraction_status", p.excretion_fraction_status},
          {"k_gravity_per_h", p.k_gravity_per_h},
          {"k_rising_main_per_h", p.k_rising_main_per_h},
          {"k_in_sample_per_h", p.k_in_sample_per_h},
          {"stability_factor", p.stability_factor},
          {"correction_factor",
           p.excretion_fraction ? nlohmann::json(p.correction_factor) : nlohmann::json(nullptr)},
          {"corrections_applied", p.corrections_applied},
          {"typical_dose_mg", OptionalOrNull(p.typical_dose_mg)},
          {"doses_per_user_per_day", OptionalOrNull(p.doses_per_user_per_day)},
          {"uncertainty",
           {{"draws", u.draws},
            {"seed", u.seed},
            {"input_distribution", InputDistributionName(u.input_distribution)},
            {"concentration_rsd", u.concentration_rsd},
            {"sampling_rsd", u.sampling_rsd},
            {"sampling_count", u.sampling_count},
            {"flow_rsd", u.flow_rsd},
            {"population_rsd", u.population_rsd},
            {"residence_time_rsd", u.residence_time_rsd},
            {"vary_stability", u.vary_stability},
            {"vary_excretion", u.vary_excretion},
            {"vary_corrections", u.vary_corrections},
            {"vary_dose", u.vary_dose}}}};
}

nlohmann::json BackCalculationToJson(const BackCalculationResult& result) {
  nlohmann::json out = SiteDayEstimateToJson(result.estimate);
  out["parameters"] = BackCalculationParametersToJson(result.parameters);
  return out;
}

}  // namespace wbe
