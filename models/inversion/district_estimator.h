#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/catalogue/drug_catalogue.h"
#include "models/city/city.h"
#include "models/core/civil_day.h"
#include "models/core/observations.h"
#include "models/inversion/district_estimate.h"
#include "models/inversion/inversion_options.h"
#include "models/inversion/network_inversion.h"
#include "models/inversion/site_load_observations.h"
#include "models/network/identifiability.h"
#include "models/network/sewer_network.h"

namespace wbe {

struct DistrictEstimatorOptions {
  InversionOptions inversion;
  MeasurementErrorOptions measurement;
  // Monte Carlo over the Laplace posterior and the catalogue's excretion, decay and correction
  // distributions.
  int draws = 2000;
  uint64_t seed = 20261129;
  bool vary_excretion = true;
  bool vary_stability = true;
  bool vary_corrections = true;
  bool vary_dose = true;
  // Take the per-capita prior mean from the data (median per-capita load over the sites)
  // rather than inversion.per_capita_log_mg_per_person_per_day.
  bool prior_from_data = true;
  // An observed load further than this many sigmas from the robust fit is flagged (dumping?).
  double outlier_sigmas = 4.0;
  // A parent/metabolite load ratio this many times above its usual value is flagged.
  double ratio_flag_factor = 3.0;

  bool Check(std::string* why = nullptr) const;
};

// Everything estimated for one drug.
struct DrugDistrictEstimates {
  std::string drug;
  std::string biomarker;
  std::vector<DistrictEstimate> daily;   // per group and day
  std::vector<DistrictEstimate> weekly;  // per group and complete ISO week
  std::vector<EstimateFlag> flags;
  InversionResult inversion;
  size_t observations = 0;
  size_t censored = 0;
  std::vector<std::string> skipped;  // measurements left out, with the reason
  std::vector<std::string> notes;    // e.g. consumption unavailable, correction simplified

  std::string BriefReport() const;
};

// Street-level back-calculation: inverts the sewer network for a drug's preferred biomarker
// (NetworkInversion, one unknown per identifiability group and day), then turns biomarker
// mass into consumption with the drug's correction factor, and attaches uncertainty: the
// Laplace posterior of each group's days, jointly, combined by Monte Carlo with the
// catalogue's distributions of excretion fraction, decay rates and corrections. Districts the
// sampling sites cannot tell apart are estimated and reported only as their group's sum.
class DistrictEstimator {
 public:
  // Throws InputError naming the entity when the city's network is invalid and
  // std::invalid_argument when the options fail Check().
  DistrictEstimator(const DrugCatalogue& catalogue, const City& city,
                    DistrictEstimatorOptions options);

  const SewerNetwork& network() const { return network_; }
  const std::vector<DistrictGroup>& groups() const { return groups_; }

  // Estimates days [first_day, first_day + day_count). Throws InputError for an unknown drug.
  DrugDistrictEstimates Estimate(const std::string& drug, const std::vector<FlowRecord>& flows,
                                 const std::vector<Measurement>& measurements, DayIndex first_day,
                                 int day_count) const;

 private:
  const DrugCatalogue& catalogue_;
  City city_;
  DistrictEstimatorOptions options_;
  SewerNetwork network_;
  std::vector<DistrictGroup> groups_;
  std::vector<std::vector<size_t>> units_;  // district indices of each observed group
  std::vector<size_t> group_of_unit_;
};

}  // namespace wbe
