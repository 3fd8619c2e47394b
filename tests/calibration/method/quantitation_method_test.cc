#include "calibration/method/quantitation_method.h"

#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/catalogue/drug_catalogue.h"
#include "models/core/data_paths.h"
#include "models/core/input_error.h"

namespace wbe {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

std::string Example(const std::string& name) {
  return DataPath("data-schemas/examples/" + name + ".method.json");
}

json ExampleJson(const std::string& name) {
  std::ifstream in(Example(name));
  return json::parse(in);
}

// The InputError a document raises (file "test.json"); fails the test if none.
InputError LoadError(const json& document) {
  try {
    QuantitationMethod::LoadFromString(document.dump(), "test.json");
  } catch (const InputError& e) {
    return e;
  }
  ADD_FAILURE() << "no InputError for " << document.dump();
  return InputError("none");
}

TEST(QuantitationMethodTest, LoadsTheMassHunterExampleWithItsDerivedLevels) {
  const QuantitationMethod m = QuantitationMethod::LoadFromFile(Example("MH_ext_cal_quant_assay"));
  EXPECT_EQ(m.origin, Example("MH_ext_cal_quant_assay"));
  EXPECT_EQ(m.concentration_unit, "ng/mL");
  EXPECT_DOUBLE_EQ(m.unit_to_ng_per_l, 1000.0);
  EXPECT_THAT(m.note, HasSubstr("Final Conc. / (Accuracy / 100)"));
  ASSERT_EQ(m.analytes.size(), 3u);
  for (const AnalyteMethod& a : m.analytes) {
    EXPECT_EQ(a.curve, CurveType::kQuadratic);
    EXPECT_EQ(a.weighting, CurveWeighting::kInverseX2);
    EXPECT_EQ(a.calibration_levels.size(), 6u);
    EXPECT_EQ(a.qc_levels.size(), 2u);
    EXPECT_EQ(m.ThresholdsFor(a).max_excluded_levels, 0);
  }
  const AnalyteMethod* cort = m.FindAnalyte("Corticosterone");
  ASSERT_NE(cort, nullptr);
  EXPECT_EQ(cort->analyte, "corticosterone");
  EXPECT_DOUBLE_EQ(cort->calibration_levels.at("A"), 0.8674);
  EXPECT_DOUBLE_EQ(cort->qc_levels.at("High"), 77.5);
  // Everything else keeps the design defaults.
  EXPECT_DOUBLE_EQ(m.thresholds.calibrator_tolerance, 0.15);
  EXPECT_DOUBLE_EQ(m.thresholds.qc_tolerance, 0.20);
  EXPECT_TRUE(m.batch_rules.reject_when_istd_missing);
}

TEST(QuantitationMethodTest, LoadsTheOtherExamples) {
  const QuantitationMethod q =
      QuantitationMethod::LoadFromFile(Example("QuantLCMS_Example_MassHunter"));
  ASSERT_EQ(q.analytes.size(), 4u);
  EXPECT_EQ(q.analytes[0].weighting, CurveWeighting::kInverseX);
  EXPECT_DOUBLE_EQ(q.FindAnalyte("corticosterone")->qc_levels.at("High"), 26.3);
  EXPECT_DOUBLE_EQ(q.FindAnalyte("corticosterone")->qc_levels.at("Low"), 1.4);

  const DrugCatalogue catalogue = DrugCatalogue::LoadDefault();
  const QuantitationMethod demo =
      QuantitationMethod::LoadFromFile(Example("wbe-demo-lab"), &catalogue);
  EXPECT_EQ(demo.analytes.size(), 15u);
  EXPECT_DOUBLE_EQ(demo.sample_enrichment_factor, 200.0);
  EXPECT_EQ(demo.concentration_unit, "ng/L");
  for (const AnalyteMethod& a : demo.analytes) {
    EXPECT_NE(catalogue.FindBiomarker(a.analyte), nullptr) << a.analyte;
    EXPECT_EQ(a.calibration_levels.size(), 8u);
    EXPECT_DOUBLE_EQ(a.calibration_levels.at("1"), 200.0);
    EXPECT_DOUBLE_EQ(a.calibration_levels.at("8"), 200000.0);
    EXPECT_DOUBLE_EQ(a.qc_levels.at("3"), 160000.0);
    EXPECT_TRUE(a.expected_retention_time_min.has_value());
  }
}

TEST(QuantitationMethodTest, MissingFieldNamesTheFileAndThePath) {
  json doc = ExampleJson("MH_ext_cal_quant_assay");
  doc["analytes"][1].erase("internal_standard");
  const InputError e = LoadError(doc);
  EXPECT_EQ(e.file(), "test.json");
  EXPECT_EQ(e.field(), "/analytes/1");
  EXPECT_THAT(e.message(), HasSubstr("internal_standard"));
  EXPECT_THAT(std::string(e.what()), HasSubstr("test.json: /analytes/1: "));

  doc = ExampleJson("MH_ext_cal_quant_assay");
  doc.erase("concentration_unit");
  EXPECT_THAT(LoadError(doc).message(), HasSubstr("concentration_unit"));
}

TEST(QuantitationMethodTest, BadCurveTypeNamesThePath) {
  json doc = ExampleJson("MH_ext_cal_quant_assay");
  doc["analytes"][2]["curve"] = "cubic";
  const InputError e = LoadError(doc);
  EXPECT_EQ(e.field(), "/analytes/2/curve");
  EXPECT_THAT(e.message(), HasSubstr("cubic"));

  doc = ExampleJson("MH_ext_cal_quant_assay");
  doc["weighting"] = "1/y";
  EXPECT_EQ(LoadError(doc).field(), "/weighting");
}

TEST(QuantitationMethodTest, RejectsWhatTheSchemaCannotSee) {
  json doc = ExampleJson("MH_ext_cal_quant_assay");
  doc["unit_to_ng_per_l"] = 1;
  InputError e = LoadError(doc);
  EXPECT_EQ(e.field(), "/unit_to_ng_per_l");
  EXPECT_THAT(e.message(), HasSubstr("1 ng/mL is 1000 ng/L, not 1"));

  doc = ExampleJson("MH_ext_cal_quant_assay");
  doc["analytes"][2]["analyte"] = "Cortisol";
  e = LoadError(doc);
  EXPECT_EQ(e.field(), "/analytes/2/analyte");
  EXPECT_THAT(e.message(), HasSubstr("also names another analyte"));

  doc = ExampleJson("MH_ext_cal_quant_assay");
  doc["thresholds"]["lloq_tolerance"] = 0.1;
  e = LoadError(doc);
  EXPECT_EQ(e.field(), "/thresholds");
  EXPECT_THAT(e.message(), HasSubstr("lloq_tolerance"));

  doc = ExampleJson("MH_ext_cal_quant_assay");
  doc["analytes"][0]["calibration_levels"]["A"] = -1;
  EXPECT_EQ(LoadError(doc).field(), "/analytes/0/calibration_levels/A");

  doc = ExampleJson("MH_ext_cal_quant_assay");
  doc["format_version"] = 2;
  EXPECT_EQ(LoadError(doc).field(), "/format_version");
}

TEST(QuantitationMethodTest, AnalyteThresholdsStartFromTheMethods) {
  json doc = ExampleJson("MH_ext_cal_quant_assay");
  doc["thresholds"]["qc_tolerance"] = 0.15;
  doc["analytes"][1]["thresholds"] = {{"min_r_squared", 0.99}};
  const QuantitationMethod m = QuantitationMethod::LoadFromString(doc.dump(), "test.json");
  const AcceptanceThresholds& cortisol = m.ThresholdsFor(*m.FindAnalyte("cortisol"));
  EXPECT_DOUBLE_EQ(cortisol.qc_tolerance, 0.15);
  EXPECT_EQ(cortisol.max_excluded_levels, 0);
  ASSERT_TRUE(cortisol.min_r_squared);
  EXPECT_DOUBLE_EQ(*cortisol.min_r_squared, 0.99);
  EXPECT_FALSE(m.ThresholdsFor(*m.FindAnalyte("cortisone")).min_r_squared);
}

TEST(QuantitationMethodTest, CatalogueAliasesBecomeCatalogueNames) {
  json doc = ExampleJson("wbe-demo-lab");
  doc["analytes"][6]["analyte"] = "METH";
  const DrugCatalogue catalogue = DrugCatalogue::LoadDefault();
  const QuantitationMethod m =
      QuantitationMethod::LoadFromString(doc.dump(), "test.json", &catalogue);
  EXPECT_EQ(m.analytes[6].analyte, "methamphetamine");
  EXPECT_THAT(m.analytes[6].lab_names, ::testing::Contains("METH"));
  EXPECT_EQ(m.FindAnalyte("meth"), &m.analytes[6]);
  EXPECT_EQ(m.FindAnalyte("Methamphetamine"), &m.analytes[6]);
  EXPECT_EQ(m.FindAnalyte("cocaine"), nullptr);
  // Without a catalogue the name stays as written.
  EXPECT_EQ(QuantitationMethod::LoadFromString(doc.dump(), "test.json").analytes[6].analyte,
            "METH");
}

TEST(QuantitationMethodTest, UnreadableFilesNameThemselves) {
  try {
    QuantitationMethod::LoadFromFile("/nonexistent/x.method.json");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), "/nonexistent/x.method.json");
  }
  try {
    QuantitationMethod::LoadFromString("{\"name\": ", "broken.json");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), "broken.json");
    EXPECT_THAT(e.message(), HasSubstr("not valid JSON"));
  }
}

