#include "calibration/qc/batch_quantifier.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "data-schemas/validation/json_schema_validator.h"
#include "models/core/data_paths.h"
#include "models/core/input_error.h"

namespace wbe {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

// A synthetic batch: response ratio = kSlope x vial ng/mL, ISTD area 100 000, retention time
// 3.50 min, ion ratio 0.50; calibrators 1-100 ng/mL with +-1.5 % scatter; QC 3, 30, 80 ng/mL
// twice; samples enriched 500x, so sewage ng/L = vial ng/mL x 1000 / 500 = 2 x vial.
constexpr double kSlope = 0.01;
constexpr double kIstd = 100000.0;
constexpr double kRt = 3.5;
constexpr double kIonRatio = 0.5;
const std::vector<double> kCal = {1, 2, 5, 10, 50, 100};
const std::vector<double> kCalBias = {1.01, 0.99, 1.015, 0.985, 1.01, 0.99};

AnalyteResponse Response(const std::string& analyte, double vial, double bias = 1.0) {
  AnalyteResponse r;
  r.analyte = analyte;
  r.lab_name = analyte;
  r.istd_area = kIstd;
  r.area = kIstd * kSlope * vial * bias;
  if (*r.area > 0.0) {
    r.retention_time_min = kRt;
    r.qualifier_ratio = kIonRatio;
  }
  return r;
}

Injection Make(const std::string& name, InjectionType type, const std::string& level = "") {
  Injection i;
  i.name = name;
  i.type = type;
  i.level = level;
  return i;
}

// One injection per entry; every analyte gets the same concentration.
struct Builder {
  std::vector<std::string> analytes = {"methamphetamine"};
  LabBatch batch;

