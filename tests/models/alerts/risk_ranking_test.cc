#include "models/alerts/risk_ranking.h"

#include <gtest/gtest.h>

namespace wbe {
namespace {

Alert MakeAlert(AlertKind kind, const std::string& group, const std::string& districts,
                double severity) {
  Alert alert;
  alert.kind = kind;
  alert.group_id = group;
  alert.district_ids = districts;
  alert.severity = severity;
  alert.reason_en = std::string(AlertKindName(kind)) + " in " + (group.empty() ? districts : group);
  alert.reason_zh = alert.reason_en;
  return alert;
}

TEST(RiskRankingTest, RanksByWeightedSeverityAndExplainsIt) {
  const std::vector<DistrictGroupId> groups = {{"A", "A"}, {"B", "B"}, {"D+E", "D,E"}};
  std::vector<Alert> alerts = {
      MakeAlert(AlertKind::kSpike, "A", "A", 0.5),
      MakeAlert(AlertKind::kRisingTrend, "B", "B", 0.95),
      MakeAlert(AlertKind::kUnderRegistration, "B", "B", 0.5),
      MakeAlert(AlertKind::kDataGap, "", "D,E", 1.0),  // a caveat: no risk
  };
  // A site-level new substance seen downstream of A and B: half its weight to each.
  Alert substance = MakeAlert(AlertKind::kNewSubstance, "", "A,B", 1.0);
  substance.site_id = "MH-AB";
  alerts.push_back(substance);
  const ScreeningOptions options;
  const std::vector<DistrictRisk> ranking = RankDistrictGroups(groups, alerts, options);
  ASSERT_EQ(ranking.size(), 3u);
  EXPECT_EQ(ranking[0].group_id, "B");
  EXPECT_EQ(ranking[1].group_id, "A");
  EXPECT_EQ(ranking[2].group_id, "D+E");
  EXPECT_EQ(ranking[0].rank, 1);
  const double expected_b = options.weight_rising_trend * 0.95 +
                            options.weight_under_registration * 0.5 +
                            options.weight_new_substance * 0.5;
  EXPECT_NEAR(ranking[0].score, expected_b, 1e-12);
  EXPECT_NEAR(ranking[1].score, options.weight_spike * 0.5 + options.weight_new_substance * 0.5,
              1e-12);
  EXPECT_EQ(ranking[2].score, 0.0);
  // Largest contribution first, and the caveat kept apart from the reasons.
  ASSERT_EQ(ranking[0].reasons_en.size(), 3u);
  EXPECT_NE(ranking[0].reasons_en[0].find("rising_trend"), std::string::npos);
  EXPECT_TRUE(ranking[2].reasons_en.empty());
  ASSERT_EQ(ranking[2].caveats_en.size(), 1u);
  EXPECT_NE(ranking[2].summary_en.find("no risk alert"), std::string::npos);
  EXPECT_NE(ranking[0].summary_zh.find("第 1 位"), std::string::npos);
}

TEST(RiskRankingTest, TiesGoByGroupId) {
  const std::vector<Alert> none;
  const std::vector<DistrictRisk> ranking =
      RankDistrictGroups({{"C", "C"}, {"A", "A"}, {"B", "B"}}, none, ScreeningOptions());
  ASSERT_EQ(ranking.size(), 3u);
  EXPECT_EQ(ranking[0].group_id, "A");
  EXPECT_EQ(ranking[2].group_id, "C");
}

}  // namespace
}  // namespace wbe
