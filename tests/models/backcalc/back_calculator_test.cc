#include "models/backcalc/back_calculator.h"

#include <cmath>
#include <numeric>
#include <tuple>

#include <gtest/gtest.h>

#include "models/core/input_error.h"

namespace wbe {
namespace {

class BackCalculatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { catalogue_ = new DrugCatalogue(DrugCatalogue::LoadDefault()); }
  static void TearDownTestSuite() { delete catalogue_; }

  static UncertaintyOptions PointOnly() {
    UncertaintyOptions options;
    options.draws = 0;
    return options;
  }

  static BackCalculationInput Input(const std::string& drug, const std::string& biomarker,
                                    double c_ng_per_l, double q_m3_per_day, double population) {
    BackCalculationInput input;
    input.drug = drug;
    input.biomarker = biomarker;
    input.concentration_ng_per_l = c_ng_per_l;
    input.flow_m3_per_day = q_m3_per_day;
    input.population = population;
    return input;
  }

  static DrugCatalogue* catalogue_;
};

DrugCatalogue* BackCalculatorTest::catalogue_ = nullptr;

// Hand-worked cases: the expected numbers below were computed by hand from the formulas in
// wbe-science.md §1.1 and the catalogue's point values, not by the code under test.

TEST_F(BackCalculatorTest, IssueExampleMethamphetamine) {
  const BackCalculator calculator(*catalogue_, PointOnly());
  BackCalculationInput input = Input("methamphetamine", "", 200, 500000, 2000000);
  input.excretion_fraction = 0.43;
  const SiteDayEstimate e = calculator.Estimate(input).estimate;
  EXPECT_NEAR(e.load_mg_per_day.point, 100000.0, 1e-6);
  EXPECT_NEAR(e.normalised_load_mg_per_day_per_1000.point, 50.0, 1e-9);
  EXPECT_NEAR(e.consumption_mg_per_day_per_1000.point, 116.28, 0.005);
  // 116.279 mg / 30 mg per dose
  EXPECT_NEAR(e.doses_per_day_per_1000.point, 3.876, 0.001);
  // 3.876 doses / 0.82 doses per user per day
  EXPECT_NEAR(e.users_per_1000.point, 4.727, 0.001);
}

TEST_F(BackCalculatorTest, CocaineViaBenzoylecgonine) {
  const BackCalculator calculator(*catalogue_, PointOnly());
  // Science reference V3: C 500 ng/L, Q 200 000 m3/d, P 1 000 000, CF 2.33 (F = 0.45).
  BackCalculationInput input = Input("cocaine", "benzoylecgonine", 500, 200000, 1000000);
  input.excretion_fraction = 0.45;
  SiteDayEstimate e = calculator.Estimate(input).estimate;
  EXPECT_NEAR(e.load_mg_per_day.point, 100000.0, 1e-6);
  EXPECT_NEAR(e.normalised_load_mg_per_day_per_1000.point, 100.0, 1e-9);
  EXPECT_NEAR(e.consumption_mg_per_day_per_1000.point, 233.0, 0.05);  // 100 x 1.04848 / 0.45
  EXPECT_NEAR(e.doses_per_day_per_1000.point, 2.330, 0.001);
  // With the catalogue's point value F = 0.35: 100 x 1.04848 / 0.35 = 299.57.
  input.excretion_fraction.reset();
  e = calculator.Estimate(input).estimate;
  EXPECT_NEAR(e.consumption_mg_per_day_per_1000.point, 299.57, 0.01);
}

TEST_F(BackCalculatorTest, HeroinViaMorphineSubtractsNonHeroinMorphine) {
  const BackCalculator calculator(*catalogue_, PointOnly());
  const BackCalculationResult r =
      calculator.Estimate(Input("heroin", "morphine", 100, 100000, 500000));
  // load 10 000 mg/d; heroin share 1 - 0.968 = 0.032 -> 320 mg/d; x 1.294640 / 0.42 = 986.39
  EXPECT_NEAR(r.estimate.load_mg_per_day.point, 10000.0, 1e-6);
  EXPECT_NEAR(r.estimate.consumption_mg_per_day_per_1000.point, 986.39 / 500.0, 0.001);
  EXPECT_EQ(r.parameters.corrections_applied.size(), 1u);
  // A city with its own therapeutic share (here 90 %) overrides the default.
  BackCalculationInput input = Input("heroin", "morphine", 100, 100000, 500000);
  input.non_target_fraction = 0.9;
  EXPECT_NEAR(calculator.Estimate(input).estimate.consumption_mg_per_day_per_1000.point,
              1000.0 * 1.294640 / 0.42 / 500.0, 0.001);
}

TEST_F(BackCalculatorTest, HeroinVia6MamCorrectsInSewerLoss) {
  const BackCalculator calculator(*catalogue_, PointOnly());
  BackCalculationInput input = Input("heroin", "6-MAM", 2, 100000, 500000);
  input.residence_gravity_h = 5.0;
  const BackCalculationResult r = calculator.Estimate(input);
  // survival exp(-0.008 x 5) = 0.960789; 200 mg/d / 0.960789 = 208.161; x 1.128404 / 0.013
  EXPECT_NEAR(r.parameters.stability_factor, 0.960789, 1e-6);
  EXPECT_NEAR(r.estimate.consumption_mg_per_day_per_1000.point, 208.161 * 1.128404 / 0.013 / 500,
              0.01);
}

TEST_F(BackCalculatorTest, AmphetamineSubtractsMethamphetamineDerivedAmphetamine) {
  const BackCalculator calculator(*catalogue_, PointOnly());
  BackCalculationInput input = Input("amphetamine", "", 20, 100000, 500000);
  input.other_concentrations_ng_per_l["methamphetamine"] = 200;
  const BackCalculationResult r = calculator.Estimate(input);
  // 2000 mg/d - 0.09 x 20 000 mg/d = 200 mg/d; / 0.36 = 555.56 mg/d; / 500
  EXPECT_NEAR(r.estimate.consumption_mg_per_day_per_1000.point, 1.11111, 1e-4);
  // Without the METH measurement the correction is skipped and says so.
  const BackCalculationResult bare =
      calculator.Estimate(Input("amphetamine", "", 20, 100000, 500000));
  EXPECT_NEAR(bare.estimate.consumption_mg_per_day_per_1000.point, 2000 / 0.36 / 500, 1e-4);
  EXPECT_NE(bare.estimate.note.find("no methamphetamine measurement"), std::string::npos);
}

TEST_F(BackCalculatorTest, OtherDrugsHandWorked) {
  const BackCalculator calculator(*catalogue_, PointOnly());
  struct Case {
    const char* drug;
    const char* biomarker;
    double concentration;
    double expected_consumption;  // mg/day/1000, Q = 100 000 m3/d, P = 500 000
  };
  const Case cases[] = {
      {"MDMA", "MDMA", 10, 1000 / 0.225 / 500},                       // 8.889
      {"ketamine", "ketamine", 30, 3000 / 0.20 / 500},                // 30.0
      {"ketamine", "norketamine", 5, 500 * 1.062705 / 0.016 / 500},   // 66.42
      {"cannabis", "THC-COOH", 100, 10000 * 0.912957 / 0.006 / 500},  // 3043.2
      {"methadone", "EDDP", 10, 1000 * 1.115508 / 0.55 / 500},        // 4.056
      {"codeine", "codeine", 50, 5000 / 0.30 / 500},                  // 33.33
  };
  for (const Case& c : cases) {
    const SiteDayEstimate e =
        calculator.Estimate(Input(c.drug, c.biomarker, c.concentration, 100000, 500000)).estimate;
    EXPECT_NEAR(e.consumption_mg_per_day_per_1000.point, c.expected_consumption,
                1e-4 * c.expected_consumption)
        << c.drug << " via " << c.biomarker;
    EXPECT_NEAR(e.normalised_load_mg_per_day_per_1000.point, c.concentration * 100 / 500, 1e-9);
  }
}

TEST_F(BackCalculatorTest, UnknownExcretionGivesLoadsOnly) {
  const BackCalculator calculator(*catalogue_, UncertaintyOptions{});
  const SiteDayEstimate e =
      calculator.Estimate(Input("methcathinone", "", 12, 100000, 500000)).estimate;
  EXPECT_NEAR(e.normalised_load_mg_per_day_per_1000.point, 2.4, 1e-9);
  EXPECT_TRUE(e.normalised_load_mg_per_day_per_1000.has_interval());
  EXPECT_FALSE(e.consumption_mg_per_day_per_1000.available());
  EXPECT_FALSE(e.doses_per_day_per_1000.available());
  EXPECT_NE(e.note.find("loads only"), std::string::npos);
}

TEST_F(BackCalculatorTest, BadInputNamesTheField) {
  const BackCalculator calculator(*catalogue_, PointOnly());
  const auto error_of = [&](const BackCalculationInput& input) -> std::string {
    try {
      calculator.Estimate(input);
    } catch (const InputError& e) {
      return e.field();
    }
    return "";
  };
  EXPECT_EQ(error_of(Input("unobtainium", "", 1, 1, 1)), "drug");
  EXPECT_EQ(error_of(Input("cocaine", "ketamine", 1, 1, 1)), "biomarker");
  EXPECT_EQ(error_of(Input("cocaine", "", -1, 1, 1)), "concentration_ng_per_l");
  EXPECT_EQ(error_of(Input("cocaine", "", 1, 0, 1)), "flow_m3_per_day");
  EXPECT_EQ(error_of(Input("cocaine", "", 1, 1, std::nan(""))), "population");
}

// Monte Carlo against the analytic first-order approximation for normal inputs:
// relative SD = sqrt(u_s^2/n + u_c^2 + u_f^2 + u_p^2) (wbe-science.md §3.2). The draws come
// from many one-draw runs on independent streams. Spread is measured robustly, as half the
// 15.9-84.1 % range over the median (one SD for a normal), because 1/P for a normal P has no
// finite variance and a plain sample SD would be ruled by a few draws near P = 0.
struct EmpiricalRsd {
  double load = 0.0;        // s x C x Q: no division
  double normalised = 0.0;  // s x C x Q / P
};

double RobustRsd(std::vector<double> values) {
  const auto quantile = [&](double q) {
    const size_t index = static_cast<size_t>(q * (values.size() - 1));
    std::nth_element(values.begin(), values.begin() + index, values.end());
    return values[index];
  };
  const double median = quantile(0.5);
  return (quantile(0.841345) - quantile(0.158655)) / 2.0 / median;
}

EmpiricalRsd MeasureRsd(const DrugCatalogue& catalogue, double u_s, int n, double u_c, double u_f,
                        double u_p) {
  UncertaintyOptions options;
  options.draws = 1;
  options.input_distribution = InputDistribution::kNormal;
  options.sampling_rsd = u_s;
  options.sampling_count = n;
  options.concentration_rsd = u_c;
  options.flow_rsd = u_f;
  options.population_rsd = u_p;
  const BackCalculator calculator(catalogue, options);
  BackCalculationInput input;
  input.drug = "methamphetamine";
  input.concentration_ng_per_l = 200;
  input.flow_m3_per_day = 500000;
  input.population = 2000000;
  const int runs = 200000;
  std::vector<double> load, normalised;
  for (int i = 0; i < runs; ++i) {
    input.stream_id = static_cast<uint64_t>(i);
    const SiteDayEstimate e = calculator.Estimate(input).estimate;
    load.push_back(e.load_mg_per_day.median);
    normalised.push_back(e.normalised_load_mg_per_day_per_1000.median);
  }
  return {RobustRsd(load), RobustRsd(normalised)};
}

double Analytic(double u_s, int n, double u_c, double u_f, double u_p) {
  return std::sqrt(u_s * u_s / n + u_c * u_c + u_f * u_f + u_p * u_p);
}

TEST_F(BackCalculatorTest, MonteCarloMatchesAnalyticApproximationForNormalInputs) {
  // Science reference test vectors (U_T 0.2322 and 0.4152 with population); the load alone
  // (no population term) is checked too.
  for (const auto& [u_s, n, u_c, u_f, u_p] :
       {std::tuple<double, int, double, double, double>{0.1, 7, 0.10, 0.05, 0.20},
        {0.2, 17, 0.3, 0.2, 0.2}}) {
    const EmpiricalRsd rsd = MeasureRsd(*catalogue_, u_s, n, u_c, u_f, u_p);
    EXPECT_NEAR(rsd.load / Analytic(u_s, n, u_c, u_f, 0.0), 1.0, 0.05);
    EXPECT_NEAR(rsd.normalised / Analytic(u_s, n, u_c, u_f, u_p), 1.0, 0.05);
  }
  EXPECT_NEAR(Analytic(0.1, 7, 0.10, 0.05, 0.20), 0.2322, 5e-5);
  EXPECT_NEAR(Analytic(0.2, 17, 0.3, 0.2, 0.2), 0.4152, 5e-5);
}

TEST_F(BackCalculatorTest, MonteCarloMatchesAnalyticApproximationForSmallInputs) {
  const EmpiricalRsd rsd = MeasureRsd(*catalogue_, 0.05, 4, 0.05, 0.03, 0.04);
  EXPECT_NEAR(rsd.normalised / Analytic(0.05, 4, 0.05, 0.03, 0.04), 1.0, 0.02);
}

TEST_F(BackCalculatorTest, MonteCarloIsSeededAndBracketsThePoint) {
  UncertaintyOptions options;  // defaults: 10 000 draws, lognormal inputs
  EXPECT_EQ(options.draws, 10000);
  const BackCalculator a(*catalogue_, options);
  const BackCalculationInput input = Input("cocaine", "", 500, 200000, 1000000);
  const SiteDayEstimate first = a.Estimate(input).estimate;
  const SiteDayEstimate again = a.Estimate(input).estimate;
  EXPECT_EQ(first.consumption_mg_per_day_per_1000.median,
            again.consumption_mg_per_day_per_1000.median);
  options.seed += 1;
  const BackCalculator b(*catalogue_, options);
  EXPECT_NE(first.consumption_mg_per_day_per_1000.median,
            b.Estimate(input).estimate.consumption_mg_per_day_per_1000.median);
  BackCalculationInput other_stream = input;
  other_stream.stream_id = 7;
  EXPECT_NE(first.consumption_mg_per_day_per_1000.p95,
            a.Estimate(other_stream).estimate.consumption_mg_per_day_per_1000.p95);

  const UncertainValue& c = first.consumption_mg_per_day_per_1000;
  EXPECT_LT(c.p05, c.point);
  EXPECT_GT(c.p95, c.point);
  // Lognormal inputs have median 1, so the load's median sits on the point value.
  EXPECT_NEAR(first.load_mg_per_day.median / first.load_mg_per_day.point, 1.0, 0.01);
}

TEST_F(BackCalculatorTest, ExcretionUncertaintyAloneGivesTheCatalogueRange) {
  UncertaintyOptions only_excretion;
  only_excretion.concentration_rsd = only_excretion.sampling_rsd = only_excretion.flow_rsd =
      only_excretion.population_rsd = only_excretion.residence_time_rsd = 0.0;
  only_excretion.vary_stability = only_excretion.vary_dose = false;
  const BackCalculationInput input = Input("cocaine", "", 500, 200000, 1000000);
  const UncertainValue c = BackCalculator(*catalogue_, only_excretion)
                               .Estimate(input)
                               .estimate.consumption_mg_per_day_per_1000;
  // F ~ triangular(0.29, 0.35, 0.45): 100 x 1.04848 / F spans 233.0 .. 361.5 at most.
  EXPECT_GT(c.p05, 100 * 1.04848 / 0.45);
  EXPECT_LT(c.p95, 100 * 1.04848 / 0.29);
  EXPECT_GT(c.p95 - c.p05, 40.0);
  only_excretion.vary_excretion = false;
  const UncertainValue fixed = BackCalculator(*catalogue_, only_excretion)
                                   .Estimate(input)
                                   .estimate.consumption_mg_per_day_per_1000;
  EXPECT_DOUBLE_EQ(fixed.p05, fixed.p95);
}

TEST_F(BackCalculatorTest, CensoredInputIsReportedAsUpperBound) {
  const BackCalculator calculator(*catalogue_, PointOnly());
  BackCalculationInput input = Input("MDMA", "", 1.0, 100000, 500000);
  input.censored = true;
  const SiteDayEstimate e = calculator.Estimate(input).estimate;
  EXPECT_TRUE(e.censored);
  EXPECT_GT(e.load_mg_per_day.point, 0.0);
  EXPECT_NE(e.note.find("below LOQ"), std::string::npos);
}

TEST(UncertaintyOptionsTest, CheckRejectsOutOfRange) {
  UncertaintyOptions options;
  EXPECT_TRUE(options.Check());
  options.flow_rsd = -0.1;
  std::string why;
  EXPECT_FALSE(options.Check(&why));
  EXPECT_NE(why.find("flow_rsd"), std::string::npos);
  options = UncertaintyOptions{};
  options.sampling_count = 0;
  EXPECT_FALSE(options.Check());
}

}  // namespace
}  // namespace wbe
