#pragma once

#include <cmath>
#include <string>

#include "models/core/civil_day.h"

namespace wbe {

// A point value with its Monte Carlo summary. NaN marks "not available" (for example
// consumption of a drug whose excretion fraction is unknown); median/p05/p95 are NaN when
// no draws were made.
struct UncertainValue {
  double point = std::nan("");
  double median = std::nan("");
  double p05 = std::nan("");
  double p95 = std::nan("");

  bool available() const { return !std::isnan(point); }
  bool has_interval() const { return !std::isnan(median); }
};

// Back-calculation result for one site, day, drug and biomarker.
struct SiteDayEstimate {
  std::string site_id;
  DayIndex day = 0;
  std::string drug;
  std::string biomarker;
  // The measurement was below LOQ: every value is an upper bound computed at the LOQ.
  bool censored = false;
  double population = 0.0;  // point population used for normalisation

  UncertainValue load_mg_per_day;                      // biomarker mass per day at the site
  UncertainValue normalised_load_mg_per_day_per_1000;  // biomarker, uncorrected (EUDA-style)
  UncertainValue consumption_mg_per_day_per_1000;      // parent drug
  UncertainValue doses_per_day_per_1000;
  UncertainValue users_per_1000;

  // Provenance: which batches the measurement came from, which catalogue and draws.
  std::string batch_ids;
  std::string catalogue_version;
  int draws = 0;
  unsigned long long seed = 0;
  std::string note;  // why a value is missing, which corrections were applied
};

}  // namespace wbe
