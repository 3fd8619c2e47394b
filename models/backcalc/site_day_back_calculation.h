#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "models/backcalc/back_calculator.h"
#include "models/city/city.h"
#include "models/core/observations.h"

namespace wbe {

struct SiteDayBackCalculationOptions {
  UncertaintyOptions uncertainty;
  int threads = 0;  // 0: one per hardware thread
  double storage_time_h = 0.0;
  // City-specific shares of a drug's biomarker that do not come from the drug, by drug name
  // (e.g. {"heroin", 0.9} for a city's own therapeutic-morphine figure).
  std::map<std::string, double> non_target_fraction_by_drug;

  bool Check(std::string* why = nullptr) const;
};

struct SiteDayBackCalculationResult {
  std::vector<SiteDayEstimate> estimates;  // ordered by site, day, drug, biomarker
  // Measurements that could not be used, each with the reason (e.g. no flow that day).
  std::vector<std::string> skipped;
};

// Back-calculates every measurement of every site-day for every drug the catalogue measures
// through that biomarker. Uses the site's population served and its population-weighted
// residence time in each sewer type from the city; the amphetamine correction uses the
// methamphetamine measured at the same site-day. Each site-day-drug-biomarker draws from its
// own random stream, so results do not depend on the thread count.
// `progress(done, total)` is called now and then from one worker thread.
SiteDayBackCalculationResult BackCalculateSiteDays(
    const DrugCatalogue& catalogue, const City& city, const std::vector<FlowRecord>& flows,
    const std::vector<Measurement>& measurements, const SiteDayBackCalculationOptions& options,
    const std::function<void(size_t, size_t)>& progress = {});

}  // namespace wbe
