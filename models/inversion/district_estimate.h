#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "models/backcalc/site_day_estimate.h"
#include "models/core/civil_day.h"

namespace wbe {

// The network inversion's result for one district group, drug and period. A resolved district
// is a group of one; districts the sampling design cannot tell apart are reported only as
// their sum (group_id "D+E"), never as separate numbers.
struct DistrictEstimate {
  std::string group_id;      // "A", or the members joined by "+" ("D+E")
  std::string district_ids;  // members, comma-separated, in City order
  bool resolved = false;     // a group of one that some site sees
  std::string drug;
  std::string biomarker;
  DayIndex start_day = 0;   // the day, or the Monday of an ISO week
  int days = 1;             // 1: one day; 7: an ISO week (values are means per day)
  double population = 0.0;  // persons in the group

  int observations = 0;           // site-day loads (observed or < LOQ) that saw the group
  int censored_observations = 0;  // of those, below LOQ
  int flagged_observations = 0;   // of those, rejected by the robust fit (dumping?)

  // Biomarker mass entering the sewer, mg/day: posterior mode (point) and Laplace median and
  // 90 % interval, given the catalogue's point decay rates.
  UncertainValue mass_mg_per_day;
  // Parent drug consumed, mg/day: point = mass x the catalogue's point correction factor;
  // median and interval add Monte Carlo over excretion fraction and decay rates.
  UncertainValue consumption_mg_per_day;
  // 90 % interval of consumption given the catalogue's point values (statistical part only):
  // what a simulator that uses those point values can check.
  double consumption_p05_given_parameters = std::nan("");
  double consumption_p95_given_parameters = std::nan("");
  UncertainValue consumption_mg_per_day_per_1000;  // per 1000 inhabitants, full uncertainty
  UncertainValue users;  // consumption / typical dose / doses per user per day, full uncertainty

  // Provenance.
  std::string batch_ids;  // lab batches of the observations used, comma-separated
  std::string catalogue_version;
  int draws = 0;
  uint64_t seed = 0;
  std::string note;  // e.g. why consumption is unavailable
};

// An observation or site-day the estimator distrusts, with the evidence.
struct EstimateFlag {
  std::string kind;  // "outlier": rejected by the robust fit; "ratio": parent/metabolite ratio
  std::string site_id;
  DayIndex day = 0;
  std::string drug;
  std::string biomarker;
  double value = std::nan("");     // outlier: whitened residual; ratio: observed load ratio
  double expected = std::nan("");  // outlier: the threshold; ratio: the usual ratio
  std::string batch_ids;
  std::string message;  // plain-language reason
};

}  // namespace wbe
