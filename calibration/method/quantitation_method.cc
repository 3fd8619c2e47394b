#include "calibration/method/quantitation_method.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "models/catalogue/drug_catalogue.h"
#include "models/core/input_error.h"
#include "models/core/schema_check.h"
#include "models/core/text_files.h"

namespace wbe {
namespace {

using nlohmann::json;

bool Fail(std::string* why, const std::string& message) {
  if (why != nullptr) *why = message;
  return false;
}

// Reads the fields present in `node` over `base`, so an analyte's thresholds start from the
// method's and a method's from the design defaults.
AcceptanceThresholds ReadThresholds(const json& node, AcceptanceThresholds base) {
  auto read = [&](const char* key, auto* field) {
    if (node.contains(key)) *field = node.at(key).get<std::decay_t<decltype(*field)>>();
  };
  read("calibrator_tolerance", &base.calibrator_tolerance);
  read("lloq_tolerance", &base.lloq_tolerance);
  read("min_calibrators_passing", &base.min_calibrators_passing);
  read("min_calibration_levels", &base.min_calibration_levels);
  read("max_excluded_levels", &base.max_excluded_levels);
  read("qc_tolerance", &base.qc_tolerance);
  read("min_qc_passing", &base.min_qc_passing);
  read("min_qc_passing_per_level", &base.min_qc_passing_per_level);
  read("blank_max_fraction_of_lloq", &base.blank_max_fraction_of_lloq);
  read("retention_time_window_min", &base.retention_time_window_min);
  read("ion_ratio_tolerance", &base.ion_ratio_tolerance);
  read("nominal_agreement_tolerance", &base.nominal_agreement_tolerance);
  read("min_istd_fraction_of_standards", &base.min_istd_fraction_of_standards);
  if (node.contains("min_r_squared")) base.min_r_squared = node.at("min_r_squared").get<double>();
  return base;
}

std::map<std::string, double> ReadLevels(const json& node, const char* key) {
  std::map<std::string, double> levels;
  if (!node.contains(key)) return levels;
  for (const auto& [label, value] : node.at(key).items()) levels[label] = value.get<double>();
  return levels;
}

// Units whose factor to ng/L is fixed, so a method cannot say "ng/mL" with factor 1.
const std::map<std::string, double>& KnownUnits() {
  static const std::map<std::string, double> kUnits = {
      {"pg/L", 1e-3}, {"ng/L", 1.0}, {"pg/mL", 1.0}, {"ug/L", 1e3}, {"µg/L", 1e3},
      {"ng/mL", 1e3}, {"mg/L", 1e6}, {"ug/mL", 1e6}, {"µg/mL", 1e6}};
  return kUnits;
}

}  // namespace

const char* CurveTypeName(CurveType type) {
  switch (type) {
    case CurveType::kLinear:
      return "linear";
    case CurveType::kQuadratic:
      return "quadratic";
  }
  return "linear";
}

const char* CurveWeightingName(CurveWeighting w) {
  switch (w) {
    case CurveWeighting::kNone:
      return "none";
    case CurveWeighting::kInverseX:
      return "1/x";
    case CurveWeighting::kInverseX2:
      return "1/x^2";
  }
  return "none";
}

bool ParseCurveType(const std::string& text, CurveType* type) {
  for (CurveType t : {CurveType::kLinear, CurveType::kQuadratic}) {
    if (text == CurveTypeName(t)) {
      *type = t;
      return true;
    }
  }
  return false;
}

bool ParseCurveWeighting(const std::string& text, CurveWeighting* weighting) {
  for (CurveWeighting w :
       {CurveWeighting::kNone, CurveWeighting::kInverseX, CurveWeighting::kInverseX2}) {
    if (text == CurveWeightingName(w)) {
      *weighting = w;
      return true;
    }
  }
  return false;
}

bool AcceptanceThresholds::Check(std::string* why) const {
  auto fraction = [](double v) { return v > 0.0 && v <= 1.0; };
  if (!fraction(calibrator_tolerance)) return Fail(why, "calibrator_tolerance must be in (0, 1]");
  if (!fraction(lloq_tolerance)) return Fail(why, "lloq_tolerance must be in (0, 1]");
  if (lloq_tolerance < calibrator_tolerance) {
    return Fail(why, "lloq_tolerance must not be tighter than calibrator_tolerance");
  }
  if (!fraction(min_calibrators_passing)) {
    return Fail(why, "min_calibrators_passing must be in (0, 1]");
  }
  if (min_calibration_levels < 2) return Fail(why, "min_calibration_levels must be at least 2");
  if (max_excluded_levels < 0) return Fail(why, "max_excluded_levels must be zero or positive");
  if (!fraction(qc_tolerance)) return Fail(why, "qc_tolerance must be in (0, 1]");
  if (!fraction(min_qc_passing)) return Fail(why, "min_qc_passing must be in (0, 1]");
  if (!fraction(min_qc_passing_per_level)) {
    return Fail(why, "min_qc_passing_per_level must be in (0, 1]");
  }
  if (!fraction(blank_max_fraction_of_lloq)) {
    return Fail(why, "blank_max_fraction_of_lloq must be in (0, 1]");
  }
  if (!(retention_time_window_min > 0.0)) {
    return Fail(why, "retention_time_window_min must be positive");
  }
  if (!fraction(ion_ratio_tolerance)) return Fail(why, "ion_ratio_tolerance must be in (0, 1]");
  if (min_r_squared && !(*min_r_squared >= 0.0 && *min_r_squared <= 1.0)) {
    return Fail(why, "min_r_squared must be in [0, 1]");
  }
  if (!fraction(nominal_agreement_tolerance)) {
    return Fail(why, "nominal_agreement_tolerance must be in (0, 1]");
  }
  if (!(min_istd_fraction_of_standards >= 0.0 && min_istd_fraction_of_standards <= 1.0)) {
    return Fail(why, "min_istd_fraction_of_standards must be in [0, 1]");
  }
  return true;
}

bool BatchRules::Check(std::string* why) const {
  if (max_rejected_analyte_fraction &&
      !(*max_rejected_analyte_fraction >= 0.0 && *max_rejected_analyte_fraction <= 1.0)) {
    return Fail(why, "max_rejected_analyte_fraction must be in [0, 1]");
  }
  return true;
}

bool AnalyteMethod::Matches(const std::string& name) const {
  const std::string query = LowerAscii(name);
  if (query.empty()) return false;
  if (LowerAscii(analyte) == query) return true;
  return std::any_of(lab_names.begin(), lab_names.end(),
                     [&](const std::string& lab_name) { return LowerAscii(lab_name) == query; });
}

const AnalyteMethod* QuantitationMethod::FindAnalyte(const std::string& analyte) const {
  // The catalogue name wins over another analyte's lab name.
  for (const AnalyteMethod& a : analytes) {
    if (LowerAscii(a.analyte) == LowerAscii(analyte)) return &a;
  }
  for (const AnalyteMethod& a : analytes) {
    if (a.Matches(analyte)) return &a;
  }
  return nullptr;
}

const AcceptanceThresholds& QuantitationMethod::ThresholdsFor(const AnalyteMethod& analyte) const {
  return analyte.thresholds ? *analyte.thresholds : thresholds;
}

QuantitationMethod QuantitationMethod::LoadFromFile(const std::string& path,
                                                    const DrugCatalogue* catalogue) {
  return LoadFromString(ReadWholeFile(path, "quantitation method file"), path, catalogue);
}

QuantitationMethod QuantitationMethod::LoadFromString(const std::string& json_text,
                                                      const std::string& origin,
                                                      const DrugCatalogue* catalogue) {
  const json document = ParseJsonText(json_text, origin);
  CheckAgainstSchema(document, "quantitation-method.schema.json", origin);
  auto fail = [&](const std::string& path, const std::string& message) {
    throw InputError(origin, 0, path, message);
  };

  QuantitationMethod method;
  method.origin = origin;
  method.name = document.at("name").get<std::string>();
  method.version = document.at("version").get<std::string>();
  method.note = document.value("note", "");
  method.concentration_unit = document.at("concentration_unit").get<std::string>();
  method.unit_to_ng_per_l = document.at("unit_to_ng_per_l").get<double>();
  method.sample_enrichment_factor = document.at("sample_enrichment_factor").get<double>();
  const auto known = KnownUnits().find(method.concentration_unit);
  if (known != KnownUnits().end() &&
      std::abs(known->second - method.unit_to_ng_per_l) > 1e-9 * known->second) {
    std::ostringstream message;
    message << "1 " << method.concentration_unit << " is " << known->second << " ng/L, not "
            << method.unit_to_ng_per_l;
    fail("/unit_to_ng_per_l", message.str());
  }

  CurveType default_curve = CurveType::kLinear;
  CurveWeighting default_weighting = CurveWeighting::kNone;
  ParseCurveType(document.at("curve").get<std::string>(), &default_curve);  // schema-checked
  ParseCurveWeighting(document.at("weighting").get<std::string>(), &default_weighting);
  if (document.contains("thresholds")) {
    method.thresholds = ReadThresholds(document.at("thresholds"), AcceptanceThresholds());
  }
  std::string why;
  if (!method.thresholds.Check(&why)) fail("/thresholds", why);
  if (document.contains("batch_rules")) {
    const json& rules = document.at("batch_rules");
    method.batch_rules.reject_when_istd_missing = rules.value("reject_when_istd_missing", true);
    if (rules.contains("max_rejected_analyte_fraction")) {
      method.batch_rules.max_rejected_analyte_fraction =
          rules.at("max_rejected_analyte_fraction").get<double>();
    }
  }
  if (!method.batch_rules.Check(&why)) fail("/batch_rules", why);

  std::set<std::string> names;  // lower-case analyte and lab names, to catch clashes
  const json& analytes = document.at("analytes");
  for (size_t i = 0; i < analytes.size(); ++i) {
    const json& node = analytes[i];
    const std::string path = "/analytes/" + std::to_string(i);
    AnalyteMethod a;
    a.analyte = node.at("analyte").get<std::string>();
    a.lab_names = node.value("lab_names", std::vector<std::string>{});
    if (catalogue != nullptr) {
      if (const Biomarker* biomarker = catalogue->FindBiomarker(a.analyte)) {
        if (biomarker->name != a.analyte) a.lab_names.push_back(a.analyte);
        a.analyte = biomarker->name;
      }
    }
    a.internal_standard = node.at("internal_standard").get<std::string>();
    a.curve = default_curve;
    a.weighting = default_weighting;
    if (node.contains("curve")) ParseCurveType(node.at("curve").get<std::string>(), &a.curve);
    if (node.contains("weighting")) {
      ParseCurveWeighting(node.at("weighting").get<std::string>(), &a.weighting);
    }
    a.calibration_levels = ReadLevels(node, "calibration_levels");
    a.qc_levels = ReadLevels(node, "qc_levels");
    if (node.contains("expected_retention_time_min")) {
      a.expected_retention_time_min = node.at("expected_retention_time_min").get<double>();
    }
    if (node.contains("expected_ion_ratio")) {
      a.expected_ion_ratio = node.at("expected_ion_ratio").get<double>();
    }
    if (node.contains("thresholds")) {
      a.thresholds = ReadThresholds(node.at("thresholds"), method.thresholds);
      if (!a.thresholds->Check(&why)) fail(path + "/thresholds", why);
    }
    a.critical = node.value("critical", false);
    a.note = node.value("note", "");

    std::vector<std::string> spellings = {a.analyte};
    spellings.insert(spellings.end(), a.lab_names.begin(), a.lab_names.end());
    std::set<std::string> own;
    for (const std::string& spelling : spellings) {
      const std::string key = LowerAscii(spelling);
      if (own.insert(key).second && !names.insert(key).second) {
        fail(path + (spelling == a.analyte ? "/analyte" : "/lab_names"),
             "'" + spelling + "' also names another analyte of the method");
      }
    }
    method.analytes.push_back(std::move(a));
  }
  return method;
}

}  // namespace wbe
