#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "calibration/batch/lab_batch.h"
#include "calibration/method/quantitation_method.h"
#include "calibration/qc/qc_report.h"

namespace wbe {

// One analyte in one sewage sample, in ng/L of sewage.
struct QuantifiedSample {
  std::string injection;  // empty for lab-quantified results
  std::string site_id;
  std::optional<DayIndex> sampling_day;
  std::string analyte;   // the method's (catalogue) name
  std::string lab_name;  // as in the export
  // Sewage concentration: curve inverse x unit_to_ng_per_l / enrichment factor. Empty when
  // censored or when the result is withheld (see reportable); never 0 for "not detected".
  std::optional<double> concentration_ng_per_l;
  std::optional<double> standard_error_ng_per_l;  // from the curve's inverse prediction
  // Below the reporting limit (the lowest passing standard, or the curve's LOQ if higher) or
  // no peak: reported as "< loq_ng_per_l".
  bool censored = false;
  std::optional<double> loq_ng_per_l;  // this sample's reporting limit in sewage terms
  // What the curve reads below the reporting limit; for information only, never a measurement.
  std::optional<double> below_loq_estimate_ng_per_l;
  std::optional<double> vial_concentration;    // method unit
  std::optional<double> response;              // analyte/ISTD ratio
  double enrichment_factor = 1.0;              // the injection's, or the method's default
  std::optional<double> vendor_concentration;  // the export's own result, as exported
  // False: not to be used as a measurement (analyte or batch rejected, no internal standard).
  bool reportable = false;
  // no_peak, below_loq, above_calibration_range, istd_missing, istd_response_low,
  // curve_rejected,
  // analyte_flagged, qc_failed, qc_missing, nominal_mismatch, blank_contamination,
  // identification_failed_in_standards, retention_time, ion_ratio, batch_rejected, lab_quantified
  std::vector<std::string> flags;
  long source_row = 0;

  nlohmann::json ToJson() const;
};

struct BatchQuantification {
  BatchQcReport report;
  std::vector<QuantifiedSample> samples;  // injection order, then the method's analyte order

  // {"qc_report": report.ToJson(), "samples": [...]}
  nlohmann::json ToJson() const;
};

// Turns a batch into concentrations and QC verdicts. Per analyte of the method: response =
// the exported ratio or area / ISTD area; nominal concentrations from the export (checked
// against the method) or the method; the curve with automatic exclusions (AssessCurve); QC
// accuracy; blanks; retention time and ion ratio against the standards' mean (every
// calibrator and QC; samples only when detected); each sample's ISTD area against the
// calibrators' mean (below min_istd_fraction_of_standards: withheld). Analyte status: rejected when
// the curve is not accepted, the internal standard is missing everywhere or the analyte is not in
// the batch (results withheld); flagged when QCs fail beyond min_qc_passing, there are no QCs, a
// blank exceeds its limit, a standard or QC fails identification, or nominal values disagree
// (results reported with the flags). The batch is rejected when no analyte has an accepted
// curve, a critical analyte is rejected, an internal standard is missing everywhere and the
// method's batch_rules say so, or more analytes are rejected than the rules allow; then
// nothing is reportable. Otherwise accepted, or accepted with flags when any analyte is not
// accepted. A batch of lab-quantified results is passed through (LOQs kept) with a report that
// says no check was possible. Throws std::invalid_argument when the method's options fail
// their Check().
BatchQuantification QuantifyBatch(const LabBatch& batch, const QuantitationMethod& method);

}  // namespace wbe
