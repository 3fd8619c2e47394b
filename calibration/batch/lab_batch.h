#pragma once

#include <optional>
#include <string>
#include <vector>

#include "models/core/civil_day.h"

namespace wbe {

// What one LC-MS/MS batch export says, in the lab's own terms but in one shape for every
// format (MassHunter, long CSV/JSON, quantified results). Parsers in pipeline/ingest/ fill it;
// calibration/ turns it into concentrations and QC verdicts. Missing values stay empty, never 0.

enum class InjectionType {
  kSample,
  kBlank,        // method/procedural blank (carry-over check)
  kDoubleBlank,  // blank without internal standard
  kCalibrator,
  kQc,
  kResponseCheck,  // system suitability injections (MassHunter "ResponseCheck")
  kOther,
};
const char* InjectionTypeName(InjectionType type);  // "sample", "blank", "cal", "qc", ...

struct AnalyteResponse {
  std::string analyte;              // catalogue biomarker name after alias mapping
  std::string lab_name;             // the name in the file
  std::optional<double> area;       // quantifier peak area; empty: no peak
  std::optional<double> istd_area;  // internal-standard peak area
  // Analyte/ISTD response ratio as exported (MassHunter "ISTD Resp. Ratio"); when empty the
  // calibration uses area / istd_area.
  std::optional<double> response_ratio;
  std::optional<double> retention_time_min;
  std::optional<double> qualifier_ratio;  // qualifier/quantifier ion ratio, % as exported
  // Nominal concentration of a calibrator or QC, in the method's concentration unit (vial).
  std::optional<double> expected_concentration;
  // The instrument software's own result (MassHunter "Final Conc."), for comparison only.
  std::optional<double> vendor_concentration;
  bool outlier_flagged = false;  // the export marked this result ('!' in MassHunter)
  long source_row = 0;           // 1-based line in the file, for messages
};

struct Injection {
  std::string name;  // data file or injection id, unique in a batch
  InjectionType type = InjectionType::kSample;
  std::string level;    // calibrator or QC level label ("A", "Low", "3"); empty otherwise
  std::string site_id;  // samples
  std::optional<DayIndex> sampling_day;  // samples: the 24-h composite's day
  // Sample enrichment (e.g. SPE 200x) or dilution (< 1): sewage = vial / enrichment_factor.
  std::optional<double> enrichment_factor;
  std::vector<AnalyteResponse> responses;
  long source_row = 0;
};

// One result of a lab that calibrates in its own software.
struct QuantifiedResult {
  std::string site_id;
  DayIndex sampling_day = 0;
  std::string analyte;                           // catalogue name
  std::string lab_name;                          // as in the file
  std::optional<double> concentration_ng_per_l;  // empty when censored
  bool censored = false;                         // "<LOQ"
  double loq_ng_per_l = 0.0;
  long source_row = 0;
};

struct LabBatch {
  std::string batch_id;
  std::string format;       // "masshunter", "long-csv", "json", "quantified"
  std::string source_name;  // file name as uploaded
  std::string lab;
  std::string instrument;
  std::optional<DayIndex> analysis_day;
  std::vector<Injection> injections;         // response batches
  std::vector<QuantifiedResult> quantified;  // quantified batches
  // Lab analyte names the alias table could not map (kept out of `responses`).
  std::vector<std::string> unmapped_analytes;
  std::vector<std::string> warnings;  // things a technician should see but that do not block

  bool is_quantified() const { return !quantified.empty(); }
};

}  // namespace wbe
