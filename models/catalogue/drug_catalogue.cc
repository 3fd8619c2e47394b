#include "models/catalogue/drug_catalogue.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "models/core/data_paths.h"
#include "models/core/input_error.h"
#include "models/core/schema_check.h"
#include "models/core/text_files.h"

namespace wbe {
namespace {

using nlohmann::json;

bool NameMatches(const std::string& query, const std::string& name,
                 const std::vector<std::string>& aliases) {
  const std::string q = LowerAscii(query);
  if (LowerAscii(name) == q) return true;
  return std::any_of(aliases.begin(), aliases.end(),
                     [&](const std::string& alias) { return LowerAscii(alias) == q; });
}

ValueStatus ParseStatus(const std::string& text) {
  static const std::map<std::string, ValueStatus> kStatus = {
      {"verified", ValueStatus::kVerified},
      {"computed", ValueStatus::kComputed},
      {"unconfirmed", ValueStatus::kUnconfirmed},
      {"assumed", ValueStatus::kAssumed},
      {"not_found", ValueStatus::kNotFound}};
  return kStatus.at(text);  // the schema already restricts the values
}

DistributionKind ParseDistribution(const std::string& text) {
  static const std::map<std::string, DistributionKind> kKinds = {
      {"fixed", DistributionKind::kFixed},
      {"uniform", DistributionKind::kUniform},
      {"triangular", DistributionKind::kTriangular},
      {"normal", DistributionKind::kNormal},
      {"lognormal", DistributionKind::kLognormal}};
  return kKinds.at(text);
}

// Reads a quantity the schema has accepted, then checks what a schema cannot say:
// source keys exist and a range holds its point value.
class QuantityReader {
 public:
  QuantityReader(const std::string& origin, const std::map<std::string, std::string>& sources)
      : origin_(origin), sources_(sources) {}

  Quantity Read(const json& node, const std::string& path) const {
    Quantity q;
    if (!node.at("value").is_null()) q.value = node.at("value").get<double>();
    q.status = ParseStatus(node.at("status").get<std::string>());
    q.sources = node.at("sources").get<std::vector<std::string>>();
    q.note = node.value("note", "");
    q.distribution = ParseDistribution(node.value("distribution", "fixed"));
    q.sd = node.value("sd", 0.0);
    q.rsd = node.value("rsd", 0.0);
    q.min = node.value("min", q.value.value_or(0.0));
    q.max = node.value("max", q.value.value_or(0.0));
    for (const std::string& key : q.sources) {
      if (!sources_.count(key)) Fail(path + "/sources", "source '" + key + "' is not defined");
    }
    if (!q.value) {
      if (q.status != ValueStatus::kNotFound) {
        Fail(path + "/value", "a null value must have status not_found");
      }
      return q;
    }
    if (q.status == ValueStatus::kNotFound && q.distribution != DistributionKind::kFixed) {
      Fail(path, "a not_found placeholder cannot carry a distribution");
    }
    const bool ranged = q.distribution == DistributionKind::kUniform ||
                        q.distribution == DistributionKind::kTriangular;
    if (ranged && (!node.contains("min") || !node.contains("max"))) {
      Fail(path, "a uniform or triangular distribution needs min and max");
    }
    if (ranged && !(q.min <= *q.value && *q.value <= q.max && q.min < q.max)) {
      Fail(path, "needs min < max and min <= value <= max");
    }
    if ((q.distribution == DistributionKind::kNormal ||
         q.distribution == DistributionKind::kLognormal) &&
        q.sd <= 0.0 && q.rsd <= 0.0) {
      Fail(path, "a normal or lognormal distribution needs sd or rsd");
    }
    return q;
  }

  [[noreturn]] void Fail(const std::string& path, const std::string& message) const {
    throw InputError(origin_, 0, path, message);
  }

