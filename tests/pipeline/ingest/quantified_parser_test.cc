#include "pipeline/ingest/quantified_parser.h"

#include <gtest/gtest.h>

#include "tests/pipeline/ingest/ingest_test_util.h"

namespace wbe {
namespace {

using testing::Catalogue;
using testing::Dump;
using testing::ReadFile;
using testing::TestData;
using testing::TestOptions;
using testing::WithCrLfAndBom;

TEST(QuantifiedParserTest, ReadsResultsAndCensoredValues) {
  ParseOptions options = TestOptions();
  options.known_sites = {"WWTP-IN", "MH-N"};
  const LabBatch batch =
      ParseBatchFile(TestData("ingest/quantified_small.csv"), Catalogue(), options);
  EXPECT_EQ(batch.format, "quantified");
  EXPECT_EQ(batch.batch_id, "quantified_small");  // no batch_id column: the file name
  EXPECT_TRUE(batch.is_quantified());
  EXPECT_TRUE(batch.injections.empty());
  ASSERT_EQ(batch.quantified.size(), 6u);

  const QuantifiedResult& meth = batch.quantified[0];
  EXPECT_EQ(meth.site_id, "WWTP-IN");
  EXPECT_EQ(meth.sampling_day, DayFromCivil(2026, 8, 3));
  EXPECT_EQ(meth.analyte, "methamphetamine");
  EXPECT_EQ(meth.lab_name, "Methamphetamine");
  EXPECT_DOUBLE_EQ(*meth.concentration_ng_per_l, 312.5);
  EXPECT_FALSE(meth.censored);
  EXPECT_DOUBLE_EQ(meth.loq_ng_per_l, 2.5);
  EXPECT_EQ(meth.source_row, 2);

  const QuantifiedResult& heroin = batch.quantified[2];  // "<LOQ" with loq 0.5
  EXPECT_EQ(heroin.analyte, "6-monoacetylmorphine");
  EXPECT_TRUE(heroin.censored);
  EXPECT_FALSE(heroin.concentration_ng_per_l.has_value());
  EXPECT_DOUBLE_EQ(heroin.loq_ng_per_l, 0.5);

  const QuantifiedResult& below = batch.quantified[3];  // "< 2.5", no loq column value
  EXPECT_TRUE(below.censored);
  EXPECT_DOUBLE_EQ(below.loq_ng_per_l, 2.5);

  const QuantifiedResult& ketamine = batch.quantified[4];  // no LOQ stated
  EXPECT_DOUBLE_EQ(*ketamine.concentration_ng_per_l, 88);
  EXPECT_DOUBLE_EQ(ketamine.loq_ng_per_l, 0.0);

  const QuantifiedResult& thc = batch.quantified[5];  // "ND"
  EXPECT_EQ(thc.analyte, "THC-COOH");
  EXPECT_TRUE(thc.censored);
  EXPECT_DOUBLE_EQ(thc.loq_ng_per_l, 20);
}

TEST(QuantifiedParserTest, ConvertsMicrogramsPerLitre) {
  const LabBatch batch =
      ParseBatchFile(TestData("ingest/quantified_ug.csv"), Catalogue(), TestOptions());
  EXPECT_EQ(batch.batch_id, "Q-7");
  ASSERT_EQ(batch.quantified.size(), 2u);
  EXPECT_NEAR(*batch.quantified[0].concentration_ng_per_l, 312.5, 1e-9);
  EXPECT_NEAR(batch.quantified[0].loq_ng_per_l, 2.5, 1e-12);
  EXPECT_TRUE(batch.quantified[1].censored);
  EXPECT_NEAR(batch.quantified[1].loq_ng_per_l, 2.5, 1e-12);
}

TEST(QuantifiedParserTest, CrLfAndBomReadExactlyLikeLf) {
  const std::string csv = ReadFile(TestData("ingest/quantified_small.csv"));
  EXPECT_EQ(Dump(ParseBatchBytes(WithCrLfAndBom(csv), "q.csv", Catalogue(), TestOptions())),
            Dump(ParseBatchBytes(csv, "q.csv", Catalogue(), TestOptions())));
}

TEST(QuantifiedParserTest, WarnsAboutNumbersBelowTheirLoq) {
  const std::string csv =
      "site_id,sampling_date,analyte,concentration,unit,loq\n"
      "MH-A,2026-08-03,ketamine,1.2,ng/L,2\n";
  const LabBatch batch = ParseBatchBytes(csv, "q.csv", Catalogue(), TestOptions());
  ASSERT_EQ(batch.warnings.size(), 1u);
  EXPECT_NE(batch.warnings[0].find("below its own LOQ"), std::string::npos);
  EXPECT_DOUBLE_EQ(*batch.quantified[0].concentration_ng_per_l, 1.2);
}

}  // namespace
}  // namespace wbe
