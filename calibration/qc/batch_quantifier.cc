#include "calibration/qc/batch_quantifier.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

#include "calibration/curve/number_text.h"

namespace wbe {
namespace {

using nlohmann::json;

json Optional(const std::optional<double>& value) { return value ? json(*value) : json(nullptr); }

// The analyte/ISTD response ratio: as exported, else area / ISTD area.
std::optional<double> ResponseRatio(const AnalyteResponse& r) {
  if (r.response_ratio) return r.response_ratio;
  if (r.area && r.istd_area && *r.istd_area > 0.0) return *r.area / *r.istd_area;
  return std::nullopt;
}

bool HasPeak(const AnalyteResponse& r) {
  if (r.area) return *r.area > 0.0;
  return r.response_ratio && *r.response_ratio > 0.0;
}

bool HasIstd(const AnalyteResponse& r) {
  return (r.istd_area && *r.istd_area > 0.0) || r.response_ratio.has_value();
}

double Mean(const std::vector<double>& values) {
  double sum = 0.0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

void AddFlag(std::vector<std::string>* flags, const std::string& flag) {
  if (std::find(flags->begin(), flags->end(), flag) == flags->end()) flags->push_back(flag);
}

// The responses of one analyte, injection by injection.
struct AnalyteRow {
  const Injection* injection = nullptr;
  size_t injection_index = 0;
  const AnalyteResponse* response = nullptr;
};

class AnalyteQuantifier {
 public:
  AnalyteQuantifier(const LabBatch& batch, const QuantitationMethod& method,
                    const AnalyteMethod& analyte, std::vector<QcReason>* reasons)
      : batch_(batch),
        method_(method),
        analyte_(analyte),
        th_(method.ThresholdsFor(analyte)),
        unit_(method.concentration_unit),
        reasons_(reasons) {}

  // Appends the analyte's samples (with their injection index) to `samples`.
  AnalyteQc Run(std::vector<std::pair<size_t, QuantifiedSample>>* samples) {
    qc_.analyte = analyte_.analyte;
    qc_.internal_standard = analyte_.internal_standard;
    qc_.critical = analyte_.critical;
    qc_.curve.type = analyte_.curve;
    qc_.curve.weighting = analyte_.weighting;
    qc_.limits.concentration_unit = unit_;
    qc_.limits.enrichment_factor = method_.sample_enrichment_factor;
    qc_.limits.unit_to_ng_per_l = method_.unit_to_ng_per_l;
    CollectRows();
    if (rows_.empty()) {
      Reason(ReasonSeverity::kReject, "", "not_in_batch", std::nullopt, std::nullopt, "",
             analyte_.analyte +
                 " is in the method but no injection of the batch has a result "
                 "for it: nothing to report");
      qc_.status = AnalyteStatus::kRejected;
      return qc_;
    }
    CheckIstd();
    AssessTheCurve();
    SetIdentificationReferences();
    CheckStandardsIdentification();
    CheckQcs();
    CheckBlanks();
    SetIstdReference();
    SetLimits();
    DecideStatus();
    QuantifySamples(samples);
    return qc_;
  }

 private:
  void Reason(ReasonSeverity severity, const std::string& injection, const std::string& check,
              std::optional<double> observed, std::optional<double> limit, const std::string& unit,
              const std::string& message) {
    reasons_->push_back(
        {severity, analyte_.analyte, injection, check, observed, limit, unit, message});
  }

  std::string WithUnit(double value) const { return NumberText(value) + " " + unit_; }

  void CollectRows() {
    for (size_t i = 0; i < batch_.injections.size(); ++i) {
      const Injection& injection = batch_.injections[i];
      for (const AnalyteResponse& r : injection.responses) {
        if (!analyte_.Matches(r.analyte) && !analyte_.Matches(r.lab_name)) continue;
        rows_.push_back({&injection, i, &r});
        break;  // one result per analyte and injection; parsers reject duplicates
      }
    }
  }

  void CheckIstd() {
    for (const AnalyteRow& row : rows_) {
      if (row.injection->type != InjectionType::kDoubleBlank && HasIstd(*row.response)) return;
    }
    qc_.istd_missing = true;
    Reason(ReasonSeverity::kReject, "", "istd_missing", std::nullopt, std::nullopt, "",
           "The internal standard " + analyte_.internal_standard + " of " + analyte_.analyte +
               " has no peak in any injection: check the spiking and extraction; " +
               analyte_.analyte + " not quantified");
  }

  // The export's nominal value wins over the method's; a disagreement flags the analyte.
  std::optional<double> Nominal(const AnalyteRow& row, const std::map<std::string, double>& levels,
                                const std::string& kind) {
    const auto known = levels.find(row.injection->level);
    const std::optional<double>& exported = row.response->expected_concentration;
    if (exported) {
      if (known != levels.end() && *exported > 0.0 &&
          std::abs(*exported / known->second - 1.0) > th_.nominal_agreement_tolerance) {
        nominal_mismatch_ = true;
        Reason(ReasonSeverity::kFlag, row.injection->name, "nominal_mismatch", *exported,
               known->second, unit_,
               kind + " " + row.injection->name + ": the export gives a nominal " +
                   WithUnit(*exported) + ", the method " + WithUnit(known->second) + " for level " +
                   row.injection->level +
                   "; the export's value is used: check the method file or the sequence");
      }
      return exported;
    }
    if (known != levels.end()) return known->second;
    return std::nullopt;
  }

  void AssessTheCurve() {
    std::vector<CalibratorPoint> points;
    for (const AnalyteRow& row : rows_) {
      if (row.injection->type != InjectionType::kCalibrator) continue;
      const std::optional<double> nominal = Nominal(row, analyte_.calibration_levels, "Calibrator");
      if (!nominal) {
        Reason(ReasonSeverity::kInfo, row.injection->name, "calibrator_no_nominal", std::nullopt,
               std::nullopt, "",
               "Calibrator " + row.injection->name + ": no nominal concentration (level '" +
                   row.injection->level +
                   "' is not in the method and the export gives none); not used");
        continue;
      }
      if (*nominal <= 0.0) {
        Reason(ReasonSeverity::kInfo, row.injection->name, "calibrator_zero", 0.0, std::nullopt,
               unit_,
               "Calibrator " + row.injection->name +
                   " has nominal 0: a zero standard is a blank, not part of the curve");
        continue;
      }
      CalibratorPoint point;
      point.injection = row.injection->name;
      point.level = row.injection->level;
      point.nominal = *nominal;
      point.source_row = row.response->source_row;
      if (!HasPeak(*row.response)) {
        point.unusable_reason = "no analyte peak";
      } else if (const std::optional<double> ratio = ResponseRatio(*row.response)) {
        point.response = ratio;
      } else {
        point.unusable_reason = "no internal-standard peak";
      }
      points.push_back(point);
    }
    if (points.empty()) {
      Reason(ReasonSeverity::kReject, "", "no_calibrators", 0.0, std::nullopt, "",
             analyte_.analyte +
                 ": no calibration standard with a nominal concentration in the "
                 "batch: curve rejected");
      return;
    }
    CurveOptions options;
    options.type = analyte_.curve;
    options.weighting = analyte_.weighting;
    options.thresholds = th_;
    options.concentration_unit = unit_;
    qc_.curve = AssessCurve(std::move(points), options);
    for (const CurveFinding& f : qc_.curve.findings) {
      Reason(f.rejects_curve ? ReasonSeverity::kReject : ReasonSeverity::kInfo, f.injection,
             f.check, f.observed, f.limit, f.unit, analyte_.analyte + ": " + f.message);
    }
  }

  // References: the mean over the standards in the final fit (all standards with a peak when
  // none is left), else the method's expected value.
  void SetIdentificationReferences() {
    std::set<std::string> in_fit;
    for (const CalibratorPoint& p : qc_.curve.points) {
      if (!p.excluded) in_fit.insert(p.injection);
    }
    std::vector<double> rt_fit, rt_all, ion_fit, ion_all;
    for (const AnalyteRow& row : rows_) {
      if (row.injection->type != InjectionType::kCalibrator || !HasPeak(*row.response)) continue;
      const bool fitted = in_fit.count(row.injection->name) > 0;
      if (const auto& rt = row.response->retention_time_min) {
        rt_all.push_back(*rt);
        if (fitted) rt_fit.push_back(*rt);
      }
      if (const auto& ion = row.response->qualifier_ratio) {
        ion_all.push_back(*ion);
        if (fitted) ion_fit.push_back(*ion);
      }
    }
    auto pick = [](const std::vector<double>& fit, const std::vector<double>& all,
                   const std::optional<double>& expected, std::optional<double>* reference,
                   std::string* source) {
      if (!fit.empty() || !all.empty()) {
        *reference = Mean(fit.empty() ? all : fit);
        *source = "calibrators";
      } else if (expected) {
        *reference = expected;
        *source = "method";
      }
    };
    pick(rt_fit, rt_all, analyte_.expected_retention_time_min, &qc_.retention_time_reference_min,
         &qc_.retention_time_reference_source);
    pick(ion_fit, ion_all, analyte_.expected_ion_ratio, &qc_.ion_ratio_reference,
         &qc_.ion_ratio_reference_source);
  }

  // Checks one injection's retention time and ion ratio; records failures, returns the names
  // of the failed checks.
  std::vector<std::string> CheckIdentification(const AnalyteRow& row, ReasonSeverity severity) {
    std::vector<std::string> failed;
    const AnalyteResponse& r = *row.response;
    const std::string who =
        std::string(InjectionTypeName(row.injection->type)) + " " + row.injection->name;
    if (r.retention_time_min && qc_.retention_time_reference_min) {
      const double deviation = *r.retention_time_min - *qc_.retention_time_reference_min;
      if (std::abs(deviation) > th_.retention_time_window_min) {
        failed.push_back("retention_time");
        qc_.identification_failures.push_back(
            {row.injection->name, InjectionTypeName(row.injection->type), "retention_time",
             *r.retention_time_min, *qc_.retention_time_reference_min, deviation,
             th_.retention_time_window_min, "min"});
        Reason(severity, row.injection->name, "retention_time", deviation,
               th_.retention_time_window_min, "min",
               analyte_.analyte + " in " + who + ": retention time " +
                   NumberText(*r.retention_time_min) + " min is " + NumberText(deviation) +
                   " min from the standards' " + NumberText(*qc_.retention_time_reference_min) +
                   " min (limit ±" + NumberText(th_.retention_time_window_min) +
                   " min): peak identity in doubt");
      }
    }
    if (r.qualifier_ratio && qc_.ion_ratio_reference && *qc_.ion_ratio_reference > 0.0) {
      const double deviation = 100.0 * (*r.qualifier_ratio / *qc_.ion_ratio_reference - 1.0);
      if (std::abs(deviation) > 100.0 * th_.ion_ratio_tolerance) {
        failed.push_back("ion_ratio");
        qc_.identification_failures.push_back({row.injection->name,
                                               InjectionTypeName(row.injection->type), "ion_ratio",
                                               *r.qualifier_ratio, *qc_.ion_ratio_reference,
                                               deviation, 100.0 * th_.ion_ratio_tolerance, "%"});
        Reason(severity, row.injection->name, "ion_ratio", deviation,
               100.0 * th_.ion_ratio_tolerance, "%",
               analyte_.analyte + " in " + who + ": qualifier/quantifier ratio " +
                   NumberText(*r.qualifier_ratio) + " is " + PercentText(deviation) +
                   " % off the standards' " + NumberText(*qc_.ion_ratio_reference) + " (limit ±" +
                   PercentText(100.0 * th_.ion_ratio_tolerance) + " %): peak identity in doubt");
      }
    }
    return failed;
  }

  void CheckStandardsIdentification() {
    for (const AnalyteRow& row : rows_) {
      const InjectionType type = row.injection->type;
      if (type != InjectionType::kCalibrator && type != InjectionType::kQc) continue;
      if (!HasPeak(*row.response)) continue;
      if (!CheckIdentification(row, ReasonSeverity::kFlag).empty()) {
        standards_identification_failed_ = true;
      }
    }
  }

  void CheckQcs() {
    const double tolerance_percent = 100.0 * th_.qc_tolerance;
    std::map<std::string, std::pair<int, int>> per_level;  // level -> passed, total
    for (const AnalyteRow& row : rows_) {
      if (row.injection->type != InjectionType::kQc) continue;
      QcInjectionCheck check;
      check.injection = row.injection->name;
      check.level = row.injection->level;
      check.source_row = row.response->source_row;
      check.nominal = Nominal(row, analyte_.qc_levels, "QC");
      check.response = ResponseRatio(*row.response);
      if (!check.nominal || *check.nominal <= 0.0) {
        check.note = "no nominal concentration (level '" + check.level +
                     "' is not in the method and the export gives none); not evaluated";
        Reason(ReasonSeverity::kInfo, check.injection, "qc_no_nominal", std::nullopt, std::nullopt,
               "", analyte_.analyte + " in QC " + check.injection + ": " + check.note);
        qc_.qcs.push_back(check);
        continue;
      }
      ++qc_.qc_total;
      auto& level = per_level[check.level];
      ++level.second;
      if (!qc_.curve.accepted) {
        check.note = "not evaluated: no accepted curve";
      } else if (!HasPeak(*row.response)) {
        check.note = "no analyte peak";
      } else if (!check.response) {
        check.note = "no internal-standard peak";
      } else {
        const InversePrediction inverse = qc_.curve.fit->Inverse(*check.response);
        if (!inverse.valid) {
          check.note = "its response cannot be read back from the curve";
        } else {
          check.measured = inverse.concentration;
          check.accuracy_percent = 100.0 * inverse.concentration / *check.nominal;
          check.passed = std::abs(*check.accuracy_percent - 100.0) <= tolerance_percent;
          check.note = "reads " + WithUnit(inverse.concentration) + ", " +
                       PercentText(*check.accuracy_percent) + " % of nominal " +
                       WithUnit(*check.nominal) + " (limit ±" + PercentText(tolerance_percent) +
                       " %)";
        }
      }
      if (check.passed) {
        ++qc_.qc_passed;
        ++level.first;
      } else if (qc_.curve.accepted) {
        const std::optional<double> bound =
            check.accuracy_percent
                ? std::optional<double>(*check.accuracy_percent > 100.0 ? 100.0 + tolerance_percent
                                                                        : 100.0 - tolerance_percent)
                : std::nullopt;
        Reason(ReasonSeverity::kInfo, check.injection, "qc_accuracy", check.accuracy_percent, bound,
               "%", analyte_.analyte + " in QC " + check.injection + ": " + check.note);
      }
      qc_.qcs.push_back(check);
    }
    if (!qc_.curve.accepted) return;
    if (qc_.qc_total == 0) {
      Reason(ReasonSeverity::kFlag, "", "qc_missing", 0.0, std::nullopt, "",
             analyte_.analyte +
                 ": no QC injection with a nominal concentration; accuracy "
                 "cannot be checked");
      return;
    }
    const double passing = static_cast<double>(qc_.qc_passed) / qc_.qc_total;
    qc_.qc_accepted = passing >= th_.min_qc_passing - 1e-9;
    if (!qc_.qc_accepted) {
      Reason(ReasonSeverity::kFlag, "", "qc_passing", 100.0 * passing, 100.0 * th_.min_qc_passing,
             "%",
             analyte_.analyte + ": " + std::to_string(qc_.qc_passed) + " of " +
                 std::to_string(qc_.qc_total) + " QCs within ±" + PercentText(tolerance_percent) +
                 " % (" + PercentText(100.0 * passing) + " %; the method needs " +
                 PercentText(100.0 * th_.min_qc_passing) + " %)");
    }
    for (const auto& [label, counts] : per_level) {
      const double level_passing = static_cast<double>(counts.first) / counts.second;
      if (level_passing < th_.min_qc_passing_per_level - 1e-9) {
        qc_.qc_accepted = false;
        Reason(ReasonSeverity::kFlag, "", "qc_level_passing", 100.0 * level_passing,
               100.0 * th_.min_qc_passing_per_level, "%",
               analyte_.analyte + ": " + std::to_string(counts.first) + " of " +
                   std::to_string(counts.second) + " QCs at level " + label + " within ±" +
                   PercentText(tolerance_percent) + " % (the method needs " +
                   PercentText(100.0 * th_.min_qc_passing_per_level) + " % per level)");
      }
    }
  }

  void CheckBlanks() {
    // The lowest standard: the LLOQ of an accepted curve, else the lowest usable standard.
    std::optional<double> lowest = qc_.curve.lloq;
    if (!lowest) {
      for (const CalibratorPoint& p : qc_.curve.points) {
        if (p.response && (!lowest || p.nominal < *lowest)) lowest = p.nominal;
      }
    }
    if (!lowest) return;
    std::set<std::string> at_lowest;
    for (const CalibratorPoint& p : qc_.curve.points) {
      if (p.response && p.nominal == *lowest) at_lowest.insert(p.injection);
    }
    std::vector<double> areas;
    std::vector<double> ratios;
    for (const AnalyteRow& row : rows_) {
      if (row.injection->type != InjectionType::kCalibrator ||
          !at_lowest.count(row.injection->name)) {
        continue;
      }
      if (row.response->area) areas.push_back(*row.response->area);
      if (const auto ratio = ResponseRatio(*row.response)) ratios.push_back(*ratio);
    }
    const double limit_percent = 100.0 * th_.blank_max_fraction_of_lloq;
    for (const AnalyteRow& row : rows_) {
      const InjectionType type = row.injection->type;
      if (type != InjectionType::kBlank && type != InjectionType::kDoubleBlank) continue;
      const AnalyteResponse& r = *row.response;
      BlankCheck check;
      check.injection = row.injection->name;
      check.injection_type = InjectionTypeName(type);
      check.limit_percent = limit_percent;
      if (!areas.empty() && (r.area || !HasPeak(r))) {
        check.basis = "area";
        check.observed = r.area.value_or(0.0);
        check.reference = Mean(areas);
      } else if (!ratios.empty() && type == InjectionType::kBlank &&
                 (ResponseRatio(r) || !HasPeak(r))) {
        check.basis = "response_ratio";
        check.observed = HasPeak(r) ? *ResponseRatio(r) : 0.0;
        check.reference = Mean(ratios);
      } else {
        check.note =
            "not checked: neither the blank's peak area nor its response ratio can be "
            "compared with the lowest standard's";
        check.passed = true;
        qc_.blanks.push_back(check);
        continue;
      }
      check.percent_of_reference =
          *check.reference > 0.0 ? 100.0 * *check.observed / *check.reference : 0.0;
      check.passed = *check.percent_of_reference <= limit_percent;
      const std::string what = check.basis == "area" ? "peak area" : "response ratio";
      check.note = what + " " + NumberText(*check.observed) + " is " +
                   PercentText(*check.percent_of_reference) + " % of the lowest standard's (" +
                   WithUnit(*lowest) + ", mean " + NumberText(*check.reference) + "; limit " +
                   PercentText(limit_percent) + " %)";
      if (!check.passed) {
        qc_.blanks_accepted = false;
        Reason(ReasonSeverity::kFlag, check.injection, "blank", check.percent_of_reference,
               limit_percent, "%",
               analyte_.analyte + " in " + check.injection_type + " " + check.injection + ": " +
                   check.note + ": carry-over or contamination");
      }
      qc_.blanks.push_back(check);
    }
  }

  // The calibrators' mean internal-standard area, which samples are held against.
  void SetIstdReference() {
    std::vector<double> areas;
    for (const AnalyteRow& row : rows_) {
      if (row.injection->type != InjectionType::kCalibrator) continue;
      if (row.response->istd_area && *row.response->istd_area > 0.0) {
        areas.push_back(*row.response->istd_area);
      }
    }
    if (!areas.empty()) istd_reference_ = Mean(areas);
  }

  void SetLimits() {
    if (!qc_.curve.accepted) return;  // no limits from a curve that is not to be used
    AnalyteLimits& l = qc_.limits;
    l.lod_vial = qc_.curve.lod;
    l.loq_vial = qc_.curve.loq;
    l.lloq_vial = qc_.curve.lloq;
    l.uloq_vial = qc_.curve.uloq;
    l.reporting_limit_vial = qc_.curve.ReportingLimit();
    const double factor = method_.unit_to_ng_per_l / method_.sample_enrichment_factor;
    auto sewage = [&](const std::optional<double>& vial) -> std::optional<double> {
      if (!vial) return std::nullopt;
      return *vial * factor;
    };
    l.lod_ng_per_l = sewage(l.lod_vial);
    l.loq_ng_per_l = sewage(l.loq_vial);
    l.lloq_ng_per_l = sewage(l.lloq_vial);
    l.uloq_ng_per_l = sewage(l.uloq_vial);
    l.reporting_limit_ng_per_l = sewage(l.reporting_limit_vial);
  }

  void DecideStatus() {
    if (qc_.istd_missing || !qc_.curve.accepted) {
      qc_.status = AnalyteStatus::kRejected;
      return;
    }
    if (!qc_.qc_accepted) analyte_flags_.push_back(qc_.qc_total == 0 ? "qc_missing" : "qc_failed");
    if (!qc_.blanks_accepted) analyte_flags_.push_back("blank_contamination");
    if (standards_identification_failed_) {
      analyte_flags_.push_back("identification_failed_in_standards");
    }
    if (nominal_mismatch_) analyte_flags_.push_back("nominal_mismatch");
    qc_.status = analyte_flags_.empty() ? AnalyteStatus::kAccepted : AnalyteStatus::kFlagged;
  }

  void QuantifySamples(std::vector<std::pair<size_t, QuantifiedSample>>* samples) {
    for (const AnalyteRow& row : rows_) {
      if (row.injection->type != InjectionType::kSample) continue;
      const Injection& injection = *row.injection;
      const AnalyteResponse& r = *row.response;
      QuantifiedSample s;
      s.injection = injection.name;
      s.site_id = injection.site_id;
      s.sampling_day = injection.sampling_day;
      s.analyte = analyte_.analyte;
      s.lab_name = r.lab_name;
      s.enrichment_factor = injection.enrichment_factor.value_or(method_.sample_enrichment_factor);
      s.vendor_concentration = r.vendor_concentration;
      s.source_row = r.source_row;
      s.response = ResponseRatio(r);
      Quantify(row, &s);
      samples->emplace_back(row.injection_index, std::move(s));
    }
  }

  void Quantify(const AnalyteRow& row, QuantifiedSample* s) {
    if (qc_.status == AnalyteStatus::kRejected) {
      AddFlag(&s->flags, qc_.istd_missing ? "istd_missing" : "curve_rejected");
      return;  // withheld
    }
    const double factor = method_.unit_to_ng_per_l / s->enrichment_factor;
    const CalibrationCurve& fit = *qc_.curve.fit;
    const double reporting_limit = *qc_.curve.ReportingLimit();
    s->loq_ng_per_l = reporting_limit * factor;
    s->reportable = true;
    for (const std::string& flag : analyte_flags_) AddFlag(&s->flags, flag);
    if (!analyte_flags_.empty()) AddFlag(&s->flags, "analyte_flagged");

    if (!HasPeak(*row.response)) {
      s->censored = true;
      AddFlag(&s->flags, "no_peak");
      return;
    }
    if (!s->response) {
      s->reportable = false;
      AddFlag(&s->flags, "istd_missing");
      Reason(ReasonSeverity::kFlag, s->injection, "istd_missing", std::nullopt, std::nullopt, "",
             analyte_.analyte + " in sample " + s->injection +
                 ": no internal-standard peak; not quantified (re-extract or re-inject)");
      return;
    }
    const std::optional<double>& istd_area = row.response->istd_area;
    if (istd_reference_ && istd_area &&
        *istd_area < th_.min_istd_fraction_of_standards * *istd_reference_) {
      s->reportable = false;
      AddFlag(&s->flags, "istd_response_low");
      const double percent = 100.0 * *istd_area / *istd_reference_;
      Reason(ReasonSeverity::kFlag, s->injection, "istd_response", percent,
             100.0 * th_.min_istd_fraction_of_standards, "%",
             analyte_.analyte + " in sample " + s->injection + ": internal-standard area " +
                 NumberText(*istd_area) + " is " + PercentText(percent) +
                 " % of the calibrators' mean " + NumberText(*istd_reference_) + " (limit " +
                 PercentText(100.0 * th_.min_istd_fraction_of_standards) +
                 " %): ratio unreliable, not quantified (check the spiking, re-extract)");
      return;
    }
    const InversePrediction inverse = fit.Inverse(*s->response);
    if (!inverse.valid) {
      if (*s->response > fit.Predict(*qc_.curve.uloq)) {
        s->reportable = false;
        AddFlag(&s->flags, "above_calibration_range");
        Reason(ReasonSeverity::kFlag, s->injection, "above_calibration_range", *s->response,
               fit.Predict(*qc_.curve.uloq), "",
               analyte_.analyte + " in sample " + s->injection + ": response " +
                   NumberText(*s->response) +
                   " is beyond what the curve can read back: dilute and re-inject");
      } else {
        s->censored = true;
        AddFlag(&s->flags, "below_loq");
      }
      return;
    }
    s->vial_concentration = inverse.concentration;
    if (inverse.concentration < reporting_limit) {
      s->censored = true;
      AddFlag(&s->flags, "below_loq");
      if (inverse.concentration > 0.0) {
        s->below_loq_estimate_ng_per_l = inverse.concentration * factor;
      }
      return;
    }
    s->concentration_ng_per_l = inverse.concentration * factor;
    s->standard_error_ng_per_l = inverse.standard_error * factor;
    if (inverse.concentration > *qc_.curve.uloq) {
      AddFlag(&s->flags, "above_calibration_range");
      Reason(ReasonSeverity::kFlag, s->injection, "above_calibration_range", inverse.concentration,
             *qc_.curve.uloq, unit_,
             analyte_.analyte + " in sample " + s->injection + " reads " +
                 WithUnit(inverse.concentration) + ", above the highest standard (" +
                 WithUnit(*qc_.curve.uloq) + "): extrapolated; dilute and re-inject to confirm");
    }
    for (const std::string& check : CheckIdentification(row, ReasonSeverity::kFlag)) {
      AddFlag(&s->flags, check);
    }
  }

  const LabBatch& batch_;
  const QuantitationMethod& method_;
  const AnalyteMethod& analyte_;
  const AcceptanceThresholds& th_;
  const std::string& unit_;
  std::vector<QcReason>* reasons_;
  std::vector<AnalyteRow> rows_;
  AnalyteQc qc_;
  bool nominal_mismatch_ = false;
  bool standards_identification_failed_ = false;
  std::optional<double> istd_reference_;
  std::vector<std::string> analyte_flags_;
};

BatchQcReport ReportHeader(const LabBatch& batch, const QuantitationMethod& method) {
  BatchQcReport report;
  report.batch_id = batch.batch_id;
  report.source_name = batch.source_name;
  report.format = batch.format;
  report.lab = batch.lab;
  report.instrument = batch.instrument;
  report.analysis_day = batch.analysis_day;
  report.method_name = method.name;
  report.method_version = method.version;
  report.method_origin = method.origin;
  report.warnings = batch.warnings;
  for (const std::string& name : batch.unmapped_analytes) {
    report.warnings.push_back("analyte '" + name + "' in the file is not known: not quantified");
  }
  return report;
}

BatchQuantification PassThrough(const LabBatch& batch, const QuantitationMethod& method) {
  BatchQuantification out;
  out.report = ReportHeader(batch, method);
  BatchQcReport& report = out.report;
  report.lab_quantified = true;
  report.verdict = BatchVerdict::kAccepted;
  report.reasons.push_back(
      {ReasonSeverity::kInfo, "", "", "lab_quantified", std::nullopt, std::nullopt, "",
       "The lab calibrated in its own software: results are passed through with its LOQs; no "
       "curve, QC, blank, retention-time or ion-ratio check was possible"});
  if (!batch.injections.empty()) {
    report.warnings.push_back("the batch also holds " + std::to_string(batch.injections.size()) +
                              " injections; they were ignored");
  }
  for (const QuantifiedResult& result : batch.quantified) {
    QuantifiedSample s;
    s.site_id = result.site_id;
    s.sampling_day = result.sampling_day;
    const AnalyteMethod* known = method.FindAnalyte(result.analyte);
    s.analyte = known != nullptr ? known->analyte : result.analyte;
    s.lab_name = result.lab_name;
    s.concentration_ng_per_l = result.censored ? std::nullopt : result.concentration_ng_per_l;
    s.censored = result.censored;
    if (result.loq_ng_per_l > 0.0) s.loq_ng_per_l = result.loq_ng_per_l;
    s.source_row = result.source_row;
    s.reportable = true;
    s.flags.push_back("lab_quantified");
    const std::string where = "row " + std::to_string(result.source_row);
    if (s.censored && !s.loq_ng_per_l) {
      s.reportable = false;
      report.reasons.push_back({ReasonSeverity::kFlag, s.analyte, "", "censored_without_loq",
                                std::nullopt, std::nullopt, "",
                                s.analyte + " at " + s.site_id + ", " + where +
                                    ": '<LOQ' without an LOQ value; withheld"});
    } else if (!s.censored && !s.concentration_ng_per_l) {
      s.reportable = false;
      report.reasons.push_back({ReasonSeverity::kFlag, s.analyte, "", "missing_value", std::nullopt,
                                std::nullopt, "",
                                s.analyte + " at " + s.site_id + ", " + where +
                                    ": neither a concentration nor '<LOQ'; withheld"});
    }
    out.samples.push_back(std::move(s));
  }
  if (std::any_of(out.samples.begin(), out.samples.end(),
                  [](const QuantifiedSample& s) { return !s.reportable; })) {
    report.verdict = BatchVerdict::kAcceptedWithFlags;
  }
  return out;
}

void Decide(const QuantitationMethod& method, BatchQcReport* report) {
  auto reject = [&](const std::string& check, const std::string& message) {
    report->verdict = BatchVerdict::kRejected;
    report->reasons.push_back({ReasonSeverity::kReject, "", "", check, std::nullopt, std::nullopt,
                               "", message + ": batch rejected"});
  };
  int accepted_curves = 0;
  int rejected = 0;
  bool flagged = false;
  for (const AnalyteQc& a : report->analytes) {
    if (a.curve.accepted) ++accepted_curves;
    if (a.status == AnalyteStatus::kRejected) ++rejected;
    if (a.status != AnalyteStatus::kAccepted) flagged = true;
  }
  report->verdict = flagged ? BatchVerdict::kAcceptedWithFlags : BatchVerdict::kAccepted;
  if (accepted_curves == 0) reject("no_accepted_curve", "No analyte has an accepted curve");
  for (const AnalyteQc& a : report->analytes) {
    if (a.critical && a.status == AnalyteStatus::kRejected) {
      reject("critical_analyte_rejected",
             a.analyte + " is critical for method " + method.name + " and was rejected");
    }
    if (a.istd_missing && method.batch_rules.reject_when_istd_missing) {
      reject("istd_missing_in_batch", "The internal standard " + a.internal_standard + " (for " +
                                          a.analyte + ") is missing from every injection");
    }
  }
  const auto& fraction = method.batch_rules.max_rejected_analyte_fraction;
  if (fraction && !report->analytes.empty()) {
    const double share = static_cast<double>(rejected) / report->analytes.size();
    if (share > *fraction) {
      reject("rejected_analytes",
             std::to_string(rejected) + " of " + std::to_string(report->analytes.size()) +
                 " analytes rejected (the method allows " + PercentText(100.0 * *fraction) + " %)");
    }
  }
}

}  // namespace

json QuantifiedSample::ToJson() const {
  json j;
  j["injection"] = injection;
  j["site_id"] = site_id;
  j["sampling_date"] = sampling_day ? json(FormatIsoDate(*sampling_day)) : json(nullptr);
  j["analyte"] = analyte;
  j["lab_name"] = lab_name;
  j["concentration_ng_per_l"] = Optional(concentration_ng_per_l);
  j["standard_error_ng_per_l"] = Optional(standard_error_ng_per_l);
  j["censored"] = censored;
  j["loq_ng_per_l"] = Optional(loq_ng_per_l);
  j["below_loq_estimate_ng_per_l"] = Optional(below_loq_estimate_ng_per_l);
  j["vial_concentration"] = Optional(vial_concentration);
  j["response"] = Optional(response);
  j["enrichment_factor"] = enrichment_factor;
  j["vendor_concentration"] = Optional(vendor_concentration);
  j["reportable"] = reportable;
  j["flags"] = flags;
  j["source_row"] = source_row;
  return j;
}

json BatchQuantification::ToJson() const {
  json samples_json = json::array();
  for (const QuantifiedSample& s : samples) samples_json.push_back(s.ToJson());
  return {{"qc_report", report.ToJson()}, {"samples", samples_json}};
}

BatchQuantification QuantifyBatch(const LabBatch& batch, const QuantitationMethod& method) {
  std::string why;
  if (!method.thresholds.Check(&why) || !method.batch_rules.Check(&why)) {
    throw std::invalid_argument("quantitation method " + method.name + ": " + why);
  }
  for (const AnalyteMethod& a : method.analytes) {
    if (!method.ThresholdsFor(a).Check(&why)) {
      throw std::invalid_argument("quantitation method " + method.name + ", " + a.analyte + ": " +
                                  why);
    }
  }
  if (!(method.unit_to_ng_per_l > 0.0) || !(method.sample_enrichment_factor > 0.0)) {
    throw std::invalid_argument("quantitation method " + method.name +
                                ": unit_to_ng_per_l and sample_enrichment_factor must be positive");
  }
  if (batch.is_quantified()) return PassThrough(batch, method);

  BatchQuantification out;
  out.report = ReportHeader(batch, method);
  BatchQcReport& report = out.report;
  if (batch.injections.empty()) {
    report.verdict = BatchVerdict::kRejected;
    report.reasons.push_back({ReasonSeverity::kReject, "", "", "empty_batch", std::nullopt,
                              std::nullopt, "", "The batch holds no injection: batch rejected"});
    return out;
  }

  // Analytes in the file that the method does not know.
  std::set<std::string> unknown;
  for (const Injection& injection : batch.injections) {
    for (const AnalyteResponse& r : injection.responses) {
      if (method.FindAnalyte(r.analyte) == nullptr && method.FindAnalyte(r.lab_name) == nullptr) {
        unknown.insert(r.analyte.empty() ? r.lab_name : r.analyte);
      }
    }
  }
  for (const std::string& name : unknown) {
    report.reasons.push_back(
        {ReasonSeverity::kInfo, name, "", "not_in_method", std::nullopt, std::nullopt, "",
         name + " is in the batch but not in method " + method.name + ": not quantified"});
  }

  std::vector<std::pair<size_t, QuantifiedSample>> samples;
  for (const AnalyteMethod& analyte : method.analytes) {
    AnalyteQuantifier quantifier(batch, method, analyte, &report.reasons);
    report.analytes.push_back(quantifier.Run(&samples));
  }
  Decide(method, &report);

  // Injection order, the method's analyte order within an injection (stable sort keeps it).
  std::stable_sort(samples.begin(), samples.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  const bool rejected = report.verdict == BatchVerdict::kRejected;
  std::map<std::string, AnalyteQc*> by_name;
  for (AnalyteQc& a : report.analytes) by_name[a.analyte] = &a;
  for (auto& [index, s] : samples) {
    if (rejected) {
      s.reportable = false;
      AddFlag(&s.flags, "batch_rejected");
    }
    AnalyteQc* a = by_name[s.analyte];
    if (!s.reportable) {
      ++a->samples_withheld;
    } else {
      ++a->samples_reported;
      if (s.censored) ++a->samples_censored;
    }
    out.samples.push_back(std::move(s));
  }
  return out;
}

}  // namespace wbe
