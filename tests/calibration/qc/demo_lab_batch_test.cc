// The demo-city simulator's weekly lab batches through wbe-demo-lab.method.json: the method
// must fit what the simulator produces, find the mis-spiked QC it plants, and read the samples
// back to what the simulated lab itself reported. The LabBatch is built from the simulator's
// rows as the long-format parser would (data-schemas/long-format-batch.md).

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "calibration/qc/batch_quantifier.h"
#include "models/core/data_paths.h"
#include "models/simulation/city_simulator.h"

namespace wbe {
namespace {

std::map<std::string, LabBatch> Batches(const SimulatedCity& city) {
  std::map<std::string, LabBatch> batches;
  std::map<std::pair<std::string, int>, size_t> index;  // (batch, injection) -> position
  for (const LabInjectionRow& row : city.lab_rows) {
    LabBatch& batch = batches[row.batch_id];
    batch.batch_id = row.batch_id;
    batch.format = "long-csv";
    const auto key = std::make_pair(row.batch_id, row.injection);
    if (!index.count(key)) {
      Injection injection;
      injection.name = std::to_string(row.injection);
      injection.type = row.type == "cal"     ? InjectionType::kCalibrator
                       : row.type == "qc"    ? InjectionType::kQc
                       : row.type == "blank" ? InjectionType::kBlank
                                             : InjectionType::kSample;
      if (row.level > 0) injection.level = std::to_string(row.level);
      if (row.type == "sample") {
        injection.site_id = row.site_id;
        injection.sampling_day = row.sampling_date;
        injection.enrichment_factor = row.enrichment_factor;
      }
      index[key] = batch.injections.size();
      batch.injections.push_back(injection);
    }
    AnalyteResponse r;
    r.analyte = row.analyte;
    r.lab_name = row.analyte;
    r.area = row.area;
    r.istd_area = row.istd_area;
    if (!std::isnan(row.retention_time_min)) r.retention_time_min = row.retention_time_min;
    if (!std::isnan(row.qualifier_ratio)) r.qualifier_ratio = row.qualifier_ratio;
    if (!std::isnan(row.expected_concentration_ng_per_l)) {
      r.expected_concentration = row.expected_concentration_ng_per_l;
    }
    batch.injections[index[key]].responses.push_back(r);
  }
  return batches;
}

class DemoLabBatchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    catalogue_ = new DrugCatalogue(DrugCatalogue::LoadDefault());
    method_ = new QuantitationMethod(QuantitationMethod::LoadFromFile(
        DataPath("data-schemas/examples/wbe-demo-lab.method.json"), catalogue_));
  }
  static void TearDownTestSuite() {
    delete method_;
    delete catalogue_;
  }
  static SimulatedCity Simulate(bool noise) {
    SimulationOptions options;
    options.days = 56;  // eight weekly batches: the seventh has the mis-spiked QC
    options.noise = noise;
    return SimulateCity(*catalogue_, options);
  }

  static DrugCatalogue* catalogue_;
  static QuantitationMethod* method_;
};

DrugCatalogue* DemoLabBatchTest::catalogue_ = nullptr;
QuantitationMethod* DemoLabBatchTest::method_ = nullptr;

