#include "pipeline/jobs/demo_job.h"

#include "pipeline/jobs/ingest_job.h"
#include "pipeline/jobs/reestimate_job.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "models/backcalc/site_day_back_calculation.h"
#include "pipeline/archive/data_dir_lock.h"
#include "pipeline/export/csv_writer.h"
#include "pipeline/jobs/estimate_job.h"
#include "pipeline/store/hdf5_store.h"

namespace wbe {
namespace {

std::vector<InletComparison> CompareInletWithTruth(const SimulatedCity& sim,
                                                   const std::vector<SiteDayEstimate>& estimates,
                                                   const std::string& inlet) {
  double city_population = 0.0;
  for (const District& d : sim.city.districts) city_population += d.population;
  // Truth: city-wide consumption per drug, mg/day/1000, averaged over the simulated days.
  std::map<std::string, double> truth_total_mg;
  std::set<DayIndex> truth_days;
  for (const DistrictDayTruth& t : sim.truth.districts) {
    truth_total_mg[t.drug] += t.consumption_mg;
    truth_days.insert(t.day);
  }
  std::map<std::pair<std::string, std::string>, InletComparison> rows;
  for (const SiteDayEstimate& e : estimates) {
    if (e.site_id != inlet) continue;
    const bool consumption = e.consumption_mg_per_day_per_1000.available();
    const UncertainValue& v =
        consumption ? e.consumption_mg_per_day_per_1000 : e.normalised_load_mg_per_day_per_1000;
    InletComparison& row = rows[{e.drug, e.biomarker}];
    row.drug = e.drug;
    row.biomarker = e.biomarker;
    row.quantity = consumption ? "consumption" : "normalised load";
    row.days++;
    row.censored_days += e.censored ? 1 : 0;
    row.estimate_mean += v.has_interval() ? v.median : v.point;
    row.interval_low_mean += v.has_interval() ? v.p05 : v.point;
    row.interval_high_mean += v.has_interval() ? v.p95 : v.point;
  }
  std::vector<InletComparison> result;
  for (auto& [key, row] : rows) {
    row.estimate_mean /= row.days;
    row.interval_low_mean /= row.days;
    row.interval_high_mean /= row.days;
    const bool has_truth =
        row.quantity == "consumption" && truth_total_mg.count(row.drug) && !truth_days.empty();
    row.truth_mean = has_truth
                         ? truth_total_mg[row.drug] / truth_days.size() / city_population * 1000.0
                         : std::nan("");
    result.push_back(row);
  }
  return result;
}

std::string FormatComparisonTable(const DemoJobSummary& s) {
  std::string text;
  char line[256];
  std::snprintf(line, sizeof(line), "%-16s %-21s %-15s %10s %23s %9s %9s\n", "drug", "biomarker",
                "quantity", "estimate", "typical daily 90% int.", "truth", "<LOQ days");
  text += line;
  bool any_partly_censored = false;
  for (const InletComparison& r : s.inlet) {
    const std::string truth = std::isnan(r.truth_mean)
                                  ? "-"
                                  : CsvWriter::Number(std::round(r.truth_mean * 1000.0) / 1000.0);
    // Censored days give upper bounds: all-censored rows are shown as "< bound".
    const bool all_censored = r.censored_days == r.days;
    const bool partly = r.censored_days > 0 && !all_censored;
    any_partly_censored |= partly;
    char estimate[32];
    std::snprintf(estimate, sizeof(estimate), "%s%.3f%s", all_censored ? "< " : "", r.estimate_mean,
                  partly ? "*" : "");
    std::snprintf(line, sizeof(line), "%-16s %-21s %-15s %10s %10.3f - %10.3f %9s %5zu/%zu\n",
                  r.drug.c_str(), r.biomarker.c_str(), r.quantity.c_str(), estimate,
                  r.interval_low_mean, r.interval_high_mean, truth.c_str(), r.censored_days,
                  r.days);
    text += line;
  }
  if (any_partly_censored) {
    text += "* includes days below LOQ, counted at their upper bound (the LOQ)\n";
  }
  return text;
}

}  // namespace

bool DemoJobOptions::Check(std::string* why) const {
  const auto fail = [&](const std::string& message) {
    if (why != nullptr) *why = message;
    return false;
  };
  if (out_dir.empty()) return fail("an output folder is needed");
  if (days < 7 || days > 3660) return fail("days must be between 7 and 3660");
  if (draws < 0) return fail("draws must be zero or positive");
  if (threads < 0) return fail("threads must be zero (automatic) or positive");
  return true;
}

void WriteSiteEstimatesCsv(const std::vector<SiteDayEstimate>& estimates, const std::string& path) {
  CsvWriter csv(path);
  std::vector<std::string> header = {"site_id",   "date",      "drug",
                                     "biomarker", "below_loq", "population"};
  const char* quantities[] = {"load_mg_per_day", "normalised_load_mg_per_day_per_1000",
                              "consumption_mg_per_day_per_1000", "doses_per_day_per_1000",
                              "users_per_1000"};
  for (const char* q : quantities) {
    for (const char* part : {"point", "median", "p05", "p95"}) {
      header.push_back(std::string(q) + "_" + part);
    }
  }
  for (const char* extra : {"batch_ids", "catalogue_version", "draws", "seed", "note"}) {
    header.push_back(extra);
  }
  csv.WriteRow(header);
  for (const SiteDayEstimate& e : estimates) {
    std::vector<std::string> row = {
        e.site_id,   FormatIsoDate(e.day),   e.drug,
        e.biomarker, e.censored ? "1" : "0", CsvWriter::Number(e.population)};
    for (const UncertainValue* v :
         {&e.load_mg_per_day, &e.normalised_load_mg_per_day_per_1000,
          &e.consumption_mg_per_day_per_1000, &e.doses_per_day_per_1000, &e.users_per_1000}) {
      for (double x : {v->point, v->median, v->p05, v->p95}) row.push_back(CsvWriter::Number(x));
    }
    row.insert(row.end(), {e.batch_ids, e.catalogue_version, std::to_string(e.draws),
                           std::to_string(e.seed), e.note});
    csv.WriteRow(row);
  }
  csv.Close();
}

void WriteDistrictEstimatesCsv(const std::vector<DistrictEstimate>& estimates,
                               const std::string& path) {
  CsvWriter csv(path);
  std::vector<std::string> header = {"group_id",
                                     "district_ids",
                                     "resolved",
                                     "drug",
                                     "biomarker",
                                     "start_date",
                                     "days",
                                     "population",
                                     "observations",
                                     "censored_observations",
                                     "flagged_observations"};
  const char* quantities[] = {"mass_mg_per_day", "consumption_mg_per_day",
                              "consumption_mg_per_day_per_1000", "users"};
  for (const char* q : quantities) {
    for (const char* part : {"point", "median", "p05", "p95"}) {
      header.push_back(std::string(q) + "_" + part);
    }
  }
  for (const char* extra : {"consumption_p05_given_parameters", "consumption_p95_given_parameters",
                            "batch_ids", "catalogue_version", "draws", "seed", "note"}) {
    header.push_back(extra);
  }
  csv.WriteRow(header);
  for (const DistrictEstimate& e : estimates) {
    std::vector<std::string> row = {e.group_id,
                                    e.district_ids,
                                    e.resolved ? "1" : "0",
                                    e.drug,
                                    e.biomarker,
                                    FormatIsoDate(e.start_day),
                                    std::to_string(e.days),
                                    CsvWriter::Number(e.population),
                                    std::to_string(e.observations),
                                    std::to_string(e.censored_observations),
                                    std::to_string(e.flagged_observations)};
    for (const UncertainValue* v : {&e.mass_mg_per_day, &e.consumption_mg_per_day,
                                    &e.consumption_mg_per_day_per_1000, &e.users}) {
      for (double x : {v->point, v->median, v->p05, v->p95}) row.push_back(CsvWriter::Number(x));
    }
    row.insert(row.end(),
               {CsvWriter::Number(e.consumption_p05_given_parameters),
                CsvWriter::Number(e.consumption_p95_given_parameters), e.batch_ids,
                e.catalogue_version, std::to_string(e.draws), std::to_string(e.seed), e.note});
    csv.WriteRow(row);
  }
  csv.Close();
}

std::string DemoJobSummary::BriefReport() const {
  std::string text = simulation.BriefReport() + "\n";
  char line[512];
  std::snprintf(line, sizeof(line),
                "Back-calculated %zu site-day estimates (%zu measurements skipped).\n"
                "Plant inlet %s, city-wide, mean over the period (mg/day/1000 inhabitants):\n",
                site_estimates, skipped_measurements, inlet_site_id.c_str());
  text += line;
  text += FormatComparisonTable(*this);
  text += "\n" + districts.BriefReport();
  if (district_evaluation) {
    text += "District-weeks against the simulator's truth:\n" + district_evaluation->BriefReport();
  }
  text += "\nOutputs:\n";
  text +=
      "  HDF5 store (city, flows, measurements, estimates, truth): " + simulation.store_path + "\n";
  text += "  site-day estimates (CSV):                                " + estimates_csv_path + "\n";
  text += "  district-week estimates (CSV):                           " + district_csv_path + "\n";
  text +=
      "  inputs as sent (city, flows, weekly lab batches):         " + simulation.inputs_dir + "\n";
  text +=
      "  raw archive and manifest (content-addressed):            " + simulation.archive_dir + "\n";
  text +=
      "  ground truth of the simulation:                          " + simulation.truth_dir + "\n";
  text += "  this summary:                                            " + summary_path + "\n";
  return text;
}

DemoJobSummary RunDemoJob(const DrugCatalogue& catalogue, const DemoJobOptions& options,
                          const std::function<void(const std::string&)>& progress) {
  std::string why;
  if (!options.Check(&why)) throw std::invalid_argument(why);
  const auto say = [&](const std::string& message) {
    if (progress) progress(message);
  };

  say("simulating the demo city (seed " + std::to_string(options.seed) + ", " +
      std::to_string(options.days) + " days)");
  SimulateJobOptions sim_options;
  sim_options.out_dir = options.out_dir;
  sim_options.seed = options.seed;
  sim_options.days = options.days;
  sim_options.lab_uploader = options.lab_uploader;
  SimulatedCity sim;
  DemoJobSummary summary;
  summary.simulation = RunSimulateJob(catalogue, sim_options, &sim, say);

  say("back-calculating every site-day (" + std::to_string(options.draws) +
      " Monte Carlo draws each)");
  SiteDayBackCalculationOptions backcalc;
  backcalc.uncertainty.draws = options.draws;
  backcalc.uncertainty.seed = options.seed;
  backcalc.threads = options.threads;
  const DataDirLock lock = DataDirLock::Acquire(options.out_dir);
  StoreContents contents = Hdf5Store::Read(summary.simulation.store_path);
  const SiteDayBackCalculationResult result = BackCalculateSiteDays(
      catalogue, contents.city, contents.flows, contents.measurements, backcalc,
      [&](size_t done, size_t total) {
        say("  " + std::to_string(done) + " / " + std::to_string(total) + " estimates");
      });
  summary.site_estimates = result.estimates.size();
  summary.skipped_measurements = result.skipped.size();

  namespace fs = std::filesystem;
  const fs::path out(options.out_dir);
  say("writing the store and exports");
  contents.attributes["generator"] = "wbe demo";
  contents.attributes["draws"] = std::to_string(options.draws);
  contents.site_estimates = result.estimates;
  SetStoreEstimatedSeq(&contents, StoreManifestSeq(contents));

  say("estimating every district from the network of sampling sites");
  EstimateJobOptions district_options;
  district_options.estimator.seed = options.seed;
  district_options.estimator.draws = std::min(options.draws, 2000);
  district_options.threads = options.threads;
  summary.districts = EstimateDistricts(catalogue, district_options, &contents, say);
  if (contents.truth) {
    summary.district_evaluation =
        EvaluateDistrictEstimates(contents.district_week_estimates, *contents.truth);
  }
  Hdf5Store::Write(summary.simulation.store_path, contents);

  summary.estimates_csv_path = (out / "site-estimates.csv").string();
  WriteSiteEstimatesCsv(result.estimates, summary.estimates_csv_path);
  summary.district_csv_path = (out / "district-week-estimates.csv").string();
  WriteDistrictEstimatesCsv(contents.district_week_estimates, summary.district_csv_path);

  for (const SamplingSite& site : sim.city.sites) {
    if (site.kind == SiteKind::kTreatmentPlantInlet) {
      summary.inlet_site_id = site.id;
      break;
    }
  }
  summary.inlet = CompareInletWithTruth(sim, result.estimates, summary.inlet_site_id);
  summary.summary_path = (out / "summary.txt").string();
  std::ofstream text(summary.summary_path);
  text << summary.BriefReport();
  if (!result.skipped.empty()) {
    text << "Skipped measurements:\n";
    for (const std::string& s : result.skipped) text << "  " << s << "\n";
  }
  if (!text) throw std::runtime_error("cannot write " + summary.summary_path);
  return summary;
}

}  // namespace wbe
