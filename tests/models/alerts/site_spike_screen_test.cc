#include "models/alerts/site_spike_screen.h"

#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "models/catalogue/drug_catalogue.h"
#include "models/core/random.h"
#include "tests/models/network/demo_city_with_sites.h"

namespace wbe {
namespace {

constexpr DayIndex kFirstDay = 20300;  // a Monday
constexpr int kWeeks = 20;

// Methamphetamine results at the demo sites MH-A, MH-AB and the plant for kWeeks weeks, with
// 15 % noise; `spike_site_factor` multiplies the last Wednesday's load at each site.
void MakeData(const std::map<std::string, double>& spike_site_factor,
              std::vector<Measurement>* measurements, std::vector<FlowRecord>* flows,
              const std::string& flags_on_spike = "") {
  std::mt19937_64 rng(5);
  const std::map<std::string, double> base_load = {
      {"MH-A", 2000.0}, {"MH-AB", 6000.0}, {"WWTP-IN", 30000.0}};
  const DayIndex spike_day = kFirstDay + 7 * (kWeeks - 1) + 2;
  for (const auto& [site, load] : base_load) {
    for (DayIndex day = kFirstDay; day < kFirstDay + 7 * kWeeks; ++day) {
      const double flow = 10000.0;
      flows->push_back({site, day, flow});
      double value = load * std::exp(0.15 * StandardNormal(rng));
      const auto factor = spike_site_factor.find(site);
      const bool spike = day == spike_day && factor != spike_site_factor.end();
      if (spike) value *= factor->second;
      Measurement m;
      m.site_id = site;
      m.day = day;
      m.analyte = "methamphetamine";
      m.concentration_ng_per_l = value / flow * 1e3;
      m.loq_ng_per_l = 1.0;
      m.batch_id = "B1@v1";
      if (spike) m.qc_flags = flags_on_spike;
      measurements->push_back(m);
    }
  }
}

std::vector<Alert> Screen(const std::vector<Measurement>& measurements,
                          const std::vector<FlowRecord>& flows) {
  const City city = DemoCityWithSites({"MH-A", "MH-AB", "WWTP-IN"});
  const DrugCatalogue catalogue = DrugCatalogue::LoadDefault();
  const std::vector<std::pair<std::string, std::string>> groups = {
      {"A", "A"}, {"B", "B"}, {"C+D+E+F+G+H", "C,D,E,F,G,H"}};
  return ScreenSiteSpikes(city, catalogue, BuildSiteLoadHistories(measurements, flows), {}, groups,
                          kFirstDay + 7 * (kWeeks - 1), ScreeningOptions(), {}, nullptr, true);
}

TEST(SiteSpikeScreenTest, ASpikeAtTheInnermostSiteNamesItsDistrictOnly) {
  std::vector<Measurement> measurements;
  std::vector<FlowRecord> flows;
  // Five-fold at MH-A; MH-AB and the plant see the same mass on a larger flow of load.
  MakeData({{"MH-A", 5.0}, {"MH-AB", 1.0 + 4.0 * 2000.0 / 6000.0}}, &measurements, &flows);
  const std::vector<Alert> alerts = Screen(measurements, flows);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, AlertKind::kSpike);
  EXPECT_EQ(alerts[0].group_id, "A");
  EXPECT_EQ(alerts[0].site_id, "MH-A");
  EXPECT_EQ(alerts[0].drug, "methamphetamine");
  EXPECT_GT(alerts[0].evidence["z"].get<double>(), 4.0);
}

TEST(SiteSpikeScreenTest, AnOuterSiteWhoseInnerSiteSawNothingPointsToTheRest) {
  std::vector<Measurement> measurements;
  std::vector<FlowRecord> flows;
  MakeData({{"MH-AB", 4.0}}, &measurements, &flows);  // MH-A normal: the spike is in B
  const std::vector<Alert> alerts = Screen(measurements, flows);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].group_id, "B");
  EXPECT_EQ(alerts[0].evidence["excluded_by_sites"].size(), 1u);
}

TEST(SiteSpikeScreenTest, QuietDataAndQcFlaggedSpikesRaiseNothing) {
  std::vector<Measurement> measurements;
  std::vector<FlowRecord> flows;
  MakeData({}, &measurements, &flows);
  EXPECT_TRUE(Screen(measurements, flows).empty());
  measurements.clear();
  flows.clear();
  MakeData({{"MH-A", 5.0}}, &measurements, &flows, "blank_contamination");
  EXPECT_TRUE(Screen(measurements, flows).empty());
}

}  // namespace
}  // namespace wbe
