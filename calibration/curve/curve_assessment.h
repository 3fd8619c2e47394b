#pragma once

#include <optional>
#include <string>
#include <vector>

#include "calibration/curve/calibration_curve.h"
#include "calibration/method/quantitation_method.h"

namespace wbe {

// One calibration standard injection of one analyte.
struct CalibratorPoint {
  std::string injection;  // data file or injection id
  std::string level;      // "A", "3"; empty when the export has none
  double nominal = 0.0;   // method unit (vial)
  // Analyte/ISTD response ratio; empty when the standard cannot be used (then say why).
  std::optional<double> response;
  std::string unusable_reason;  // e.g. "no analyte peak", "no internal-standard peak"
  long source_row = 0;

  // Filled by AssessCurve. For an automatically excluded standard, the values that got it
  // excluded (from the fit it was excluded from).
  std::optional<double> back_calculated;   // method unit
  std::optional<double> accuracy_percent;  // back_calculated / nominal x 100
  double tolerance_percent = 0.0;          // the ± limit applied (LLOQ or other levels)
  bool passed = false;
  bool excluded = false;                // not in the final fit
  bool excluded_automatically = false;  // left out for failing; counts against the maximum
  std::string note;                     // what happened to it, for the technician

  // "Cal B (Cal B.d)", or the injection alone when there is no level.
  std::string Label() const;
};

// Something the assessment found, for the QC report.
struct CurveFinding {
  // calibrator_unusable, calibrator_excluded, calibrator_failing, curve_fit,
  // calibration_levels, calibrators_passing, r_squared, curve_not_rising, range_narrowed
  std::string check;
  std::string injection;  // the standard concerned, if one
  std::optional<double> observed;
  std::optional<double> limit;
  std::string unit;  // of observed and limit: "%", "levels", ...
  std::string message;
  bool rejects_curve = false;
};

struct CurveOptions {
  CurveType type = CurveType::kLinear;
  CurveWeighting weighting = CurveWeighting::kInverseX;
  AcceptanceThresholds thresholds;
  std::string concentration_unit;  // for messages

  bool Check(std::string* why = nullptr) const;
};

// The curve of one analyte in one batch after automatic exclusions, with its verdict.
struct CurveAssessment {
  CurveType type = CurveType::kLinear;
  CurveWeighting weighting = CurveWeighting::kInverseX;
  std::vector<CalibratorPoint> points;
  std::optional<CalibrationCurve> fit;  // the final fit; empty when none was possible
  bool accepted = false;
  int standards = 0;               // calibrator injections with a nominal concentration
  int passing = 0;                 // in the final fit and within tolerance
  int excluded_automatically = 0;  // failing standards left out
  int levels_in_fit = 0;           // distinct nominal concentrations in the final fit
  // Lowest and highest passing standard in the final fit (method unit): the calibrated range.
  std::optional<double> lloq;
  std::optional<double> uloq;
  bool range_narrowed = false;  // a design level at either end had no passing standard
  // From the curve (ICH Q2): LOD = 3.3 s / slope, LOQ = 10 s / slope, where s is the response
  // SD the fit implies at the lowest standard in the fit (residual_sd / sqrt(w(x_low)); for an
  // unweighted curve the residual SD itself) and slope is dy/dx at zero concentration. The
  // weighted residual SD alone would make s vanish at zero for 1/x^2 weights, so the lowest
  // standard is "near zero" here. Method unit.
  std::optional<double> lod;
  std::optional<double> loq;
  std::vector<CurveFinding> findings;

  // Lowest concentration reported as a number: the larger of the LLOQ and the curve's LOQ.
  // Empty without an LLOQ.
  std::optional<double> ReportingLimit() const;
  // "accepted: quadratic 1/x^2: y = ..., 5 of 6 standards pass, 0 excluded, range 0.8674-111"
  std::string BriefReport() const;
};

// Fits the curve, back-calculates every standard, leaves out failing standards one at a time
// (the most deviant relative to its tolerance first) while fewer than
// thresholds.max_excluded_levels are out and at least thresholds.min_calibration_levels levels
// stay, then decides. Accepted when the fit exists, enough levels remain, at least
// min_calibrators_passing of all standards (excluded and unusable ones count as failing)
// pass, R^2 meets min_r_squared when set, and the curve rises over the calibrated range.
// A failing standard that may not be excluded stays in the fit and is said so. The range runs
// from the lowest to the highest passing standard; when that is narrower than the design,
// the assessment says so. The tolerance at the lowest level in the fit is lloq_tolerance.
CurveAssessment AssessCurve(std::vector<CalibratorPoint> points, const CurveOptions& options);

}  // namespace wbe
