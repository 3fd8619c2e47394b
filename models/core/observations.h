#pragma once

#include <string>

#include "models/core/civil_day.h"

namespace wbe {

// One lab result for one 24-h composite sample: what the store holds and estimators read.
// A censored result keeps its limit: it is "< loq_ng_per_l", never zero.
struct Measurement {
  std::string site_id;
  DayIndex day = 0;                     // sampling day (the composite ends at the end of this day)
  std::string analyte;                  // catalogue biomarker name
  double concentration_ng_per_l = 0.0;  // meaningful only when !censored
  bool censored = false;
  double loq_ng_per_l = 0.0;
  std::string batch_id;  // provenance: the lab batch (and version) it came from
  std::string qc_flags;  // comma-separated QC flags, empty when clean
};

// Daily wastewater volume at a sampling site, with optional hydrochemistry (NaN when absent).
struct FlowRecord {
  std::string site_id;
  DayIndex day = 0;
  double flow_m3_per_day = 0.0;
  double rain_mm = 0.0;
  double cod_mg_per_l = kMissing;
  double nh4_n_mg_per_l = kMissing;

  static constexpr double kMissing = __builtin_nan("");
};

}  // namespace wbe
