#include "models/inversion/district_estimator.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/core/input_error.h"
#include "models/inversion/estimate_evaluation.h"
#include "models/simulation/city_simulator.h"

namespace wbe {
namespace {

constexpr int kDays = 56;  // 8 weeks

const DrugCatalogue& Catalogue() {
  static const DrugCatalogue* const kCatalogue = new DrugCatalogue(DrugCatalogue::LoadDefault());
  return *kCatalogue;
}

// The demo city with noise, censoring (MDMA, cannabis, etomidate below LOQ often), rain and the
// scenario's events (a surge in B, a new substance in C, 10 g of ketamine dumped in A).
SimulatedCity Simulate(uint64_t seed, int days = kDays) {
  SimulationOptions options;
  options.seed = seed;
  options.days = days;
  return SimulateCity(Catalogue(), options);
}

DistrictEstimatorOptions FastOptions() {
  DistrictEstimatorOptions options;
  options.draws = 1000;
  return options;
}

TEST(DistrictEstimatorTest, DistrictsTheSitesCannotSeparateAreReportedOnlyAsTheirSum) {
  const SimulatedCity sim = Simulate(21, 28);
  const DistrictEstimator estimator(Catalogue(), sim.city, FastOptions());
  const DrugDistrictEstimates result =
      estimator.Estimate("methamphetamine", sim.flows, sim.measurements, sim.start_day, 28);
  std::set<std::string> group_ids;
  for (const DistrictEstimate& row : result.daily) {
    group_ids.insert(row.group_id);
    EXPECT_EQ(row.resolved, row.group_id.find('+') == std::string::npos) << row.group_id;
  }
  EXPECT_EQ(group_ids, (std::set<std::string>{"A", "B", "C", "D+E", "F+G+H"}));
  for (const DistrictEstimate& row : result.weekly) {
    if (row.group_id != "D+E") continue;
    EXPECT_EQ(row.district_ids, "D,E");
    EXPECT_DOUBLE_EQ(row.population,
                     sim.city.districts[3].population + sim.city.districts[4].population);
  }
  EXPECT_EQ(result.weekly.size(), 5u * 4u);  // 28 days from a Monday: four whole weeks
  EXPECT_EQ(result.daily.size(), 5u * 28u);
}

TEST(DistrictEstimatorTest, OnlyThePlantInletGivesOneGroupForTheWholeCity) {
  SimulatedCity sim = Simulate(22, 28);
  std::vector<SamplingSite> inlet;
  for (const SamplingSite& site : sim.city.sites) {
    if (site.kind == SiteKind::kTreatmentPlantInlet) inlet.push_back(site);
  }
  ASSERT_EQ(inlet.size(), 1u);
  sim.city.sites = inlet;
  const DistrictEstimator estimator(Catalogue(), sim.city, FastOptions());
  ASSERT_EQ(estimator.groups().size(), 1u);
  EXPECT_FALSE(estimator.groups()[0].resolved);
  const DrugDistrictEstimates result =
      estimator.Estimate("methamphetamine", sim.flows, sim.measurements, sim.start_day, 28);
  ASSERT_FALSE(result.weekly.empty());
  for (const DistrictEstimate& row : result.weekly) {
    EXPECT_EQ(row.group_id, "A+B+C+D+E+F+G+H");
    EXPECT_FALSE(row.resolved);
  }
  // The city total is still estimated well.
  const EstimateEvaluation evaluation = EvaluateDistrictEstimates(result.weekly, sim.truth);
  EXPECT_EQ(evaluation.resolved.district_weeks, 0);
  EXPECT_LE(evaluation.groups.median_abs_rel_error, 0.15);
}

// 10 g of ketamine flushed in A on day 80: the robust fit rejects those loads, the KET/NK ratio
// check points at them, and A's estimate that week stays near the truth.
TEST(DistrictEstimatorTest, DumpingIsFlaggedAndKeptOutOfTheEstimate) {
  const SimulatedCity sim = Simulate(1, 98);
  DayIndex dumping_day = -1;
  for (const InjectedEvent& event : sim.truth.events) {
    if (event.kind == "dumping") dumping_day = event.start_day;
  }
  ASSERT_GE(dumping_day, sim.start_day);
  const DistrictEstimator estimator(Catalogue(), sim.city, FastOptions());
  const DrugDistrictEstimates result =
      estimator.Estimate("ketamine", sim.flows, sim.measurements, sim.start_day, 98);
  std::set<std::string> outlier_sites;
  bool ratio_flag = false;
  int flags_elsewhere = 0;
  for (const EstimateFlag& flag : result.flags) {
    std::cout << flag.kind << " " << flag.site_id << " " << FormatIsoDate(flag.day) << ": "
              << flag.message << "\n";
    const bool near = flag.day >= dumping_day && flag.day <= dumping_day + 2;
    if (flag.kind == "outlier" && near) outlier_sites.insert(flag.site_id);
    if (flag.kind == "ratio" && near) ratio_flag = true;
    if (flag.kind == "outlier" && !near) ++flags_elsewhere;
  }
  EXPECT_GE(outlier_sites.size(), 3u);  // MH-A, MH-AB, MH-N, WWTP-IN see it
  EXPECT_TRUE(outlier_sites.count("MH-A"));
  EXPECT_TRUE(ratio_flag);
  EXPECT_LE(flags_elsewhere, 2);  // 4-sigma flags on ~500 loads: a rare false alarm is allowed

  const DayIndex monday = dumping_day - IsoWeekday(dumping_day);
  double truth_mg = 0.0;
  for (const DistrictDayTruth& t : sim.truth.districts) {
    if (t.district_id == "A" && t.drug == "ketamine" && t.day >= monday && t.day < monday + 7) {
      truth_mg += t.consumption_mg / 7.0;
    }
  }
  bool found = false;
  for (const DistrictEstimate& row : result.weekly) {
    if (row.group_id != "A" || row.start_day != monday) continue;
    found = true;
    EXPECT_GE(row.flagged_observations, 1);
    EXPECT_NEAR(row.consumption_mg_per_day.point / truth_mg, 1.0, 0.25);
  }
  EXPECT_TRUE(found);
}

TEST(DistrictEstimatorTest, EveryEstimateCarriesItsProvenanceAndIntervals) {
  const SimulatedCity sim = Simulate(23, 14);
  const DistrictEstimator estimator(Catalogue(), sim.city, FastOptions());
  const DrugDistrictEstimates result =
      estimator.Estimate("cocaine", sim.flows, sim.measurements, sim.start_day, 14);
  ASSERT_FALSE(result.daily.empty());
  for (const DistrictEstimate& row : result.daily) {
    EXPECT_FALSE(row.batch_ids.empty()) << row.group_id;
    EXPECT_EQ(row.catalogue_version, Catalogue().version());
    EXPECT_EQ(row.draws, 1000);
    EXPECT_GT(row.observations, 0);
    EXPECT_LT(row.consumption_p05_given_parameters, row.consumption_mg_per_day.point);
    EXPECT_GT(row.consumption_p95_given_parameters, row.consumption_mg_per_day.point);
    EXPECT_LE(row.consumption_mg_per_day.p05, row.consumption_mg_per_day.median);
    EXPECT_LE(row.consumption_mg_per_day.median, row.consumption_mg_per_day.p95);
    EXPECT_GT(row.users.point, 0.0);
    EXPECT_NEAR(row.consumption_mg_per_day_per_1000.point,
                row.consumption_mg_per_day.point / row.population * 1000.0, 1e-9);
  }
}

TEST(DistrictEstimatorTest, ADrugWithoutAnExcretionFractionGivesMassOnly) {
  const SimulatedCity sim = Simulate(24, 14);
  const DistrictEstimator estimator(Catalogue(), sim.city, FastOptions());
  const DrugDistrictEstimates result =
      estimator.Estimate("ephedrine", sim.flows, sim.measurements, sim.start_day, 14);
  ASSERT_FALSE(result.daily.empty());
  for (const DistrictEstimate& row : result.daily) {
    EXPECT_TRUE(row.mass_mg_per_day.available());
    EXPECT_FALSE(row.consumption_mg_per_day.available());
    EXPECT_NE(row.note.find("excretion fraction unknown"), std::string::npos);
  }
}

TEST(DistrictEstimatorTest, RefusesUnknownDrugsAndBadOptions) {
  const SimulatedCity sim = Simulate(25, 7);
  const DistrictEstimator estimator(Catalogue(), sim.city, FastOptions());
  EXPECT_THROW(estimator.Estimate("no-such-drug", sim.flows, sim.measurements, sim.start_day, 7),
               InputError);
  DistrictEstimatorOptions bad = FastOptions();
  bad.outlier_sigmas = 0.0;
  std::string why;
  EXPECT_FALSE(bad.Check(&why));
  EXPECT_NE(why.find("outlier_sigmas"), std::string::npos);
  EXPECT_THROW(DistrictEstimator(Catalogue(), sim.city, bad), std::invalid_argument);
}

// The same seed gives the same numbers (the Monte Carlo streams are keyed, not shared).
TEST(DistrictEstimatorTest, IsDeterministic) {
  const SimulatedCity sim = Simulate(26, 14);
  const DistrictEstimator estimator(Catalogue(), sim.city, FastOptions());
  const auto a = estimator.Estimate("MDMA", sim.flows, sim.measurements, sim.start_day, 14);
  const auto b = estimator.Estimate("MDMA", sim.flows, sim.measurements, sim.start_day, 14);
  ASSERT_EQ(a.daily.size(), b.daily.size());
  for (size_t i = 0; i < a.daily.size(); ++i) {
    EXPECT_EQ(a.daily[i].consumption_mg_per_day.p95, b.daily[i].consumption_mg_per_day.p95);
  }
}

}  // namespace
}  // namespace wbe
