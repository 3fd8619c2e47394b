#include "models/backcalc/site_day_back_calculation.h"

#include "models/core/random.h"

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <thread>
#include <tuple>

namespace wbe {
namespace {

struct Task {
  const Measurement* measurement;
  const Drug* drug;
  const ExcretionRoute* route;
  double flow_m3_per_day;
};

struct SiteGeometry {
  double population = 0.0;
  double gravity_h = 0.0;
  double rising_main_h = 0.0;
};

SiteGeometry GeometryOf(const City& city, const std::string& site_id) {
  SiteGeometry g;
  for (const DistrictPath& path : city.UpstreamDistricts(site_id)) {
    const double p = city.districts[path.district_index].population;
    g.population += p;
    g.gravity_h += p * path.gravity_h;
    g.rising_main_h += p * path.rising_main_h;
  }
  if (g.population > 0.0) {
    g.gravity_h /= g.population;
    g.rising_main_h /= g.population;
  }
  return g;
}

}  // namespace

bool SiteDayBackCalculationOptions::Check(std::string* why) const {
  if (!uncertainty.Check(why)) return false;
  if (threads < 0) {
    if (why != nullptr) *why = "threads must be zero (automatic) or positive";
    return false;
  }
  for (const auto& [drug, fraction] : non_target_fraction_by_drug) {
    if (!(fraction >= 0.0 && fraction < 1.0)) {
      if (why != nullptr) *why = "non-target fraction for " + drug + " must be in [0, 1)";
      return false;
    }
  }
  return true;
}

SiteDayBackCalculationResult BackCalculateSiteDays(
    const DrugCatalogue& catalogue, const City& city, const std::vector<FlowRecord>& flows,
    const std::vector<Measurement>& measurements, const SiteDayBackCalculationOptions& options,
    const std::function<void(size_t, size_t)>& progress) {
  std::string why;
  if (!options.Check(&why)) throw std::invalid_argument("site back-calculation options: " + why);

  std::map<std::pair<std::string, DayIndex>, double> flow_by_site_day;
  for (const FlowRecord& f : flows) flow_by_site_day[{f.site_id, f.day}] = f.flow_m3_per_day;
  // Uncensored concentrations per site-day and biomarker, for ratio corrections.
  std::map<std::tuple<std::string, DayIndex, std::string>, double> concentration;
  for (const Measurement& m : measurements) {
    if (!m.censored) concentration[{m.site_id, m.day, m.analyte}] = m.concentration_ng_per_l;
  }
  std::map<std::string, SiteGeometry> geometry;

  SiteDayBackCalculationResult result;
  std::vector<Task> tasks;
  for (const Measurement& m : measurements) {
    const std::string where = m.site_id + " " + FormatIsoDate(m.day) + " " + m.analyte;
    if (city.FindSite(m.site_id) == nullptr) {
      result.skipped.push_back(where + ": site is not in the city");
      continue;
    }
    const Biomarker* biomarker = catalogue.FindBiomarker(m.analyte);
    if (biomarker == nullptr) {
      result.skipped.push_back(where + ": analyte is not in the catalogue");
      continue;
    }
    const auto flow = flow_by_site_day.find({m.site_id, m.day});
    if (flow == flow_by_site_day.end()) {
      result.skipped.push_back(where + ": no flow recorded that day");
      continue;
    }
    if (!geometry.count(m.site_id)) geometry[m.site_id] = GeometryOf(city, m.site_id);
    for (const Drug* drug : catalogue.DrugsMeasuredBy(biomarker->name)) {
      tasks.push_back({&m, drug, drug->FindRoute(biomarker->name), flow->second});
    }
  }
  std::sort(tasks.begin(), tasks.end(), [](const Task& a, const Task& b) {
    return std::tie(a.measurement->site_id, a.measurement->day, a.drug->name, a.route->biomarker) <
           std::tie(b.measurement->site_id, b.measurement->day, b.drug->name, b.route->biomarker);
  });

  const BackCalculator calculator(catalogue, options.uncertainty);
  result.estimates.resize(tasks.size());
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  const auto worker = [&](bool reports_progress) {
    size_t last_reported = 0;
    for (size_t i = next++; i < tasks.size(); i = next++) {
      const Task& task = tasks[i];
      const Measurement& m = *task.measurement;
      const SiteGeometry& g = geometry.at(m.site_id);
      BackCalculationInput input;
      input.drug = task.drug->name;
      input.biomarker = task.route->biomarker;
      input.concentration_ng_per_l = m.censored ? m.loq_ng_per_l : m.concentration_ng_per_l;
      input.censored = m.censored;
      input.flow_m3_per_day = task.flow_m3_per_day;
      input.population = g.population;
      input.residence_gravity_h = g.gravity_h;
      input.residence_rising_main_h = g.rising_main_h;
      input.storage_time_h = options.storage_time_h;
      const auto override_it = options.non_target_fraction_by_drug.find(task.drug->name);
      if (override_it != options.non_target_fraction_by_drug.end()) {
        input.non_target_fraction = override_it->second;
      }
      for (const LoadCorrection& c : task.route->corrections) {
        if (c.kind != CorrectionKind::kRatioToOtherBiomarker) continue;
        const auto other = concentration.find({m.site_id, m.day, c.other_biomarker});
        if (other != concentration.end()) {
          input.other_concentrations_ng_per_l[c.other_biomarker] = other->second;
        }
      }
      // A stream per site-day-drug-biomarker, stable across runs and thread counts.
      input.stream_id =
          HashText(task.route->biomarker, HashText(task.drug->name, HashText(m.site_id) + m.day));
      SiteDayEstimate estimate = calculator.Estimate(input).estimate;
      estimate.site_id = m.site_id;
      estimate.day = m.day;
      estimate.batch_ids = m.batch_id;
      result.estimates[i] = std::move(estimate);
      const size_t finished = ++done;
      if (reports_progress && progress && finished - last_reported >= 500) {
        progress(finished, tasks.size());
        last_reported = finished;
      }
    }
  };
  const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
  const size_t thread_count = std::min<size_t>(options.threads > 0 ? options.threads : hardware,
                                               std::max<size_t>(1, tasks.size()));
  std::vector<std::thread> threads;
  for (size_t t = 1; t < thread_count; ++t) threads.emplace_back(worker, false);
  worker(true);
  for (std::thread& t : threads) t.join();
  if (progress) progress(done.load(), tasks.size());
  return result;
}

}  // namespace wbe
