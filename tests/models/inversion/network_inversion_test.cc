#include "models/inversion/network_inversion.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/inversion/cost_functions.h"
#include "models/network/identifiability.h"
#include "models/simulation/city_simulator.h"

namespace wbe {
namespace {

constexpr char kBiomarker[] = "methamphetamine";
constexpr int kDays = 28;

// The demo city simulated once, with the true district masses (districts x days) and the true
// site loads as noise-free observations.
struct DemoProblem {
  SimulatedCity simulated;
  SewerNetwork network;
  BiomarkerStability stability;
  std::vector<double> populations;
  Eigen::MatrixXd true_mass_mg_per_day;  // districts x kDays
  std::vector<SiteLoadObservation> observations;
  double per_capita_log_mg = 0.0;  // the city-wide truth, as a plausible prior mean
};

const DemoProblem& Demo() {
  static const DemoProblem* const kDemo = [] {
    auto* demo = new DemoProblem;
    const DrugCatalogue catalogue = DrugCatalogue::LoadDefault();
    SimulationOptions options;
    options.seed = 7;
    options.days = kDays;
    demo->simulated = SimulateCity(catalogue, options);
    demo->network = SewerNetwork::Build(demo->simulated.city);
    demo->stability = catalogue.GetBiomarker(kBiomarker).stability;
    for (const District& district : demo->simulated.city.districts) {
      demo->populations.push_back(district.population);
    }
    const DayIndex start = demo->simulated.start_day;
    demo->true_mass_mg_per_day =
        Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(demo->network.district_count()), kDays);
    for (const DistrictDayInput& input : demo->simulated.district_inputs) {
      if (input.biomarker != kBiomarker || input.day < start || input.day >= start + kDays) {
        continue;
      }
      demo->true_mass_mg_per_day(
          static_cast<Eigen::Index>(demo->network.DistrictIndex(input.district_id)),
          input.day - start) += input.excreted_mg + input.dumped_mg;
    }
    for (const SiteDayTruth& truth : demo->simulated.truth.sites) {
      if (truth.biomarker != kBiomarker || truth.day < start || truth.day >= start + kDays) {
        continue;
      }
      SiteLoadObservation observation;
      observation.site_index = demo->network.SiteIndex(truth.site_id);
      observation.day_index = static_cast<int>(truth.day - start);
      observation.load_mg_per_day = truth.load_mg_per_day;
      demo->observations.push_back(observation);
    }
    double population = 0.0;
    for (double p : demo->populations) population += p;
    demo->per_capita_log_mg = std::log(demo->true_mass_mg_per_day.sum() / kDays / population);
    return demo;
  }();
  return *kDemo;
}

InversionOptions DemoOptions() {
  InversionOptions options;
  options.per_capita_log_mg_per_person_per_day = Demo().per_capita_log_mg;
  return options;
}

InversionResult SolveDemo(const std::vector<SiteLoadObservation>& observations,
                          const InversionOptions& options) {
  const DemoProblem& demo = Demo();
  return NetworkInversion::Solve(demo.network, demo.stability, demo.populations, observations,
                                 kDays, options);
}

size_t FindObservation(const std::vector<SiteLoadObservation>& observations, size_t site, int day) {
  for (size_t i = 0; i < observations.size(); ++i) {
    if (observations[i].site_index == site && observations[i].day_index == day) return i;
  }
  ADD_FAILURE() << "no observation at site " << site << " day " << day;
  return 0;
}

// The model's load at a site-day from a fitted mass matrix (only days >= 1 are complete).
double ModelLoad(const Eigen::MatrixXd& mass, size_t site, int day) {
  const DemoProblem& demo = Demo();
  return demo.network.ForwardLoads(mass, demo.stability)(static_cast<Eigen::Index>(site), day);
}

TEST(NetworkInversionTest, RecoversWeeklyMassOfResolvedDistrictsAndUnresolvedGroups) {
  const DemoProblem& demo = Demo();
  ASSERT_EQ(demo.observations.size(), demo.network.site_count() * kDays);
  const InversionResult result = SolveDemo(demo.observations, DemoOptions());
  std::cout << result.BriefReport() << "\n";
  EXPECT_TRUE(result.converged) << result.ceres_brief_report;
  ASSERT_EQ(result.log_mass_mg_per_day.rows(), demo.true_mass_mg_per_day.rows());
  ASSERT_EQ(result.log_mass_mg_per_day.cols(), kDays);
  const Eigen::MatrixXd mass = result.MassMgPerDay();

  double worst_resolved = 0.0;
  double worst_group = 0.0;
  for (const DistrictGroup& group : IdentifiabilityGroups(demo.network)) {
    ASSERT_FALSE(group.unobserved);
    std::vector<Eigen::Index> rows;
    for (const std::string& id : group.district_ids) {
      rows.push_back(static_cast<Eigen::Index>(demo.network.DistrictIndex(id)));
    }
    for (int week = 0; week < kDays / 7; ++week) {
      double estimate = 0.0;
      double truth = 0.0;
      for (Eigen::Index row : rows) {
        estimate += mass.row(row).segment(7 * week, 7).sum();
        truth += demo.true_mass_mg_per_day.row(row).segment(7 * week, 7).sum();
      }
      const double error = std::abs(estimate / truth - 1.0);
      (group.resolved ? worst_resolved : worst_group) =
          std::max(group.resolved ? worst_resolved : worst_group, error);
      EXPECT_LT(error, 0.05) << group.district_ids.front() << " (+" << rows.size() - 1 << ") week "
                             << week << ": " << estimate << " vs " << truth;
    }
  }
  std::cout << "worst weekly relative error: resolved districts " << worst_resolved
            << ", unresolved group sums " << worst_group << "\n";
}

TEST(NetworkInversionTest, CensoredObservationOnlyPushesDown) {
  const DemoProblem& demo = Demo();
  const size_t inlet = demo.network.SiteIndex("WWTP-IN");
  constexpr int kDay = 10;
  std::vector<SiteLoadObservation> dropped = demo.observations;
  dropped.erase(dropped.begin() +
                static_cast<std::ptrdiff_t>(FindObservation(dropped, inlet, kDay)));
  const InversionResult without = SolveDemo(dropped, DemoOptions());
  const double model_load = ModelLoad(without.MassMgPerDay(), inlet, kDay);

  SiteLoadObservation censored;
  censored.site_index = inlet;
  censored.day_index = kDay;
  censored.censored = true;

  // LOQ three times above the model: "below LOQ" agrees with the fit, nothing moves.
  censored.loq_load_mg_per_day = 3.0 * model_load;
  std::vector<SiteLoadObservation> above = dropped;
  above.push_back(censored);
  const InversionResult with_high_loq = SolveDemo(above, DemoOptions());
  const double high_change =
      (with_high_loq.log_mass_mg_per_day - without.log_mass_mg_per_day).cwiseAbs().maxCoeff();
  std::cout << "LOQ 3x above the model: max |change of log mass| " << high_change << "\n";
  EXPECT_LT(high_change, 1e-4);

  // LOQ at half the model: the censored value says the load was lower, the model follows.
  censored.loq_load_mg_per_day = 0.5 * model_load;
  std::vector<SiteLoadObservation> below = dropped;
  below.push_back(censored);
  const InversionResult with_low_loq = SolveDemo(below, DemoOptions());
  const double pushed_load = ModelLoad(with_low_loq.MassMgPerDay(), inlet, kDay);
  std::cout << "LOQ at half the model: model load " << model_load << " -> " << pushed_load
            << " mg/day (LOQ " << censored.loq_load_mg_per_day << ")\n";
  EXPECT_LT(pushed_load, 0.95 * model_load);
  // Pushed down, never up: no district-day rises noticeably.
  EXPECT_LT((with_low_loq.log_mass_mg_per_day - without.log_mass_mg_per_day).maxCoeff(), 0.05);
}

// The largest relative change of district mass on days outside [first, last].
double MaxChangeOutside(const InversionResult& a, const InversionResult& b, int first, int last) {
  double change = 0.0;
  for (int day = 0; day < kDays; ++day) {
    if (day >= first && day <= last) continue;
    change = std::max(
        change,
        (a.log_mass_mg_per_day.col(day) - b.log_mass_mg_per_day.col(day)).cwiseAbs().maxCoeff());
  }
  return std::expm1(change);
}

TEST(NetworkInversionTest, RobustLossContainsADumpingSpike) {
  const DemoProblem& demo = Demo();
  const size_t inlet = demo.network.SiteIndex("WWTP-IN");
  constexpr int kDay = 14;
  std::vector<SiteLoadObservation> dumped = demo.observations;
  dumped[FindObservation(dumped, inlet, kDay)].load_mg_per_day *= 20.0;

  std::vector<double> changes;
  for (RobustLoss loss : {RobustLoss::kHuber, RobustLoss::kCauchy, RobustLoss::kTrivial}) {
    InversionOptions options = DemoOptions();
    options.loss = loss;
    const InversionResult clean = SolveDemo(demo.observations, options);
    const InversionResult spiked = SolveDemo(dumped, options);
    // The spike's own composite day and the day whose spill it holds are expected to move.
    changes.push_back(MaxChangeOutside(clean, spiked, kDay - 1, kDay));
  }
  std::cout << "max relative change on other days: Huber " << changes[0] << ", Cauchy "
            << changes[1] << ", trivial " << changes[2] << "\n";
  EXPECT_LT(changes[0], 0.10);
  EXPECT_LT(changes[1], 0.10);
  EXPECT_GT(changes[2], 2.0 * std::max(changes[0], changes[1]));
}

TEST(NetworkInversionTest, WarmStartFromTheSolutionConvergesAtOnce) {
  const DemoProblem& demo = Demo();
  const InversionResult cold = SolveDemo(demo.observations, DemoOptions());
  const InversionResult warm =
      NetworkInversion::Solve(demo.network, demo.stability, demo.populations, demo.observations,
                              kDays, DemoOptions(), &cold.log_mass_mg_per_day);
  EXPECT_LE(warm.iterations, 3) << warm.BriefReport();
  EXPECT_LT((warm.log_mass_mg_per_day - cold.log_mass_mg_per_day).cwiseAbs().maxCoeff(), 1e-4);
}

// A weekly pattern (weekend peak) and no sample holding one Saturday's mass: the optional
// day-of-week prior fills that Saturday from the Saturdays around it, the plain random walk
// from its Friday and Monday.
TEST(NetworkInversionTest, DayOfWeekPriorFillsADayWithoutSamplesFromTheSameWeekday) {
  const DemoProblem& demo = Demo();
  const double factors[7] = {1.0, 1.0, 1.0, 1.0, 1.5, 2.5, 1.5};  // Monday .. Sunday
  const int warm_up = NetworkInversion::WarmUpDays(demo.network);
  Eigen::MatrixXd mass(demo.true_mass_mg_per_day.rows(), warm_up + kDays);
  for (Eigen::Index d = 0; d < mass.rows(); ++d) {
    for (int c = 0; c < mass.cols(); ++c) {
      const int day = c - warm_up;
      mass(d, c) = demo.populations[static_cast<size_t>(d)] * 0.05 * factors[((day % 7) + 7) % 7];
    }
  }
  const Eigen::MatrixXd loads = demo.network.ForwardLoads(mass, demo.stability);
  constexpr int kSaturday = 19;  // day 0 is a Monday
  std::vector<SiteLoadObservation> observations;
  for (size_t s = 0; s < demo.network.site_count(); ++s) {
    for (int day = 0; day < kDays; ++day) {
      if (day >= kSaturday && day <= kSaturday + 2) continue;  // its mass reaches no sample
      SiteLoadObservation o;
      o.site_index = s;
      o.day_index = day;
      o.load_mg_per_day = loads(static_cast<Eigen::Index>(s), warm_up + day);
      observations.push_back(o);
    }
  }
  InversionOptions options = DemoOptions();
  options.per_capita_log_mg_per_person_per_day = std::log(0.05);
  const size_t a = demo.network.DistrictIndex("A");
  const double truth = mass(static_cast<Eigen::Index>(a), warm_up + kSaturday);
  const double plain = SolveDemo(observations, options).MassMgPerDay()(a, kSaturday);
  options.day_of_week_log_sigma = 0.05;
  const double weekly = SolveDemo(observations, options).MassMgPerDay()(a, kSaturday);
  std::cout << "Saturday without samples, A: truth " << truth << ", random walk " << plain
            << ", with the day-of-week prior " << weekly << "\n";
  EXPECT_LT(std::abs(weekly / truth - 1.0), 0.2);
  EXPECT_GT(std::abs(plain / truth - 1.0), 2.0 * std::abs(weekly / truth - 1.0));
}

// Units solve districts together (their sum), and the covariance of asked-for sets comes back.
TEST(NetworkInversionTest, UnitsAndCovarianceSets) {
  const DemoProblem& demo = Demo();
  InversionProblem problem;
  problem.populations_per_district = demo.populations;
  for (const DistrictGroup& group : IdentifiabilityGroups(demo.network)) {
    std::vector<size_t> unit;
    for (const std::string& id : group.district_ids) unit.push_back(demo.network.DistrictIndex(id));
    problem.units.push_back(unit);
  }
  problem.observations = demo.observations;
  problem.day_count = kDays;
  for (size_t u = 0; u < problem.units.size(); ++u) {
    std::vector<UnitDay> week;
    for (int day = 7; day < 14; ++day) week.push_back({u, day});
    problem.covariance_sets.push_back(week);
  }
  const InversionResult result =
      NetworkInversion::Solve(demo.network, demo.stability, problem, DemoOptions());
  ASSERT_EQ(result.log_mass_mg_per_day.rows(), static_cast<Eigen::Index>(problem.units.size()));
  ASSERT_TRUE(result.covariance_ok);
  ASSERT_EQ(result.covariances.size(), problem.units.size());
  EXPECT_EQ(result.whitened_residuals.size(), demo.observations.size());
  for (size_t u = 0; u < problem.units.size(); ++u) {
    const Eigen::MatrixXd& c = result.covariances[u];
    ASSERT_EQ(c.rows(), 7);
    EXPECT_LT((c - c.transpose()).cwiseAbs().maxCoeff(), 1e-12);
    for (int i = 0; i < 7; ++i) {
      EXPECT_GT(c(i, i), 0.0);
      EXPECT_LT(std::sqrt(c(i, i)), 0.5) << "unit " << u;
    }
    // Days are negatively correlated (a spill shares a composite), so the week is known better
    // than any of its days: the SD of the mean log mass is well below one day's.
    const double week_sd = std::sqrt(c.sum()) / 7.0;
    EXPECT_LT(week_sd, 0.25) << "unit " << u;
    EXPECT_LT(week_sd, std::sqrt(c.diagonal().maxCoeff()));
    // The week's sum matches the truth of the unit's members.
    double estimate = 0.0;
    double truth = 0.0;
    for (int day = 7; day < 14; ++day) {
      estimate += std::exp(result.log_mass_mg_per_day(static_cast<Eigen::Index>(u), day));
      for (size_t d : problem.units[u]) {
        truth += demo.true_mass_mg_per_day(static_cast<Eigen::Index>(d), day);
      }
    }
    EXPECT_NEAR(estimate / truth, 1.0, 0.05) << "unit " << u;
  }
}

TEST(NetworkInversionTest, RefusesBadInputs) {
  const DemoProblem& demo = Demo();
  std::vector<double> populations = demo.populations;
  populations.pop_back();
  EXPECT_THROW(NetworkInversion::Solve(demo.network, demo.stability, populations, demo.observations,
                                       kDays, DemoOptions()),
               std::invalid_argument);
  std::vector<SiteLoadObservation> zero = demo.observations;
  zero.front().load_mg_per_day = 0.0;
  EXPECT_THROW(SolveDemo(zero, DemoOptions()), std::invalid_argument);
  std::vector<SiteLoadObservation> late = demo.observations;
  late.front().day_index = kDays;
  EXPECT_THROW(SolveDemo(late, DemoOptions()), std::invalid_argument);
}

TEST(InversionOptionsTest, CheckRefusesNonPositiveSigmas) {
  EXPECT_TRUE(InversionOptions().Check());
  const auto refused = [](void (*edit)(InversionOptions&)) {
    InversionOptions options;
    edit(options);
    std::string why;
    const bool ok = options.Check(&why);
    EXPECT_FALSE(why.empty());
    return !ok;
  };
  EXPECT_TRUE(refused([](InversionOptions& o) { o.observation_log_sigma = 0.0; }));
  EXPECT_TRUE(refused([](InversionOptions& o) { o.observation_log_sigma = -0.1; }));
  EXPECT_TRUE(refused([](InversionOptions& o) { o.random_walk_log_sigma_per_day = 0.0; }));
  EXPECT_TRUE(refused([](InversionOptions& o) { o.per_capita_log_sigma = -3.0; }));
  EXPECT_TRUE(refused([](InversionOptions& o) { o.loss_scale = 0.0; }));
  EXPECT_TRUE(refused([](InversionOptions& o) { o.observation_log_sigma = std::nan(""); }));
  EXPECT_TRUE(refused([](InversionOptions& o) { o.max_num_iterations = 0; }));
  EXPECT_TRUE(refused([](InversionOptions& o) { o.day_of_week_log_sigma = -0.1; }));
  InversionOptions options;
  options.observation_log_sigma = 0.0;
  EXPECT_THROW(SolveDemo(Demo().observations, options), std::invalid_argument);
}

TEST(CostFunctionsTest, LogStandardNormalCdfIsAccurateInBothTails) {
  EXPECT_NEAR(LogStandardNormalCdf(0.0), std::log(0.5), 1e-15);
  EXPECT_NEAR(LogStandardNormalCdf(-3.0), std::log(1.3498980316301e-3), 1e-12);
  // Either side of the switch to the asymptotic series.
  EXPECT_NEAR(LogStandardNormalCdf(-19.999), LogStandardNormalCdf(-20.001), 0.05);
  EXPECT_NEAR(LogStandardNormalCdf(-40.0), -804.6084420137538, 1e-6);
  EXPECT_NEAR(LogStandardNormalCdf(8.0), -6.220960574271743e-16, 1e-22);
  using Jet = ceres::Jet<double, 1>;
  const Jet z(-25.0, 0);
  const Jet value = LogStandardNormalCdf(z);
  EXPECT_TRUE(std::isfinite(value.a));
  EXPECT_NEAR(value.v[0], 25.0, 0.1);  // d log Phi / dz ~ -z far in the lower tail
}

}  // namespace
}  // namespace wbe