  Builder() {
    batch.batch_id = "LAB1-2026-W32";
    batch.format = "long-csv";
    batch.source_name = "LAB1-2026-W32.csv";
  }
  Injection& Add(Injection injection, double vial, double bias = 1.0,
                 std::optional<double> expected = std::nullopt) {
    for (const std::string& a : analytes) {
      AnalyteResponse r = Response(a, vial, bias);
      r.expected_concentration = expected;
      r.source_row = static_cast<long>(batch.injections.size() * analytes.size() + 2);
      injection.responses.push_back(r);
    }
    batch.injections.push_back(injection);
    return batch.injections.back();
  }
  Builder& Clean() {
    Add(Make("blank-1", InjectionType::kBlank), 0.0);
    for (size_t i = 0; i < kCal.size(); ++i) {
      Add(Make("cal-" + std::to_string(i + 1), InjectionType::kCalibrator, std::to_string(i + 1)),
          kCal[i], kCalBias[i], kCal[i]);
    }
    Add(Make("blank-2", InjectionType::kBlank), 0.0);
    for (int set = 1; set <= 2; ++set) {
      const std::vector<std::pair<std::string, double>> qcs = {{"L", 3}, {"M", 30}, {"H", 80}};
      for (const auto& [level, vial] : qcs) {
        Add(Make("qc-" + level + std::to_string(set), InjectionType::kQc, level), vial, 1.0, vial);
      }
    }
    Sample("S1", "MH-A", 20.0);
    Sample("S2", "MH-B", 0.5);  // below the lowest standard
    Sample("S3", "MH-C", 0.0);  // no peak
    return *this;
  }
  Injection& Sample(const std::string& name, const std::string& site, double vial,
                    std::optional<double> enrichment = 500.0) {
    Injection i = Make(name, InjectionType::kSample);
    i.site_id = site;
    i.sampling_day = DayFromCivil(2026, 8, 3);
    i.enrichment_factor = enrichment;
    return Add(i, vial);
  }
  AnalyteResponse& Of(const std::string& injection, const std::string& analyte = "") {
    for (Injection& i : batch.injections) {
      if (i.name != injection) continue;
      for (AnalyteResponse& r : i.responses) {
        if (analyte.empty() || r.analyte == analyte) return r;
      }
    }
    ADD_FAILURE() << "no " << injection;
    static AnalyteResponse none;
    return none;
  }
};

QuantitationMethod Method(const std::vector<std::string>& analytes = {"methamphetamine"}) {
  QuantitationMethod m;
  m.name = "test panel";
  m.version = "1";
  m.origin = "test.method.json";
  m.concentration_unit = "ng/mL";
  m.unit_to_ng_per_l = 1000.0;
  m.sample_enrichment_factor = 250.0;
  for (const std::string& name : analytes) {
    AnalyteMethod a;
    a.analyte = name;
    a.internal_standard = name + "-d5";
    a.curve = CurveType::kLinear;
    a.weighting = CurveWeighting::kInverseX2;
    for (size_t i = 0; i < kCal.size(); ++i) a.calibration_levels[std::to_string(i + 1)] = kCal[i];
    a.qc_levels = {{"L", 3.0}, {"M", 30.0}, {"H", 80.0}};
    m.analytes.push_back(a);
  }
  return m;
}

const QuantifiedSample& SampleOf(const BatchQuantification& q, const std::string& injection,
                                 const std::string& analyte = "methamphetamine") {
  for (const QuantifiedSample& s : q.samples) {
    if (s.injection == injection && s.analyte == analyte) return s;
  }
  ADD_FAILURE() << "no sample " << injection;
  static QuantifiedSample none;
  return none;
}

std::vector<const QcReason*> ReasonsFor(const BatchQcReport& r, const std::string& check) {
  std::vector<const QcReason*> found;
  for (const QcReason& reason : r.reasons) {
    if (reason.check == check) found.push_back(&reason);
  }
  return found;
}

TEST(BatchQuantifierTest, CleanBatchIsAcceptedWithSewageConcentrations) {
  const BatchQuantification q = QuantifyBatch(Builder().Clean().batch, Method());
  const BatchQcReport& r = q.report;
  EXPECT_EQ(r.verdict, BatchVerdict::kAccepted) << r.ToTable();
  ASSERT_EQ(r.analytes.size(), 1u);
  const AnalyteQc& a = r.analytes[0];
  EXPECT_EQ(a.status, AnalyteStatus::kAccepted);
  EXPECT_TRUE(a.curve.accepted);
  EXPECT_EQ(a.qc_passed, 6);
  EXPECT_EQ(a.qc_total, 6);
  EXPECT_EQ(a.blanks.size(), 2u);
  EXPECT_TRUE(a.blanks_accepted);
  EXPECT_TRUE(a.identification_failures.empty());
  EXPECT_DOUBLE_EQ(*a.retention_time_reference_min, kRt);
  // Limits: LLOQ 1 ng/mL in the vial is 1 x 1000 / 250 = 4 ng/L at the method's default.
  EXPECT_DOUBLE_EQ(*a.limits.lloq_vial, 1.0);
  EXPECT_DOUBLE_EQ(*a.limits.lloq_ng_per_l, 4.0);
  EXPECT_DOUBLE_EQ(*a.limits.reporting_limit_vial, 1.0);  // the curve's LOQ is lower
  EXPECT_LT(*a.limits.loq_vial, 1.0);
  EXPECT_LT(*a.limits.lod_vial, *a.limits.loq_vial);

  ASSERT_EQ(q.samples.size(), 3u);
  const QuantifiedSample& s1 = SampleOf(q, "S1");
  EXPECT_TRUE(s1.reportable);
  EXPECT_FALSE(s1.censored);
  EXPECT_EQ(s1.site_id, "MH-A");
  EXPECT_EQ(*s1.sampling_day, DayFromCivil(2026, 8, 3));
  EXPECT_DOUBLE_EQ(s1.enrichment_factor, 500.0);
  ASSERT_TRUE(s1.concentration_ng_per_l);
  EXPECT_NEAR(*s1.concentration_ng_per_l, 40.0, 40.0 * 0.02);  // 20 ng/mL x 1000 / 500
  EXPECT_DOUBLE_EQ(*s1.concentration_ng_per_l, *s1.vial_concentration * 2.0);
  ASSERT_TRUE(s1.standard_error_ng_per_l);
  EXPECT_GT(*s1.standard_error_ng_per_l, 0.0);
  EXPECT_LT(*s1.standard_error_ng_per_l, 0.1 * *s1.concentration_ng_per_l);
  EXPECT_DOUBLE_EQ(*s1.loq_ng_per_l, 2.0);
  EXPECT_TRUE(s1.flags.empty());
}

TEST(BatchQuantifierTest, BelowTheLowestStandardIsCensoredNeverZero) {
  const BatchQuantification q = QuantifyBatch(Builder().Clean().batch, Method());
  const QuantifiedSample& low = SampleOf(q, "S2");
  EXPECT_TRUE(low.reportable);
  EXPECT_TRUE(low.censored);
  EXPECT_FALSE(low.concentration_ng_per_l);
  EXPECT_DOUBLE_EQ(*low.loq_ng_per_l, 2.0);  // the 1 ng/mL standard in sewage terms
  ASSERT_TRUE(low.below_loq_estimate_ng_per_l);
  EXPECT_NEAR(*low.below_loq_estimate_ng_per_l, 1.0, 0.05);
  EXPECT_THAT(low.flags, Contains("below_loq"));

  const QuantifiedSample& none = SampleOf(q, "S3");
  EXPECT_TRUE(none.censored);
  EXPECT_FALSE(none.concentration_ng_per_l);
  EXPECT_FALSE(none.below_loq_estimate_ng_per_l);
  EXPECT_DOUBLE_EQ(*none.loq_ng_per_l, 2.0);
  EXPECT_THAT(none.flags, Contains("no_peak"));
  for (const QuantifiedSample& s : q.samples) {
    if (s.concentration_ng_per_l) {
      EXPECT_GT(*s.concentration_ng_per_l, 0.0);
    }
  }
  EXPECT_EQ(q.report.analytes[0].samples_reported, 3);
  EXPECT_EQ(q.report.analytes[0].samples_censored, 2);
}

TEST(BatchQuantifierTest, EnrichmentAndUnitsConvertToSewage) {
  Builder b;
  b.Clean();
  b.Sample("S4", "MH-D", 20.0, std::nullopt);  // no factor in the export: the method's 250
  b.Sample("S5", "MH-E", 20.0, 0.5);           // a 1:2 dilution instead of an enrichment
  const BatchQuantification q = QuantifyBatch(b.batch, Method());
  const double vial = *SampleOf(q, "S1").vial_concentration;
  EXPECT_DOUBLE_EQ(SampleOf(q, "S4").enrichment_factor, 250.0);
  EXPECT_DOUBLE_EQ(*SampleOf(q, "S4").concentration_ng_per_l, vial * 1000.0 / 250.0);
  EXPECT_DOUBLE_EQ(*SampleOf(q, "S4").loq_ng_per_l, 4.0);
  EXPECT_DOUBLE_EQ(*SampleOf(q, "S5").concentration_ng_per_l, vial * 1000.0 / 0.5);
  EXPECT_DOUBLE_EQ(*SampleOf(q, "S5").standard_error_ng_per_l,
                   *SampleOf(q, "S1").standard_error_ng_per_l * 1000.0);
  // ng/L in the vial: factor 1.
  QuantitationMethod per_litre = Method();
  per_litre.concentration_unit = "ng/L";
  per_litre.unit_to_ng_per_l = 1.0;
  const BatchQuantification l = QuantifyBatch(b.batch, per_litre);
  EXPECT_DOUBLE_EQ(*SampleOf(l, "S1").concentration_ng_per_l, vial / 500.0);
}

TEST(BatchQuantifierTest, QcOffByThirtyPercentFlagsTheAnalyte) {
  Builder b;
  b.Clean();
  b.Of("qc-M1").area = *b.Of("qc-M1").area * 1.3;
  // One QC out of six: recorded, no consequence.
  BatchQuantification q = QuantifyBatch(b.batch, Method());
  EXPECT_EQ(q.report.analytes[0].status, AnalyteStatus::kAccepted);
  EXPECT_EQ(q.report.analytes[0].qc_passed, 5);
  const auto single = ReasonsFor(q.report, "qc_accuracy");
  ASSERT_EQ(single.size(), 1u);
  EXPECT_EQ(single[0]->severity, ReasonSeverity::kInfo);
  EXPECT_EQ(single[0]->injection, "qc-M1");
  EXPECT_NEAR(*single[0]->observed, 130.0, 2.0);
  EXPECT_DOUBLE_EQ(*single[0]->limit, 120.0);
  EXPECT_THAT(single[0]->message, HasSubstr("% of nominal 30 ng/mL (limit ±20.0 %)"));

  // Both mid QCs and one high QC out: 3 of 6 overall (the method needs 2/3) and 0 of 2 at
  // level M (it needs half); level H at 1 of 2 is just enough.
  b.Of("qc-M2").area = *b.Of("qc-M2").area * 1.3;
  b.Of("qc-H1").area = *b.Of("qc-H1").area * 0.7;
  q = QuantifyBatch(b.batch, Method());
  const AnalyteQc& a = q.report.analytes[0];
  EXPECT_EQ(a.qc_passed, 3);
  EXPECT_FALSE(a.qc_accepted);
  EXPECT_EQ(a.status, AnalyteStatus::kFlagged);
  EXPECT_EQ(q.report.verdict, BatchVerdict::kAcceptedWithFlags);
  const auto overall = ReasonsFor(q.report, "qc_passing");
  ASSERT_EQ(overall.size(), 1u);
  EXPECT_EQ(overall[0]->severity, ReasonSeverity::kFlag);
  EXPECT_THAT(overall[0]->message, HasSubstr("3 of 6 QCs within ±20.0 %"));
  const auto level = ReasonsFor(q.report, "qc_level_passing");
  ASSERT_EQ(level.size(), 1u);
  EXPECT_THAT(level[0]->message, HasSubstr("0 of 2 QCs at level M"));
  // The samples are still reported, with the analyte's flags.
  const QuantifiedSample& s1 = SampleOf(q, "S1");
  EXPECT_TRUE(s1.reportable);
  EXPECT_TRUE(s1.concentration_ng_per_l);
  EXPECT_THAT(s1.flags, Contains("qc_failed"));
  EXPECT_THAT(s1.flags, Contains("analyte_flagged"));
}

TEST(BatchQuantifierTest, BlankWithCarryOverFlagsTheAnalyte) {
  Builder b;
  b.Clean();
  // A peak in the blank after the top standard: 30 % of the 1 ng/mL standard's area.
  AnalyteResponse& blank = b.Of("blank-2");
  blank.area = 0.3 * *b.Of("cal-1").area;
  blank.retention_time_min = kRt;
  const BatchQuantification q = QuantifyBatch(b.batch, Method());
  const AnalyteQc& a = q.report.analytes[0];
  EXPECT_FALSE(a.blanks_accepted);
  EXPECT_EQ(a.status, AnalyteStatus::kFlagged);
  const auto found = ReasonsFor(q.report, "blank");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->injection, "blank-2");
  EXPECT_NEAR(*found[0]->observed, 30.0, 1e-9);
  EXPECT_DOUBLE_EQ(*found[0]->limit, 20.0);
  EXPECT_THAT(found[0]->message, HasSubstr("30.0 % of the lowest standard's"));
  EXPECT_THAT(found[0]->message, HasSubstr("carry-over or contamination"));
  EXPECT_EQ(a.blanks[1].basis, "area");
  EXPECT_TRUE(a.blanks[0].passed);
  EXPECT_THAT(SampleOf(q, "S1").flags, Contains("blank_contamination"));
}

