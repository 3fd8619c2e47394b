#pragma once

#include <string>
#include <vector>

#include "models/catalogue/drug_catalogue.h"
#include "models/city/city.h"
#include "models/core/civil_day.h"
#include "models/core/observations.h"
#include "models/inversion/network_inversion.h"
#include "models/network/sewer_network.h"

namespace wbe {

// How uncertain one site-day load C x Q is, as relative SDs turned into one log-scale sigma.
// Defaults follow the Montreal figures in wbe-science.md §3.2 (analytical 10 %, sampling 10 %,
// flow 5 %); a manhole's sampling error is taken as twice the plant's because its flow, and
// so the composite, varies more over the day (an assumption, wbe-science.md §3.2).
struct MeasurementErrorOptions {
  double analytical_rsd = 0.10;
  double plant_sampling_rsd = 0.10;
  double manhole_sampling_rsd = 0.20;
  double flow_rsd = 0.05;
  // Sample storage before analysis; loads are corrected for in-sample decay over it.
  double storage_time_h = 0.0;

  bool Check(std::string* why = nullptr) const;
  // sqrt(sum of log(1 + rsd^2)) over the analytical, sampling and flow errors.
  double LogSigma(SiteKind kind) const;
};

// The loads of one biomarker at the sampling sites, ready for NetworkInversion, with where
// each one came from.
struct SiteLoadSeries {
  std::string biomarker;
  DayIndex first_day = 0;
  int day_count = 0;
  std::vector<SiteLoadObservation> observations;  // day_index counts from first_day
  std::vector<std::string> batch_ids;             // per observation: the batches it came from
  // Measurements left out, each with the reason (no flow that day, unknown site, ...).
  std::vector<std::string> skipped;

  size_t censored_count() const;
};

// Turns the measurements of `biomarker` at sites of `network` on days [first_day, first_day +
// day_count) into daily loads (mg/day) = C (ng/L) x Q (m3/day) x 1e-3, corrected for in-sample
// decay; a result below LOQ becomes a censored load at LOQ x Q. Several results for one
// site-day (re-runs, versions) are combined: the geometric mean of the quantified ones, else
// the lowest LOQ. `city` gives each site's kind (sampling error).
SiteLoadSeries BuildSiteLoadObservations(const SewerNetwork& network, const City& city,
                                         const std::vector<FlowRecord>& flows,
                                         const std::vector<Measurement>& measurements,
                                         const Biomarker& biomarker, DayIndex first_day,
                                         int day_count, const MeasurementErrorOptions& options);

}  // namespace wbe
