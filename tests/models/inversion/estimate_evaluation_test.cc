#include "models/inversion/estimate_evaluation.h"

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/core/civil_day.h"

namespace wbe {
namespace {

constexpr char kMeth[] = "methamphetamine";
constexpr char kKet[] = "ketamine";

DayIndex Monday() { return MondayOfIsoWeek(IsoWeek{2026, 48}); }

// Seven days of truth for one district and drug, starting on `start`.
void AddWeekTruth(GroundTruth* truth, const std::string& district, const std::string& drug,
                  DayIndex start, const std::vector<double>& mg_per_day) {
  for (int d = 0; d < 7; ++d) {
    DistrictDayTruth t;
    t.district_id = district;
    t.day = start + d;
    t.drug = drug;
    t.consumption_mg = mg_per_day.size() == 1 ? mg_per_day[0] : mg_per_day.at(d);
    truth->districts.push_back(t);
  }
}

struct Interval {
  double p05;
  double p95;
};

DistrictEstimate WeekRow(const std::string& group_id, const std::string& drug, double point,
                         Interval given, Interval full, DayIndex start = Monday()) {
  DistrictEstimate row;
  row.group_id = group_id;
  row.district_ids = group_id;
  for (char& c : row.district_ids) {
    if (c == '+') c = ',';
  }
  row.resolved = group_id.find('+') == std::string::npos;
  row.drug = drug;
  row.biomarker = drug;
  row.start_day = start;
  row.days = 7;
  row.consumption_mg_per_day.point = point;
  row.consumption_mg_per_day.median = point;
  row.consumption_mg_per_day.p05 = full.p05;
  row.consumption_mg_per_day.p95 = full.p95;
  row.consumption_p05_given_parameters = given.p05;
  row.consumption_p95_given_parameters = given.p95;
  return row;
}

// Four resolved district-weeks, truth 100 mg/day each (A's varies by day, mean 100), with
// errors +5 %, -10 %, +20 %, -40 % and given-parameter intervals covering A, B (on the bound)
// and D but not C; the full intervals cover all four.
struct FourWeeks {
  GroundTruth truth;
  std::vector<DistrictEstimate> rows;
};

FourWeeks MakeFourWeeks() {
  FourWeeks w;
  AddWeekTruth(&w.truth, "A", kMeth, Monday(), {70, 80, 90, 100, 110, 120, 130});
  for (const char* district : {"B", "C", "D"})
    AddWeekTruth(&w.truth, district, kMeth, Monday(), {100});
  w.rows.push_back(WeekRow("A", kMeth, 105, {95, 110}, {80, 130}));
  w.rows.push_back(WeekRow("B", kMeth, 90, {80, 100}, {70, 120}));
  w.rows.push_back(WeekRow("C", kMeth, 120, {101, 140}, {90, 160}));
  w.rows.push_back(WeekRow("D", kMeth, 60, {50, 150}, {40, 200}));
  return w;
}

TEST(EstimateEvaluationTest, FiguresComputedByHand) {
  const FourWeeks w = MakeFourWeeks();
  const EstimateEvaluation e = EvaluateDistrictEstimates(w.rows, w.truth, {});
  EXPECT_EQ(e.resolved.district_weeks, 4);
  EXPECT_NEAR(e.resolved.median_abs_rel_error, 0.15, 1e-12);  // (10 % + 20 %) / 2
  EXPECT_NEAR(e.resolved.median_rel_error, -0.025, 1e-12);    // (-10 % + 5 %) / 2
  EXPECT_DOUBLE_EQ(e.resolved.coverage_90, 0.75);
  EXPECT_DOUBLE_EQ(e.resolved.coverage_90_full, 1.0);
  EXPECT_EQ(e.resolved.intervals, 4);
  EXPECT_EQ(e.resolved.intervals_full, 4);
  const double expected_width = std::exp(
      (std::log(110.0 / 95) + std::log(100.0 / 80) + std::log(140.0 / 101) + std::log(150.0 / 50)) /
      4);
  EXPECT_NEAR(e.resolved.mean_interval_width_ratio, expected_width, 1e-12);
  EXPECT_EQ(e.groups.district_weeks, 0);
  EXPECT_TRUE(std::isnan(e.groups.median_abs_rel_error));
  EXPECT_EQ(e.skipped.total(), 0);
  ASSERT_EQ(e.by_drug.count(kMeth), 1u);
  EXPECT_EQ(e.by_drug.at(kMeth).resolved.district_weeks, 4);
  EXPECT_NEAR(e.by_drug.at(kMeth).resolved.median_abs_rel_error, 0.15, 1e-12);
}

TEST(EstimateEvaluationTest, UnresolvedGroupsScoredAgainstTheSumOfMembersApart) {
  FourWeeks w = MakeFourWeeks();
  AddWeekTruth(&w.truth, "E", kMeth, Monday(), {30});
  AddWeekTruth(&w.truth, "F", kMeth, Monday(), {20, 30, 40, 50, 60, 70, 80});  // mean 50
  // E + F: truth 80 mg/day; point 88 is +10 %, interval [70, 90] covers, full [85, 95] does not.
  w.rows.push_back(WeekRow("E+F", kMeth, 88, {70, 90}, {85, 95}));
  const EstimateEvaluation e = EvaluateDistrictEstimates(w.rows, w.truth, {});
  EXPECT_EQ(e.resolved.district_weeks, 4);
  EXPECT_NEAR(e.resolved.median_abs_rel_error, 0.15, 1e-12);
  EXPECT_DOUBLE_EQ(e.resolved.coverage_90, 0.75);
  EXPECT_EQ(e.groups.district_weeks, 1);
  EXPECT_NEAR(e.groups.median_abs_rel_error, 0.10, 1e-12);
  EXPECT_DOUBLE_EQ(e.groups.coverage_90, 1.0);
  EXPECT_DOUBLE_EQ(e.groups.coverage_90_full, 0.0);
  EXPECT_EQ(e.by_drug.at(kMeth).groups.district_weeks, 1);
}

TEST(EstimateEvaluationTest, UnavailableConsumptionSkippedAndCounted) {
  FourWeeks w = MakeFourWeeks();
  AddWeekTruth(&w.truth, "G", kMeth, Monday(), {100});
  DistrictEstimate row = WeekRow("G", kMeth, std::nan(""), {1, 2}, {1, 2});
  row.note = "no excretion fraction";
  w.rows.push_back(row);
  const EstimateEvaluation e = EvaluateDistrictEstimates(w.rows, w.truth, {});
  EXPECT_EQ(e.resolved.district_weeks, 4);
  EXPECT_NEAR(e.resolved.median_abs_rel_error, 0.15, 1e-12);
  EXPECT_EQ(e.skipped.consumption_unavailable, 1);
  EXPECT_EQ(e.skipped.total(), 1);
}

TEST(EstimateEvaluationTest, DrugsWithoutTruthIgnored) {
  FourWeeks w = MakeFourWeeks();
  w.rows.push_back(WeekRow("A", kKet, 5, {4, 6}, {3, 7}));
  const EstimateEvaluation e = EvaluateDistrictEstimates(w.rows, w.truth, {});
  EXPECT_EQ(e.resolved.district_weeks, 4);
  EXPECT_EQ(e.by_drug.count(kKet), 0u);
  EXPECT_EQ(e.skipped.no_truth, 1);
}

TEST(EstimateEvaluationTest, WeekWithAMissingTruthDaySkipped) {
  FourWeeks w = MakeFourWeeks();
  AddWeekTruth(&w.truth, "H", kMeth, Monday(), {100});
  w.truth.districts.pop_back();  // H's Sunday
  w.rows.push_back(WeekRow("H", kMeth, 100, {90, 110}, {80, 120}));
  // A group with one member lacking truth altogether.
  w.rows.push_back(WeekRow("A+Z", kMeth, 100, {90, 110}, {80, 120}));
  // The following week: no truth at all for it.
  w.rows.push_back(WeekRow("A", kMeth, 100, {90, 110}, {80, 120}, Monday() + 7));
  const EstimateEvaluation e = EvaluateDistrictEstimates(w.rows, w.truth, {});
  EXPECT_EQ(e.resolved.district_weeks, 4);
  EXPECT_EQ(e.groups.district_weeks, 0);
  EXPECT_EQ(e.skipped.incomplete_truth, 3);
}

TEST(EstimateEvaluationTest, NonWeeksAndZeroTruthSkipped) {
  FourWeeks w = MakeFourWeeks();
  DistrictEstimate day_row = WeekRow("A", kMeth, 100, {90, 110}, {80, 120});
  day_row.days = 1;
  w.rows.push_back(day_row);
  w.rows.push_back(WeekRow("A", kMeth, 100, {90, 110}, {80, 120}, Monday() + 1));
  AddWeekTruth(&w.truth, "Q", kMeth, Monday(), {0});
  w.rows.push_back(WeekRow("Q", kMeth, 1, {0, 2}, {0, 3}));
  const EstimateEvaluation e = EvaluateDistrictEstimates(w.rows, w.truth, {});
  EXPECT_EQ(e.resolved.district_weeks, 4);
  EXPECT_EQ(e.skipped.not_iso_week, 2);
  EXPECT_EQ(e.skipped.truth_not_positive, 1);
  EXPECT_EQ(e.skipped.total(), 3);
}

TEST(EstimateEvaluationTest, PerDrugBreakdownAndDrugFilter) {
  FourWeeks w = MakeFourWeeks();
  AddWeekTruth(&w.truth, "A", kKet, Monday(), {10});
  AddWeekTruth(&w.truth, "B", kKet, Monday(), {10});
  w.rows.push_back(WeekRow("A", kKet, 13, {12, 14}, {9, 15}));  // +30 %, given misses
  w.rows.push_back(WeekRow("B", kKet, 9, {8, 11}, {7, 12}));    // -10 %, covered

  const EstimateEvaluation all = EvaluateDistrictEstimates(w.rows, w.truth, {});
  EXPECT_EQ(all.resolved.district_weeks, 6);
  // Abs errors 5, 10, 10, 20, 30, 40 %: median 15 %.
  EXPECT_NEAR(all.resolved.median_abs_rel_error, 0.15, 1e-12);
  EXPECT_NEAR(all.resolved.coverage_90, 4.0 / 6, 1e-12);
  ASSERT_EQ(all.by_drug.size(), 2u);
  EXPECT_EQ(all.by_drug.at(kKet).resolved.district_weeks, 2);
  EXPECT_NEAR(all.by_drug.at(kKet).resolved.median_abs_rel_error, 0.20, 1e-12);
  EXPECT_DOUBLE_EQ(all.by_drug.at(kKet).resolved.coverage_90, 0.5);
  EXPECT_DOUBLE_EQ(all.by_drug.at(kKet).resolved.coverage_90_full, 1.0);
  EXPECT_NEAR(all.by_drug.at(kMeth).resolved.median_abs_rel_error, 0.15, 1e-12);

  EvaluationOptions only_ketamine;
  only_ketamine.drugs = {kKet};
  const EstimateEvaluation ket = EvaluateDistrictEstimates(w.rows, w.truth, only_ketamine);
  EXPECT_EQ(ket.resolved.district_weeks, 2);
  EXPECT_NEAR(ket.resolved.median_abs_rel_error, 0.20, 1e-12);
  EXPECT_EQ(ket.by_drug.count(kMeth), 0u);
  EXPECT_EQ(ket.skipped.total(), 0);  // filtered rows are not skips
}

TEST(EstimateEvaluationTest, MissingIntervalsLeaveCoverageOutOfTheirBase) {
  GroundTruth truth;
  AddWeekTruth(&truth, "A", kMeth, Monday(), {100});
  AddWeekTruth(&truth, "B", kMeth, Monday(), {100});
  std::vector<DistrictEstimate> rows = {
      WeekRow("A", kMeth, 110, {std::nan(""), std::nan("")}, {std::nan(""), std::nan("")}),
      WeekRow("B", kMeth, 130, {90, 110}, {std::nan(""), std::nan("")}),
  };
  const EstimateEvaluation e = EvaluateDistrictEstimates(rows, truth, {});
  EXPECT_EQ(e.resolved.district_weeks, 2);
  EXPECT_NEAR(e.resolved.median_abs_rel_error, 0.20, 1e-12);
  EXPECT_EQ(e.resolved.intervals, 1);
  EXPECT_DOUBLE_EQ(e.resolved.coverage_90, 1.0);
  EXPECT_EQ(e.resolved.intervals_full, 0);
  EXPECT_TRUE(std::isnan(e.resolved.coverage_90_full));
}

TEST(EstimateEvaluationTest, JsonHasTheDocumentedKeysAndNullsWhenEmpty) {
  const FourWeeks w = MakeFourWeeks();
  const nlohmann::json json = EvaluateDistrictEstimates(w.rows, w.truth, {}).ToJson();
  EXPECT_NEAR(json.at("median_abs_rel_error").get<double>(), 0.15, 1e-12);
  EXPECT_DOUBLE_EQ(json.at("coverage_90").get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(json.at("coverage_90_full").get<double>(), 1.0);
  EXPECT_EQ(json.at("district_weeks").get<int>(), 4);
  EXPECT_EQ(json.at("skipped").at("total").get<int>(), 0);
  EXPECT_EQ(json.at("groups").at("district_weeks").get<int>(), 0);
  EXPECT_TRUE(json.at("groups").at("median_abs_rel_error").is_null());
  EXPECT_NEAR(json.at("by_drug").at(kMeth).at("median_abs_rel_error").get<double>(), 0.15, 1e-12);
  EXPECT_EQ(json.at("by_drug").at(kMeth).at("groups").at("district_weeks").get<int>(), 0);

  const nlohmann::json empty = EvaluateDistrictEstimates({}, GroundTruth{}, {}).ToJson();
  EXPECT_EQ(empty.at("district_weeks").get<int>(), 0);
  EXPECT_TRUE(empty.at("median_abs_rel_error").is_null());
  EXPECT_TRUE(empty.at("coverage_90").is_null());
  EXPECT_TRUE(empty.at("by_drug").is_object());
  EXPECT_TRUE(empty.at("by_drug").empty());
  EXPECT_NE(empty.dump().find("null"), std::string::npos);
}

TEST(EstimateEvaluationTest, BriefReportIsATable) {
  FourWeeks w = MakeFourWeeks();
  w.rows.push_back(WeekRow("A", kKet, 5, {4, 6}, {3, 7}));
  const std::string report = EvaluateDistrictEstimates(w.rows, w.truth, {}).BriefReport();
  EXPECT_NE(report.find("resolved districts"), std::string::npos) << report;
  EXPECT_NE(report.find("15.0 %"), std::string::npos) << report;
  EXPECT_NE(report.find("75.0 %"), std::string::npos) << report;
  EXPECT_NE(report.find("  methamphetamine"), std::string::npos) << report;
  EXPECT_NE(report.find("skipped: 1 (drug not simulated 1)"), std::string::npos) << report;
}

}  // namespace
}  // namespace wbe
