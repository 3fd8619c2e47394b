#include "calibration/qc/qc_report.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "calibration/curve/number_text.h"
#include "models/core/input_error.h"
#include "models/core/schema_check.h"

namespace wbe {
namespace {

using nlohmann::json;

constexpr int kReportVersion = 1;

json Optional(const std::optional<double>& value) { return value ? json(*value) : json(nullptr); }

std::optional<double> ReadOptional(const json& node, const char* key) {
  const json& value = node.at(key);
  if (value.is_null()) return std::nullopt;
  return value.get<double>();
}

template <typename Enum, size_t N>
Enum ParseName(const std::string& text, const Enum (&values)[N], const char* (*name)(Enum)) {
  for (Enum value : values) {
    if (text == name(value)) return value;
  }
  return values[0];  // the schema has already restricted the text
}

constexpr BatchVerdict kVerdicts[] = {BatchVerdict::kAccepted, BatchVerdict::kAcceptedWithFlags,
                                      BatchVerdict::kRejected};
constexpr AnalyteStatus kStatuses[] = {AnalyteStatus::kAccepted, AnalyteStatus::kFlagged,
                                       AnalyteStatus::kRejected};
constexpr ReasonSeverity kSeverities[] = {ReasonSeverity::kInfo, ReasonSeverity::kFlag,
                                          ReasonSeverity::kReject};

// --- curve ---------------------------------------------------------------------------------

json PointToJson(const CalibratorPoint& p) {
  return {{"injection", p.injection},
          {"level", p.level},
          {"nominal", p.nominal},
          {"response", Optional(p.response)},
          {"unusable_reason", p.unusable_reason},
          {"back_calculated", Optional(p.back_calculated)},
          {"accuracy_percent", Optional(p.accuracy_percent)},
          {"tolerance_percent", p.tolerance_percent},
          {"passed", p.passed},
          {"excluded", p.excluded},
          {"excluded_automatically", p.excluded_automatically},
          {"note", p.note},
          {"source_row", p.source_row}};
}

CalibratorPoint PointFromJson(const json& j) {
  CalibratorPoint p;
  p.injection = j.at("injection").get<std::string>();
  p.level = j.at("level").get<std::string>();
  p.nominal = j.at("nominal").get<double>();
  p.response = ReadOptional(j, "response");
  p.unusable_reason = j.at("unusable_reason").get<std::string>();
  p.back_calculated = ReadOptional(j, "back_calculated");
  p.accuracy_percent = ReadOptional(j, "accuracy_percent");
  p.tolerance_percent = j.at("tolerance_percent").get<double>();
  p.passed = j.at("passed").get<bool>();
  p.excluded = j.at("excluded").get<bool>();
  p.excluded_automatically = j.at("excluded_automatically").get<bool>();
  p.note = j.at("note").get<std::string>();
  p.source_row = j.at("source_row").get<long>();
  return p;
}

json CurveToJson(const CurveAssessment& c) {
  json j;
  j["type"] = CurveTypeName(c.type);
  j["weighting"] = CurveWeightingName(c.weighting);
  j["accepted"] = c.accepted;
  j["summary"] = c.BriefReport();
  if (c.fit) {
    const Eigen::VectorXd& beta = c.fit->coefficients();
    const Eigen::MatrixXd& cov = c.fit->covariance();
    json coefficients = json::array();
    json covariance = json::array();
    for (int i = 0; i < beta.size(); ++i) {
      coefficients.push_back(beta(i));
      json row = json::array();
      for (int k = 0; k < cov.cols(); ++k) row.push_back(cov(i, k));
      covariance.push_back(row);
    }
    j["coefficients"] = coefficients;
    j["covariance"] = covariance;
    j["residual_sd"] = c.fit->residual_sd();
    j["r_squared"] = c.fit->r_squared();
    j["points_in_fit"] = c.fit->point_count();
  } else {
    j["coefficients"] = nullptr;
    j["covariance"] = nullptr;
    j["residual_sd"] = nullptr;
    j["r_squared"] = nullptr;
    j["points_in_fit"] = nullptr;
  }
  j["standards"] = c.standards;
  j["passing"] = c.passing;
  j["excluded_automatically"] = c.excluded_automatically;
  j["levels_in_fit"] = c.levels_in_fit;
  j["lloq"] = Optional(c.lloq);
  j["uloq"] = Optional(c.uloq);
  j["range_narrowed"] = c.range_narrowed;
  j["lod"] = Optional(c.lod);
  j["loq"] = Optional(c.loq);
  json points = json::array();
  for (const CalibratorPoint& p : c.points) points.push_back(PointToJson(p));
  j["points"] = points;
  return j;
}

CurveAssessment CurveFromJson(const json& j) {
  CurveAssessment c;
  ParseCurveType(j.at("type").get<std::string>(), &c.type);
  ParseCurveWeighting(j.at("weighting").get<std::string>(), &c.weighting);
  c.accepted = j.at("accepted").get<bool>();
  if (!j.at("coefficients").is_null()) {
    const std::vector<double> beta = j.at("coefficients").get<std::vector<double>>();
    const json& cov = j.at("covariance");
    const int p = static_cast<int>(beta.size());
    Eigen::VectorXd coefficients(p);
    Eigen::MatrixXd covariance(p, p);
    for (int i = 0; i < p; ++i) {
      coefficients(i) = beta[i];
      for (int k = 0; k < p; ++k) covariance(i, k) = cov.at(i).at(k).get<double>();
    }
    c.fit = CalibrationCurve(c.type, c.weighting, coefficients, covariance,
                             j.at("residual_sd").get<double>(), j.at("r_squared").get<double>(),
                             j.at("points_in_fit").get<int>());
  }
  c.standards = j.at("standards").get<int>();
  c.passing = j.at("passing").get<int>();
  c.excluded_automatically = j.at("excluded_automatically").get<int>();
  c.levels_in_fit = j.at("levels_in_fit").get<int>();
  c.lloq = ReadOptional(j, "lloq");
  c.uloq = ReadOptional(j, "uloq");
  c.range_narrowed = j.at("range_narrowed").get<bool>();
  c.lod = ReadOptional(j, "lod");
  c.loq = ReadOptional(j, "loq");
  for (const json& p : j.at("points")) c.points.push_back(PointFromJson(p));
  return c;
}

// --- analyte -------------------------------------------------------------------------------

json LimitsToJson(const AnalyteLimits& l) {
  return {{"concentration_unit", l.concentration_unit},
          {"enrichment_factor", l.enrichment_factor},
          {"unit_to_ng_per_l", l.unit_to_ng_per_l},
          {"lod_vial", Optional(l.lod_vial)},
          {"loq_vial", Optional(l.loq_vial)},
          {"lloq_vial", Optional(l.lloq_vial)},
          {"uloq_vial", Optional(l.uloq_vial)},
          {"reporting_limit_vial", Optional(l.reporting_limit_vial)},
          {"lod_ng_per_l", Optional(l.lod_ng_per_l)},
          {"loq_ng_per_l", Optional(l.loq_ng_per_l)},
          {"lloq_ng_per_l", Optional(l.lloq_ng_per_l)},
          {"uloq_ng_per_l", Optional(l.uloq_ng_per_l)},
          {"reporting_limit_ng_per_l", Optional(l.reporting_limit_ng_per_l)}};
}

AnalyteLimits LimitsFromJson(const json& j) {
  AnalyteLimits l;
  l.concentration_unit = j.at("concentration_unit").get<std::string>();
  l.enrichment_factor = j.at("enrichment_factor").get<double>();
  l.unit_to_ng_per_l = j.at("unit_to_ng_per_l").get<double>();
  l.lod_vial = ReadOptional(j, "lod_vial");
  l.loq_vial = ReadOptional(j, "loq_vial");
  l.lloq_vial = ReadOptional(j, "lloq_vial");
  l.uloq_vial = ReadOptional(j, "uloq_vial");
  l.reporting_limit_vial = ReadOptional(j, "reporting_limit_vial");
  l.lod_ng_per_l = ReadOptional(j, "lod_ng_per_l");
  l.loq_ng_per_l = ReadOptional(j, "loq_ng_per_l");
  l.lloq_ng_per_l = ReadOptional(j, "lloq_ng_per_l");
  l.uloq_ng_per_l = ReadOptional(j, "uloq_ng_per_l");
  l.reporting_limit_ng_per_l = ReadOptional(j, "reporting_limit_ng_per_l");
  return l;
}

json AnalyteToJson(const AnalyteQc& a) {
  json qcs = json::array();
  for (const QcInjectionCheck& q : a.qcs) {
    qcs.push_back({{"injection", q.injection},
                   {"level", q.level},
                   {"nominal", Optional(q.nominal)},
                   {"response", Optional(q.response)},
                   {"measured", Optional(q.measured)},
                   {"accuracy_percent", Optional(q.accuracy_percent)},
                   {"passed", q.passed},
                   {"note", q.note},
                   {"source_row", q.source_row}});
  }
  json blanks = json::array();
  for (const BlankCheck& b : a.blanks) {
    blanks.push_back({{"injection", b.injection},
                      {"injection_type", b.injection_type},
                      {"basis", b.basis},
                      {"observed", Optional(b.observed)},
                      {"reference", Optional(b.reference)},
                      {"percent_of_reference", Optional(b.percent_of_reference)},
                      {"limit_percent", b.limit_percent},
                      {"passed", b.passed},
                      {"note", b.note}});
  }
  json failures = json::array();
  for (const IdentificationFailure& f : a.identification_failures) {
    failures.push_back({{"injection", f.injection},
                        {"injection_type", f.injection_type},
                        {"check", f.check},
                        {"observed", f.observed},
                        {"reference", f.reference},
                        {"deviation", f.deviation},
                        {"limit", f.limit},
                        {"unit", f.unit}});
  }
  return {{"analyte", a.analyte},
          {"internal_standard", a.internal_standard},
          {"status", AnalyteStatusName(a.status)},
          {"critical", a.critical},
          {"istd_missing", a.istd_missing},
          {"curve", CurveToJson(a.curve)},
          {"qc",
           {{"passed", a.qc_passed},
            {"total", a.qc_total},
            {"accepted", a.qc_accepted},
            {"injections", qcs}}},
          {"blanks", {{"accepted", a.blanks_accepted}, {"injections", blanks}}},
          {"identification",
           {{"retention_time_reference_min", Optional(a.retention_time_reference_min)},
            {"retention_time_reference_source", a.retention_time_reference_source},
            {"ion_ratio_reference", Optional(a.ion_ratio_reference)},
            {"ion_ratio_reference_source", a.ion_ratio_reference_source},
            {"failures", failures}}},
          {"limits", LimitsToJson(a.limits)},
          {"samples",
           {{"reported", a.samples_reported},
            {"censored", a.samples_censored},
            {"withheld", a.samples_withheld}}}};
}

AnalyteQc AnalyteFromJson(const json& j) {
  AnalyteQc a;
  a.analyte = j.at("analyte").get<std::string>();
  a.internal_standard = j.at("internal_standard").get<std::string>();
  a.status = ParseName(j.at("status").get<std::string>(), kStatuses, AnalyteStatusName);
  a.critical = j.at("critical").get<bool>();
  a.istd_missing = j.at("istd_missing").get<bool>();
  a.curve = CurveFromJson(j.at("curve"));
  const json& qc = j.at("qc");
  a.qc_passed = qc.at("passed").get<int>();
  a.qc_total = qc.at("total").get<int>();
  a.qc_accepted = qc.at("accepted").get<bool>();
  for (const json& q : qc.at("injections")) {
    QcInjectionCheck check;
    check.injection = q.at("injection").get<std::string>();
    check.level = q.at("level").get<std::string>();
    check.nominal = ReadOptional(q, "nominal");
    check.response = ReadOptional(q, "response");
    check.measured = ReadOptional(q, "measured");
    check.accuracy_percent = ReadOptional(q, "accuracy_percent");
    check.passed = q.at("passed").get<bool>();
    check.note = q.at("note").get<std::string>();
    check.source_row = q.at("source_row").get<long>();
    a.qcs.push_back(check);
  }
  const json& blanks = j.at("blanks");
  a.blanks_accepted = blanks.at("accepted").get<bool>();
  for (const json& b : blanks.at("injections")) {
    BlankCheck check;
    check.injection = b.at("injection").get<std::string>();
    check.injection_type = b.at("injection_type").get<std::string>();
    check.basis = b.at("basis").get<std::string>();
    check.observed = ReadOptional(b, "observed");
    check.reference = ReadOptional(b, "reference");
    check.percent_of_reference = ReadOptional(b, "percent_of_reference");
    check.limit_percent = b.at("limit_percent").get<double>();
    check.passed = b.at("passed").get<bool>();
    check.note = b.at("note").get<std::string>();
    a.blanks.push_back(check);
  }
  const json& id = j.at("identification");
  a.retention_time_reference_min = ReadOptional(id, "retention_time_reference_min");
  a.retention_time_reference_source = id.at("retention_time_reference_source").get<std::string>();
  a.ion_ratio_reference = ReadOptional(id, "ion_ratio_reference");
  a.ion_ratio_reference_source = id.at("ion_ratio_reference_source").get<std::string>();
  for (const json& f : id.at("failures")) {
    a.identification_failures.push_back(
        {f.at("injection").get<std::string>(), f.at("injection_type").get<std::string>(),
         f.at("check").get<std::string>(), f.at("observed").get<double>(),
         f.at("reference").get<double>(), f.at("deviation").get<double>(),
         f.at("limit").get<double>(), f.at("unit").get<std::string>()});
  }
  a.limits = LimitsFromJson(j.at("limits"));
  const json& samples = j.at("samples");
  a.samples_reported = samples.at("reported").get<int>();
  a.samples_censored = samples.at("censored").get<int>();
  a.samples_withheld = samples.at("withheld").get<int>();
  return a;
}

// --- table ---------------------------------------------------------------------------------

std::string Pad(std::string text, size_t width) {
  if (text.size() > width) text = text.substr(0, width - 1) + "~";
  text.resize(width, ' ');
  return text;
}

std::string Upper(std::string text) {
  for (char& c : text) {
    c = c == '_' ? ' ' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return text;
}

}  // namespace

const char* BatchVerdictName(BatchVerdict verdict) {
  switch (verdict) {
    case BatchVerdict::kAccepted:
      return "accepted";
    case BatchVerdict::kAcceptedWithFlags:
      return "accepted_with_flags";
    case BatchVerdict::kRejected:
      return "rejected";
  }
  return "rejected";
}

const char* AnalyteStatusName(AnalyteStatus status) {
  switch (status) {
    case AnalyteStatus::kAccepted:
      return "accepted";
    case AnalyteStatus::kFlagged:
      return "flagged";
    case AnalyteStatus::kRejected:
      return "rejected";
  }
  return "rejected";
}

const char* ReasonSeverityName(ReasonSeverity severity) {
  switch (severity) {
    case ReasonSeverity::kInfo:
      return "info";
    case ReasonSeverity::kFlag:
      return "flag";
    case ReasonSeverity::kReject:
      return "reject";
  }
  return "info";
}

const AnalyteQc* BatchQcReport::FindAnalyte(const std::string& analyte) const {
  for (const AnalyteQc& a : analytes) {
    if (a.analyte == analyte) return &a;
  }
  return nullptr;
}

std::string BatchQcReport::BriefReport() const {
  std::ostringstream out;
  std::string verdict = BatchVerdictName(this->verdict);
  std::replace(verdict.begin(), verdict.end(), '_', ' ');
  out << "batch " << batch_id << ": " << verdict;
  if (lab_quantified) {
    out << " (quantified by the lab; no curve checks were possible)";
    return out.str();
  }
  int counts[3] = {0, 0, 0};
  for (const AnalyteQc& a : analytes) ++counts[static_cast<int>(a.status)];
  out << " (" << analytes.size() << " analytes: " << counts[0] << " accepted, " << counts[1]
      << " flagged, " << counts[2] << " rejected)";
  return out.str();
}

json BatchQcReport::ToJson() const {
  json analytes_json = json::array();
  for (const AnalyteQc& a : analytes) analytes_json.push_back(AnalyteToJson(a));
  json reasons_json = json::array();
  for (const QcReason& r : reasons) {
    reasons_json.push_back({{"severity", ReasonSeverityName(r.severity)},
                            {"analyte", r.analyte},
                            {"injection", r.injection},
                            {"check", r.check},
                            {"observed", Optional(r.observed)},
                            {"limit", Optional(r.limit)},
                            {"unit", r.unit},
                            {"message", r.message}});
  }
  return {
      {"report_version", kReportVersion},
      {"batch_id", batch_id},
      {"source_name", source_name},
      {"format", format},
      {"lab", lab},
      {"instrument", instrument},
      {"analysis_date", analysis_day ? json(FormatIsoDate(*analysis_day)) : json(nullptr)},
      {"method", {{"name", method_name}, {"version", method_version}, {"origin", method_origin}}},
      {"verdict", BatchVerdictName(verdict)},
      {"lab_quantified", lab_quantified},
      {"summary", BriefReport()},
      {"analytes", analytes_json},
      {"reasons", reasons_json},
      {"warnings", warnings}};
}

BatchQcReport BatchQcReport::FromJson(const json& document) {
  CheckAgainstSchema(document, "qc-report.schema.json", "QC report");
  BatchQcReport r;
  r.batch_id = document.at("batch_id").get<std::string>();
  r.source_name = document.at("source_name").get<std::string>();
  r.format = document.at("format").get<std::string>();
  r.lab = document.at("lab").get<std::string>();
  r.instrument = document.at("instrument").get<std::string>();
  if (!document.at("analysis_date").is_null()) {
    r.analysis_day = ParseIsoDate(document.at("analysis_date").get<std::string>());
  }
  const json& method = document.at("method");
  r.method_name = method.at("name").get<std::string>();
  r.method_version = method.at("version").get<std::string>();
  r.method_origin = method.at("origin").get<std::string>();
  r.verdict = ParseName(document.at("verdict").get<std::string>(), kVerdicts, BatchVerdictName);
  r.lab_quantified = document.at("lab_quantified").get<bool>();
  for (const json& a : document.at("analytes")) r.analytes.push_back(AnalyteFromJson(a));
  for (const json& j : document.at("reasons")) {
    QcReason reason;
    reason.severity =
        ParseName(j.at("severity").get<std::string>(), kSeverities, ReasonSeverityName);
    reason.analyte = j.at("analyte").get<std::string>();
    reason.injection = j.at("injection").get<std::string>();
    reason.check = j.at("check").get<std::string>();
    reason.observed = ReadOptional(j, "observed");
    reason.limit = ReadOptional(j, "limit");
    reason.unit = j.at("unit").get<std::string>();
    reason.message = j.at("message").get<std::string>();
    r.reasons.push_back(reason);
  }
  r.warnings = document.at("warnings").get<std::vector<std::string>>();
  return r;
}

std::string BatchQcReport::ToTable() const {
  std::ostringstream out;
  out << "QC report, batch " << batch_id;
  if (!source_name.empty() || !format.empty()) {
    out << " (" << format << (format.empty() || source_name.empty() ? "" : ", ") << source_name
        << ")";
  }
  out << "\nMethod: " << method_name << " " << method_version;
  if (!method_origin.empty()) out << " (" << method_origin << ")";
  out << "\nVerdict: " << Upper(BatchVerdictName(verdict)) << "\n";
  if (lab_quantified) {
    out << "No curve checks were possible: the lab calibrated in its own software and its "
           "results are passed through.\n";
  } else {
    out << "\n"
        << Pad("analyte", 22) << Pad("status", 10) << Pad("curve", 10) << Pad("model", 17)
        << Pad("R^2", 9) << Pad("cal", 7) << Pad("QC", 7) << Pad("blanks", 9) << Pad("RT", 4)
        << Pad("ion", 5) << Pad("LOQ (vial)", 20) << "LOQ (sewage)\n";
    out << std::string(22 + 10 + 10 + 17 + 9 + 7 + 7 + 9 + 4 + 5 + 20 + 14, '-') << "\n";
    for (const AnalyteQc& a : analytes) {
      const CurveAssessment& c = a.curve;
      int rt = 0;
      int ion = 0;
      for (const IdentificationFailure& f : a.identification_failures) {
        (f.check == "retention_time" ? rt : ion) += 1;
      }
      int blanks_failed = 0;
      for (const BlankCheck& b : a.blanks) blanks_failed += b.passed ? 0 : 1;
      const std::string blanks_text =
          a.blanks.empty() ? "-"
          : blanks_failed == 0
              ? "ok " + std::to_string(a.blanks.size())
              : std::to_string(blanks_failed) + "/" + std::to_string(a.blanks.size()) + " high";
      const std::string model =
          std::string(CurveTypeName(c.type)) + " " + CurveWeightingName(c.weighting);
      const AnalyteLimits& l = a.limits;
      const std::string loq_vial =
          l.reporting_limit_vial ? NumberText(*l.reporting_limit_vial) + " " + l.concentration_unit
                                 : "-";
      const std::string loq_sewage =
          l.reporting_limit_ng_per_l ? NumberText(*l.reporting_limit_ng_per_l) + " ng/L" : "-";
      out << Pad(a.analyte, 22) << Pad(AnalyteStatusName(a.status), 10)
          << Pad(c.points.empty() && !c.fit ? "none"
                 : c.accepted               ? "accepted"
                                            : "rejected",
                 10)
          << Pad(model, 17) << Pad(c.fit ? NumberText(c.fit->r_squared()) : "-", 9)
          << Pad(std::to_string(c.passing) + "/" + std::to_string(c.standards), 7)
          << Pad(c.accepted ? std::to_string(a.qc_passed) + "/" + std::to_string(a.qc_total) : "-",
                 7)
          << Pad(blanks_text, 9) << Pad(std::to_string(rt), 4) << Pad(std::to_string(ion), 5)
          << Pad(loq_vial, 20) << loq_sewage << "\n";
    }
  }
  out << "\nReasons (" << reasons.size() << "):\n";
  for (ReasonSeverity severity :
       {ReasonSeverity::kReject, ReasonSeverity::kFlag, ReasonSeverity::kInfo}) {
    for (const QcReason& r : reasons) {
      if (r.severity != severity) continue;
      out << "  " << Pad(Upper(ReasonSeverityName(r.severity)), 8) << Pad(r.check, 26) << r.message
          << "\n";
    }
  }
  for (const std::string& w : warnings) out << "  " << Pad("WARNING", 8) << w << "\n";
  return out.str();
}

}  // namespace wbe
