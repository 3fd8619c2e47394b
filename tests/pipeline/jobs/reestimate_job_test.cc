#include "pipeline/jobs/reestimate_job.h"

#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/simulation/city_simulator.h"

namespace wbe {
namespace {

// Every field of an estimate, doubles bit-exact, so two estimates compare as strings.
std::string Dump(const SiteDayEstimate& e) {
  std::string out = e.site_id + "|" + std::to_string(e.day) + "|" + e.drug + "|" + e.biomarker +
                    "|" + (e.censored ? "c" : "-") + "|" + e.batch_ids + "|" + e.catalogue_version +
                    "|" + std::to_string(e.draws) + "|" + std::to_string(e.seed) + "|" + e.note;
  char buffer[64];
  const auto number = [&](double value) {
    std::snprintf(buffer, sizeof(buffer), "|%a", value);
    out += buffer;
  };
  number(e.population);
  for (const UncertainValue* v :
       {&e.load_mg_per_day, &e.normalised_load_mg_per_day_per_1000,
        &e.consumption_mg_per_day_per_1000, &e.doses_per_day_per_1000, &e.users_per_1000}) {
    number(v->point);
    number(v->median);
    number(v->p05);
    number(v->p95);
  }
  return out;
}

std::vector<std::string> DumpAll(const std::vector<SiteDayEstimate>& estimates,
                                 const SiteDaySet* only = nullptr, bool inside = true) {
  std::vector<std::string> out;
  for (const SiteDayEstimate& e : estimates) {
    if (only != nullptr && (only->count({e.site_id, e.day}) > 0) != inside) continue;
    out.push_back(Dump(e));
  }
  return out;
}

SiteDaySet SiteDaysOfEstimates(const std::vector<SiteDayEstimate>& estimates) {
  SiteDaySet site_days;
  for (const SiteDayEstimate& e : estimates) site_days.insert({e.site_id, e.day});
  return site_days;
}

class ReestimateJobTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    catalogue_ = new DrugCatalogue(DrugCatalogue::LoadDefault());
    SimulationOptions options;
    options.seed = 5;
    options.days = 7;
    const SimulatedCity sim = SimulateCity(*catalogue_, options);
    base_ = new StoreContents();
    base_->city = sim.city;
    base_->flows = sim.flows;
    base_->measurements = sim.measurements;
  }
  static void TearDownTestSuite() {
    delete base_;
    delete catalogue_;
  }

  static SiteDayBackCalculationOptions Options() {
    SiteDayBackCalculationOptions options;
    options.uncertainty.draws = 50;
    options.uncertainty.seed = 7;
    options.threads = 1;
    return options;
  }

  // The base contents with every site-day estimated.
  static StoreContents Estimated() {
    StoreContents contents = *base_;
    ReestimateSiteDays(*catalogue_, nullptr, Options(), &contents);
    return contents;
  }

  static DrugCatalogue* catalogue_;
  static StoreContents* base_;
};

DrugCatalogue* ReestimateJobTest::catalogue_ = nullptr;
StoreContents* ReestimateJobTest::base_ = nullptr;

TEST_F(ReestimateJobTest, SiteDaysOfListsEachSiteDayOnce) {
  std::vector<Measurement> measurements(3);
  measurements[0].site_id = "A";
  measurements[0].day = 3;
  measurements[0].analyte = "morphine";
  measurements[1] = measurements[0];
  measurements[1].analyte = "codeine";
  measurements[2].site_id = "B";
  measurements[2].day = 3;
  EXPECT_EQ(SiteDaysOf(measurements), (SiteDaySet{{"A", 3}, {"B", 3}}));
  EXPECT_TRUE(SiteDaysOf({}).empty());
}