TEST(BatchQuantifierTest, RetentionTimeShiftFlagsTheSampleOrTheAnalyte) {
  Builder b;
  b.Clean();
  *b.Of("S1").retention_time_min += 0.3;
  BatchQuantification q = QuantifyBatch(b.batch, Method());
  EXPECT_EQ(q.report.analytes[0].status, AnalyteStatus::kAccepted);
  EXPECT_THAT(SampleOf(q, "S1").flags, Contains("retention_time"));
  EXPECT_TRUE(SampleOf(q, "S1").reportable);
  auto found = ReasonsFor(q.report, "retention_time");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->severity, ReasonSeverity::kFlag);
  EXPECT_NEAR(*found[0]->observed, 0.3, 1e-9);
  EXPECT_DOUBLE_EQ(*found[0]->limit, 0.1);
  EXPECT_THAT(found[0]->message, HasSubstr("retention time 3.8 min is 0.3 min from the "
                                           "standards' 3.5 min (limit ±0.1 min)"));
  // On a QC the identity of the whole analyte's peaks is in doubt.
  *b.Of("qc-L1").retention_time_min += 0.3;
  q = QuantifyBatch(b.batch, Method());
  EXPECT_EQ(q.report.analytes[0].status, AnalyteStatus::kFlagged);
  EXPECT_EQ(q.report.analytes[0].identification_failures.size(), 2u);
  EXPECT_THAT(SampleOf(q, "S1").flags, Contains("identification_failed_in_standards"));
  // A censored sample is not held to identification.
  *b.Of("S2").retention_time_min += 0.3;
  q = QuantifyBatch(b.batch, Method());
  EXPECT_THAT(SampleOf(q, "S2").flags, Not(Contains("retention_time")));
}

