#include "calibration/curve/curve_assessment.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>

#include "calibration/curve/number_text.h"

namespace wbe {
namespace {

// ICH Q2(R1) section 6: detection and quantitation limits from the calibration curve.
constexpr double kLodSigmaMultiple = 3.3;
constexpr double kLoqSigmaMultiple = 10.0;

std::string WithUnit(double value, const std::string& unit) {
  return unit.empty() ? NumberText(value) : NumberText(value) + " " + unit;
}

int DistinctLevels(const std::vector<CalibratorPoint>& points, const std::vector<size_t>& in) {
  std::set<double> levels;
  for (size_t i : in) levels.insert(points[i].nominal);
  return static_cast<int>(levels.size());
}

}  // namespace

std::string CalibratorPoint::Label() const {
  if (level.empty()) return injection;
  return "Cal " + level + " (" + injection + ")";
}

bool CurveOptions::Check(std::string* why) const { return thresholds.Check(why); }

std::optional<double> CurveAssessment::ReportingLimit() const {
  if (!lloq) return std::nullopt;
  return std::max(*lloq, loq.value_or(0.0));
}

std::string CurveAssessment::BriefReport() const {
  std::ostringstream out;
  out << (accepted ? "accepted: " : "rejected: ");
  if (fit) {
    out << fit->BriefReport();
  } else {
    out << CurveTypeName(type) << ' ' << CurveWeightingName(weighting) << ", no fit";
  }
  out << "; " << passing << " of " << standards << " standards pass, " << excluded_automatically
      << " excluded";
  if (lloq && uloq) out << ", range " << NumberText(*lloq) << "-" << NumberText(*uloq);
  if (range_narrowed) out << " (narrowed)";
  return out.str();
}

CurveAssessment AssessCurve(std::vector<CalibratorPoint> points, const CurveOptions& options) {
  const AcceptanceThresholds& th = options.thresholds;
  const std::string& unit = options.concentration_unit;
  CurveAssessment out;
  out.type = options.type;
  out.weighting = options.weighting;
  out.points = std::move(points);
  std::vector<CalibratorPoint>& pts = out.points;
  out.standards = static_cast<int>(pts.size());

  auto add = [&](CurveFinding finding) { out.findings.push_back(std::move(finding)); };
  for (CalibratorPoint& p : pts) {
    if (p.response) continue;
    p.excluded = true;
    p.note = p.Label() + ": " + p.unusable_reason + "; not used";
    add({"calibrator_unusable", p.injection, std::nullopt, std::nullopt, "", p.note, false});
  }
  auto included = [&] {
    std::vector<size_t> in;
    for (size_t i = 0; i < pts.size(); ++i) {
      if (!pts[i].excluded) in.push_back(i);
    }
    return in;
  };
  // |accuracy - 1| in units of the point's tolerance; infinite when it cannot be read back.
  auto deviation = [](const CalibratorPoint& p) {
    if (!p.accuracy_percent) return std::numeric_limits<double>::infinity();
    return std::abs(*p.accuracy_percent - 100.0) / p.tolerance_percent;
  };
  auto evaluate = [&](const CalibrationCurve& fit, const std::vector<size_t>& in) {
    double lowest = std::numeric_limits<double>::infinity();
    for (size_t i : in) lowest = std::min(lowest, pts[i].nominal);
    for (size_t i : in) {
      CalibratorPoint& p = pts[i];
      p.tolerance_percent =
          100.0 * (p.nominal <= lowest ? th.lloq_tolerance : th.calibrator_tolerance);
      const InversePrediction inverse = fit.Inverse(*p.response);
      p.back_calculated.reset();
      p.accuracy_percent.reset();
      if (inverse.valid) {
        p.back_calculated = inverse.concentration;
        p.accuracy_percent = 100.0 * inverse.concentration / p.nominal;
      }
      p.passed = deviation(p) <= 1.0;
    }
  };
  auto describe = [&](const CalibratorPoint& p) {
    if (!p.accuracy_percent) {
      return p.Label() + ": its response " + NumberText(*p.response) +
             " cannot be read back from the curve";
    }
    return p.Label() + " back-calculates to " + PercentText(*p.accuracy_percent) +
           " % of nominal (limit ±" + PercentText(p.tolerance_percent) + " %)";
  };
  auto bound = [](const CalibratorPoint& p) -> std::optional<double> {
    if (!p.accuracy_percent) return std::nullopt;
    return *p.accuracy_percent > 100.0 ? 100.0 + p.tolerance_percent : 100.0 - p.tolerance_percent;
  };

  std::string kept_because;  // why failing standards stayed in the fit
  for (;;) {
    const std::vector<size_t> in = included();
    std::vector<double> x;
    std::vector<double> y;
    for (size_t i : in) {
      x.push_back(pts[i].nominal);
      y.push_back(*pts[i].response);
    }
    std::string why;
    out.fit = CalibrationCurve::Fit(options.type, options.weighting, x, y, &why);
    if (!out.fit) {
      add({"curve_fit", "", std::nullopt, std::nullopt, "", "No curve could be fitted: " + why,
           true});
      break;
    }
    evaluate(*out.fit, in);
    size_t worst = pts.size();
    for (size_t i : in) {
      if (!pts[i].passed && (worst == pts.size() || deviation(pts[i]) > deviation(pts[worst]))) {
        worst = i;
      }
    }
    if (worst == pts.size()) break;
    if (out.excluded_automatically >= th.max_excluded_levels) {
      kept_because = "automatic exclusions used up (" + std::to_string(out.excluded_automatically) +
                     " of " + std::to_string(th.max_excluded_levels) + " allowed)";
      break;
    }
    std::vector<size_t> rest;
    for (size_t i : in) {
      if (i != worst) rest.push_back(i);
    }
    if (DistinctLevels(pts, rest) < th.min_calibration_levels) {
      kept_because = "excluding it would leave fewer than " +
                     std::to_string(th.min_calibration_levels) + " calibration levels";
      break;
    }
    CalibratorPoint& p = pts[worst];
    p.excluded = true;
    p.excluded_automatically = true;
    p.passed = false;
    p.note = describe(p) + ": excluded";
    ++out.excluded_automatically;
    add({"calibrator_excluded", p.injection, p.accuracy_percent, bound(p), "%", p.note, false});
  }

  const std::vector<size_t> in = included();
  out.levels_in_fit = DistinctLevels(pts, in);
  for (size_t i : in) {
    CalibratorPoint& p = pts[i];
    if (!out.fit) {
      p.note = p.Label() + ": no curve";
      continue;
    }
    if (p.passed) {
      ++out.passing;
      p.note = describe(p);
      if (!out.lloq || p.nominal < *out.lloq) out.lloq = p.nominal;
      if (!out.uloq || p.nominal > *out.uloq) out.uloq = p.nominal;
    } else {
      p.note = describe(p) + ": fails; kept in the fit, " + kept_because;
      add({"calibrator_failing", p.injection, p.accuracy_percent, bound(p), "%", p.note, false});
    }
  }
  if (!out.fit) return out;

  // The verdict.
  bool accepted = true;
  if (out.levels_in_fit < th.min_calibration_levels) {
    accepted = false;
    add({"calibration_levels", "", static_cast<double>(out.levels_in_fit),
         static_cast<double>(th.min_calibration_levels), "levels",
         std::to_string(out.levels_in_fit) +
             " calibration levels in the fit; the method needs at least " +
             std::to_string(th.min_calibration_levels),
         true});
  }
  const double passing_percent = out.standards > 0 ? 100.0 * out.passing / out.standards : 0.0;
  if (passing_percent < 100.0 * th.min_calibrators_passing - 1e-9) {
    accepted = false;
    add({"calibrators_passing", "", passing_percent, 100.0 * th.min_calibrators_passing, "%",
         std::to_string(out.passing) + " of " + std::to_string(out.standards) +
             " standards pass (" + PercentText(passing_percent) + " %; the method needs " +
             PercentText(100.0 * th.min_calibrators_passing) + " %): curve rejected",
         true});
  }
  if (th.min_r_squared && out.fit->r_squared() < *th.min_r_squared) {
    accepted = false;
    add({"r_squared", "", out.fit->r_squared(), *th.min_r_squared, "",
         "R^2 " + NumberText(out.fit->r_squared()) + " is below the method's " +
             NumberText(*th.min_r_squared) + ": curve rejected",
         true});
  }
  double lowest = std::numeric_limits<double>::infinity();
  double highest = -lowest;
  for (size_t i : in) {
    lowest = std::min(lowest, pts[i].nominal);
    highest = std::max(highest, pts[i].nominal);
  }
  for (double x : {lowest, highest}) {
    if (!(out.fit->Slope(x) > 0.0)) {
      accepted = false;
      add({"curve_not_rising", "", out.fit->Slope(x), 0.0, "",
           "The curve does not rise at " + WithUnit(x, unit) + " (slope " +
               NumberText(out.fit->Slope(x)) + "): responses cannot be read back; curve rejected",
           true});
      break;
    }
  }
  out.accepted = accepted;

  // The calibrated range against the design (every standard that had a response).
  double design_low = std::numeric_limits<double>::infinity();
  double design_high = -design_low;
  for (const CalibratorPoint& p : pts) {
    if (!p.response) continue;
    design_low = std::min(design_low, p.nominal);
    design_high = std::max(design_high, p.nominal);
  }
  if (out.lloq && *out.lloq > design_low) {
    out.range_narrowed = true;
    add({"range_narrowed", "", *out.lloq, design_low, unit,
         "No passing standard at the lowest level (" + WithUnit(design_low, unit) +
             "): the calibrated range now starts at " + WithUnit(*out.lloq, unit),
         false});
  }
  if (out.uloq && *out.uloq < design_high) {
    out.range_narrowed = true;
    add({"range_narrowed", "", *out.uloq, design_high, unit,
         "No passing standard at the highest level (" + WithUnit(design_high, unit) +
             "): the calibrated range now ends at " + WithUnit(*out.uloq, unit),
         false});
  }

  const double slope_at_zero = out.fit->Slope(0.0);
  const double s_low = out.fit->ResponseSd(lowest);
  if (slope_at_zero > 0.0 && s_low > 0.0) {
    out.lod = kLodSigmaMultiple * s_low / slope_at_zero;
    out.loq = kLoqSigmaMultiple * s_low / slope_at_zero;
  }
  return out;
}

}  // namespace wbe