TEST(QuantitationMethodTest, ThresholdChecksSayWhy) {
  AcceptanceThresholds t;
  EXPECT_TRUE(t.Check());
  t.qc_tolerance = 0.0;
  std::string why;
  EXPECT_FALSE(t.Check(&why));
  EXPECT_THAT(why, HasSubstr("qc_tolerance"));
  BatchRules rules;
  rules.max_rejected_analyte_fraction = 1.5;
  EXPECT_FALSE(rules.Check(&why));
}

TEST(QuantitationMethodTest, NamesRoundTrip) {
  for (CurveType t : {CurveType::kLinear, CurveType::kQuadratic}) {
    CurveType parsed = CurveType::kLinear;
    ASSERT_TRUE(ParseCurveType(CurveTypeName(t), &parsed));
    EXPECT_EQ(parsed, t);
  }
  for (CurveWeighting w :
       {CurveWeighting::kNone, CurveWeighting::kInverseX, CurveWeighting::kInverseX2}) {
    CurveWeighting parsed = CurveWeighting::kNone;
    ASSERT_TRUE(ParseCurveWeighting(CurveWeightingName(w), &parsed));
    EXPECT_EQ(parsed, w);
  }
  CurveType t;
  EXPECT_FALSE(ParseCurveType("cubic", &t));
}

}  // namespace
}  // namespace wbe