TEST_F(DemoLabBatchTest, NoiseFreeBatchesAreAcceptedAndReadBackTheSimulatedLab) {
  const SimulatedCity city = Simulate(false);
  const std::map<std::string, LabBatch> batches = Batches(city);
  ASSERT_GE(batches.size(), 7u);
  std::map<std::tuple<std::string, DayIndex, std::string>, const Measurement*> lab;
  for (const Measurement& m : city.measurements) lab[{m.site_id, m.day, m.analyte}] = &m;
  int compared = 0;
  int batch_number = 0;
  for (const auto& [id, batch] : batches) {
    ++batch_number;  // batch ids sort by ISO week
    const BatchQuantification q = QuantifyBatch(batch, *method_);
    // Only the mis-spiked QC of the 7th batch (not noise: it is planted) flags anything.
    const bool planted = batch_number == 7;
    ASSERT_EQ(q.report.verdict,
              planted ? BatchVerdict::kAcceptedWithFlags : BatchVerdict::kAccepted)
        << id << "\n"
        << q.report.ToTable();
    for (const AnalyteQc& a : q.report.analytes) {
      const bool flagged = planted && a.analyte == "methamphetamine";
      EXPECT_EQ(a.status, flagged ? AnalyteStatus::kFlagged : AnalyteStatus::kAccepted);
      EXPECT_EQ(a.curve.passing, 8) << id << " " << a.analyte;
      // Reporting limit: the lowest standard, 200 ng/L in the vial, 1 ng/L of sewage.
      EXPECT_DOUBLE_EQ(*a.limits.reporting_limit_ng_per_l, 1.0) << a.analyte;
    }
    for (const QuantifiedSample& s : q.samples) {
      ASSERT_TRUE(s.reportable);
      const Measurement* m = lab.at({s.site_id, *s.sampling_day, s.analyte});
      if (s.censored || m->censored) continue;
      // The quadratic stands in for the simulator's r = s c / (1 + a c): within 1 %.
      EXPECT_NEAR(*s.concentration_ng_per_l / m->concentration_ng_per_l, 1.0, 0.01)
          << id << " " << s.site_id << " " << s.analyte;
      ++compared;
    }
  }
  EXPECT_GT(compared, 500);
}

TEST_F(DemoLabBatchTest, NoisyBatchesFindTheMisSpikedQc) {
  const SimulatedCity city = Simulate(true);
  const std::map<std::string, LabBatch> batches = Batches(city);
  std::map<std::tuple<std::string, DayIndex, std::string>, const Measurement*> lab;
  for (const Measurement& m : city.measurements) lab[{m.site_id, m.day, m.analyte}] = &m;
  int batch_number = 0;
  std::vector<double> ratios;
  for (const auto& [id, batch] : batches) {
    ++batch_number;  // batch ids sort by ISO week
    const BatchQuantification q = QuantifyBatch(batch, *method_);
    if (std::getenv("WBE_PRINT_QC_TABLES") != nullptr) std::cout << q.report.ToTable() << "\n";
    EXPECT_NE(q.report.verdict, BatchVerdict::kRejected) << id << "\n" << q.report.ToTable();
    for (const AnalyteQc& a : q.report.analytes) {
      EXPECT_TRUE(a.curve.accepted) << id << " " << a.analyte << ": " << a.curve.BriefReport();
    }
    // The 7th batch's high methamphetamine QCs were mis-spiked by 35 %: all three fail.
    const AnalyteQc& meth = *q.report.FindAnalyte("methamphetamine");
    int high_failed = 0;
    for (const QcInjectionCheck& c : meth.qcs) {
      if (c.level == "3" && !c.passed) ++high_failed;
    }
    if (batch_number == 7) {
      EXPECT_EQ(high_failed, 3) << q.report.ToTable();
      EXPECT_EQ(meth.status, AnalyteStatus::kFlagged);
      EXPECT_EQ(q.report.verdict, BatchVerdict::kAcceptedWithFlags);
    } else {
      EXPECT_EQ(high_failed, 0) << id;
    }
    for (const QuantifiedSample& s : q.samples) {
      const Measurement* m = lab.at({s.site_id, *s.sampling_day, s.analyte});
      if (!s.reportable || s.censored || m->censored) continue;
      ratios.push_back(*s.concentration_ng_per_l / m->concentration_ng_per_l);
    }
  }
  // Our fitted curve against the simulator's true one: the batch curves scatter a few %.
  ASSERT_GT(ratios.size(), 500u);
  double mean = 0.0;
  for (double r : ratios) mean += r / ratios.size();
  EXPECT_NEAR(mean, 1.0, 0.02);
}

}  // namespace
}  // namespace wbe
