#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/city/city.h"
#include "models/simulation/scenario.h"

namespace wbe {

// Random use events for testing the alerts on simulated cities: each district gets a sequence
// of surges of one drug, either sustained rises (what a trend alert should find) or one- to
// two-day spikes (what a spike alert should find), separated by quiet weeks so that each event
// can be scored on its own. Simulation settings, not literature values.
struct RandomEventOptions {
  double events_per_district_year = 0.0;  // 0: none
  int quiet_days_before_first = 112;      // history the screening needs before an event
  int quiet_days_between = 42;            // after one event ends, before the next starts
  double rise_share = 0.5;                // the rest are spikes
  double rise_min_multiplier = 1.8;
  double rise_max_multiplier = 3.0;
  int rise_min_days = 28;
  int rise_max_days = 56;
  double spike_min_multiplier = 4.0;
  double spike_max_multiplier = 8.0;
  int spike_min_days = 1;
  int spike_max_days = 2;
  // Drugs drawn from; empty: every scenario drug. The default keeps to drugs whose biomarkers
  // are mostly above the LOQ in the demo city, so the event is visible in the lab data.
  std::vector<std::string> drugs = {"methamphetamine", "ketamine", "heroin", "cocaine"};

  bool enabled() const { return events_per_district_year > 0.0; }
  bool Check(std::string* why = nullptr) const;
};

// The events for a run of `days` days, drawn from streams keyed by (seed, district), in
// district order then start. Throws InputError when a listed drug is not in the scenario.
std::vector<ScenarioEvent> RandomScenarioEvents(const City& city, const Scenario& scenario,
                                                const RandomEventOptions& options, int days,
                                                uint64_t seed);

// Events no longer than this many days are spikes; longer surges are rises.
constexpr int kMaxSpikeEventDays = 3;

}  // namespace wbe