TEST(BatchQuantifierTest, IonRatioOffByHalfFlagsTheSample) {
  Builder b;
  b.Clean();
  *b.Of("S1").qualifier_ratio *= 1.5;
  const BatchQuantification q = QuantifyBatch(b.batch, Method());
  EXPECT_THAT(SampleOf(q, "S1").flags, Contains("ion_ratio"));
  const auto found = ReasonsFor(q.report, "ion_ratio");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NEAR(*found[0]->observed, 50.0, 1e-9);
  EXPECT_DOUBLE_EQ(*found[0]->limit, 30.0);
  EXPECT_EQ(q.report.analytes[0].identification_failures[0].unit, "%");
}

TEST(BatchQuantifierTest, FailedCurveWithholdsTheAnalyteAndRejectsALoneOne) {
  Builder b;
  b.Clean();
  b.Of("cal-2").area = *b.Of("cal-2").area * 1.4;
  b.Of("cal-3").area = *b.Of("cal-3").area * 0.6;
  b.Of("cal-5").area = *b.Of("cal-5").area * 1.4;
  const BatchQuantification q = QuantifyBatch(b.batch, Method());
  const AnalyteQc& a = q.report.analytes[0];
  EXPECT_FALSE(a.curve.accepted);
  EXPECT_EQ(a.status, AnalyteStatus::kRejected);
  EXPECT_EQ(q.report.verdict, BatchVerdict::kRejected);
  EXPECT_EQ(ReasonsFor(q.report, "no_accepted_curve").size(), 1u);
  EXPECT_FALSE(a.limits.reporting_limit_vial);
  for (const QuantifiedSample& s : q.samples) {
    EXPECT_FALSE(s.reportable);
    EXPECT_FALSE(s.concentration_ng_per_l);
    EXPECT_THAT(s.flags, Contains("curve_rejected"));
    EXPECT_THAT(s.flags, Contains("batch_rejected"));
  }
  EXPECT_EQ(a.samples_withheld, 3);
  EXPECT_THAT(q.report.ToTable(), HasSubstr("Verdict: REJECTED"));
}

