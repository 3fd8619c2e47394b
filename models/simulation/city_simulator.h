#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/catalogue/drug_catalogue.h"
#include "models/city/city.h"
#include "models/core/civil_day.h"
#include "models/core/observations.h"
#include "models/simulation/ground_truth.h"
#include "models/simulation/random_events.h"
#include "models/simulation/scenario.h"

namespace wbe {

// The demo-city simulator: a seedable, Beijing-like city whose observations (flows, lab
// batches, measurements) come with the truth that produced them, so that estimators can be
// scored. The city and every setting come from a demo city file (by default
// models/simulation/demo_city.json); the drug numbers (excretion fractions, molecular weights,
// in-sewer rate constants, LOQs) are the catalogue's point values.
//
// Physics, per district d, drug g and day t:
//   consumption = baseline x multiplier(d, g) x population/1000 x day-of-week factor x trend
//                 x event multipliers x lognormal day noise (median 1)
//   excreted biomarker mass = consumption x F x MW_biomarker / MW_parent for every route of g,
//                 plus background sources (e.g. morphine not from heroin) and metabolic
//                 formation (amphetamine from methamphetamine); a dumping event adds mass that
//                 nobody consumed.
// A district's mass reaches a site after its travel time tau with survival
// exp(-sum over sewer types of k x hours); a 24-h composite for day t collects mass excreted on
// day t - floor(tau/24) with weight 1 - frac(tau/24) and on the day before that with weight
// frac(tau/24). Site flow is the sum of its districts' sewage (water use plus infiltration,
// raised on rain days). Concentration (ng/L) = load (mg/day) / flow (m3/day) x 1e3.
//
// Every random draw comes from a stream keyed by (seed, purpose, entity), so one seed gives the
// same city on every platform, and changing, say, the lab settings leaves the consumption draws
// untouched.

struct SimulationOptions {
  uint64_t seed = 1;
  DayIndex start_day = DayFromCivil(2026, 8, 3);  // a Monday
  int days = 112;                                 // 16 weeks
  std::string scenario_path;  // empty: DataPath("models/simulation/demo_city.json")
  bool inject_events = true;  // false: the scenario's events are left out
  // false: no day-to-day, flow, sampling, analytical or instrument noise (rain and sampler
  // failures still happen), so a measurement equals the truth up to in-sample decay.
  bool noise = true;
  // Random surges added to the scenario's events (none by default), for scoring the alerts.
  RandomEventOptions random_events;

  bool Check() const;  // days in [1, 3660] and valid random events
  std::string ScenarioPath() const;
};

// One injection x analyte of a lab batch, as in data-schemas/long-format-batch.md.
struct LabInjectionRow {
  std::string batch_id;
  int injection = 0;           // 1-based position in the run
  std::string type;            // "blank", "cal", "qc", "sample"
  int level = 0;               // 1-based calibration or QC level; 0 for blanks and samples
  std::string site_id;         // samples only
  DayIndex sampling_date = 0;  // samples: the composite's day; others: the analysis date
  std::string analyte;
  double area = 0.0;  // 0 when no peak was found
  double istd_area = 0.0;
  double retention_time_min = kNotApplicable;  // NaN when no peak was found
  double qualifier_ratio = kNotApplicable;     // NaN when no peak was found
  double enrichment_factor = 1.0;  // samples: the SPE enrichment; standards, QCs, blanks: 1
  // Injected concentration (ng/L in the vial) for standards, QCs (and 0 for blanks); NaN for
  // samples. Sewage concentration = curve inverse / enrichment_factor.
  double expected_concentration_ng_per_l = kNotApplicable;

  static constexpr double kNotApplicable = __builtin_nan("");
};

// Biomarker mass entering the sewer in a district on a day: what the network inversion
// estimates (design: theta[d,t] = log of it). Not in GroundTruth because ground_truth.h is
// shared; see the report.
struct DistrictDayInput {
  std::string district_id;
  DayIndex day = 0;
  std::string biomarker;
  double excreted_mg = 0.0;  // from consumption, background sources and metabolic formation
  double dumped_mg = 0.0;    // dumping events (unconsumed drug)
};

struct SimulatedCity {
  City city;
  Scenario scenario;
  DayIndex start_day = 0;
  int days = 0;
  uint64_t seed = 0;
  std::vector<FlowRecord> flows;  // as reported (flow-meter error included)
  std::vector<Measurement> measurements;
  std::vector<LabInjectionRow> lab_rows;
  GroundTruth truth;  // district consumption also covers the warm-up days before start_day
  std::vector<FlowRecord> true_flows;  // the sewage volume that produced the concentrations
  std::vector<DistrictDayInput> district_inputs;  // includes the warm-up days
  std::vector<std::string> analytes;              // measured biomarkers, in the lab's order
};

// Throws std::invalid_argument when !options.Check(), InputError when the scenario file or
// the catalogue cannot support the scenario.
SimulatedCity SimulateCity(const DrugCatalogue& catalogue, const SimulationOptions& options);

// How many whole days a district's mass can lag behind its excretion at any site, i.e. the
// warm-up days the simulation runs before start_day.
int WarmUpDays(const City& city);

// One long-format CSV per batch, <dir>/<batch_id>.csv (data-schemas/long-format-batch.md).
// Creates dir. Throws std::runtime_error when a file cannot be written.
void WriteLabBatchesCsv(const SimulatedCity& simulated, const std::string& dir);

// The ground truth as files beside the observations (creates dir):
//   district_consumption.csv  district_id,date,drug,consumption_mg
//   district_inputs.csv       district_id,date,biomarker,excreted_mg,dumped_mg
//   site_loads.csv            site_id,date,biomarker,load_mg_per_day,concentration_ng_per_l
//   flows.csv                 site_id,date,flow_m3_per_day,rain_mm,cod_mg_per_l,nh4_n_mg_per_l
//   events.json               seed, start date, days, scenario note and the injected events
// CSV as in long-format-batch.md (UTF-8, header row, RFC 4180 quoting, ISO dates).
void WriteGroundTruth(const SimulatedCity& simulated, const std::string& dir);

}  // namespace wbe
