#include "models/simulation/city_simulator.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "models/city/city_io.h"
#include "models/core/data_paths.h"
#include "models/core/input_error.h"
#include "models/simulation/lab_batch_simulator.h"
#include "models/simulation/simulation_random.h"

namespace wbe {
namespace {

using nlohmann::json;
using simulation_internal::LabBatchSpec;
using simulation_internal::LabSample;
using simulation_internal::Noise;
using simulation_internal::Stream;

constexpr double kDaysPerYear = 365.25;
constexpr double kHoursPerDay = 24.0;
constexpr double kPerThousand = 1000.0;
constexpr double kLitresPerM3 = 1000.0;
constexpr double kNgPerLPerMgPerM3 = 1000.0;  // 1 mg/m3 = 1e6 ng / 1e3 L

json ReadJsonFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path, 0, "", "cannot open the demo city file");
  std::stringstream text;
  text << in.rdbuf();
  try {
    return json::parse(text.str());
  } catch (const json::parse_error& e) {
    throw InputError(path, 0, "", std::string("not valid JSON: ") + e.what());
  }
}

// [first, last] of an event clipped to the run; empty (first > last) when outside it.
struct DayRange {
  DayIndex first = 0;
  DayIndex last = -1;
  bool Contains(DayIndex day) const { return day >= first && day <= last; }
  bool empty() const { return first > last; }
};

DayRange EventDays(const ScenarioEvent& event, DayIndex start_day, int days) {
  const DayIndex run_last = start_day + days - 1;
  DayRange range;
  range.first = start_day + event.start_offset_days;
  range.last = event.duration_days > 0 ? range.first + event.duration_days - 1 : run_last;
  range.last = std::min(range.last, run_last);
  return range;
}

// Per-day arrays over the whole simulated span (warm-up days first).
using Series = std::vector<double>;

}  // namespace

bool SimulationOptions::Check() const { return days >= 1 && days <= 3660 && random_events.Check(); }

std::string SimulationOptions::ScenarioPath() const {
  return scenario_path.empty() ? DataPath("models/simulation/demo_city.json") : scenario_path;
}

int WarmUpDays(const City& city) {
  double max_travel_h = 0.0;
  for (const SamplingSite& site : city.sites) {
    for (const DistrictPath& path : city.UpstreamDistricts(site.id)) {
      max_travel_h = std::max(max_travel_h, path.travel_time_h());
    }
  }
  // The composite of the first day collects mass from up to floor(tau/24) + 1 days earlier.
  return static_cast<int>(std::floor(max_travel_h / kHoursPerDay)) + 1;
}

