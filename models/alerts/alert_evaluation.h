#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/alerts/weekly_screening.h"
#include "models/simulation/ground_truth.h"

namespace wbe {

// Scores the weekly screening on a simulated city: replays the report for every week that has
// enough history, then matches rising-trend and spike alerts with the simulator's injected
// surges.
struct AlertEvaluationOptions {
  ScreeningOptions screening;
  // An event is found when a trend or spike alert for its district and drug stands in a
  // report whose week ends within this many days of the event's first day.
  int detection_days = 14;
  // A raised alert is explained by an event of its group and drug from the event's first day
  // to this many days after its last (levels take weeks to settle after a rise ends).
  int explained_days_after = 28;
  // Hyper-parameters refitted every this many weeks; the weeks between only re-run the
  // Kalman filter with them (a replay of 100 weeks would otherwise fit 100 times).
  int refit_every_weeks = 4;
  int threads = 0;
  // An event is visible to the sampling design when it raises its drug's biomarker load at some
  // site (the truth's loads: event days against the 4 weeks before) by at least this factor.
  // Only visible events are scored: no alert can find what no sample shows (a heroin rise
  // drowned in background morphine, a spike in one district of a group seen only at the plant).
  double min_visible_rise = 1.5;  // mean over the first two weeks of a rise
  // The event's highest day. Manhole samples carry about 25 % sampling and lab noise, so a day
  // at twice the usual load is within three standard deviations: not separable from noise at
  // one false alert per district and year.
  double min_visible_spike = 3.0;

  bool Check(std::string* why = nullptr) const;
};

struct EventDetection {
  InjectedEvent event;
  std::string kind;          // "rise" or "spike" (surges of at most kMaxSpikeEventDays days)
  std::string group_id;      // the group that holds the event's district
  bool scorable = false;     // its detection window lies within the replayed weeks
  bool visible = false;      // its effect at the best site reaches the visibility threshold
  double site_effect = 0.0;  // that effect: the biomarker load ratio at the best site
  std::string best_site;
  bool detected = false;
  std::string found_by;        // "rising_trend" or "spike"
  int days_to_detection = -1;  // from the first day to the end of the first alerting week
};

struct FalseAlert {
  std::string week;
  std::string kind;
  std::string group_id;
  std::string drug;
  std::string reason_en;
};

struct AlertEvaluation {
  int weeks = 0;
  std::string first_week;
  std::string last_week;
  int districts = 0;
  double district_years = 0.0;  // districts x replayed weeks / 52.18
  std::vector<EventDetection> events;
  std::vector<FalseAlert> false_alerts;

  int scorable = 0;  // in the replayed weeks, visible or not
  int scorable_detected = 0;
  int scored = 0;  // scorable and visible
  int detected = 0;
  double detection_rate = 0.0;  // NaN when nothing was scorable
  int rises_scored = 0;
  int rises_detected = 0;
  int spikes_scored = 0;
  int spikes_detected = 0;
  double false_alerts_per_district_year = 0.0;
  // Counts of raised risk alerts by kind, true and false, for context.
  int trend_alerts = 0;
  int spike_alerts = 0;
  int dumping_suspected = 0;

  nlohmann::json ToJson() const;
  std::string BriefReport() const;
};

// inputs: as for ScreenWeek (the catalogue names each drug's biomarker for visibility) (the
// daily_series are built once when null). Throws std::invalid_argument for bad options and when
// fewer than one week can be replayed. progress(done, total) after each week.
AlertEvaluation EvaluateAlerts(const ScreeningInputs& inputs, const GroundTruth& truth,
                               const AlertEvaluationOptions& options,
                               const std::function<void(int, int)>& progress = nullptr);

}  // namespace wbe