TEST(BatchQuantifierTest, VerdictLogic) {
  Builder b;
  b.analytes = {"methamphetamine", "ketamine"};
  b.Clean();
  for (const char* cal : {"cal-2", "cal-3", "cal-5"}) {
    AnalyteResponse& r = b.Of(cal, "ketamine");
    r.area = *r.area * (std::string(cal) == "cal-3" ? 0.6 : 1.4);
  }
  QuantitationMethod method = Method({"methamphetamine", "ketamine"});
  BatchQuantification q = QuantifyBatch(b.batch, method);
  EXPECT_EQ(q.report.verdict, BatchVerdict::kAcceptedWithFlags);
  EXPECT_EQ(q.report.FindAnalyte("ketamine")->status, AnalyteStatus::kRejected);
  EXPECT_TRUE(SampleOf(q, "S1", "methamphetamine").reportable);
  EXPECT_FALSE(SampleOf(q, "S1", "ketamine").reportable);
  EXPECT_THAT(q.report.BriefReport(),
              HasSubstr("accepted with flags (2 analytes: 1 accepted, 0 flagged, 1 rejected)"));
  // Samples come in injection order, the method's analyte order within each.
  ASSERT_EQ(q.samples.size(), 6u);
  EXPECT_EQ(q.samples[0].injection, "S1");
  EXPECT_EQ(q.samples[0].analyte, "methamphetamine");
  EXPECT_EQ(q.samples[1].analyte, "ketamine");

  // A critical analyte's failure rejects the batch.
  method.analytes[1].critical = true;
  q = QuantifyBatch(b.batch, method);
  EXPECT_EQ(q.report.verdict, BatchVerdict::kRejected);
  EXPECT_EQ(ReasonsFor(q.report, "critical_analyte_rejected").size(), 1u);
  EXPECT_FALSE(SampleOf(q, "S1", "methamphetamine").reportable);

  // So does a share of rejected analytes above the method's limit.
  method.analytes[1].critical = false;
  method.batch_rules.max_rejected_analyte_fraction = 0.25;
  q = QuantifyBatch(b.batch, method);
  EXPECT_EQ(q.report.verdict, BatchVerdict::kRejected);
  EXPECT_EQ(ReasonsFor(q.report, "rejected_analytes").size(), 1u);
}

