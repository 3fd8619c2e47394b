#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "models/core/civil_day.h"

namespace wbe {

// What a weekly screening can raise. Trend, spike, new substance and under-registration add
// to a district's risk; dumping, data gaps and QC failures are caveats that weaken the picture.
enum class AlertKind {
  kRisingTrend,
  kSpike,
  kDumpingSuspected,
  kNewSubstance,
  kUnderRegistration,
  kDataGap,
  kQcFailure,
};

// "rising_trend", "spike", "dumping_suspected", "new_substance", "under_registration",
// "data_gap", "qc_failure".
const char* AlertKindName(AlertKind kind);
// Plain names for reports, in English and in Chinese.
const char* AlertKindTitle(AlertKind kind, bool chinese);
// True for the kinds that only weaken the picture (they add no risk).
bool IsCaveat(AlertKind kind);

struct Alert {
  AlertKind kind = AlertKind::kRisingTrend;
  std::string group_id;      // district group ("A", "D+E"); empty for a site-only alert
  std::string district_ids;  // districts concerned, comma-separated
  std::string site_id;       // for site-level alerts (new substance, data gaps, QC)
  std::string drug;          // canonical name, when one drug
  std::string drug_zh;       // its Chinese name (the catalogue's), for reports
  std::string biomarker;     // for site-level alerts
  DayIndex first_day = 0;    // the days the evidence is about
  DayIndex last_day = 0;
  double severity = 0.0;         // 0..1: how strongly the evidence points to the risk
  bool raised_this_week = true;  // false: the same alert stood last week too
  nlohmann::json evidence = nlohmann::json::object();
  std::string reason_en;
  std::string reason_zh;

  nlohmann::json ToJson() const;
};

// Report order: by kind, group, site, drug, biomarker, day.
bool AlertBefore(const Alert& a, const Alert& b);

}  // namespace wbe
