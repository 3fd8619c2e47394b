#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "models/catalogue/drug_catalogue.h"
#include "models/core/civil_day.h"
#include "models/inversion/district_estimator.h"
#include "pipeline/store/hdf5_store.h"

namespace wbe {

struct EstimateJobOptions {
  std::optional<DayIndex> from;    // default: the first measured day
  std::optional<DayIndex> to;      // inclusive; default: the last measured day
  std::vector<std::string> drugs;  // empty: every drug whose preferred biomarker was measured
  DistrictEstimatorOptions estimator;
  int threads = 0;  // drugs solved in parallel; 0: one per hardware thread

  bool Check(std::string* why = nullptr) const;
};

struct EstimateJobSummary {
  DayIndex first_day = 0;
  DayIndex last_day = 0;
  std::vector<DistrictGroup> groups;
  std::vector<std::string> drug_reports;  // DrugDistrictEstimates::BriefReport() per drug
  size_t daily_rows = 0;
  size_t weekly_rows = 0;
  size_t flags = 0;
  double seconds = 0.0;

  std::string BriefReport() const;
};

// The street-level estimation over a store's contents: for each drug, DistrictEstimator over
// [from, to]; the drug's district rows and flags in that period are replaced, everything else
// is kept. Also records the identifiability groups and the estimator settings (attribute
// `estimate_options`). Throws InputError when there is nothing to estimate (no measurements,
// an unknown drug, an empty period).
EstimateJobSummary EstimateDistricts(const DrugCatalogue& catalogue,
                                     const EstimateJobOptions& options, StoreContents* contents,
                                     const std::function<void(const std::string&)>& progress = {});

// Reads the store at `store_path`, runs EstimateDistricts and writes the store back atomically.
// When the store is a data directory's (an archive beside it), holds that directory's writer
// lock throughout: fails at once with std::runtime_error while `wbe serve` or `wbe ingest` runs.
EstimateJobSummary RunEstimateJob(const DrugCatalogue& catalogue, const std::string& store_path,
                                  const EstimateJobOptions& options,
                                  const std::function<void(const std::string&)>& progress = {});

}  // namespace wbe
