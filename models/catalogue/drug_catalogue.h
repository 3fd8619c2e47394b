#pragma once

#include <map>
#include <string>
#include <vector>

#include "models/catalogue/quantity.h"
#include "models/city/city.h"

namespace wbe {

struct BiomarkerStability {
  Quantity gravity_k_per_h;      // first-order in-sewer rate, gravity sewers
  Quantity rising_main_k_per_h;  // first-order in-sewer rate, rising mains (biofilm)
  Quantity in_sample_k_per_h;    // during sample storage
  const Quantity& InSewer(SewerType type) const {
    return type == SewerType::kGravity ? gravity_k_per_h : rising_main_k_per_h;
  }
};

struct Biomarker {
  std::string name;
  std::vector<std::string> aliases;
  std::string cas;
  Quantity molecular_weight_g_per_mol;
  Quantity default_loq_ng_per_l;
  BiomarkerStability stability;
};

enum class CorrectionKind {
  kNonTargetFraction,      // a fraction of the biomarker load comes from other sources
  kRatioToOtherBiomarker,  // subtract ratio x load of another biomarker at the same site-day
};

struct LoadCorrection {
  CorrectionKind kind = CorrectionKind::kNonTargetFraction;
  Quantity fraction;            // kNonTargetFraction
  Quantity ratio;               // kRatioToOtherBiomarker
  std::string other_biomarker;  // kRatioToOtherBiomarker
  std::string description;
};

// One way of seeing a drug in sewage: its biomarker and the share of a dose excreted as it.
struct ExcretionRoute {
  std::string biomarker;
  bool preferred = false;
  bool use_when_above_loq = false;
  Quantity excretion_fraction;  // unknown -> loads only, no consumption
  std::vector<LoadCorrection> corrections;
};

struct ParentMetaboliteCheck {
  std::string parent;
  std::string metabolite;
  Quantity expected_ratio;
};

struct Drug {
  std::string name;
  std::vector<std::string> aliases;
  std::string kind;
  Quantity molecular_weight_g_per_mol;
  Quantity typical_dose_mg;
  Quantity doses_per_user_per_day;
  std::vector<ExcretionRoute> routes;
  std::vector<ParentMetaboliteCheck> parent_metabolite_checks;

  const ExcretionRoute* FindRoute(const std::string& biomarker) const;
  const ExcretionRoute& PreferredRoute() const;
};

// The drug and biomarker catalogue, loaded from JSON and validated against
// data-schemas/drug-catalogue.schema.json, then cross-checked (every route's biomarker exists,
// every source key is defined, ranges hold their point values).
class DrugCatalogue {
 public:
  // Throws InputError naming the file and the JSON path of the first problem.
  static DrugCatalogue LoadFromFile(const std::string& path);
  static DrugCatalogue LoadFromString(const std::string& json_text, const std::string& origin);
  // The shipped catalogue (models/catalogue/drugs.json under DataRoot()).
  static DrugCatalogue LoadDefault();
  static std::string DefaultPath();

  const std::string& version() const { return version_; }
  const std::string& origin() const { return origin_; }
  const std::vector<Drug>& drugs() const { return drugs_; }
  const std::vector<Biomarker>& biomarkers() const { return biomarkers_; }
  const std::map<std::string, std::string>& sources() const { return sources_; }

  // Lookups by name or alias, case-insensitive. Find* return nullptr when absent;
  // Get* throw InputError listing the known names.
  const Drug* FindDrug(const std::string& name_or_alias) const;
  const Biomarker* FindBiomarker(const std::string& name_or_alias) const;
  const Drug& GetDrug(const std::string& name_or_alias) const;
  const Biomarker& GetBiomarker(const std::string& name_or_alias) const;

  // Drugs that have a route through this biomarker.
  std::vector<const Drug*> DrugsMeasuredBy(const std::string& biomarker) const;

 private:
  std::string version_;
  std::string origin_;
  std::vector<Drug> drugs_;
  std::vector<Biomarker> biomarkers_;
  std::map<std::string, std::string> sources_;  // key -> citation
};

}  // namespace wbe