SimulatedCity SimulateCity(const DrugCatalogue& catalogue, const SimulationOptions& options) {
  if (!options.Check()) {
    throw std::invalid_argument("SimulationOptions: days must be between 1 and 3660, got " +
                                std::to_string(options.days));
  }
  const std::string path = options.ScenarioPath();
  const json document = ReadJsonFile(path);

  SimulatedCity out;
  out.city = CityFromJson(document, path);
  if (!document.contains("scenario")) {
    throw InputError(path, 0, "/scenario", "a demo city file needs a 'scenario' block");
  }
  out.scenario = ScenarioFromJson(document["scenario"], path, out.city, catalogue);
  if (options.inject_events && options.random_events.enabled()) {
    for (ScenarioEvent& event : RandomScenarioEvents(out.city, out.scenario, options.random_events,
                                                     options.days, options.seed)) {
      out.scenario.events.push_back(std::move(event));
    }
  }
  out.start_day = options.start_day;
  out.days = options.days;
  out.seed = options.seed;
  const City& city = out.city;
  const Scenario& scenario = out.scenario;
  const uint64_t seed = options.seed;
  const bool noise = options.noise;

  const int warm_up = WarmUpDays(city);
  const DayIndex first_day = options.start_day - warm_up;
  const size_t span = static_cast<size_t>(warm_up + options.days);
  const std::vector<Biomarker>& biomarkers = catalogue.biomarkers();
  std::map<std::string, size_t> biomarker_index;
  for (size_t b = 0; b < biomarkers.size(); ++b) biomarker_index[biomarkers[b].name] = b;

  std::vector<const ScenarioEvent*> events;
  if (options.inject_events) {
    for (const ScenarioEvent& event : scenario.events) {
      if (EventDays(event, options.start_day, options.days).empty()) continue;
      events.push_back(&event);
    }
  }
  for (const ScenarioEvent* event : events) {
    const DayRange range = EventDays(*event, options.start_day, options.days);
    InjectedEvent truth;
    truth.kind = EventKindName(event->kind);
    truth.district_id = event->district_id;
    truth.drug = event->drug;
    truth.start_day = range.first;
    truth.end_day = range.last;
    truth.magnitude = event->kind == EventKind::kSurge          ? event->multiplier
                      : event->kind == EventKind::kNewSubstance ? event->mg_per_day_per_1000
                                                                : event->mass_mg;
    truth.description = event->description;
    out.truth.events.push_back(truth);
  }

  // --- Consumption and biomarker mass entering the sewer, per district, biomarker and day.
  const size_t district_count = city.districts.size();
  std::vector<std::vector<Series>> excreted(
      district_count, std::vector<Series>(biomarkers.size(), Series(span, 0.0)));
  std::vector<std::vector<Series>> dumped = excreted;
  for (size_t d = 0; d < district_count; ++d) {
    const District& district = city.districts[d];
    for (const DrugScenario& setting : scenario.drugs) {
      const Drug& drug = catalogue.GetDrug(setting.drug);
      const double multiplier = scenario.DistrictMultiplier(district.id, setting.drug);
      std::mt19937_64 rng = Stream(seed, {"consumption", district.id, setting.drug});
      for (size_t i = 0; i < span; ++i) {
        const DayIndex day = first_day + static_cast<DayIndex>(i);
        double rate_mg_per_day_per_1000 = setting.baseline_mg_per_day_per_1000 * multiplier;
        double event_factor = 1.0;
        for (const ScenarioEvent* event : events) {
          if (event->district_id != district.id || event->drug != setting.drug) continue;
          if (!EventDays(*event, options.start_day, options.days).Contains(day)) continue;
          if (event->kind == EventKind::kNewSubstance) {
            rate_mg_per_day_per_1000 += event->mg_per_day_per_1000;
          } else if (event->kind == EventKind::kSurge) {
            event_factor *= event->multiplier;
          }
        }
        const double trend =
            std::pow(1.0 + setting.trend_per_year, (day - options.start_day) / kDaysPerYear);
        const double consumption_mg = rate_mg_per_day_per_1000 * district.population /
                                      kPerThousand * setting.day_of_week_factors[IsoWeekday(day)] *
                                      trend * event_factor * Noise(rng, setting.day_rsd, noise);
        out.truth.districts.push_back({district.id, day, setting.drug, consumption_mg});
        for (const ExcretionRoute& route : drug.routes) {
          const double fraction = route.excretion_fraction.known()
                                      ? route.excretion_fraction.point()
                                      : setting.simulated_excretion_fractions.at(route.biomarker);
          const Biomarker& biomarker = catalogue.GetBiomarker(route.biomarker);
          const double mw_ratio = biomarker.molecular_weight_g_per_mol.point() /
                                  drug.molecular_weight_g_per_mol.point();
          excreted[d][biomarker_index.at(biomarker.name)][i] +=
              consumption_mg * fraction * mw_ratio;
        }
      }
    }
    for (size_t s = 0; s < scenario.background_sources.size(); ++s) {
      const BackgroundSource& source = scenario.background_sources[s];
      std::mt19937_64 rng =
          Stream(seed, {"background", district.id, source.biomarker, std::to_string(s)});
      Series& series = excreted[d][biomarker_index.at(source.biomarker)];
      for (size_t i = 0; i < span; ++i) {
        series[i] += source.mg_per_day_per_1000 * district.population / kPerThousand *
                     Noise(rng, source.day_rsd, noise);
      }
    }
    // In listed order, after all consumption, so a product sees its precursor's full mass.
    for (const MetabolicFormation& formation : scenario.metabolic_formation) {
      const Series& from = excreted[d][biomarker_index.at(formation.from_biomarker)];
      Series& to = excreted[d][biomarker_index.at(formation.to_biomarker)];
      for (size_t i = 0; i < span; ++i) to[i] += formation.ratio * from[i];
    }
    for (const ScenarioEvent* event : events) {
      if (event->kind != EventKind::kDumping || event->district_id != district.id) continue;
      const DayRange range = EventDays(*event, options.start_day, options.days);
      for (DayIndex day = range.first; day <= range.last; ++day) {
        dumped[d][biomarker_index.at(event->biomarker)][day - first_day] += event->mass_mg;
      }
    }
    for (size_t b = 0; b < biomarkers.size(); ++b) {
      for (size_t i = 0; i < span; ++i) {
        out.district_inputs.push_back({district.id, first_day + static_cast<DayIndex>(i),
                                       biomarkers[b].name, excreted[d][b][i], dumped[d][b][i]});
      }
    }
  }

  // --- Weather and sewage volumes.
  Series rain_mm(span, 0.0);
  {
    std::mt19937_64 rng = Stream(seed, {"rain"});
    for (size_t i = 0; i < span; ++i) {
      const double wet = UniformUnit(rng);
      const double depth = UniformUnit(rng);
      if (wet < scenario.rain.probability_per_day) {
        rain_mm[i] = -scenario.rain.mean_mm * std::log1p(-depth);  // exponential depth
      }
    }
  }
  std::vector<Series> district_flow(district_count, Series(span, 0.0));
  for (size_t d = 0; d < district_count; ++d) {
    const District& district = city.districts[d];
    const double dry_m3_per_day = district.population * scenario.water.WaterUseFor(district.id) /
                                  kLitresPerM3 * (1.0 + scenario.water.infiltration_fraction);
    std::mt19937_64 rng = Stream(seed, {"district_flow", district.id});
    for (size_t i = 0; i < span; ++i) {
      district_flow[d][i] = dry_m3_per_day * scenario.rain.FlowFactor(rain_mm[i]) *
                            Noise(rng, scenario.water.flow_day_rsd, noise);
    }
  }

  // --- Transport to the sites, true loads and concentrations.
  const size_t site_count = city.sites.size();
  const size_t first_reported = static_cast<size_t>(warm_up);
  std::vector<Series> site_flow(site_count, Series(span, 0.0));
  std::vector<double> site_population(site_count, 0.0);
  // site -> biomarker -> day: true concentration, for the sampling step below.
  std::vector<std::vector<Series>> site_concentration(
      site_count, std::vector<Series>(biomarkers.size(), Series(span, 0.0)));
  for (size_t s = 0; s < site_count; ++s) {
    const SamplingSite& site = city.sites[s];
    const std::vector<DistrictPath> paths = city.UpstreamDistricts(site.id);
    for (const DistrictPath& path : paths) {
      site_population[s] += city.districts[path.district_index].population;
      for (size_t i = 0; i < span; ++i) site_flow[s][i] += district_flow[path.district_index][i];
    }
    for (size_t b = 0; b < biomarkers.size(); ++b) {
      const BiomarkerStability& stability = biomarkers[b].stability;
      const double k_gravity_per_h =
          stability.gravity_k_per_h.known() ? stability.gravity_k_per_h.point() : 0.0;
      const double k_rising_per_h =
          stability.rising_main_k_per_h.known() ? stability.rising_main_k_per_h.point() : 0.0;
      Series load(span, 0.0);
      for (const DistrictPath& path : paths) {
        const double survival =
            std::exp(-(k_gravity_per_h * path.gravity_h + k_rising_per_h * path.rising_main_h));
        const double lag_days = path.travel_time_h() / kHoursPerDay;
        const size_t whole = static_cast<size_t>(std::floor(lag_days));
        const double spill = lag_days - static_cast<double>(whole);
        const Series& e = excreted[path.district_index][b];
        const Series& m = dumped[path.district_index][b];
        for (size_t i = first_reported; i < span; ++i) {
          const size_t same = i - whole;
          const size_t before = same - 1;  // warm-up days keep this in range
          load[i] +=
              survival * ((1.0 - spill) * (e[same] + m[same]) + spill * (e[before] + m[before]));
        }
      }
      for (size_t i = first_reported; i < span; ++i) {
        const double concentration = load[i] / site_flow[s][i] * kNgPerLPerMgPerM3;
        site_concentration[s][b][i] = concentration;
        out.truth.sites.push_back({site.id, first_day + static_cast<DayIndex>(i),
                                   biomarkers[b].name, load[i], concentration});
      }
    }
  }

  // --- Reported flows and hydrochemistry.
  for (size_t s = 0; s < site_count; ++s) {
    const SamplingSite& site = city.sites[s];
    std::mt19937_64 rng = Stream(seed, {"site_flow", site.id});
    for (size_t i = first_reported; i < span; ++i) {
      const DayIndex day = first_day + static_cast<DayIndex>(i);
      FlowRecord truth;
      truth.site_id = site.id;
      truth.day = day;
      truth.flow_m3_per_day = site_flow[s][i];
      truth.rain_mm = rain_mm[i];
      // g/day over m3/day is g/m3, i.e. mg/L.
      truth.cod_mg_per_l =
          site_population[s] * scenario.hydrochemistry.cod_g_per_capita_per_day / site_flow[s][i];
      truth.nh4_n_mg_per_l =
          site_population[s] * scenario.hydrochemistry.nh4_n_g_per_capita_per_day / site_flow[s][i];
      out.true_flows.push_back(truth);
      FlowRecord reported = truth;
      reported.flow_m3_per_day *= Noise(rng, scenario.water.flow_meter_rsd, noise);
      reported.cod_mg_per_l *= Noise(rng, scenario.hydrochemistry.rsd, noise);
      reported.nh4_n_mg_per_l *= Noise(rng, scenario.hydrochemistry.rsd, noise);
      out.flows.push_back(reported);
    }
  }

  // --- Sampling: which composites reach the lab, and what is in the bottle.
  const LabSettings& lab = scenario.lab;
  for (const LabAnalyteSettings& analyte : lab.analytes) out.analytes.push_back(analyte.analyte);
  std::map<std::pair<int, int>, std::vector<LabSample>> weeks;  // (ISO year, week) ->
  std::vector<std::mt19937_64> failure_rng;
  std::vector<std::vector<std::mt19937_64>> sampling_rng(site_count);
  for (size_t s = 0; s < site_count; ++s) {
    failure_rng.push_back(Stream(seed, {"sampler_failure", city.sites[s].id}));
    for (const LabAnalyteSettings& analyte : lab.analytes) {
      sampling_rng[s].push_back(Stream(seed, {"sampling", city.sites[s].id, analyte.analyte}));
    }
  }
  for (size_t i = first_reported; i < span; ++i) {
    const DayIndex day = first_day + static_cast<DayIndex>(i);
    for (size_t s = 0; s < site_count; ++s) {
      const SamplingSite& site = city.sites[s];
      LabSample sample;
      sample.site_id = site.id;
      sample.day = day;
      for (size_t a = 0; a < lab.analytes.size(); ++a) {
        const Biomarker& biomarker = catalogue.GetBiomarker(lab.analytes[a].analyte);
        const double k_sample_per_h = biomarker.stability.in_sample_k_per_h.known()
                                          ? biomarker.stability.in_sample_k_per_h.point()
                                          : 0.0;
        sample.bottle_ng_per_l.push_back(
            site_concentration[s][biomarker_index.at(biomarker.name)][i] *
            Noise(sampling_rng[s][a], scenario.sampling.Rsd(site.kind), noise) *
            std::exp(-k_sample_per_h * scenario.sampling.unrefrigerated_storage_h));
      }
      // Drawn every day so one failure does not shift the other days' draws.
      const bool failed =
          UniformUnit(failure_rng[s]) < scenario.sampling.FailureProbability(site.kind);
      if (!failed) {
        const IsoWeek week = IsoWeekOf(day);
        weeks[{week.year, week.week}].push_back(sample);
      }
    }
  }

  // --- Lab: one batch per ISO week of sampling.
  int batch_number = 0;
  for (auto& [key, samples] : weeks) {
    IsoWeek week;
    week.year = key.first;
    week.week = key.second;
    LabBatchSpec batch;
    batch.batch_number = ++batch_number;
    batch.batch_id = lab.lab_id + "-" + week.ToString();
    DayIndex last_sampling_day = samples.front().day;
    for (const LabSample& sample : samples)
      last_sampling_day = std::max(last_sampling_day, sample.day);
    batch.analysis_date = last_sampling_day + lab.analysis_delay_days;
    batch.samples = std::move(samples);
    simulation_internal::SimulateLabBatch(lab, catalogue, batch, seed, noise, &out.lab_rows,
                                          &out.measurements);
  }
  return out;
}

}  // namespace wbe