 private:
  const std::string& origin_;
  const std::map<std::string, std::string>& sources_;
};

}  // namespace

const ExcretionRoute* Drug::FindRoute(const std::string& biomarker) const {
  for (const ExcretionRoute& route : routes) {
    if (LowerAscii(route.biomarker) == LowerAscii(biomarker)) return &route;
  }
  return nullptr;
}

const ExcretionRoute& Drug::PreferredRoute() const {
  for (const ExcretionRoute& route : routes) {
    if (route.preferred) return route;
  }
  return routes.front();
}

std::string DrugCatalogue::DefaultPath() { return DataPath("models/catalogue/drugs.json"); }

DrugCatalogue DrugCatalogue::LoadDefault() { return LoadFromFile(DefaultPath()); }

DrugCatalogue DrugCatalogue::LoadFromFile(const std::string& path) {
  return LoadFromString(ReadWholeFile(path, "catalogue file"), path);
}

DrugCatalogue DrugCatalogue::LoadFromString(const std::string& json_text,
                                            const std::string& origin) {
  const json document = ParseJsonText(json_text, origin);
  CheckAgainstSchema(document, "drug-catalogue.schema.json", origin);

  DrugCatalogue catalogue;
  catalogue.origin_ = origin;
  catalogue.version_ = document.at("catalogue_version").get<std::string>();
  for (const auto& [key, source] : document.at("sources").items()) {
    catalogue.sources_[key] = source.at("citation").get<std::string>();
  }
  const QuantityReader reader(catalogue.origin_, catalogue.sources_);

  std::set<std::string> biomarker_names;
  const json& biomarkers = document.at("biomarkers");
  for (size_t i = 0; i < biomarkers.size(); ++i) {
    const json& node = biomarkers[i];
    const std::string path = "/biomarkers/" + std::to_string(i);
    Biomarker b;
    b.name = node.at("name").get<std::string>();
    b.aliases = node.value("aliases", std::vector<std::string>{});
    if (node.contains("cas") && !node.at("cas").is_null()) b.cas = node.at("cas");
    b.molecular_weight_g_per_mol =
        reader.Read(node.at("molecular_weight_g_per_mol"), path + "/molecular_weight_g_per_mol");
    if (!b.molecular_weight_g_per_mol.known()) {
      reader.Fail(path + "/molecular_weight_g_per_mol", "every biomarker needs a molecular weight");
    }
    if (node.contains("default_loq_ng_per_l")) {
      b.default_loq_ng_per_l =
          reader.Read(node.at("default_loq_ng_per_l"), path + "/default_loq_ng_per_l");
    }
    const json& stability = node.at("stability");
    const json& sewer = stability.at("in_sewer_k_per_h");
    b.stability.gravity_k_per_h =
        reader.Read(sewer.at("gravity"), path + "/stability/in_sewer_k_per_h/gravity");
    b.stability.rising_main_k_per_h =
        reader.Read(sewer.at("rising_main"), path + "/stability/in_sewer_k_per_h/rising_main");
    b.stability.in_sample_k_per_h =
        reader.Read(stability.at("in_sample_k_per_h"), path + "/stability/in_sample_k_per_h");
    if (!biomarker_names.insert(LowerAscii(b.name)).second) {
      reader.Fail(path + "/name", "biomarker '" + b.name + "' is listed twice");
    }
    catalogue.biomarkers_.push_back(std::move(b));
  }

  std::set<std::string> drug_names;
  const json& drugs = document.at("drugs");
  for (size_t i = 0; i < drugs.size(); ++i) {
    const json& node = drugs[i];
    const std::string path = "/drugs/" + std::to_string(i);
    Drug d;
    d.name = node.at("name").get<std::string>();
    d.aliases = node.value("aliases", std::vector<std::string>{});
    d.kind = node.at("kind").get<std::string>();
    d.molecular_weight_g_per_mol =
        reader.Read(node.at("molecular_weight_g_per_mol"), path + "/molecular_weight_g_per_mol");
    if (!d.molecular_weight_g_per_mol.known()) {
      reader.Fail(path + "/molecular_weight_g_per_mol", "every drug needs a molecular weight");
    }
    d.typical_dose_mg = reader.Read(node.at("typical_dose_mg"), path + "/typical_dose_mg");
    d.doses_per_user_per_day =
        reader.Read(node.at("doses_per_user_per_day"), path + "/doses_per_user_per_day");
    const json& routes = node.at("routes");
    for (size_t r = 0; r < routes.size(); ++r) {
      const json& rn = routes[r];
      const std::string rpath = path + "/routes/" + std::to_string(r);
      ExcretionRoute route;
      route.biomarker = rn.at("biomarker").get<std::string>();
      if (catalogue.FindBiomarker(route.biomarker) == nullptr) {
        reader.Fail(rpath + "/biomarker", "biomarker '" + route.biomarker + "' is not defined");
      }
      route.biomarker = catalogue.FindBiomarker(route.biomarker)->name;
      route.preferred = rn.value("preferred", false);
      route.use_when_above_loq = rn.value("use_when_above_loq", false);
      route.excretion_fraction =
          reader.Read(rn.at("excretion_fraction"), rpath + "/excretion_fraction");
      const json corrections = rn.value("corrections", json::array());
      for (size_t c = 0; c < corrections.size(); ++c) {
        const json& cn = corrections[c];
        const std::string cpath = rpath + "/corrections/" + std::to_string(c);
        LoadCorrection correction;
        correction.description = cn.value("description", "");
        if (cn.at("kind") == "non_target_fraction") {
          correction.kind = CorrectionKind::kNonTargetFraction;
          if (!cn.contains("fraction")) reader.Fail(cpath, "needs a 'fraction'");
          correction.fraction = reader.Read(cn.at("fraction"), cpath + "/fraction");
        } else {
          correction.kind = CorrectionKind::kRatioToOtherBiomarker;
          if (!cn.contains("ratio") || !cn.contains("other_biomarker")) {
            reader.Fail(cpath, "needs 'ratio' and 'other_biomarker'");
          }
          correction.ratio = reader.Read(cn.at("ratio"), cpath + "/ratio");
          const Biomarker* other = catalogue.FindBiomarker(cn.at("other_biomarker"));
          if (other == nullptr) {
            reader.Fail(cpath + "/other_biomarker", "biomarker is not defined");
          }
          correction.other_biomarker = other->name;
        }
        route.corrections.push_back(std::move(correction));
      }
      d.routes.push_back(std::move(route));
    }
    const json checks = node.value("parent_metabolite_checks", json::array());
    for (size_t c = 0; c < checks.size(); ++c) {
      const std::string cpath = path + "/parent_metabolite_checks/" + std::to_string(c);
      ParentMetaboliteCheck check;
      check.parent = checks[c].at("parent").get<std::string>();
      check.metabolite = checks[c].at("metabolite").get<std::string>();
      if (!catalogue.FindBiomarker(check.parent) || !catalogue.FindBiomarker(check.metabolite)) {
        reader.Fail(cpath, "parent and metabolite must be defined biomarkers");
      }
      check.expected_ratio = reader.Read(checks[c].at("expected_ratio"), cpath + "/expected_ratio");
      d.parent_metabolite_checks.push_back(std::move(check));
    }
    const long preferred = std::count_if(d.routes.begin(), d.routes.end(),
                                         [](const ExcretionRoute& r) { return r.preferred; });
    if (preferred > 1) reader.Fail(path + "/routes", "at most one route can be preferred");
    if (!drug_names.insert(LowerAscii(d.name)).second) {
      reader.Fail(path + "/name", "drug '" + d.name + "' is listed twice");
    }
    catalogue.drugs_.push_back(std::move(d));
  }
  return catalogue;
}

const Drug* DrugCatalogue::FindDrug(const std::string& name_or_alias) const {
  for (const Drug& drug : drugs_) {
    if (LowerAscii(drug.name) == LowerAscii(name_or_alias)) return &drug;
  }
  for (const Drug& drug : drugs_) {
    if (NameMatches(name_or_alias, drug.name, drug.aliases)) return &drug;
  }
  return nullptr;
}

const Biomarker* DrugCatalogue::FindBiomarker(const std::string& name_or_alias) const {
  for (const Biomarker& biomarker : biomarkers_) {
    if (LowerAscii(biomarker.name) == LowerAscii(name_or_alias)) return &biomarker;
  }
  for (const Biomarker& biomarker : biomarkers_) {
    if (NameMatches(name_or_alias, biomarker.name, biomarker.aliases)) return &biomarker;
  }
  return nullptr;
}

namespace {

template <typename T>
std::string KnownNames(const std::vector<T>& items) {
  std::string names;
  for (const T& item : items) names += (names.empty() ? "" : ", ") + item.name;
  return names;
}

}  // namespace

const Drug& DrugCatalogue::GetDrug(const std::string& name_or_alias) const {
  const Drug* drug = FindDrug(name_or_alias);
  if (drug == nullptr) {
    throw InputError(
        "", 0, "drug",
        "unknown drug '" + name_or_alias + "'; the catalogue has " + KnownNames(drugs_));
  }
  return *drug;
}

const Biomarker& DrugCatalogue::GetBiomarker(const std::string& name_or_alias) const {
  const Biomarker* biomarker = FindBiomarker(name_or_alias);
  if (biomarker == nullptr) {
    throw InputError(
        "", 0, "biomarker",
        "unknown biomarker '" + name_or_alias + "'; the catalogue has " + KnownNames(biomarkers_));
  }
  return *biomarker;
}

std::vector<const Drug*> DrugCatalogue::DrugsMeasuredBy(const std::string& biomarker) const {
  std::vector<const Drug*> result;
  for (const Drug& drug : drugs_) {
    if (drug.FindRoute(biomarker) != nullptr) result.push_back(&drug);
  }
  return result;
}

}  // namespace wbe
