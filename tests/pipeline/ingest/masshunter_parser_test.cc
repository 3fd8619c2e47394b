#include "pipeline/ingest/masshunter_parser.h"

#include <algorithm>
#include <map>

#include <gtest/gtest.h>

#include "tests/pipeline/ingest/ingest_test_util.h"

namespace wbe {
namespace {

using testing::Catalogue;
using testing::ExpectInputError;
using testing::ReadFile;
using testing::SteroidAnalytes;
using testing::TestData;
using testing::TestOptions;

const std::string kQuantLcms = "masshunter/QuantLCMS_Example_MassHunter.csv";
const std::string kExtCal = "masshunter/MH_ext_cal_quant_assay.csv";

LabBatch Parse(const std::string& relative, ParseOptions options) {
  options.format = BatchFormat::kMassHunter;
  return ParseBatchFile(TestData(relative), Catalogue(), options);
}

ParseOptions SteroidOptions() {
  ParseOptions options = TestOptions();
  options.method_analytes = SteroidAnalytes();
  return options;
}

const Injection& Find(const LabBatch& batch, const std::string& name) {
  const auto it = std::find_if(batch.injections.begin(), batch.injections.end(),
                               [&](const Injection& i) { return i.name == name; });
  if (it == batch.injections.end()) throw std::runtime_error("no injection " + name);
  return *it;
}

const AnalyteResponse& Response(const Injection& injection, const std::string& analyte) {
  for (const AnalyteResponse& r : injection.responses) {
    if (r.analyte == analyte) return r;
  }
  throw std::runtime_error("no response " + analyte + " in " + injection.name);
}

std::map<InjectionType, int> CountTypes(const LabBatch& batch) {
  std::map<InjectionType, int> counts;
  for (const Injection& injection : batch.injections) ++counts[injection.type];
  return counts;
}

TEST(MassHunterParserTest, ReadsTheFullWideExport) {
  const LabBatch batch = Parse(kQuantLcms, SteroidOptions());
  EXPECT_EQ(batch.format, "masshunter");
  EXPECT_EQ(batch.source_name, "QuantLCMS_Example_MassHunter.csv");
  EXPECT_EQ(batch.batch_id, "QuantLCMS_Example_MassHunter");
  ASSERT_EQ(batch.injections.size(), 25u);
  EXPECT_TRUE(batch.unmapped_analytes.empty());
  // SBLK1..Cal0, InstBLK and SPL1-4 are typed Sample in this export.
  const std::map<InjectionType, int> types = CountTypes(batch);
  EXPECT_EQ(types.at(InjectionType::kSample), 9);
  EXPECT_EQ(types.at(InjectionType::kCalibrator), 6);
  EXPECT_EQ(types.at(InjectionType::kQc), 10);
  // "26/11/2024 3:05 pm": day/month order follows from 26 > 12.
  ASSERT_TRUE(batch.analysis_day.has_value());
  EXPECT_EQ(*batch.analysis_day, DayFromCivil(2024, 11, 26));

  const Injection& cal_a = Find(batch, "CalA.d");
  EXPECT_EQ(cal_a.type, InjectionType::kCalibrator);
  EXPECT_EQ(cal_a.level, "A");
  EXPECT_EQ(cal_a.source_row, 7);
  ASSERT_EQ(cal_a.responses.size(), 4u);
  const AnalyteResponse& corticosterone = Response(cal_a, "Corticosterone");
  EXPECT_EQ(corticosterone.lab_name, "Corticosterone");
  EXPECT_DOUBLE_EQ(*corticosterone.expected_concentration, 0.3);
  EXPECT_DOUBLE_EQ(*corticosterone.retention_time_min, 3.723);
  EXPECT_DOUBLE_EQ(*corticosterone.area, 48142);
  EXPECT_DOUBLE_EQ(*corticosterone.istd_area, 117521);  // Corticosterone 13C3 (ISTD) Results
  // Only qualifier areas are exported: ratio = 100 x qualifier / quantifier.
  EXPECT_NEAR(*corticosterone.qualifier_ratio, 100.0 * 12302 / 48142, 1e-9);
  EXPECT_FALSE(corticosterone.response_ratio.has_value());
  EXPECT_TRUE(corticosterone.outlier_flagged);  // the row carries '!'
  const AnalyteResponse& cortisol = Response(cal_a, "Cortisol");
  EXPECT_DOUBLE_EQ(*cortisol.area, 113697);
  EXPECT_DOUBLE_EQ(*cortisol.istd_area, 421302);  // Cortisol D4 (ISTD)
  EXPECT_NEAR(*cortisol.qualifier_ratio, 100.0 * 32400 / 113697, 1e-9);

  const Injection& qc = Find(batch, "QC_High_1.d");
  EXPECT_EQ(qc.level, "High");
  EXPECT_DOUBLE_EQ(*Response(qc, "Corticosterone").expected_concentration, 26.3);
  EXPECT_DOUBLE_EQ(*Response(qc, "Corticosterone").area, 5680775);

  // CalB and QC_Low_2 have no '!' in their row.
  EXPECT_FALSE(Response(Find(batch, "CalB.d"), "Cortisol").outlier_flagged);
  EXPECT_FALSE(Response(Find(batch, "QC_Low_2.d"), "Cortisol").outlier_flagged);
  int flagged = 0;
  for (const Injection& injection : batch.injections) {
    flagged += injection.responses.front().outlier_flagged ? 1 : 0;
  }
  EXPECT_EQ(flagged, 20);

  // SBLK1 has no corticosterone peak: empty, never 0.
  const AnalyteResponse& blank = Response(Find(batch, "SBLK1.d"), "Corticosterone");
  EXPECT_FALSE(blank.area.has_value());
  EXPECT_FALSE(blank.retention_time_min.has_value());
  EXPECT_FALSE(blank.istd_area.has_value());

  // Not sewage samples: no site or day, and a warning that says so.
  const Injection& spl = Find(batch, "SPL1.d");
  EXPECT_TRUE(spl.site_id.empty());
  EXPECT_FALSE(spl.sampling_day.has_value());
  const bool warned =
      std::any_of(batch.warnings.begin(), batch.warnings.end(), [](const std::string& w) {
        return w.find("not named <site>_<YYYY-MM-DD>") != std::string::npos;
      });
  EXPECT_TRUE(warned);
}

TEST(MassHunterParserTest, ReadsTheCompactExportWithVendorResults) {
  const LabBatch batch = Parse(kExtCal, SteroidOptions());
  ASSERT_EQ(batch.injections.size(), 25u);
  const std::map<InjectionType, int> types = CountTypes(batch);
  EXPECT_EQ(types.at(InjectionType::kResponseCheck), 4);
  EXPECT_EQ(types.at(InjectionType::kDoubleBlank), 2);
  EXPECT_EQ(types.at(InjectionType::kBlank), 3);
  EXPECT_EQ(types.at(InjectionType::kCalibrator), 6);
  EXPECT_EQ(types.at(InjectionType::kQc), 10);
  EXPECT_EQ(*batch.analysis_day, DayFromCivil(2025, 1, 20));  // "1/20/25 17:00"
  EXPECT_TRUE(batch.unmapped_analytes.empty());

  const Injection& eqc = Find(batch, "EQC1.d");
  EXPECT_EQ(eqc.source_row, 3);
  ASSERT_EQ(eqc.responses.size(), 3u);  // Corticosterone, Cortisol, Cortisone
  const AnalyteResponse& corticosterone = Response(eqc, "Corticosterone");
  EXPECT_DOUBLE_EQ(*corticosterone.retention_time_min, 3.92);
  EXPECT_DOUBLE_EQ(*corticosterone.vendor_concentration, 3.601);
  EXPECT_DOUBLE_EQ(*corticosterone.area, 2023731);
  EXPECT_DOUBLE_EQ(*corticosterone.response_ratio, 2.34);
  EXPECT_FALSE(corticosterone.istd_area.has_value());       // only the ratio is exported
  EXPECT_DOUBLE_EQ(*corticosterone.qualifier_ratio, 25.3);  // the first qualifier's Ratio
  EXPECT_FALSE(corticosterone.expected_concentration.has_value());
  const AnalyteResponse& cortisone = Response(eqc, "Cortisone");
  EXPECT_DOUBLE_EQ(*cortisone.response_ratio, 1.3);
  EXPECT_DOUBLE_EQ(*cortisone.qualifier_ratio, 42.4);

  const Injection& cal_b = Find(batch, "Cal B.d");
  EXPECT_EQ(cal_b.level, "B");
  EXPECT_DOUBLE_EQ(*Response(cal_b, "Corticosterone").vendor_concentration, 1.839);
  EXPECT_DOUBLE_EQ(*Response(cal_b, "Cortisone").area, 268656);
  EXPECT_EQ(Find(batch, "Cal 0.d").type, InjectionType::kBlank);
  EXPECT_EQ(Find(batch, "QC_High_5.d").source_row, 27);
  for (const Injection& injection : batch.injections) {
    for (const AnalyteResponse& r : injection.responses) EXPECT_FALSE(r.outlier_flagged);
  }
}

TEST(MassHunterParserTest, ReportsCompoundsItCannotMap) {
  // Without the method, the steroids are unknown: nothing to read, and the error lists them.
  const std::string what =
      ExpectInputError([] { Parse(kExtCal, TestOptions()); }, TestData(kExtCal), 1, "header",
                       "none of the compounds");
  EXPECT_NE(what.find("('Corticosterone', 'Cortisol', 'Cortisone')"), std::string::npos) << what;

  // With three of the four analytes the fourth and its ISTD are reported and skipped.
  ParseOptions options = TestOptions();
  options.method_analytes = {"Corticosterone", "Cortisol", "Cortisone"};
  const LabBatch batch = Parse(kQuantLcms, options);
  EXPECT_EQ(batch.unmapped_analytes,
            (std::vector<std::string>{"Aldosterone", "Aldosterone D4 (ISTD)"}));
  EXPECT_EQ(batch.injections.front().responses.size(), 3u);
}

TEST(MassHunterParserTest, ReadsADrugPanelWithIstdGroupsSitesAndDates) {
  ParseOptions options = TestOptions();
  options.known_sites = {"WWTP-IN", "MH-N", "MH-A"};
  const LabBatch batch = Parse("ingest/masshunter_drugs.csv", options);
  ASSERT_EQ(batch.injections.size(), 7u);
  EXPECT_EQ(batch.unmapped_analytes, (std::vector<std::string>{"Cocaine"}));
  EXPECT_EQ(*batch.analysis_day, DayFromCivil(2026, 8, 11));  // 8/13 shows month first

  const Injection& blank = batch.injections[0];
  EXPECT_EQ(blank.name, "SB1.d");
  EXPECT_EQ(blank.type, InjectionType::kDoubleBlank);
  EXPECT_FALSE(Response(blank, "methamphetamine").area.has_value());  // "N/F"
  EXPECT_TRUE(Response(blank, "methamphetamine").outlier_flagged);    // row marker

  const Injection& cal2 = Find(batch, "Cal2.d");
  const AnalyteResponse& meth = Response(cal2, "methamphetamine");
  EXPECT_EQ(meth.lab_name, "Methamphetamine");
  EXPECT_DOUBLE_EQ(*meth.area, 15210);  // "!15210": marker stripped ...
  EXPECT_TRUE(meth.outlier_flagged);    // ... and kept as a flag
  EXPECT_FALSE(Response(cal2, "benzoylecgonine").outlier_flagged);
  EXPECT_DOUBLE_EQ(*meth.istd_area, 199100);      // Methamphetamine-D5 Results/Area
  EXPECT_DOUBLE_EQ(*meth.qualifier_ratio, 51.8);  // first qualifier only
  EXPECT_DOUBLE_EQ(*meth.expected_concentration, 5);
  EXPECT_DOUBLE_EQ(*meth.vendor_concentration, 5.1);

  const AnalyteResponse& mdma = Response(cal2, "MDMA");  // "3,4-Methylenedioxy..." quoted
  EXPECT_DOUBLE_EQ(*mdma.area, 8100);
  EXPECT_DOUBLE_EQ(*mdma.istd_area, 196000);  // MDMA-D5, by the isotope-label rule
  EXPECT_DOUBLE_EQ(*mdma.response_ratio, 0.041);
  EXPECT_DOUBLE_EQ(*mdma.qualifier_ratio, 60.2);
  EXPECT_DOUBLE_EQ(*Response(cal2, "benzoylecgonine").istd_area, 151000);  // BZE-D8

  const Injection& s1 = Find(batch, "S1.d");
  EXPECT_EQ(s1.site_id, "WWTP-IN");
  EXPECT_EQ(*s1.sampling_day, DayFromCivil(2026, 8, 3));
  const Injection& s2 = Find(batch, "S2.d");
  EXPECT_EQ(s2.site_id, "MH-N");
  EXPECT_EQ(*s2.sampling_day, DayFromCivil(2026, 8, 4));  // MH-N_20260804_rep2
  EXPECT_FALSE(Response(s2, "MDMA").area.has_value());
  const Injection& s3 = Find(batch, "S3.d");  // SPL-7: not <site>_<date>
  EXPECT_TRUE(s3.site_id.empty());
  EXPECT_FALSE(s3.sampling_day.has_value());
}

TEST(MassHunterParserTest, MethodInternalStandardNamesWin) {
  ParseOptions options = TestOptions();
  options.method_analytes = {"methamphetamine"};
  options.method_internal_standards = {{"methamphetamine", "MDMA-D5"}};
  const LabBatch batch = Parse("ingest/masshunter_drugs.csv", options);
  EXPECT_DOUBLE_EQ(*Response(Find(batch, "Cal2.d"), "methamphetamine").istd_area, 196000);
}

}  // namespace
}  // namespace wbe