TEST(BatchQuantifierTest, MissingInternalStandardRejectsTheBatchWhenTheMethodSaysSo) {
  Builder b;
  b.analytes = {"methamphetamine", "ketamine"};
  b.Clean();
  for (Injection& i : b.batch.injections) {
    for (AnalyteResponse& r : i.responses) {
      if (r.analyte == "ketamine") r.istd_area.reset();
    }
  }
  QuantitationMethod method = Method({"methamphetamine", "ketamine"});
  BatchQuantification q = QuantifyBatch(b.batch, method);
  EXPECT_TRUE(q.report.FindAnalyte("ketamine")->istd_missing);
  EXPECT_EQ(q.report.FindAnalyte("ketamine")->status, AnalyteStatus::kRejected);
  EXPECT_EQ(q.report.verdict, BatchVerdict::kRejected);
  const auto found = ReasonsFor(q.report, "istd_missing_in_batch");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_THAT(found[0]->message, HasSubstr("ketamine-d5 (for ketamine) is missing from every "
                                           "injection: batch rejected"));
  method.batch_rules.reject_when_istd_missing = false;
  q = QuantifyBatch(b.batch, method);
  EXPECT_EQ(q.report.verdict, BatchVerdict::kAcceptedWithFlags);
  EXPECT_THAT(SampleOf(q, "S1", "ketamine").flags, Contains("istd_missing"));
}

TEST(BatchQuantifierTest, LowInternalStandardInASampleWithholdsIt) {
  Builder b;
  b.Clean();
  AnalyteResponse& r = b.Of("S1");
  r.istd_area = 0.1 * kIstd;
  r.area = *r.area * 0.1;
  const BatchQuantification q = QuantifyBatch(b.batch, Method());
  EXPECT_FALSE(SampleOf(q, "S1").reportable);
  EXPECT_THAT(SampleOf(q, "S1").flags, Contains("istd_response_low"));
  ASSERT_EQ(ReasonsFor(q.report, "istd_response").size(), 1u);
  EXPECT_EQ(q.report.verdict, BatchVerdict::kAccepted);  // one sample, not the batch
}

TEST(BatchQuantifierTest, NominalValuesComeFromTheMethodWhenTheExportHasNone) {
  Builder b;
  b.Clean();
  for (Injection& i : b.batch.injections) {
    for (AnalyteResponse& r : i.responses) r.expected_concentration.reset();
  }
  BatchQuantification q = QuantifyBatch(b.batch, Method());
  EXPECT_EQ(q.report.verdict, BatchVerdict::kAccepted);
  EXPECT_EQ(q.report.analytes[0].curve.standards, 6);
  EXPECT_EQ(q.report.analytes[0].qc_total, 6);
  // An export value that disagrees with the method wins, and flags the analyte.
  b.Of("cal-4").expected_concentration = 12.0;
  q = QuantifyBatch(b.batch, Method());
  const auto found = ReasonsFor(q.report, "nominal_mismatch");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_THAT(found[0]->message, HasSubstr("the export gives a nominal 12 ng/mL, the method 10 "
                                           "ng/mL for level 4"));
  EXPECT_DOUBLE_EQ(q.report.analytes[0].curve.points[3].nominal, 12.0);
  EXPECT_EQ(q.report.analytes[0].status, AnalyteStatus::kFlagged);
  // A level the method does not know and the export does not give: not used, said so.
  b.Of("cal-4").expected_concentration.reset();
  b.batch.injections[4].level = "9";
  q = QuantifyBatch(b.batch, Method());
  EXPECT_EQ(q.report.analytes[0].curve.standards, 5);
  EXPECT_EQ(ReasonsFor(q.report, "calibrator_no_nominal").size(), 1u);
}

TEST(BatchQuantifierTest, AnalytesMissingOnEitherSideAreReported) {
  Builder b;
  b.analytes = {"methamphetamine", "cocaine-x"};
  b.Clean();
  const BatchQuantification q = QuantifyBatch(b.batch, Method({"methamphetamine", "MDMA"}));
  EXPECT_EQ(q.report.FindAnalyte("MDMA")->status, AnalyteStatus::kRejected);
  EXPECT_EQ(ReasonsFor(q.report, "not_in_batch").size(), 1u);
  const auto unknown = ReasonsFor(q.report, "not_in_method");
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_EQ(unknown[0]->analyte, "cocaine-x");
  EXPECT_EQ(unknown[0]->severity, ReasonSeverity::kInfo);
  EXPECT_EQ(q.report.verdict, BatchVerdict::kAcceptedWithFlags);
}