TEST_F(ReestimateJobTest, NullEstimatesEverySiteDay) {
  ASSERT_FALSE(base_->measurements.empty());
  StoreContents contents = *base_;
  const ReestimateSummary summary = ReestimateSiteDays(*catalogue_, nullptr, Options(), &contents);
  const SiteDaySet measured = SiteDaysOf(base_->measurements);
  EXPECT_EQ(summary.site_days, measured.size());
  EXPECT_EQ(summary.estimates, contents.site_estimates.size());
  EXPECT_GT(summary.estimates, measured.size());  // several drugs and biomarkers a site-day
  EXPECT_EQ(SiteDaysOfEstimates(contents.site_estimates), measured);
  for (const SiteDayEstimate& e : contents.site_estimates) EXPECT_EQ(e.draws, 50) << Dump(e);
  // The measurements, the city and the flows are not changed.
  EXPECT_EQ(contents.measurements.size(), base_->measurements.size());
  EXPECT_EQ(contents.flows.size(), base_->flows.size());
  // Estimated again, everything is replaced, not added to.
  const std::vector<std::string> first = DumpAll(contents.site_estimates);
  ReestimateSiteDays(*catalogue_, nullptr, Options(), &contents);
  EXPECT_EQ(DumpAll(contents.site_estimates), first);
}

TEST_F(ReestimateJobTest, EstimatedSeqIsNotTouched) {
  StoreContents contents = *base_;
  EXPECT_EQ(StoreEstimatedSeq(contents), -1);
  SetStoreEstimatedSeq(&contents, 12);
  EXPECT_EQ(StoreEstimatedSeq(contents), 12);
  ReestimateSiteDays(*catalogue_, nullptr, Options(), &contents);
  EXPECT_EQ(StoreEstimatedSeq(contents), 12);
  contents.attributes["estimated_seq"] = "twelve";
  EXPECT_EQ(StoreEstimatedSeq(contents), -1);
}

TEST_F(ReestimateJobTest, SubsetReplacesExactlyThoseSiteDays) {
  StoreContents contents = Estimated();
  const std::vector<std::string> all_before = DumpAll(contents.site_estimates);
  const SiteDaySet measured = SiteDaysOf(contents.measurements);
  ASSERT_GE(measured.size(), 4u);
  auto it = measured.begin();
  const SiteDay changed = *it++;  // its concentrations double
  const SiteDay same = *it++;     // re-estimated with unchanged measurements
  const SiteDay lost = *it++;     // its measurements go (a superseded batch)
  const SiteDaySet subset = {changed, same, lost};

  for (Measurement& m : contents.measurements) {
    if (SiteDay{m.site_id, m.day} == changed) {
      m.concentration_ng_per_l *= 2.0;
      m.loq_ng_per_l *= 2.0;
    }
  }
  // Another site-day outside the subset also changes: its estimates must stay as they were.
  const SiteDay outside = *it;
  for (Measurement& m : contents.measurements) {
    if (SiteDay{m.site_id, m.day} == outside) m.concentration_ng_per_l *= 3.0;
  }
  std::vector<Measurement> kept;
  for (const Measurement& m : contents.measurements) {
    if (SiteDay{m.site_id, m.day} != lost) kept.push_back(m);
  }
  contents.measurements = kept;

  const StoreContents before = contents;
  const ReestimateSummary summary = ReestimateSiteDays(*catalogue_, &subset, Options(), &contents);
  EXPECT_EQ(summary.site_days, subset.size());

  // Outside the subset: the same estimates, bit for bit, in the same order.
  EXPECT_EQ(DumpAll(contents.site_estimates, &subset, /*inside=*/false),
            DumpAll(before.site_estimates, &subset, /*inside=*/false));
  // The site-day that lost its measurements lost its estimates.
  const SiteDaySet estimated = SiteDaysOfEstimates(contents.site_estimates);
  EXPECT_EQ(estimated.count(lost), 0u);
  EXPECT_EQ(estimated.count(changed), 1u);
  EXPECT_EQ(estimated.count(same), 1u);

  // Inside: what a full estimation of the new measurements gives (streams are per site-day,
  // so the subset does not change the draws).
  StoreContents fresh = contents;
  fresh.site_estimates.clear();
  const ReestimateSummary all = ReestimateSiteDays(*catalogue_, nullptr, Options(), &fresh);
  const SiteDaySet changed_only = {changed};
  const SiteDaySet same_only = {same};
  const std::vector<std::string> changed_now = DumpAll(contents.site_estimates, &changed_only);
  ASSERT_FALSE(changed_now.empty());
  EXPECT_EQ(changed_now, DumpAll(fresh.site_estimates, &changed_only));
  EXPECT_EQ(DumpAll(contents.site_estimates, &same_only),
            DumpAll(fresh.site_estimates, &same_only));
  // ... which differs from before for the changed site-day, and not for the unchanged one.
  EXPECT_NE(changed_now, DumpAll(before.site_estimates, &changed_only));
  EXPECT_EQ(DumpAll(contents.site_estimates, &same_only),
            DumpAll(before.site_estimates, &same_only));
  // The outside site-day's estimates are stale on purpose: a full run would change them.
  const SiteDaySet outside_only = {outside};
  EXPECT_NE(DumpAll(fresh.site_estimates, &outside_only),
            DumpAll(contents.site_estimates, &outside_only));
  EXPECT_EQ(contents.site_estimates.size(),
            all_before.size() - DumpAll(before.site_estimates, &subset).size() + summary.estimates);
  EXPECT_LE(summary.estimates, all.estimates);
}

