#include "models/alerts/registration_screen.h"

#include <gtest/gtest.h>

#include "models/city/city_io.h"
#include "models/core/data_paths.h"

namespace wbe {
namespace {

DistrictEstimate WeekRow(const std::string& group, const std::string& members,
                         const std::string& drug, double users_p05, double users_median,
                         DayIndex monday) {
  DistrictEstimate row;
  row.group_id = group;
  row.district_ids = members;
  row.drug = drug;
  row.days = 7;
  row.start_day = monday;
  row.users.p05 = users_p05;
  row.users.median = users_median;
  row.users.p95 = users_median * 1.5;
  return row;
}

TEST(RegistrationScreenTest, AlertsWhenEvenTheLowerBoundExceedsRegisteredUsers) {
  const City city = LoadCityFromFile(DataPath("models/simulation/demo_city.json"));
  const DayIndex monday = 20300;
  const int registered_a = *city.FindDistrict("A")->registered_users;
  const std::vector<DistrictEstimate> rows = {
      WeekRow("A", "A", "methamphetamine", 2.0 * registered_a, 3.0 * registered_a, monday),
      WeekRow("A", "A", "heroin", 0.5 * registered_a, 0.8 * registered_a, monday),
      // Below the ratio: the median is high but the lower bound is not.
      WeekRow("B", "B", "methamphetamine", 10.0, 900.0, monday),
      // Another week: ignored.
      WeekRow("C", "C", "methamphetamine", 1e6, 2e6, monday + 7)};
  const std::vector<Alert> alerts = ScreenRegistration(city, rows, monday, ScreeningOptions(),
                                                       {{"methamphetamine", "甲基苯丙胺"}});
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, AlertKind::kUnderRegistration);
  EXPECT_EQ(alerts[0].group_id, "A");
  EXPECT_EQ(alerts[0].drug, "methamphetamine");
  EXPECT_EQ(alerts[0].evidence["registered_users"].get<int>(), registered_a);
  EXPECT_NEAR(alerts[0].evidence["ratio"].get<double>(), 3.0, 1e-9);
  EXPECT_NE(alerts[0].reason_zh.find("甲基苯丙胺"), std::string::npos);
  EXPECT_NE(alerts[0].reason_zh.find("隐性"), std::string::npos);
}

TEST(RegistrationScreenTest, GroupsSumTheirMembersRegisteredUsers) {
  const City city = LoadCityFromFile(DataPath("models/simulation/demo_city.json"));
  const int registered =
      *city.FindDistrict("D")->registered_users + *city.FindDistrict("E")->registered_users;
  const DayIndex monday = 20300;
  const std::vector<DistrictEstimate> rows = {
      WeekRow("D+E", "D,E", "ketamine", 1.6 * registered, 2.0 * registered, monday)};
  const std::vector<Alert> alerts = ScreenRegistration(city, rows, monday, ScreeningOptions(), {});
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].evidence["registered_users"].get<int>(), registered);
  ScreeningOptions strict;
  strict.registration_min_ratio = 2.0;
  EXPECT_TRUE(ScreenRegistration(city, rows, monday, strict, {}).empty());
}

}  // namespace
}  // namespace wbe
