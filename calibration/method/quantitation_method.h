#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wbe {

class DrugCatalogue;

enum class CurveType { kLinear, kQuadratic };
enum class CurveWeighting { kNone, kInverseX, kInverseX2 };
const char* CurveTypeName(CurveType type);         // "linear", "quadratic"
const char* CurveWeightingName(CurveWeighting w);  // "none", "1/x", "1/x^2"
// Inverse of the names above; false when the text is none of them.
bool ParseCurveType(const std::string& text, CurveType* type);
bool ParseCurveWeighting(const std::string& text, CurveWeighting* weighting);

// QC acceptance rules (design.md "Lab calibration and QC"; software-anchors.md B.3).
// Fractions are relative (0.15 = ±15 %).
struct AcceptanceThresholds {
  double calibrator_tolerance = 0.15;        // back-calculated standards within ±15 % ...
  double lloq_tolerance = 0.20;              // ... ±20 % at the lowest level
  double min_calibrators_passing = 0.75;     // at least 75 % of levels pass
  int min_calibration_levels = 5;            // non-zero levels needed for a curve
  int max_excluded_levels = 2;               // automatic exclusions allowed
  double qc_tolerance = 0.20;                // QC accuracy ±20 %
  double min_qc_passing = 2.0 / 3.0;         // of all QCs, and at least half per level
  double blank_max_fraction_of_lloq = 0.20;  // carry-over
  double retention_time_window_min = 0.1;    // ± minutes around the standards' mean
  double ion_ratio_tolerance = 0.30;         // relative to the standards' mean ratio
  std::optional<double> min_r_squared;       // off unless the lab asks for it
  double min_qc_passing_per_level = 0.5;     // ICH M10: at least 50 % at each QC level
  // A nominal concentration given both in the method and in the export must agree this well
  // (relative); exports round to 3-4 significant figures.
  double nominal_agreement_tolerance = 0.01;
  // A sample's internal-standard area below this fraction of the calibrators' mean means the
  // ISTD was barely there (not added, or suppressed almost entirely by the matrix): the ratio
  // then rests on noise and the result is withheld. Sewage suppresses strongly, hence a low
  // default (a lab choice, not a regulatory number).
  double min_istd_fraction_of_standards = 0.2;

  bool Check(std::string* why = nullptr) const;
};

// What turns a batch as a whole into "rejected", beyond "no analyte has an accepted curve".
struct BatchRules {
  // An analyte whose internal standard has no peak in any injection means the spiking or the
  // extraction failed for the whole batch.
  bool reject_when_istd_missing = true;
  // Reject when more than this fraction of the method's analytes are rejected (off if empty).
  std::optional<double> max_rejected_analyte_fraction;

  bool Check(std::string* why = nullptr) const;
};

struct AnalyteMethod {
  std::string analyte;  // catalogue biomarker name (aliases allowed in the file)
  // Other spellings the lab's export uses for this analyte ("Corticosterone", "METH").
  std::vector<std::string> lab_names;
  std::string internal_standard;
  CurveType curve = CurveType::kLinear;
  CurveWeighting weighting = CurveWeighting::kInverseX;
  // Calibrator level label -> nominal vial concentration (method unit). Used when the export
  // has no expected concentrations; the export's values win otherwise (and are checked).
  std::map<std::string, double> calibration_levels;
  std::map<std::string, double> qc_levels;  // QC level label -> nominal concentration
  std::optional<double> expected_retention_time_min;
  std::optional<double> expected_ion_ratio;
  std::optional<AcceptanceThresholds> thresholds;  // overrides the method's defaults
  // A failure of this analyte (curve rejected, internal standard missing, absent from the
  // batch) rejects the whole batch.
  bool critical = false;
  std::string note;

  // Case-insensitive match against the analyte name and the lab names.
  bool Matches(const std::string& name) const;
};

// One assay, loaded from a JSON file (data-schemas/quantitation-method.schema.json).
struct QuantitationMethod {
  std::string name;
  std::string version;
  std::string origin;                     // file it came from
  std::string note;                       // how the numbers were obtained
  std::string concentration_unit;         // unit of curve concentrations, e.g. "ng/mL" (vial)
  double unit_to_ng_per_l = 1.0;          // factor from that unit to ng/L (ng/mL -> 1000)
  double sample_enrichment_factor = 1.0;  // default when injections do not carry one
  AcceptanceThresholds thresholds;
  BatchRules batch_rules;
  std::vector<AnalyteMethod> analytes;

  const AnalyteMethod* FindAnalyte(const std::string& analyte) const;
  const AcceptanceThresholds& ThresholdsFor(const AnalyteMethod& analyte) const;

  // Throws InputError naming the file and JSON path. With a catalogue, analyte names that are
  // catalogue biomarkers or aliases become the catalogue's name (the spelling in the file is
  // kept in lab_names); other names (e.g. the corticosteroids of the vendor examples) stay.
  static QuantitationMethod LoadFromFile(const std::string& path,
                                         const DrugCatalogue* catalogue = nullptr);
  static QuantitationMethod LoadFromString(const std::string& json_text, const std::string& origin,
                                           const DrugCatalogue* catalogue = nullptr);
};

}  // namespace wbe
