#include "models/network/identifiability.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/city/city_io.h"
#include "models/core/data_paths.h"
#include "tests/models/network/demo_city_with_sites.h"

namespace wbe {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Ids = std::vector<std::string>;

std::vector<DistrictGroup> GroupsFor(const Ids& site_ids) {
  return IdentifiabilityGroups(SewerNetwork::Build(DemoCityWithSites(site_ids)));
}

TEST(IdentifiabilityTest, ThePlantInletAloneSeesOneUnresolvedGroup) {
  const std::vector<DistrictGroup> groups = GroupsFor({"WWTP-IN"});
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_THAT(groups[0].district_ids, ElementsAre("A", "B", "C", "D", "E", "F", "G", "H"));
  EXPECT_THAT(groups[0].site_ids, ElementsAre("WWTP-IN"));
  EXPECT_FALSE(groups[0].resolved);
  EXPECT_FALSE(groups[0].unobserved);
}

// By hand from the demo network: MH-A sees A; MH-AB sees A, B; MH-N sees A, B, C; MH-DE sees
// D, E; the inlet sees all. So A, B and C have distinct site sets, D and E share one, and F, G
// and H are seen only at the inlet.
TEST(IdentifiabilityTest, TheDemoManholesResolveTheNorthStreetsOnly) {
  const std::vector<DistrictGroup> groups =
      GroupsFor({"WWTP-IN", "MH-N", "MH-AB", "MH-A", "MH-DE"});
  ASSERT_EQ(groups.size(), 5u);
  EXPECT_THAT(groups[0].district_ids, ElementsAre("A"));
  EXPECT_THAT(groups[0].site_ids, ElementsAre("WWTP-IN", "MH-N", "MH-AB", "MH-A"));
  EXPECT_THAT(groups[1].district_ids, ElementsAre("B"));
  EXPECT_THAT(groups[1].site_ids, ElementsAre("WWTP-IN", "MH-N", "MH-AB"));
  EXPECT_THAT(groups[2].district_ids, ElementsAre("C"));
  EXPECT_THAT(groups[2].site_ids, ElementsAre("WWTP-IN", "MH-N"));
  EXPECT_THAT(groups[3].district_ids, ElementsAre("D", "E"));
  EXPECT_THAT(groups[3].site_ids, ElementsAre("WWTP-IN", "MH-DE"));
  EXPECT_THAT(groups[4].district_ids, ElementsAre("F", "G", "H"));
  EXPECT_THAT(groups[4].site_ids, ElementsAre("WWTP-IN"));
  for (size_t g = 0; g < groups.size(); ++g) {
    EXPECT_EQ(groups[g].resolved, g < 3) << g;
    EXPECT_FALSE(groups[g].unobserved) << g;
  }
}

TEST(IdentifiabilityTest, DistrictsWithNoSiteDownstreamAreUnobserved) {
  const std::vector<DistrictGroup> groups = GroupsFor({"MH-A", "MH-DE"});
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_THAT(groups[0].district_ids, ElementsAre("A"));
  EXPECT_TRUE(groups[0].resolved);
  EXPECT_THAT(groups[1].district_ids, ElementsAre("B", "C", "F", "G", "H"));
  EXPECT_TRUE(groups[1].site_ids.empty());
  EXPECT_TRUE(groups[1].unobserved);
  EXPECT_FALSE(groups[1].resolved);
  EXPECT_THAT(groups[2].district_ids, ElementsAre("D", "E"));
  EXPECT_FALSE(groups[2].resolved);
  EXPECT_FALSE(groups[2].unobserved);
}

TEST(IdentifiabilityTest, NestedManholesResolveTheDifferenceOfTheirCatchments) {
  const std::vector<DistrictGroup> groups = GroupsFor({"MH-N", "MH-DE", "MH-AB"});
  // C = MH-N - MH-AB; A and B are only seen together; F, G and H reach no site.
  ASSERT_EQ(groups.size(), 4u);
  EXPECT_THAT(groups[3].district_ids, ElementsAre("F", "G", "H"));
  EXPECT_TRUE(groups[3].unobserved);
  EXPECT_THAT(groups[0].district_ids, ElementsAre("A", "B"));
  EXPECT_THAT(groups[1].district_ids, ElementsAre("C"));
  EXPECT_TRUE(groups[1].resolved);
}

TEST(IdentifiabilityTest, BriefReportNamesEveryGroupAndItsStatus) {
  const std::string report = BriefReport(GroupsFor({"MH-A", "MH-DE"}));
  EXPECT_THAT(report, HasSubstr("8 districts, 1 resolved, 2 only seen in sums, 5 unobserved"));
  EXPECT_THAT(report, HasSubstr("A: resolved (seen at MH-A)"));
  EXPECT_THAT(report, HasSubstr("D + E: not separable (seen together at MH-DE)"));
  EXPECT_THAT(report, HasSubstr("B + C + F + G + H: unobserved"));
}

}  // namespace
}  // namespace wbe