TEST(BatchQuantifierTest, AboveTheTopStandardIsFlagged) {
  Builder b;
  b.Clean();
  b.Sample("S9", "MH-F", 150.0);
  const BatchQuantification q = QuantifyBatch(b.batch, Method());
  const QuantifiedSample& high = SampleOf(q, "S9");
  EXPECT_TRUE(high.reportable);
  EXPECT_NEAR(*high.concentration_ng_per_l, 300.0, 300.0 * 0.03);
  EXPECT_THAT(high.flags, Contains("above_calibration_range"));
  EXPECT_THAT(ReasonsFor(q.report, "above_calibration_range")[0]->message,
              HasSubstr("dilute and re-inject"));
}

TEST(BatchQuantifierTest, LabQuantifiedResultsPassThrough) {
  LabBatch batch;
  batch.batch_id = "Q1";
  batch.format = "quantified";
  QuantifiedResult ok;
  ok.site_id = "WWTP-IN";
  ok.sampling_day = DayFromCivil(2026, 8, 4);
  ok.analyte = "methamphetamine";
  ok.lab_name = "METH";
  ok.concentration_ng_per_l = 123.0;
  ok.loq_ng_per_l = 1.0;
  QuantifiedResult low = ok;
  low.concentration_ng_per_l.reset();
  low.censored = true;
  low.loq_ng_per_l = 2.0;
  batch.quantified = {ok, low};
  const BatchQuantification q = QuantifyBatch(batch, Method());
  EXPECT_TRUE(q.report.lab_quantified);
  EXPECT_EQ(q.report.verdict, BatchVerdict::kAccepted);
  ASSERT_EQ(ReasonsFor(q.report, "lab_quantified").size(), 1u);
  EXPECT_THAT(q.report.ToTable(), HasSubstr("No curve checks were possible"));
  ASSERT_EQ(q.samples.size(), 2u);
  EXPECT_DOUBLE_EQ(*q.samples[0].concentration_ng_per_l, 123.0);
  EXPECT_TRUE(q.samples[0].reportable);
  EXPECT_TRUE(q.samples[1].censored);
  EXPECT_DOUBLE_EQ(*q.samples[1].loq_ng_per_l, 2.0);
  EXPECT_FALSE(q.samples[1].concentration_ng_per_l);
  EXPECT_THAT(q.samples[1].flags, Contains("lab_quantified"));
}

TEST(BatchQuantifierTest, EmptyBatchIsRejectedAndBadMethodsRefused) {
  LabBatch empty;
  EXPECT_EQ(QuantifyBatch(empty, Method()).report.verdict, BatchVerdict::kRejected);
  QuantitationMethod bad = Method();
  bad.thresholds.qc_tolerance = -1.0;
  EXPECT_THROW(QuantifyBatch(Builder().Clean().batch, bad), std::invalid_argument);
}

// --- the JSON report ------------------------------------------------------------------------

BatchQuantification Eventful() {
  Builder b;
  b.analytes = {"methamphetamine", "ketamine"};
  b.Clean();
  b.Of("cal-6", "ketamine").area = *b.Of("cal-6", "ketamine").area * 1.4;
  b.Of("qc-M1").area = *b.Of("qc-M1").area * 1.3;
  *b.Of("S1").retention_time_min += 0.3;
  b.Of("blank-2", "ketamine").area = 0.5 * *b.Of("cal-1", "ketamine").area;
  b.batch.analysis_day = DayFromCivil(2026, 8, 11);
  b.batch.warnings = {"row 7: trailing empty column ignored"};
  return QuantifyBatch(b.batch, Method({"methamphetamine", "ketamine", "MDMA"}));
}

