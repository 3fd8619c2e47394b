#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/catalogue/drug_catalogue.h"
#include "models/core/observations.h"
#include "models/simulation/city_simulator.h"
#include "models/simulation/scenario.h"

namespace wbe::simulation_internal {

// One composite as it reaches the lab: the concentration in the bottle per lab analyte
// (sampling noise and in-sample decay already applied), in LabSettings::analytes order.
struct LabSample {
  std::string site_id;
  DayIndex day = 0;
  std::vector<double> bottle_ng_per_l;
};

struct LabBatchSpec {
  std::string batch_id;
  int batch_number = 0;  // 1-based, date order
  DayIndex analysis_date = 0;
  std::vector<LabSample> samples;
};

// Runs one LC-MS/MS batch: blank, calibration standards, carry-over blank, then QC sets (each
// followed by a blank) before, between the two halves of and after the samples. Appends one row per
// injection x analyte and, for every sample x analyte, the Measurement the lab reports (the
// sample's response inverted through the batch's true response curve, divided by the enrichment
// factor; censored below the catalogue LOQ).
void SimulateLabBatch(const LabSettings& lab, const DrugCatalogue& catalogue,
                      const LabBatchSpec& batch, uint64_t seed, bool noise,
                      std::vector<LabInjectionRow>* rows, std::vector<Measurement>* measurements);

}  // namespace wbe::simulation_internal
