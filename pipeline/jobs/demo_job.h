#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "models/backcalc/site_day_estimate.h"
#include "models/catalogue/drug_catalogue.h"
#include "models/inversion/estimate_evaluation.h"
#include "pipeline/jobs/estimate_job.h"
#include "pipeline/jobs/simulate_job.h"

namespace wbe {

struct DemoJobOptions {
  std::string out_dir = "demo-out";
  uint64_t seed = 1;
  int days = 112;
  int draws = 10000;
  int threads = 0;                            // 0: all hardware threads
  std::string lab_uploader = "wbe simulate";  // who the manifest says sent the lab batches

  bool Check(std::string* why = nullptr) const;
};

// One line of the demo's city-wide comparison: the plant inlet's estimate against the
// simulator's truth for the whole city, averaged over the period.
struct InletComparison {
  std::string drug;
  std::string biomarker;
  std::string quantity;  // "consumption" or "normalised load" (when excretion is unknown)
  size_t days = 0;
  size_t censored_days = 0;
  double estimate_mean = 0.0;       // mean of the daily medians, mg/day/1000
  double interval_low_mean = 0.0;   // mean of the daily 5th percentiles
  double interval_high_mean = 0.0;  // mean of the daily 95th percentiles
  double truth_mean = 0.0;          // NaN when the truth has no such quantity
};

struct DemoJobSummary {
  SimulateJobSummary simulation;
  size_t site_estimates = 0;
  size_t skipped_measurements = 0;
  std::string inlet_site_id;
  std::vector<InletComparison> inlet;
  std::string estimates_csv_path;
  EstimateJobSummary districts;                           // the street-level network inversion
  std::optional<EstimateEvaluation> district_evaluation;  // weekly, against the truth
  std::string district_csv_path;
  std::string summary_path;

  std::string BriefReport() const;
};

// The main job on the built-in demo city: simulate (raw files + store), back-calculate every
// site-day with Monte Carlo intervals, write the estimates into the store and a CSV, and
// compare the plant inlet's estimates with the truth. `progress` receives short status lines.
DemoJobSummary RunDemoJob(const DrugCatalogue& catalogue, const DemoJobOptions& options,
                          const std::function<void(const std::string&)>& progress = {});

void WriteSiteEstimatesCsv(const std::vector<SiteDayEstimate>& estimates, const std::string& path);
// One row per district group, drug and period, with intervals and provenance.
void WriteDistrictEstimatesCsv(const std::vector<DistrictEstimate>& estimates,
                               const std::string& path);

}  // namespace wbe
