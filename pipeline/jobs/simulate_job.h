#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "models/catalogue/drug_catalogue.h"
#include "models/simulation/city_simulator.h"
#include "models/simulation/random_events.h"

namespace wbe {

struct SimulateJobOptions {
  std::string out_dir = "sim-out";
  uint64_t seed = 1;
  int days = 112;
  std::string scenario_path;  // empty: the built-in demo city
  std::string method_path;    // empty: data-schemas/examples/wbe-demo-lab.method.json
  // Recorded in the manifest as who sent the simulated batches (the owner, for the API).
  std::string lab_uploader = "wbe simulate";
  // Random rises and spikes on top of the scenario's events (none by default).
  RandomEventOptions random_events;

  bool Check(std::string* why = nullptr) const;
};

struct SimulateJobSummary {
  std::string store_path;
  std::string inputs_dir;   // what the lab and the city would send
  std::string archive_dir;  // the raw archive and manifest they went into
  std::string truth_dir;
  size_t districts = 0;
  size_t sites = 0;
  size_t days = 0;
  size_t flows = 0;
  size_t measurements = 0;
  size_t censored = 0;
  size_t lab_rows = 0;
  size_t batches = 0;
  size_t batches_flagged = 0;
  size_t batches_rejected = 0;
  size_t events = 0;

  std::string BriefReport() const;
};

// Simulates the demo city and delivers it the way real data arrive. OUT/inputs holds what the
// city and the lab would send (city.json, flows.csv, lab-batches/*.csv, one long-format CSV per
// weekly batch); OUT/truth the ground truth. OUT is then used as a data directory: the inputs
// are archived (OUT/archive) and every batch is calibrated and QC-checked by the same path as
// `wbe ingest`, so the store OUT/wbe-store.h5 holds calibrated measurements, plus the truth.
// An OUT that a previous simulation wrote is replaced; any other non-empty OUT is refused.
SimulateJobSummary RunSimulateJob(const DrugCatalogue& catalogue, const SimulateJobOptions& options,
                                  SimulatedCity* simulated = nullptr,
                                  const std::function<void(const std::string&)>& progress = {});

// Writes flows and measurements as CSV (the formats in data-schemas/*.md).
void WriteFlowsCsv(const std::vector<FlowRecord>& flows, const std::string& path);
void WriteMeasurementsCsv(const std::vector<Measurement>& measurements, const std::string& path);

}  // namespace wbe
