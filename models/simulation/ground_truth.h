#pragma once

#include <string>
#include <vector>

#include "models/core/civil_day.h"

namespace wbe {

// What the simulator really did, written beside the observations so estimators can be scored.

struct DistrictDayTruth {
  std::string district_id;
  DayIndex day = 0;
  std::string drug;
  double consumption_mg = 0.0;  // parent drug consumed in the district that day
};

struct SiteDayTruth {
  std::string site_id;
  DayIndex day = 0;
  std::string biomarker;
  double load_mg_per_day = 0.0;         // biomarker mass reaching the site in the composite
  double concentration_ng_per_l = 0.0;  // before analytical noise and censoring
};

struct InjectedEvent {
  std::string kind;         // "surge", "new_substance", "dumping"
  std::string district_id;  // empty for a site-level event
  std::string site_id;      // empty for a district-level event
  std::string drug;
  DayIndex start_day = 0;
  DayIndex end_day = 0;    // inclusive
  double magnitude = 0.0;  // multiplier for a surge, mg dumped for a dumping event
  std::string description;
};

struct GroundTruth {
  std::vector<DistrictDayTruth> districts;
  std::vector<SiteDayTruth> sites;
  std::vector<InjectedEvent> events;
};

}  // namespace wbe
