// Runs the real `wbe backtest --euda` on the bundled EUDA/SCORE data (tests/data/euda/).
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/pipeline/cli/run_wbe.h"

namespace {

using ::testing::HasSubstr;

using ::wbe::testing::RunResult;
using ::wbe::testing::RunWbe;

std::string EudaFile(const std::string& name) {
  return std::string(WBE_TEST_DATA_DIR) + "/euda/" + name;
}

std::filesystem::path OutputDir() {
  const std::filesystem::path dir =
      std::filesystem::path(WBE_BINARY_DIR) / "test-output" / "euda-backtest";
  std::filesystem::create_directories(dir);
  return dir;
}

bool IsFiniteNumber(const nlohmann::json& value) {
  return value.is_number() && std::isfinite(value.get<double>());
}

TEST(EudaBacktestCliTest, HelpNamesTheOptions) {
  const RunResult r = RunWbe("backtest --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* option : {"--store", "--euda", "--metabolite", "--site-info", "--json"}) {
    EXPECT_THAT(r.out, HasSubstr(option));
  }
}

TEST(EudaBacktestCliTest, BacktestsTheRealSeries) {
  const RunResult r = RunWbe("backtest --euda " + EudaFile("ww2025-all-data.csv") +
                             " --site-info " + EudaFile("ww2025-site-info-table.csv") + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json result = nlohmann::json::parse(r.out);
  EXPECT_EQ(result["source"]["rows"], 4376);
  EXPECT_GT(result["source"]["population_served"].get<double>(), 0.0);
  const nlohmann::json& yearly = result["yearly"]["overall"];
  for (const char* key : {"mase", "median_mase", "coverage_90", "crps", "naive_mase", "brier",
                          "brier_climatology", "brier_skill", "base_rate"}) {
    EXPECT_TRUE(IsFiniteNumber(yearly[key])) << key << ": " << yearly[key];
  }
  // PROVENANCE.md: 114 series cover 10 or more years; those at least must be backtested, and
  // not every one of the site x metabolite series is long enough.
  const int series = yearly["series"];
  EXPECT_GE(series, 100);
  EXPECT_LT(series, result["source"]["series"].get<int>());
  EXPECT_GT(yearly["series_skipped"].get<int>(), 0);
  EXPECT_GT(yearly["weeks_censored"].get<int>(), 0);
  EXPECT_GT(yearly["forecasts"].get<int>(), series);
  EXPECT_GT(yearly["trend_forecasts"].get<int>(), series);
  EXPECT_GE(yearly["coverage_90"].get<double>(), 0.0);
  EXPECT_LE(yearly["coverage_90"].get<double>(), 1.0);
  EXPECT_EQ(yearly["reliability"].size(), 5u);
  EXPECT_FALSE(result["yearly"]["skipped"].empty());

  const nlohmann::json& weekday = result["weekday"];
  for (const char* metabolite :
       {"MDMA", "amphetamine", "cannabis", "cocaine", "ketamine", "methamphetamine"}) {
    ASSERT_TRUE(weekday["by_metabolite"].contains(metabolite)) << metabolite;
    ASSERT_TRUE(result["yearly"]["by_metabolite"].contains(metabolite)) << metabolite;
    EXPECT_EQ(weekday["by_metabolite"][metabolite]["relative_profile"].size(), 7u);
  }
  const nlohmann::json& with_history = weekday["overall"]["with_site_history"];
  EXPECT_GT(with_history["weeks"].get<int>(), 500);
  for (const char* key : {"mae_flat", "mae_site", "mae_pooled", "skill_site", "skill_pooled"}) {
    EXPECT_TRUE(IsFiniteNumber(with_history[key])) << key;
  }
}

TEST(EudaBacktestCliTest, FiltersMetabolitesAndPrintsTables) {
  const RunResult r = RunWbe("backtest --euda " + EudaFile("ww2025-all-data.csv") +
                             " --metabolite MDMA --metabolite cocaine");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Yearly trend"));
  EXPECT_THAT(r.out, HasSubstr("Weekday profile"));
  EXPECT_THAT(r.out, HasSubstr("cocaine"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("ketamine")));
}

TEST(EudaBacktestCliTest, BadInputExitsTwoAndNamesTheFile) {
  const std::string bad = (OutputDir() / "bad-all-data.csv").string();
  {
    std::ofstream out(bad);
    out << "Year,Metabolite,Site ID,Country,City,Wednesday,Thursday,Friday,Saturday,Sunday,"
           "Monday,Tuesday,Weekday mean,Weekend mean,Daily mean\n"
           "2024,MDMA,AT001,AT,Graz,8.82,abc,12.45,28.11,26.8,10.5,9.13,10.27,19.47,15.53\n";
  }
  const RunResult r = RunWbe("backtest --euda " + bad);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(bad + ":2: Thursday: 'abc' is not a number"));

  const RunResult missing = RunWbe("backtest --euda " + (OutputDir() / "no-such.csv").string());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("no-such.csv"));

  const RunResult unknown =
      RunWbe("backtest --euda " + EudaFile("ww2025-all-data.csv") + " --metabolite heroin");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("--metabolite: no rows for 'heroin'"));

  const RunResult neither = RunWbe("backtest --json");
  EXPECT_NE(neither.exit_code, 0);
  EXPECT_THAT(neither.err, HasSubstr("--store"));
  EXPECT_THAT(neither.err, HasSubstr("--euda"));
  const RunResult both =
      RunWbe("backtest --euda " + EudaFile("ww2025-all-data.csv") + " --store " + bad);
  EXPECT_NE(both.exit_code, 0);
  const RunResult mixed =
      RunWbe("backtest --euda " + EudaFile("ww2025-all-data.csv") + " --horizon 3");
  EXPECT_NE(mixed.exit_code, 0);
  EXPECT_THAT(mixed.err, HasSubstr("--horizon"));
}

}  // namespace
