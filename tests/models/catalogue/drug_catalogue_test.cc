#include "models/catalogue/drug_catalogue.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/core/input_error.h"

namespace wbe {
namespace {

nlohmann::json ShippedCatalogueJson() {
  std::ifstream in(DrugCatalogue::DefaultPath());
  return nlohmann::json::parse(in);
}

std::string LoadErrorOf(const nlohmann::json& document) {
  try {
    DrugCatalogue::LoadFromString(document.dump(), "test.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(DrugCatalogueTest, ShippedCatalogueHasTheRequiredDrugsAndRoutes) {
  const DrugCatalogue catalogue = DrugCatalogue::LoadDefault();
  EXPECT_FALSE(catalogue.version().empty());
  const std::vector<std::pair<std::string, std::string>> required = {
      {"heroin", "morphine"},
      {"heroin", "6-monoacetylmorphine"},
      {"methamphetamine", "methamphetamine"},
      {"amphetamine", "amphetamine"},
      {"MDMA", "MDMA"},
      {"cocaine", "benzoylecgonine"},
      {"ketamine", "ketamine"},
      {"ketamine", "norketamine"},
      {"cannabis", "THC-COOH"},
      {"methadone", "EDDP"},
      {"codeine", "codeine"}};
  for (const auto& [drug, biomarker] : required) {
    const Drug& d = catalogue.GetDrug(drug);
    const ExcretionRoute* route = d.FindRoute(biomarker);
    ASSERT_NE(route, nullptr) << drug << " via " << biomarker;
    EXPECT_TRUE(route->excretion_fraction.known()) << drug << " via " << biomarker;
    EXPECT_GT(route->excretion_fraction.max, route->excretion_fraction.min)
        << drug << " via " << biomarker << ": excretion needs a range for the Monte Carlo";
  }
}

TEST(DrugCatalogueTest, CorrectionsForHeroinAndAmphetamineArePresent) {
  const DrugCatalogue catalogue = DrugCatalogue::LoadDefault();
  const ExcretionRoute* morphine = catalogue.GetDrug("heroin").FindRoute("morphine");
  ASSERT_NE(morphine, nullptr);
  ASSERT_EQ(morphine->corrections.size(), 1u);
  EXPECT_EQ(morphine->corrections[0].kind, CorrectionKind::kNonTargetFraction);
  const ExcretionRoute* amp = catalogue.GetDrug("amphetamine").FindRoute("amphetamine");
  ASSERT_EQ(amp->corrections.size(), 1u);
  EXPECT_EQ(amp->corrections[0].kind, CorrectionKind::kRatioToOtherBiomarker);
  EXPECT_EQ(amp->corrections[0].other_biomarker, "methamphetamine");
  const ExcretionRoute* mam = catalogue.GetDrug("heroin").FindRoute("6-monoacetylmorphine");
  ASSERT_NE(mam, nullptr);
  EXPECT_TRUE(mam->use_when_above_loq);
}

TEST(DrugCatalogueTest, EveryNumberCarriesAStatusAndDefinedSources) {
  const DrugCatalogue catalogue = DrugCatalogue::LoadDefault();
  const auto check = [&](const Quantity& q, const std::string& what) {
    EXPECT_FALSE(q.sources.empty()) << what;
    for (const std::string& s : q.sources) EXPECT_TRUE(catalogue.sources().count(s)) << what;
  };
  for (const Biomarker& b : catalogue.biomarkers()) {
    check(b.molecular_weight_g_per_mol, b.name + " MW");
    check(b.stability.gravity_k_per_h, b.name + " k gravity");
    check(b.stability.rising_main_k_per_h, b.name + " k rising main");
  }
  for (const Drug& d : catalogue.drugs()) {
    check(d.molecular_weight_g_per_mol, d.name + " MW");
    check(d.typical_dose_mg, d.name + " dose");
    for (const ExcretionRoute& r : d.routes) check(r.excretion_fraction, d.name + " F");
  }
  // Values the science reference marks [R] stay marked as unconfirmed.
  EXPECT_EQ(catalogue.GetDrug("cocaine").PreferredRoute().excretion_fraction.status,
            ValueStatus::kUnconfirmed);
  EXPECT_EQ(catalogue.GetDrug("ketamine").PreferredRoute().excretion_fraction.status,
            ValueStatus::kVerified);
}

TEST(DrugCatalogueTest, MolecularWeightsMatchTheirFormulas) {
  // Formula masses recomputed here from atomic weights, independently of the file.
  const std::map<char, double> atomic = {{'C', 12.011}, {'H', 1.008}, {'N', 14.007}, {'O', 15.999}};
  const auto mass = [&](int c, int h, int n, int o, int cl) {
    return c * atomic.at('C') + h * atomic.at('H') + n * atomic.at('N') + o * atomic.at('O') +
           cl * 35.45;
  };
  const DrugCatalogue catalogue = DrugCatalogue::LoadDefault();
  EXPECT_NEAR(catalogue.GetDrug("cocaine").molecular_weight_g_per_mol.point(),
              mass(17, 21, 1, 4, 0), 0.01);
  EXPECT_NEAR(catalogue.GetBiomarker("BE").molecular_weight_g_per_mol.point(),
              mass(16, 19, 1, 4, 0), 0.01);
  EXPECT_NEAR(catalogue.GetDrug("heroin").molecular_weight_g_per_mol.point(), mass(21, 23, 1, 5, 0),
              0.01);
  EXPECT_NEAR(catalogue.GetBiomarker("ketamine").molecular_weight_g_per_mol.point(),
              mass(13, 16, 1, 1, 1), 0.01);
  EXPECT_NEAR(catalogue.GetBiomarker("EDDP").molecular_weight_g_per_mol.point(),
              mass(20, 23, 1, 0, 0), 0.01);
}

TEST(DrugCatalogueTest, LooksUpAliasesCaseInsensitively) {
  const DrugCatalogue catalogue = DrugCatalogue::LoadDefault();
  EXPECT_EQ(catalogue.GetDrug("METH").name, "methamphetamine");
  EXPECT_EQ(catalogue.GetDrug("冰毒").name, "methamphetamine");
  EXPECT_EQ(catalogue.GetBiomarker("6-mam").name, "6-monoacetylmorphine");
  EXPECT_EQ(catalogue.FindDrug("unobtainium"), nullptr);
  try {
    catalogue.GetDrug("unobtainium");
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown drug 'unobtainium'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("methamphetamine"), std::string::npos);
  }
}

TEST(DrugCatalogueTest, SubstancesWithoutExcretionDataAreMarkedNotFound) {
  const DrugCatalogue catalogue = DrugCatalogue::LoadDefault();
  for (const char* name : {"methcathinone", "ephedrine", "etomidate"}) {
    const Drug& drug = catalogue.GetDrug(name);
    EXPECT_FALSE(drug.PreferredRoute().excretion_fraction.known()) << name;
    EXPECT_EQ(drug.PreferredRoute().excretion_fraction.status, ValueStatus::kNotFound) << name;
  }
}

TEST(DrugCatalogueTest, ANewSubstanceIsAddedAsDataOnly) {
  nlohmann::json document = ShippedCatalogueJson();
  document["biomarkers"].push_back(
      {{"name", "mephedrone"},
       {"molecular_weight_g_per_mol",
        {{"value", 177.25}, {"status", "computed"}, {"sources", {"formula"}}}},
       {"stability",
        {{"in_sewer_k_per_h",
          {{"gravity", {{"value", 0.0}, {"status", "assumed"}, {"sources", {"wbe_project"}}}},
           {"rising_main", {{"value", 0.0}, {"status", "assumed"}, {"sources", {"wbe_project"}}}}}},
         {"in_sample_k_per_h",
          {{"value", 0.0}, {"status", "assumed"}, {"sources", {"wbe_project"}}}}}}});
  document["drugs"].push_back(
      {{"name", "mephedrone"},
       {"kind", "new_psychoactive"},
       {"molecular_weight_g_per_mol",
        {{"value", 177.25}, {"status", "computed"}, {"sources", {"formula"}}}},
       {"typical_dose_mg",
        {{"value", nullptr}, {"status", "not_found"}, {"sources", {"wbe_project"}}}},
       {"doses_per_user_per_day",
        {{"value", nullptr}, {"status", "not_found"}, {"sources", {"wbe_project"}}}},
       {"routes",
        {{{"biomarker", "mephedrone"},
          {"excretion_fraction",
           {{"value", nullptr}, {"status", "not_found"}, {"sources", {"wbe_project"}}}}}}}});
  const DrugCatalogue catalogue = DrugCatalogue::LoadFromString(document.dump(), "extended.json");
  EXPECT_EQ(catalogue.GetDrug("mephedrone").PreferredRoute().biomarker, "mephedrone");
  EXPECT_EQ(catalogue.drugs().size(), DrugCatalogue::LoadDefault().drugs().size() + 1);
}

TEST(DrugCatalogueTest, RejectsBrokenCataloguesNamingThePlace) {
  nlohmann::json document = ShippedCatalogueJson();
  document["drugs"][0]["routes"][0]["biomarker"] = "no-such-marker";
  EXPECT_NE(LoadErrorOf(document).find("/drugs/0/routes/0/biomarker"), std::string::npos);

  document = ShippedCatalogueJson();
  document["drugs"][0]["routes"][0]["excretion_fraction"]["value"] = 0.9;  // outside min..max
  EXPECT_NE(LoadErrorOf(document).find("/drugs/0/routes/0/excretion_fraction"), std::string::npos);

  document = ShippedCatalogueJson();
  document["drugs"][0]["typical_dose_mg"]["sources"] = {"nobody2099"};
  EXPECT_NE(LoadErrorOf(document).find("source 'nobody2099' is not defined"), std::string::npos);

  document = ShippedCatalogueJson();
  document["biomarkers"][0]["molecular_weight_g_per_mol"].erase("status");
  const std::string error = LoadErrorOf(document);
  EXPECT_NE(error.find("test.json"), std::string::npos);
  EXPECT_NE(error.find("/biomarkers/0/molecular_weight_g_per_mol"), std::string::npos);

  try {
    DrugCatalogue::LoadFromString("{ not json", "broken.json");
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("broken.json"), std::string::npos);
  }
}

}  // namespace
}  // namespace wbe
