#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "models/catalogue/drug_catalogue.h"

namespace wbe {

// What a lab's analyte name means: a biomarker (or a method's own analyte), or the internal
// standard of one.
struct AnalyteMapping {
  std::string analyte;  // catalogue biomarker name, or a method analyte's name as given
  bool internal_standard = false;
};

// Maps the names labs and instrument software give analytes ("METH", "Benzoylecgonine",
// "6-Acetylmorphine", "Methamphetamine-D5") to catalogue biomarkers. Sources, in order of
// precedence: the catalogue's names and aliases, the alias file (pipeline/ingest/
// analyte_aliases.json, data-schemas/analyte-aliases.md), and a method's own analytes. Matching
// ignores ASCII case, blanks, '-' and '_'. A name that is not listed but ends in an isotope
// label ("-D5", " 13C3", "(ISTD)") is the internal standard of what the rest of the name maps to.
class AnalyteAliasTable {
 public:
  // Catalogue names and aliases only.
  explicit AnalyteAliasTable(const DrugCatalogue& catalogue);

  // Adds the alias file's entries. Throws InputError naming the file and the JSON path when the
  // file breaks data-schemas/analyte-aliases.schema.json, names a biomarker the catalogue does
  // not have, or gives one name two meanings.
  void AddAliasFile(const std::string& path);
  void AddAliasJson(const std::string& json_text, const std::string& origin);

  // Adds a quantitation method's analytes (names as in the method file). A name the table
  // already maps keeps that meaning; any other becomes an analyte of its own (e.g. cortisol in
  // a steroid assay). `internal_standards` maps a method analyte to its ISTD compound's name.
  void AddMethodAnalytes(const std::vector<std::string>& analytes,
                         const std::map<std::string, std::string>& internal_standards = {});

  // The default table: catalogue + DefaultAliasPath().
  static AnalyteAliasTable LoadDefault(const DrugCatalogue& catalogue);
  static std::string DefaultAliasPath();  // DataPath("pipeline/ingest/analyte_aliases.json")

  std::optional<AnalyteMapping> Find(std::string_view lab_name) const;

  // The distinct analytes it maps to (not internal standards), sorted; for messages.
  std::vector<std::string> AnalyteNames() const;

  // The ISTD compound name a method assigned to `analyte` (mapped name), or "".
  std::string MethodInternalStandardOf(const std::string& analyte) const;

  // The lookup key: ASCII lower case with blanks, '-' and '_' removed.
  static std::string Key(std::string_view name);

 private:
  // Throws InputError(origin, 0, where, ...) when key already means something else.
  void Add(std::string_view name, const AnalyteMapping& mapping, const std::string& origin,
           const std::string& where);
  std::optional<AnalyteMapping> FindExact(std::string_view lab_name) const;

  std::string catalogue_origin_;
  std::set<std::string> catalogue_biomarkers_;  // canonical names
  std::map<std::string, AnalyteMapping, std::less<>> by_key_;
  std::map<std::string, std::string> method_internal_standards_;  // mapped analyte -> ISTD name
};

}  // namespace wbe
