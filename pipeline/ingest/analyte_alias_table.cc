#include "pipeline/ingest/analyte_alias_table.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "data-schemas/validation/json_schema_validator.h"
#include "models/core/data_paths.h"
#include "models/core/input_error.h"
#include "models/core/schema_check.h"
#include "pipeline/ingest/text_util.h"

namespace wbe {
namespace {

using ingest::EndsWithIgnoreCase;
using ingest::Trim;
using nlohmann::json;

bool IsSeparator(char c) { return c == ' ' || c == '-' || c == '_' || c == ',' || c == '\t'; }

std::string_view TrimSeparators(std::string_view text) {
  while (!text.empty() && IsSeparator(text.back())) text.remove_suffix(1);
  while (!text.empty() && IsSeparator(text.front())) text.remove_prefix(1);
  return text;
}

bool AllDigits(std::string_view text, size_t min_count, size_t max_count) {
  if (text.size() < min_count || text.size() > max_count) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// "D5", "d11", "13C3", "13C", "15N2": the labels of stable-isotope internal standards.
bool IsIsotopeLabel(std::string_view token) {
  if (token.size() >= 2 && (token[0] == 'D' || token[0] == 'd')) {
    return AllDigits(token.substr(1), 1, 2);
  }
  if (token.size() >= 3 &&
      (ingest::StartsWithIgnoreCase(token, "13C") || ingest::StartsWithIgnoreCase(token, "15N"))) {
    return AllDigits(token.substr(3), 0, 2);
  }
  return false;
}

// The name without a trailing internal-standard marker ("(ISTD)", "ISTD") and isotope labels
// ("-D5", " 13C3", "(d3)"), or nullopt when it carries none.
std::optional<std::string_view> StripIstdLabel(std::string_view name) {
  std::string_view rest = Trim(name);
  bool found = false;
  for (const std::string_view marker : {"(ISTD)", "[ISTD]", "(IS)", "[IS]"}) {
    if (EndsWithIgnoreCase(rest, marker)) {
      rest = TrimSeparators(rest.substr(0, rest.size() - marker.size()));
      found = true;
      break;
    }
  }
  if (!found && rest.size() > 5 && EndsWithIgnoreCase(rest, "ISTD") &&
      IsSeparator(rest[rest.size() - 5])) {
    rest = TrimSeparators(rest.substr(0, rest.size() - 4));
    found = true;
  }
  for (int labels = 0; labels < 3; ++labels) {  // e.g. "13C6 15N2"
    const size_t separator = rest.find_last_of(" -_(");
    if (separator == std::string_view::npos) break;
    std::string_view token = rest.substr(separator + 1);
    if (rest[separator] == '(' && !token.empty() && token.back() == ')') token.remove_suffix(1);
    if (!IsIsotopeLabel(token)) break;
    rest = TrimSeparators(rest.substr(0, separator));
    found = true;
  }
  if (!found || rest.empty()) return std::nullopt;
  return rest;
}

const JsonSchemaValidator& AliasSchema() { return SchemaValidator("analyte-aliases.schema.json"); }

}  // namespace

std::string AnalyteAliasTable::Key(std::string_view name) {
  std::string key;
  key.reserve(name.size());
  for (const char c : name) {
    if (c == ' ' || c == '\t' || c == '-' || c == '_') continue;
    key += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return key;
}

AnalyteAliasTable::AnalyteAliasTable(const DrugCatalogue& catalogue) {
  for (const Biomarker& biomarker : catalogue.biomarkers()) {
    const AnalyteMapping mapping{biomarker.name, false};
    Add(biomarker.name, mapping, catalogue.origin(), "biomarker " + biomarker.name);
    for (const std::string& alias : biomarker.aliases) {
      Add(alias, mapping, catalogue.origin(), "biomarker " + biomarker.name + " alias");
    }
  }
  catalogue_origin_ = catalogue.origin();
  for (const Biomarker& biomarker : catalogue.biomarkers()) {
    catalogue_biomarkers_.insert(biomarker.name);
  }
}

void AnalyteAliasTable::Add(std::string_view name, const AnalyteMapping& mapping,
                            const std::string& origin, const std::string& where) {
  std::string key = Key(name);
  if (key.empty()) return;
  const auto [it, inserted] = by_key_.try_emplace(std::move(key), mapping);
  if (inserted) return;
  if (it->second.analyte != mapping.analyte ||
      it->second.internal_standard != mapping.internal_standard) {
    throw InputError(origin, 0, where,
                     "the name '" + std::string(name) + "' already means " +
                         (it->second.internal_standard ? "the internal standard of " : "") +
                         it->second.analyte);
  }
}

void AnalyteAliasTable::AddAliasFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "", "cannot read the analyte alias file");
  std::ostringstream text;
  text << in.rdbuf();
  AddAliasJson(text.str(), path);
}

void AnalyteAliasTable::AddAliasJson(const std::string& json_text, const std::string& origin) {
  json document;
  try {
    document = json::parse(json_text);
  } catch (const json::exception& e) {
    throw InputError(origin, 0, "", std::string("not valid JSON: ") + e.what());
  }
  const std::vector<SchemaViolation> violations = AliasSchema().Validate(document);
  if (!violations.empty()) {
    const SchemaViolation& first = violations.front();
    throw InputError(origin, 0, first.instance_path.empty() ? "/" : first.instance_path,
                     first.message);
  }
  const json& entries = document.at("analytes");
  for (size_t i = 0; i < entries.size(); ++i) {
    const json& entry = entries[i];
    const std::string where = "/analytes/" + std::to_string(i);
    const std::string biomarker_name = entry.at("biomarker").get<std::string>();
    const std::optional<AnalyteMapping> biomarker = FindExact(biomarker_name);
    if (!biomarker || biomarker->internal_standard ||
        catalogue_biomarkers_.count(biomarker->analyte) == 0) {
      throw InputError(
          origin, 0, where + "/biomarker",
          "'" + biomarker_name + "' is not a biomarker of the catalogue " + catalogue_origin_);
    }
    const AnalyteMapping analyte{biomarker->analyte, false};
    const AnalyteMapping istd{biomarker->analyte, true};
    if (entry.contains("names")) {
      for (const json& name : entry.at("names")) {
        Add(name.get<std::string>(), analyte, origin, where + "/names");
      }
    }
    if (entry.contains("internal_standards")) {
      for (const json& name : entry.at("internal_standards")) {
        Add(name.get<std::string>(), istd, origin, where + "/internal_standards");
      }
    }
  }
}

void AnalyteAliasTable::AddMethodAnalytes(
    const std::vector<std::string>& analytes,
    const std::map<std::string, std::string>& internal_standards) {
  for (const std::string& name : analytes) {
    if (Key(name).empty() || FindExact(name)) continue;
    by_key_.emplace(Key(name), AnalyteMapping{std::string(Trim(name)), false});
  }
  for (const auto& [analyte_name, istd_name] : internal_standards) {
    const std::optional<AnalyteMapping> analyte = FindExact(analyte_name);
    if (!analyte || analyte->internal_standard || Key(istd_name).empty()) continue;
    method_internal_standards_[analyte->analyte] = std::string(Trim(istd_name));
    if (!FindExact(istd_name)) {
      by_key_.emplace(Key(istd_name), AnalyteMapping{analyte->analyte, true});
    }
  }
}

AnalyteAliasTable AnalyteAliasTable::LoadDefault(const DrugCatalogue& catalogue) {
  AnalyteAliasTable table(catalogue);
  table.AddAliasFile(DefaultAliasPath());
  return table;
}

std::string AnalyteAliasTable::DefaultAliasPath() {
  return DataPath("pipeline/ingest/analyte_aliases.json");
}

std::optional<AnalyteMapping> AnalyteAliasTable::FindExact(std::string_view lab_name) const {
  const auto it = by_key_.find(Key(lab_name));
  if (it == by_key_.end()) return std::nullopt;
  return it->second;
}

std::optional<AnalyteMapping> AnalyteAliasTable::Find(std::string_view lab_name) const {
  if (std::optional<AnalyteMapping> exact = FindExact(lab_name)) return exact;
  if (const std::optional<std::string_view> base = StripIstdLabel(lab_name)) {
    if (std::optional<AnalyteMapping> analyte = FindExact(*base)) {
      if (!analyte->internal_standard) return AnalyteMapping{analyte->analyte, true};
    }
  }
  return std::nullopt;
}

std::vector<std::string> AnalyteAliasTable::AnalyteNames() const {
  std::set<std::string> names;
  for (const auto& [key, mapping] : by_key_) {
    if (!mapping.internal_standard) names.insert(mapping.analyte);
  }
  return std::vector<std::string>(names.begin(), names.end());
}

std::string AnalyteAliasTable::MethodInternalStandardOf(const std::string& analyte) const {
  const auto it = method_internal_standards_.find(analyte);
  return it == method_internal_standards_.end() ? std::string() : it->second;
}

}  // namespace wbe
