#pragma once

#include <cstdint>
#include <string>

#include "models/catalogue/drug_catalogue.h"
#include "models/simulation/city_simulator.h"

namespace wbe {

struct SimulateJobOptions {
  std::string out_dir = "sim-out";
  uint64_t seed = 1;
  int days = 112;
  std::string scenario_path;  // empty: the built-in demo city

  bool Check(std::string* why = nullptr) const;
};

struct SimulateJobSummary {
  std::string store_path;
  std::string raw_dir;
  std::string truth_dir;
  size_t districts = 0;
  size_t sites = 0;
  size_t days = 0;
  size_t flows = 0;
  size_t measurements = 0;
  size_t censored = 0;
  size_t lab_rows = 0;
  size_t events = 0;

  std::string BriefReport() const;
};

// Simulates the demo city and writes it the way real data would arrive: the raw inputs as
// files under OUT/raw (city.json, flows.csv, measurements.csv, lab-batches/*.csv), the ground
// truth as files under OUT/truth, and the derived HDF5 store OUT/wbe-store.h5 holding city,
// flows, measurements and the ground truth.
SimulateJobSummary RunSimulateJob(const DrugCatalogue& catalogue, const SimulateJobOptions& options,
                                  SimulatedCity* simulated = nullptr);

// Writes flows and measurements as CSV (the formats in data-schemas/*.md).
void WriteFlowsCsv(const std::vector<FlowRecord>& flows, const std::string& path);
void WriteMeasurementsCsv(const std::vector<Measurement>& measurements, const std::string& path);

}  // namespace wbe
