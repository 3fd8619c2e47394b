#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "calibration/curve/curve_assessment.h"
#include "models/core/civil_day.h"

namespace wbe {

// The QC verdict on one LC-MS/MS batch: machine-readable (ToJson, shape in
// data-schemas/qc-report.schema.json) and for a technician (ToTable).

enum class BatchVerdict { kAccepted, kAcceptedWithFlags, kRejected };
// accepted: reported as measurements. flagged: reported, with the analyte's flags on every
// result. rejected: no concentrations reported for this analyte in this batch.
enum class AnalyteStatus { kAccepted, kFlagged, kRejected };
// info: recorded, no consequence. flag: the analyte is flagged (or, with a sample injection,
// that one result). reject: the analyte is rejected (or, without analyte, the batch).
enum class ReasonSeverity { kInfo, kFlag, kReject };

const char* BatchVerdictName(BatchVerdict verdict);       // "accepted", "accepted_with_flags", ...
const char* AnalyteStatusName(AnalyteStatus status);      // "accepted", "flagged", "rejected"
const char* ReasonSeverityName(ReasonSeverity severity);  // "info", "flag", "reject"

struct QcReason {
  ReasonSeverity severity = ReasonSeverity::kInfo;
  std::string analyte;    // empty: about the batch as a whole
  std::string injection;  // empty: not about one injection
  // calibrator_excluded, calibrators_passing, qc_accuracy, qc_passing, blank, retention_time,
  // ion_ratio, istd_missing, ... (the full list is in data-schemas/qc-report.schema.json)
  std::string check;
  std::optional<double> observed;
  std::optional<double> limit;  // the bound that was crossed (or that held)
  std::string unit;             // of observed and limit
  std::string message;          // for the technician
};

// One QC injection of one analyte.
struct QcInjectionCheck {
  std::string injection;
  std::string level;
  std::optional<double> nominal;  // method unit
  std::optional<double> response;
  std::optional<double> measured;  // method unit, read back from the curve
  std::optional<double> accuracy_percent;
  bool passed = false;
  std::string note;
  long source_row = 0;
};

// One blank (or double blank) of one analyte: carry-over and contamination.
struct BlankCheck {
  std::string injection;
  std::string injection_type;  // "blank", "double_blank"
  // "area": the blank's analyte peak area against the lowest standard's mean area (ICH M10
  // compares responses; a blank's internal standard may be absent, so its ratio can mislead).
  // "response_ratio" when areas are not in the export.
  std::string basis;
  std::optional<double> observed;   // 0 when there is no peak
  std::optional<double> reference;  // the lowest passing standard's mean, same basis
  std::optional<double> percent_of_reference;
  double limit_percent = 0.0;
  bool passed = false;
  std::string note;
};

struct IdentificationFailure {
  std::string injection;
  std::string injection_type;  // "cal", "qc", "sample"
  std::string check;           // "retention_time" or "ion_ratio"
  double observed = 0.0;       // min, or the ratio as exported
  double reference = 0.0;      // the standards' mean
  double deviation = 0.0;      // min (retention_time) or % relative (ion_ratio)
  double limit = 0.0;          // same unit as deviation
  std::string unit;            // "min" or "%"
};

// Detection and quantitation limits of one analyte in the vial (method unit) and in sewage
// ng/L at the method's default enrichment factor (each sample's own factor applies to it).
struct AnalyteLimits {
  std::string concentration_unit;
  double enrichment_factor = 1.0;
  double unit_to_ng_per_l = 1.0;
  std::optional<double> lod_vial;
  std::optional<double> loq_vial;              // 10 s / slope
  std::optional<double> lloq_vial;             // lowest passing standard
  std::optional<double> uloq_vial;             // highest passing standard
  std::optional<double> reporting_limit_vial;  // max(LLOQ, LOQ): below it results are censored
  std::optional<double> lod_ng_per_l;
  std::optional<double> loq_ng_per_l;
  std::optional<double> lloq_ng_per_l;
  std::optional<double> uloq_ng_per_l;
  std::optional<double> reporting_limit_ng_per_l;
};

struct AnalyteQc {
  std::string analyte;
  std::string internal_standard;
  AnalyteStatus status = AnalyteStatus::kAccepted;
  bool critical = false;
  bool istd_missing = false;  // no internal-standard peak in any injection
  CurveAssessment curve;
  std::vector<QcInjectionCheck> qcs;
  int qc_passed = 0;
  int qc_total = 0;  // QC injections with a nominal concentration
  bool qc_accepted = false;
  std::vector<BlankCheck> blanks;
  bool blanks_accepted = true;
  std::optional<double> retention_time_reference_min;
  std::string retention_time_reference_source;  // "calibrators", "method" or ""
  std::optional<double> ion_ratio_reference;
  std::string ion_ratio_reference_source;
  std::vector<IdentificationFailure> identification_failures;
  AnalyteLimits limits;
  int samples_reported = 0;  // reportable results, censored or not
  int samples_censored = 0;
  int samples_withheld = 0;  // not reportable
};

struct BatchQcReport {
  std::string batch_id;
  std::string source_name;
  std::string format;
  std::string lab;
  std::string instrument;
  std::optional<DayIndex> analysis_day;
  std::string method_name;
  std::string method_version;
  std::string method_origin;
  BatchVerdict verdict = BatchVerdict::kAccepted;
  // The lab calibrated in its own software: results were passed through and no curve, QC,
  // blank, retention-time or ion-ratio check was possible.
  bool lab_quantified = false;
  std::vector<AnalyteQc> analytes;
  std::vector<QcReason> reasons;      // every reason, in the order found
  std::vector<std::string> warnings;  // from ingestion, passed on

  const AnalyteQc* FindAnalyte(const std::string& analyte) const;

  nlohmann::json ToJson() const;
  // Reads what ToJson wrote (after checking it against data-schemas/qc-report.schema.json);
  // throws InputError naming the JSON path of the first problem.
  static BatchQcReport FromJson(const nlohmann::json& document);
  // Fixed-width text: the verdict, one line per analyte (status, curve, R^2, standards and QCs
  // passing, blanks, retention-time and ion-ratio failures, LOQ), then every reason by
  // severity.
  std::string ToTable() const;
  // "batch LAB1-2026-W32: accepted with flags (15 analytes: 14 accepted, 1 flagged, 0 rejected)"
  std::string BriefReport() const;
};

}  // namespace wbe
