#include "calibration/curve/curve_assessment.h"

#include <cmath>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wbe {
namespace {

using ::testing::HasSubstr;

constexpr double kSlope = 0.004;  // response per ng/mL

// Standards on y = kSlope x, level labels A, B, ...; `bias` multiplies single responses.
std::vector<CalibratorPoint> Standards(const std::vector<double>& nominal,
                                       const std::vector<double>& bias = {}) {
  std::vector<CalibratorPoint> points;
  for (size_t i = 0; i < nominal.size(); ++i) {
    CalibratorPoint p;
    p.level = std::string(1, static_cast<char>('A' + i));
    p.injection = "Cal " + p.level + ".d";
    p.nominal = nominal[i];
    p.response = kSlope * nominal[i] * (i < bias.size() ? bias[i] : 1.0);
    points.push_back(p);
  }
  return points;
}

CurveOptions Linear(CurveWeighting weighting = CurveWeighting::kInverseX2) {
  CurveOptions options;
  options.type = CurveType::kLinear;
  options.weighting = weighting;
  options.concentration_unit = "ng/mL";
  return options;
}

const std::vector<double> kSix = {1, 2, 5, 10, 50, 100};
const std::vector<double> kEight = {1, 2, 5, 10, 20, 50, 100, 200};

const CurveFinding* Find(const CurveAssessment& a, const std::string& check) {
  for (const CurveFinding& f : a.findings) {
    if (f.check == check) return &f;
  }
  return nullptr;
}

TEST(CurveAssessmentTest, CleanStandardsGiveAnAcceptedCurveOverTheWholeRange) {
  std::vector<double> bias = {1.01, 0.99, 1.02, 0.98, 1.01, 0.99};
  const CurveAssessment a = AssessCurve(Standards(kSix, bias), Linear());
  EXPECT_TRUE(a.accepted) << a.BriefReport();
  EXPECT_EQ(a.standards, 6);
  EXPECT_EQ(a.passing, 6);
  EXPECT_EQ(a.excluded_automatically, 0);
  EXPECT_EQ(a.levels_in_fit, 6);
  EXPECT_DOUBLE_EQ(*a.lloq, 1.0);
  EXPECT_DOUBLE_EQ(*a.uloq, 100.0);
  EXPECT_FALSE(a.range_narrowed);
  ASSERT_TRUE(a.lod && a.loq);
  EXPECT_NEAR(*a.loq / *a.lod, 10.0 / 3.3, 1e-12);
  EXPECT_DOUBLE_EQ(*a.ReportingLimit(), std::max(*a.lloq, *a.loq));
  for (const CalibratorPoint& p : a.points) {
    EXPECT_TRUE(p.passed) << p.note;
    EXPECT_FALSE(p.excluded);
    ASSERT_TRUE(p.accuracy_percent);
    EXPECT_DOUBLE_EQ(p.tolerance_percent, p.nominal == 1.0 ? 20.0 : 15.0);
  }
  EXPECT_THAT(a.BriefReport(), HasSubstr("accepted: linear 1/x^2"));
  EXPECT_THAT(a.BriefReport(), HasSubstr("6 of 6 standards pass, 0 excluded, range 1-100"));
}

TEST(CurveAssessmentTest, LodAndLoqComeFromTheResponseSdAtTheLowestStandard) {
  std::vector<double> bias = {1.03, 0.97, 1.02, 0.98, 1.01, 0.99};
  for (CurveWeighting w :
       {CurveWeighting::kNone, CurveWeighting::kInverseX, CurveWeighting::kInverseX2}) {
    const CurveAssessment a = AssessCurve(Standards(kSix, bias), Linear(w));
    ASSERT_TRUE(a.fit && a.lod && a.loq);
    const double s_low = a.fit->ResponseSd(1.0);
    EXPECT_NEAR(*a.lod, 3.3 * s_low / a.fit->linear(), 1e-12);
    EXPECT_NEAR(*a.loq, 10.0 * s_low / a.fit->linear(), 1e-12);
  }
}

TEST(CurveAssessmentTest, ExcludesOneBadLevelAndRecordsIt) {
  std::vector<double> bias(8, 1.0);
  bias[7] = 1.31;  // the top standard reads about 131 %
  bias[2] = 0.97;
  const CurveAssessment a = AssessCurve(Standards(kEight, bias), Linear());
  EXPECT_TRUE(a.accepted) << a.BriefReport();
  EXPECT_EQ(a.excluded_automatically, 1);
  const CalibratorPoint& top = a.points.back();
  EXPECT_TRUE(top.excluded);
  EXPECT_TRUE(top.excluded_automatically);
  EXPECT_FALSE(top.passed);
  EXPECT_THAT(top.note, HasSubstr("Cal H (Cal H.d) back-calculates to"));
  EXPECT_THAT(top.note, HasSubstr("% of nominal (limit ±15.0 %): excluded"));
  EXPECT_GT(*top.accuracy_percent, 115.0);
  const CurveFinding* finding = Find(a, "calibrator_excluded");
  ASSERT_NE(finding, nullptr);
  EXPECT_EQ(finding->injection, "Cal H.d");
  EXPECT_FALSE(finding->rejects_curve);
  EXPECT_DOUBLE_EQ(*finding->limit, 115.0);
  // The final fit no longer sees it: the others back-calculate within 3 %.
  for (size_t i = 0; i + 1 < a.points.size(); ++i) {
    EXPECT_NEAR(*a.points[i].accuracy_percent, 100.0 * (i == 2 ? 0.97 : 1.0), 0.5);
  }
  // The top passing standard ends the range now.
  EXPECT_DOUBLE_EQ(*a.uloq, 100.0);
  EXPECT_TRUE(a.range_narrowed);
  EXPECT_NE(Find(a, "range_narrowed"), nullptr);
  EXPECT_EQ(a.passing, 7);
}

TEST(CurveAssessmentTest, ExcludesTheMostDeviantFirstRelativeToItsTolerance) {
  // The lowest level is 19 % off (inside its ±20 %); level D 25 % off; level F 40 % off.
  std::vector<double> bias = {1.19, 1.0, 1.0, 1.25, 1.0, 1.4, 1.0, 1.0};
  CurveOptions options = Linear();
  options.thresholds.max_excluded_levels = 1;
  const CurveAssessment a = AssessCurve(Standards(kEight, bias), options);
  EXPECT_TRUE(a.points[5].excluded_automatically);
  EXPECT_FALSE(a.points[3].excluded);
  EXPECT_FALSE(a.points[3].passed);
  EXPECT_THAT(a.points[3].note,
              HasSubstr("fails; kept in the fit, automatic exclusions used up (1 of 1 allowed)"));
  EXPECT_TRUE(a.points[0].passed) << a.points[0].note;
  // 6 of 8 pass: exactly the 75 % needed.
  EXPECT_EQ(a.passing, 6);
  EXPECT_TRUE(a.accepted) << a.BriefReport();
}

TEST(CurveAssessmentTest, RefusesTheCurveWhenMoreLevelsFailThanMayBeExcluded) {
  std::vector<double> bias = {1.0, 1.0, 1.3, 1.0, 0.7, 1.0};
  CurveOptions options = Linear();
  options.thresholds.max_excluded_levels = 1;
  const CurveAssessment a = AssessCurve(Standards(kSix, bias), options);
  EXPECT_FALSE(a.accepted);
  EXPECT_EQ(a.excluded_automatically, 1);
  const CurveFinding* refusal = Find(a, "calibrators_passing");
  ASSERT_NE(refusal, nullptr);
  EXPECT_TRUE(refusal->rejects_curve);
  EXPECT_THAT(refusal->message,
              HasSubstr("4 of 6 standards pass (66.7 %; the method needs 75.0 %)"));
  EXPECT_NEAR(*refusal->observed, 400.0 / 6.0, 1e-9);
  EXPECT_DOUBLE_EQ(*refusal->limit, 75.0);
  EXPECT_THAT(a.BriefReport(), HasSubstr("rejected: "));
}

TEST(CurveAssessmentTest, KeepsEnoughLevelsRatherThanExcluding) {
  // Five levels and five needed: a failing level must stay.
  std::vector<double> bias = {1.0, 1.0, 1.0, 1.3, 1.0};
  const CurveAssessment a = AssessCurve(Standards({1, 2, 5, 10, 50}, bias), Linear());
  EXPECT_EQ(a.excluded_automatically, 0);
  EXPECT_FALSE(a.points[3].excluded);
  EXPECT_THAT(a.points[3].note,
              HasSubstr("excluding it would leave fewer than 5 calibration levels"));
  EXPECT_EQ(a.passing, 4);
  EXPECT_TRUE(a.accepted);  // 80 % pass
}

TEST(CurveAssessmentTest, NarrowsTheRangeWhenTheLowestLevelFails) {
  // Unweighted: with 1/x^2 weights a lowest standard this far off drags the fit to itself, and
  // its neighbour becomes the most deviant one.
  std::vector<double> bias = {1.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
  const CurveAssessment a = AssessCurve(Standards(kEight, bias), Linear(CurveWeighting::kNone));
  EXPECT_TRUE(a.accepted);
  EXPECT_TRUE(a.points[0].excluded_automatically);
  EXPECT_DOUBLE_EQ(*a.lloq, 2.0);
  EXPECT_TRUE(a.range_narrowed);
  const CurveFinding* narrowed = Find(a, "range_narrowed");
  ASSERT_NE(narrowed, nullptr);
  EXPECT_THAT(narrowed->message,
              HasSubstr("No passing standard at the lowest level (1 ng/mL): the calibrated range "
                        "now starts at 2 ng/mL"));
  // Level B is the lowest in the fit now, so it gets the LLOQ tolerance.
  EXPECT_DOUBLE_EQ(a.points[1].tolerance_percent, 20.0);
}

TEST(CurveAssessmentTest, UnusableStandardsCountAsFailing) {
  std::vector<CalibratorPoint> points = Standards(kSix);
  points[2].response.reset();
  points[2].unusable_reason = "no analyte peak";
  points[4].response.reset();
  points[4].unusable_reason = "no internal-standard peak";
  const CurveAssessment a = AssessCurve(points, Linear());
  EXPECT_EQ(a.standards, 6);
  EXPECT_EQ(a.passing, 4);
  EXPECT_EQ(a.excluded_automatically, 0);
  EXPECT_FALSE(a.accepted);  // 4 of 6, and only 4 levels
  EXPECT_THAT(a.points[2].note, HasSubstr("Cal C (Cal C.d): no analyte peak; not used"));
  EXPECT_NE(Find(a, "calibration_levels"), nullptr);
}

TEST(CurveAssessmentTest, AppliesTheMinimumRSquaredOnlyWhenSet) {
  std::vector<double> bias = {1.1, 0.9, 1.12, 0.88, 1.1, 0.9};
  CurveOptions options = Linear(CurveWeighting::kNone);
  const CurveAssessment without = AssessCurve(Standards(kSix, bias), options);
  options.thresholds.min_r_squared = 0.9999;
  const CurveAssessment with = AssessCurve(Standards(kSix, bias), options);
  EXPECT_EQ(Find(without, "r_squared"), nullptr);
  ASSERT_NE(Find(with, "r_squared"), nullptr);
  EXPECT_FALSE(with.accepted);
}

TEST(CurveAssessmentTest, RejectsACurveThatStopsRising) {
  // Responses that fall at the top: a quadratic turns over inside the range.
  std::vector<CalibratorPoint> points = Standards(kSix);
  points[5].response = *points[4].response * 0.9;
  CurveOptions options = Linear(CurveWeighting::kNone);
  options.type = CurveType::kQuadratic;
  options.thresholds.max_excluded_levels = 0;
  const CurveAssessment a = AssessCurve(points, options);
  EXPECT_FALSE(a.accepted);
  EXPECT_NE(Find(a, "curve_not_rising"), nullptr);
}

TEST(CurveAssessmentTest, NoFitWithTooFewStandards) {
  const CurveAssessment a = AssessCurve(Standards({1, 2}), Linear());
  EXPECT_FALSE(a.accepted);
  EXPECT_FALSE(a.fit);
  const CurveFinding* f = Find(a, "curve_fit");
  ASSERT_NE(f, nullptr);
  EXPECT_THAT(f->message, HasSubstr("needs at least 3"));
}

}  // namespace
}  // namespace wbe