TEST(QcReportJsonTest, MatchesItsSchemaAndRoundTrips) {
  const BatchQuantification q = Eventful();
  const json document = q.report.ToJson();
  const JsonSchemaValidator validator =
      JsonSchemaValidator::FromFile(DataPath("data-schemas/qc-report.schema.json"));
  for (const SchemaViolation& v : validator.Validate(document)) {
    ADD_FAILURE() << v.instance_path << ": " << v.message;
  }
  const BatchQcReport back = BatchQcReport::FromJson(json::parse(document.dump()));
  EXPECT_EQ(back.ToJson(), document);
  EXPECT_EQ(back.ToTable(), q.report.ToTable());

  // The fields a client reads.
  EXPECT_EQ(document["report_version"], 1);
  EXPECT_EQ(document["batch_id"], "LAB1-2026-W32");
  EXPECT_EQ(document["analysis_date"], "2026-08-11");
  EXPECT_EQ(document["verdict"], "accepted_with_flags");
  EXPECT_EQ(document["method"]["origin"], "test.method.json");
  const json& ketamine = document["analytes"][1];
  EXPECT_EQ(ketamine["analyte"], "ketamine");
  EXPECT_EQ(ketamine["status"], "flagged");
  EXPECT_EQ(ketamine["curve"]["type"], "linear");
  EXPECT_EQ(ketamine["curve"]["weighting"], "1/x^2");
  EXPECT_EQ(ketamine["curve"]["coefficients"].size(), 2u);
  EXPECT_EQ(ketamine["curve"]["points"][5]["excluded_automatically"], true);
  EXPECT_EQ(ketamine["blanks"]["accepted"], false);
  EXPECT_EQ(document["analytes"][2]["curve"]["coefficients"], nullptr);  // MDMA not in the batch
  EXPECT_EQ(document["warnings"][0], "row 7: trailing empty column ignored");
  bool saw_rt = false;
  for (const json& r : document["reasons"]) {
    if (r["check"] != "retention_time") continue;
    saw_rt = true;
    EXPECT_EQ(r["severity"], "flag");
    EXPECT_EQ(r["analyte"], "methamphetamine");
    EXPECT_EQ(r["injection"], "S1");
    EXPECT_EQ(r["unit"], "min");
  }
  EXPECT_TRUE(saw_rt);
  // The rebuilt curve reads back like the original.
  const CurveAssessment& original = q.report.analytes[0].curve;
  const CurveAssessment& rebuilt = back.analytes[0].curve;
  EXPECT_DOUBLE_EQ(rebuilt.fit->Inverse(0.2).concentration,
                   original.fit->Inverse(0.2).concentration);
  EXPECT_DOUBLE_EQ(rebuilt.fit->Inverse(0.2).standard_error,
                   original.fit->Inverse(0.2).standard_error);
}

TEST(QcReportJsonTest, SamplesMatchTheirSchemaDefinition) {
  const BatchQuantification q = Eventful();
  const json whole = q.ToJson();
  ASSERT_TRUE(whole.contains("qc_report"));
  json schema = json::parse(std::ifstream(DataPath("data-schemas/qc-report.schema.json")));
  const JsonSchemaValidator sample_validator(
      {{"$ref", "#/$defs/sample"}, {"$defs", schema["$defs"]}});
  ASSERT_FALSE(whole["samples"].empty());
  for (const json& s : whole["samples"]) {
    for (const SchemaViolation& v : sample_validator.Validate(s)) {
      ADD_FAILURE() << s.dump() << v.instance_path << ": " << v.message;
    }
  }
  EXPECT_EQ(whole["samples"][0]["sampling_date"], "2026-08-03");
}

TEST(QcReportJsonTest, FromJsonNamesThePathOfABadDocument) {
  json document = Eventful().report.ToJson();
  document["analytes"][0]["status"] = "fine";
  try {
    BatchQcReport::FromJson(document);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "/analytes/0/status");
  }
}

TEST(QcReportTableTest, OneLinePerAnalyteThenTheReasons) {
  const std::string table = Eventful().report.ToTable();
  std::cout << table;
  EXPECT_THAT(table, HasSubstr("Verdict: ACCEPTED WITH FLAGS"));
  EXPECT_THAT(table, HasSubstr("methamphetamine       accepted  accepted  linear 1/x^2"));
  EXPECT_THAT(table, HasSubstr("ketamine              flagged   accepted"));
  EXPECT_THAT(table, HasSubstr("MDMA                  rejected  none"));
  EXPECT_THAT(table, HasSubstr("1/2 high"));
  EXPECT_THAT(table, HasSubstr("Reasons ("));
  // Reject lines before flags before info.
  const size_t reject = table.find("  REJECT ");
  const size_t flag = table.find("  FLAG ");
  const size_t info = table.find("  INFO ");
  ASSERT_NE(reject, std::string::npos);
  EXPECT_LT(reject, flag);
  EXPECT_LT(flag, info);
  EXPECT_THAT(table, HasSubstr("WARNING row 7: trailing empty column ignored"));
}

}  // namespace
}  // namespace wbe