TEST_F(ReestimateJobTest, EmptySubsetChangesNothing) {
  StoreContents contents = Estimated();
  const std::vector<std::string> before = DumpAll(contents.site_estimates);
  const SiteDaySet none;
  const ReestimateSummary summary = ReestimateSiteDays(*catalogue_, &none, Options(), &contents);
  EXPECT_EQ(summary.site_days, 0u);
  EXPECT_EQ(summary.estimates, 0u);
  EXPECT_EQ(DumpAll(contents.site_estimates), before);
}

TEST_F(ReestimateJobTest, UnknownSiteDayInTheSubsetIsHarmless) {
  StoreContents contents = Estimated();
  const std::vector<std::string> before = DumpAll(contents.site_estimates);
  const SiteDaySet ghost = {{"NO-SUCH-SITE", 1}};
  ReestimateSiteDays(*catalogue_, &ghost, Options(), &contents);
  EXPECT_EQ(DumpAll(contents.site_estimates), before);
}

TEST_F(ReestimateJobTest, NoMeasurementsLeftRemovesEveryEstimate) {
  StoreContents contents = Estimated();
  ASSERT_FALSE(contents.site_estimates.empty());
  contents.measurements.clear();
  const ReestimateSummary summary = ReestimateSiteDays(*catalogue_, nullptr, Options(), &contents);
  EXPECT_EQ(summary.estimates, 0u);
  EXPECT_TRUE(contents.site_estimates.empty());
}

TEST_F(ReestimateJobTest, MeasurementsWithoutFlowAreSkippedAndCounted) {
  StoreContents contents = *base_;
  const SiteDay first = *SiteDaysOf(contents.measurements).begin();
  size_t measurements_there = 0;
  for (const Measurement& m : contents.measurements) {
    measurements_there += SiteDay{m.site_id, m.day} == first ? 1 : 0;
  }
  std::vector<FlowRecord> flows;
  for (const FlowRecord& f : contents.flows) {
    if (SiteDay{f.site_id, f.day} != first) flows.push_back(f);
  }
  ASSERT_LT(flows.size(), contents.flows.size());
  contents.flows = flows;
  const SiteDaySet only = {first};
  const ReestimateSummary summary = ReestimateSiteDays(*catalogue_, &only, Options(), &contents);
  EXPECT_EQ(summary.skipped, measurements_there);
  EXPECT_EQ(summary.estimates, 0u);
  EXPECT_TRUE(contents.site_estimates.empty());
}

}  // namespace
}  // namespace wbe
