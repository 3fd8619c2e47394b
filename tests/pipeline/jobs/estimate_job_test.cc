#include "pipeline/jobs/estimate_job.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "models/core/input_error.h"
#include "models/inversion/estimate_evaluation.h"
#include "pipeline/archive/data_dir_lock.h"
#include "pipeline/jobs/simulate_job.h"

namespace wbe {
namespace {

namespace fs = std::filesystem;

const DrugCatalogue& Catalogue() {
  static const DrugCatalogue* const kCatalogue = new DrugCatalogue(DrugCatalogue::LoadDefault());
  return *kCatalogue;
}

class EstimateJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("wbe-estimate-job-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  // `wbe simulate`: the demo city's raw lab batches calibrated and QC-checked into a store.
  std::string Simulate(uint64_t seed, int days) {
    SimulateJobOptions options;
    options.out_dir = (root_ / ("seed-" + std::to_string(seed))).string();
    options.seed = seed;
    options.days = days;
    return RunSimulateJob(Catalogue(), options).store_path;
  }

  fs::path root_;
};

// The bar on simulated cities with noise, censoring, rain, a surge, a new substance and
// dumping, through the real lab path (calibration curves per batch): for resolved districts the
// median absolute relative error of weekly consumption <= 15 % and 90 % intervals covering the
// truth in 85-95 % of district-weeks, on three seeds. Typical figures: 9-11 % and 88-91 %.
TEST_F(EstimateJobTest, MeetsTheAccuracyAndCoverageBarOnSeveralSeeds) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    const std::string store = Simulate(seed, 84);
    EstimateJobOptions options;
    options.estimator.draws = 1000;
    const EstimateJobSummary summary = RunEstimateJob(Catalogue(), store, options);
    const StoreContents contents = Hdf5Store::Read(store);
    ASSERT_TRUE(contents.truth.has_value());
    EXPECT_EQ(contents.district_week_estimates.size(), summary.weekly_rows);
    const EstimateEvaluation evaluation =
        EvaluateDistrictEstimates(contents.district_week_estimates, *contents.truth);
    std::cout << "seed " << seed << "\n" << evaluation.BriefReport();
    EXPECT_GE(evaluation.resolved.district_weeks, 300) << "seed " << seed;
    EXPECT_LE(evaluation.resolved.median_abs_rel_error, 0.15) << "seed " << seed;
    EXPECT_GE(evaluation.resolved.coverage_90, 0.85) << "seed " << seed;
    EXPECT_LE(evaluation.resolved.coverage_90, 0.95) << "seed " << seed;
    EXPECT_GE(evaluation.resolved.coverage_90_full, evaluation.resolved.coverage_90);
    EXPECT_LE(evaluation.groups.median_abs_rel_error, 0.15) << "seed " << seed;
  }
}

TEST_F(EstimateJobTest, WritesGroupsFlagsAndProvenanceAndReplacesOnlyItsPeriod) {
  const std::string store = Simulate(5, 28);
  EstimateJobOptions options;
  options.estimator.draws = 200;
  RunEstimateJob(Catalogue(), store, options);
  const StoreContents first = Hdf5Store::Read(store);
  ASSERT_EQ(first.district_groups.size(), 5u);
  EXPECT_NE(first.attributes.at("estimate_options").find("\"draws\":200"), std::string::npos);
  std::set<std::string> drugs;
  for (const DistrictEstimate& row : first.district_estimates) {
    drugs.insert(row.drug);
    EXPECT_FALSE(row.batch_ids.empty());
    EXPECT_EQ(row.catalogue_version, Catalogue().version());
  }
  EXPECT_TRUE(drugs.count("methamphetamine"));
  EXPECT_TRUE(drugs.count("ketamine"));

  // Re-estimating one drug over the last week leaves every other row as it was.
  EstimateJobOptions last_week = options;
  last_week.drugs = {"methamphetamine"};
  last_week.from = first.district_estimates.front().start_day + 21;
  last_week.estimator.seed = 99;
  RunEstimateJob(Catalogue(), store, last_week);
  const StoreContents second = Hdf5Store::Read(store);
  EXPECT_EQ(second.district_estimates.size(), first.district_estimates.size());
  size_t changed = 0;
  for (size_t i = 0; i < second.district_estimates.size(); ++i) {
    const DistrictEstimate& a = first.district_estimates[i];
    const DistrictEstimate& b = second.district_estimates[i];
    ASSERT_EQ(a.group_id + a.drug + std::to_string(a.start_day),
              b.group_id + b.drug + std::to_string(b.start_day));
    if (a.seed != b.seed) {
      ++changed;
      EXPECT_EQ(b.drug, "methamphetamine");
      EXPECT_GE(b.start_day, *last_week.from);
    }
  }
  EXPECT_EQ(changed, 5u * 7u);
}

TEST_F(EstimateJobTest, RefusesToRunWhileAnotherProcessWritesTheDataDirectory) {
  const std::string store = Simulate(7, 7);
  ASSERT_EQ(Hdf5Store::Read(store).attributes.count("estimate_options"), 0u);
  {
    const DataDirLock server = DataDirLock::Acquire(fs::path(store).parent_path().string());
    try {
      RunEstimateJob(Catalogue(), store, EstimateJobOptions{});
      ADD_FAILURE() << "estimated while the data directory was locked";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("another wbe process"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(Hdf5Store::Read(store).attributes.count("estimate_options"), 0u);  // untouched
  EstimateJobOptions options;
  options.estimator.draws = 50;
  RunEstimateJob(Catalogue(), store, options);  // the lock is free again
  EXPECT_EQ(Hdf5Store::Read(store).attributes.count("estimate_options"), 1u);
}

TEST_F(EstimateJobTest, RefusesAnEmptyStoreAndUnknownDrugs) {
  const std::string store = Simulate(6, 7);
  EstimateJobOptions unknown;
  unknown.drugs = {"unobtainium"};
  EXPECT_THROW(RunEstimateJob(Catalogue(), store, unknown), InputError);
  StoreContents empty = Hdf5Store::Read(store);
  empty.measurements.clear();
  EXPECT_THROW(EstimateDistricts(Catalogue(), EstimateJobOptions{}, &empty), InputError);
  EstimateJobOptions backwards;
  backwards.from = 100;
  backwards.to = 99;
  EXPECT_THROW(RunEstimateJob(Catalogue(), store, backwards), std::invalid_argument);
}

}  // namespace
}  // namespace wbe
