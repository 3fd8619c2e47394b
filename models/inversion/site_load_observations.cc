#include "models/inversion/site_load_observations.h"

#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <utility>

namespace wbe {

bool MeasurementErrorOptions::Check(std::string* why) const {
  auto fail = [why](const char* message) {
    if (why != nullptr) *why = message;
    return false;
  };
  for (double rsd : {analytical_rsd, plant_sampling_rsd, manhole_sampling_rsd, flow_rsd}) {
    if (!(rsd >= 0.0) || !std::isfinite(rsd)) return fail("relative SDs must be >= 0");
  }
  if (!(LogSigma(SiteKind::kTreatmentPlantInlet) > 0.0) || !(LogSigma(SiteKind::kManhole) > 0.0)) {
    return fail("the combined load error must be > 0 for every site kind");
  }
  if (!(storage_time_h >= 0.0) || !std::isfinite(storage_time_h)) {
    return fail("storage_time_h must be >= 0");
  }
  return true;
}

double MeasurementErrorOptions::LogSigma(SiteKind kind) const {
  const double sampling =
      kind == SiteKind::kTreatmentPlantInlet ? plant_sampling_rsd : manhole_sampling_rsd;
  double variance = 0.0;
  for (double rsd : {analytical_rsd, sampling, flow_rsd}) variance += std::log1p(rsd * rsd);
  return std::sqrt(variance);
}

size_t SiteLoadSeries::censored_count() const {
  size_t count = 0;
  for (const SiteLoadObservation& observation : observations) count += observation.censored;
  return count;
}

SiteLoadSeries BuildSiteLoadObservations(const SewerNetwork& network, const City& city,
                                         const std::vector<FlowRecord>& flows,
                                         const std::vector<Measurement>& measurements,
                                         const Biomarker& biomarker, DayIndex first_day,
                                         int day_count, const MeasurementErrorOptions& options) {
  std::string why;
  if (!options.Check(&why)) throw std::invalid_argument("MeasurementErrorOptions: " + why);
  if (day_count <= 0) throw std::invalid_argument("BuildSiteLoadObservations: no days");
  SiteLoadSeries series;
  series.biomarker = biomarker.name;
  series.first_day = first_day;
  series.day_count = day_count;

  std::map<std::pair<std::string, DayIndex>, double> flow_m3_per_day;
  for (const FlowRecord& flow : flows) {
    if (flow.flow_m3_per_day > 0.0 && std::isfinite(flow.flow_m3_per_day)) {
      flow_m3_per_day[{flow.site_id, flow.day}] = flow.flow_m3_per_day;
    }
  }
  std::map<std::string, SiteKind> kind_of_site;
  for (const SamplingSite& site : city.sites) kind_of_site[site.id] = site.kind;

  const BiomarkerStability& stability = biomarker.stability;
  const double k_in_sample =
      stability.in_sample_k_per_h.known() ? stability.in_sample_k_per_h.point() : 0.0;
  const double in_sample_survival = std::exp(-k_in_sample * options.storage_time_h);

  // Results per site-day: several rows are combined below.
  struct SiteDayResults {
    double log_sum = 0.0;
    int quantified = 0;
    double lowest_loq_ng_per_l = HUGE_VAL;
    std::set<std::string> batches;
  };
  std::map<std::pair<size_t, DayIndex>, SiteDayResults> results;
  for (const Measurement& m : measurements) {
    if (m.analyte != biomarker.name) continue;
    if (m.day < first_day || m.day >= first_day + day_count) continue;
    const std::string where = m.site_id + " " + FormatIsoDate(m.day) + " (" + m.batch_id + ")";
    if (kind_of_site.count(m.site_id) == 0) {
      series.skipped.push_back(where + ": site is not in the city");
      continue;
    }
    SiteDayResults& r = results[{network.SiteIndex(m.site_id), m.day}];
    if (m.censored) {
      if (m.loq_ng_per_l > 0.0 && std::isfinite(m.loq_ng_per_l)) {
        r.lowest_loq_ng_per_l = std::min(r.lowest_loq_ng_per_l, m.loq_ng_per_l);
        r.batches.insert(m.batch_id);
      } else {
        series.skipped.push_back(where + ": below LOQ without a usable LOQ");
      }
    } else if (m.concentration_ng_per_l > 0.0 && std::isfinite(m.concentration_ng_per_l)) {
      r.log_sum += std::log(m.concentration_ng_per_l);
      ++r.quantified;
      r.batches.insert(m.batch_id);
    } else {
      series.skipped.push_back(where + ": concentration is not a positive number");
    }
  }

  for (const auto& [key, r] : results) {
    const auto& [site_index, day] = key;
    if (r.batches.empty()) continue;
    const std::string& site_id = network.SiteId(site_index);
    const auto flow = flow_m3_per_day.find({site_id, day});
    if (flow == flow_m3_per_day.end()) {
      series.skipped.push_back(site_id + " " + FormatIsoDate(day) + ": no flow that day");
      continue;
    }
    SiteLoadObservation observation;
    observation.site_index = site_index;
    observation.day_index = static_cast<int>(day - first_day);
    observation.log_sigma = options.LogSigma(kind_of_site.at(site_id));
    // 1 ng/L x 1 m3 = 1000 ng = 1e-3 mg.
    const double to_mg_per_day = flow->second * 1e-3 / in_sample_survival;
    if (r.quantified > 0) {
      observation.load_mg_per_day = std::exp(r.log_sum / r.quantified) * to_mg_per_day;
    } else {
      observation.censored = true;
      observation.loq_load_mg_per_day = r.lowest_loq_ng_per_l * to_mg_per_day;
    }
    std::string batches;
    for (const std::string& batch : r.batches) batches += (batches.empty() ? "" : ",") + batch;
    series.observations.push_back(observation);
    series.batch_ids.push_back(batches);
  }
  return series;
}

}  // namespace wbe
