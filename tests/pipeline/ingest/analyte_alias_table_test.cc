#include "pipeline/ingest/analyte_alias_table.h"

#include <gtest/gtest.h>

#include "tests/pipeline/ingest/ingest_test_util.h"

namespace wbe {
namespace {

using testing::Catalogue;
using testing::ExpectInputError;

std::string Analyte(const AnalyteAliasTable& table, const std::string& name) {
  const std::optional<AnalyteMapping> mapping = table.Find(name);
  if (!mapping) return "<none>";
  return (mapping->internal_standard ? "ISTD of " : "") + mapping->analyte;
}

TEST(AnalyteAliasTableTest, MapsVendorSpellingsToCatalogueBiomarkers) {
  const AnalyteAliasTable table = AnalyteAliasTable::LoadDefault(Catalogue());
  EXPECT_EQ(Analyte(table, "Methamphetamine"), "methamphetamine");
  EXPECT_EQ(Analyte(table, "METH"), "methamphetamine");
  EXPECT_EQ(Analyte(table, "  meth "), "methamphetamine");
  EXPECT_EQ(Analyte(table, "Benzoylecgonine"), "benzoylecgonine");
  EXPECT_EQ(Analyte(table, "BZE"), "benzoylecgonine");
  EXPECT_EQ(Analyte(table, "6-Acetylmorphine"), "6-monoacetylmorphine");
  EXPECT_EQ(Analyte(table, "6 acetyl morphine"), "6-monoacetylmorphine");
  EXPECT_EQ(Analyte(table, "6-AM"), "6-monoacetylmorphine");
  EXPECT_EQ(Analyte(table, "Norketamine"), "norketamine");
  EXPECT_EQ(Analyte(table, "EDDP"), "EDDP");
  EXPECT_EQ(Analyte(table, "THCCOOH"), "THC-COOH");
  EXPECT_EQ(Analyte(table, "3,4-Methylenedioxymethamphetamine"), "MDMA");
  EXPECT_EQ(Analyte(table, "\xE6\xB0\xAF\xE8\x83\xBA\xE9\x85\xAE"), "ketamine");  // 氯胺酮
  EXPECT_EQ(Analyte(table, "Cocaine"), "<none>");  // the drug, not its biomarker
  EXPECT_EQ(Analyte(table, "Pseudoephedrine"), "<none>");
  EXPECT_EQ(Analyte(table, ""), "<none>");
}

TEST(AnalyteAliasTableTest, RecognisesInternalStandards) {
  const AnalyteAliasTable table = AnalyteAliasTable::LoadDefault(Catalogue());
  EXPECT_EQ(Analyte(table, "Methamphetamine-D5"), "ISTD of methamphetamine");  // listed
  EXPECT_EQ(Analyte(table, "METH-D8"), "ISTD of methamphetamine");
  EXPECT_EQ(Analyte(table, "BZE-D8"), "ISTD of benzoylecgonine");
  // Not listed, but an analyte name followed by an isotope label.
  EXPECT_EQ(Analyte(table, "Ketamine D4"), "ISTD of ketamine");
  EXPECT_EQ(Analyte(table, "THC-COOH-d3"), "ISTD of THC-COOH");
  EXPECT_EQ(Analyte(table, "MDMA (d5)"), "ISTD of MDMA");
  EXPECT_EQ(Analyte(table, "Codeine 13C3 (ISTD)"), "ISTD of codeine");
  EXPECT_EQ(Analyte(table, "Morphine ISTD"), "ISTD of morphine");
  EXPECT_EQ(Analyte(table, "Vitamin D3"), "<none>");
  EXPECT_EQ(Analyte(table, "-D5"), "<none>");
}

TEST(AnalyteAliasTableTest, MethodAnalytesMapToThemselvesUnlessKnown) {
  AnalyteAliasTable table = AnalyteAliasTable::LoadDefault(Catalogue());
  EXPECT_EQ(Analyte(table, "Cortisol"), "<none>");
  table.AddMethodAnalytes({"Cortisol", "Corticosterone", "METH"},
                          {{"Corticosterone", "IS-7"}, {"METH", "Amphetamine-D11"}});
  EXPECT_EQ(Analyte(table, "cortisol"), "Cortisol");
  EXPECT_EQ(Analyte(table, "Cortisol D4 (ISTD)"), "ISTD of Cortisol");
  EXPECT_EQ(Analyte(table, "Corticosterone 13C3 (ISTD)"), "ISTD of Corticosterone");
  EXPECT_EQ(Analyte(table, "IS-7"), "ISTD of Corticosterone");
  EXPECT_EQ(Analyte(table, "METH"), "methamphetamine");
  EXPECT_EQ(table.MethodInternalStandardOf("Corticosterone"), "IS-7");
  // A name that already means something keeps its meaning.
  EXPECT_EQ(Analyte(table, "Amphetamine-D11"), "ISTD of amphetamine");
  EXPECT_EQ(table.MethodInternalStandardOf("methamphetamine"), "Amphetamine-D11");
}

TEST(AnalyteAliasTableTest, AliasFileErrorsNameTheEntry) {
  AnalyteAliasTable table(Catalogue());
  ExpectInputError(
      [&] {
        table.AddAliasJson(
            R"({"format_version": 1, "analytes": [{"biomarker": "heroin", "names": ["H"]}]})",
            "aliases.json");
      },
      "aliases.json", 0, "/analytes/0/biomarker", "not a biomarker");
  ExpectInputError(
      [&] {
        table.AddAliasJson(R"({"format_version": 1, "analytes": [{"biomarker": "morphine",
                               "names": ["Meth"]}]})",
                           "aliases.json");
      },
      "aliases.json", 0, "/analytes/0/names", "already means methamphetamine");
  ExpectInputError(
      [&] { table.AddAliasJson(R"({"format_version": 2, "analytes": []})", "aliases.json"); },
      "aliases.json", 0, "/", "");
}

}  // namespace
}  // namespace wbe
