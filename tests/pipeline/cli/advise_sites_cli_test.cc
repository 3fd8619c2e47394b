// Runs the real `wbe advise-sites` on the demo city.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/city/city_io.h"
#include "models/core/data_paths.h"
#include "pipeline/store/hdf5_store.h"
#include "tests/pipeline/cli/run_wbe.h"

namespace {

using ::testing::HasSubstr;

using ::wbe::testing::RunResult;
using ::wbe::testing::RunWbe;

std::string DataFile(const std::string& name) {
  return std::string(WBE_TEST_DATA_DIR) + "/advise-sites/" + name;
}

std::filesystem::path OutputDir() {
  const std::filesystem::path dir =
      std::filesystem::path(WBE_BINARY_DIR) / "test-output" / "advise-sites";
  std::filesystem::create_directories(dir);
  return dir;
}

// The demo city sampled at its plant inlet only, as a city JSON file.
std::string InletOnlyCityFile() {
  wbe::City city = wbe::LoadCityFromFile(wbe::DataPath("models/simulation/demo_city.json"));
  std::vector<wbe::SamplingSite> inlet;
  for (const wbe::SamplingSite& site : city.sites) {
    if (site.id == "WWTP-IN") inlet.push_back(site);
  }
  city.sites = inlet;
  const std::string path = (OutputDir() / "inlet-only-city.json").string();
  std::ofstream(path) << wbe::CityToJson(city).dump(2);
  return path;
}

TEST(AdviseSitesCliTest, HelpSaysWhatItDoes) {
  const RunResult r = RunWbe("advise-sites --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("candidate manholes"));
  EXPECT_THAT(r.out, HasSubstr("--candidates"));
  EXPECT_THAT(r.out, HasSubstr("--max-sites"));
  EXPECT_THAT(RunWbe("--help").out, HasSubstr("advise-sites"));
}

TEST(AdviseSitesCliTest, RanksPicksThatResolveTheInletsGroup) {
  const RunResult r = RunWbe("advise-sites --city " + InletOnlyCityFile() + " --candidates " +
                             DataFile("candidates.csv") + " --max-sites 7");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("sites to add, best first"));
  EXPECT_THAT(r.out, HasSubstr("before: identifiability: 8 districts, 0 resolved"));
  EXPECT_THAT(r.out, HasSubstr("after: identifiability: 8 districts, 8 resolved"));
  EXPECT_THAT(r.out, HasSubstr("A + B + C + D + E + F + G + H: not separable"));

  const RunResult j = RunWbe("advise-sites --city " + InletOnlyCityFile() + " --candidates " +
                             DataFile("candidates.csv") + " --max-sites 7 --json");
  ASSERT_EQ(j.exit_code, 0) << j.err;
  const nlohmann::json advice = nlohmann::json::parse(j.out);
  ASSERT_EQ(advice["picks"].size(), 7u);
  ASSERT_EQ(advice["groups_before"].size(), 1u);
  EXPECT_EQ(advice["groups_before"][0]["district_ids"].size(), 8u);
  ASSERT_EQ(advice["groups_after"].size(), 8u);
  for (const nlohmann::json& group : advice["groups_after"]) EXPECT_TRUE(group["resolved"]);
  EXPECT_EQ(advice["drug"], "methamphetamine");
  EXPECT_EQ(advice["first_round"].size(), 14u);
  // The text table names the same picks, in the same order.
  size_t previous = 0;
  for (const nlohmann::json& pick : advice["picks"]) {
    const std::string id = pick["site_id"].get<std::string>();
    const size_t at = r.out.find("  " + id + "  ");
    ASSERT_NE(at, std::string::npos) << id << "\n" << r.out;
    EXPECT_GT(at, previous) << id;
    previous = at;
    EXPECT_GT(pick["variance_reduction_log2"].get<double>(), 0.0);
  }
}

TEST(AdviseSitesCliTest, ReadsTheCityFromAStoreAndJsonCandidates) {
  wbe::StoreContents contents;
  contents.city = wbe::LoadCityFromFile(wbe::DataPath("models/simulation/demo_city.json"));
  const std::string store = (OutputDir() / "city-only.h5").string();
  wbe::Hdf5Store::Write(store, contents);
  const RunResult r = RunWbe("advise-sites --store " + store + " --candidates " +
                             DataFile("candidates.json") + " --max-sites 5 --drug cocaine --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json advice = nlohmann::json::parse(r.out);
  EXPECT_EQ(advice["current_site_ids"].size(), 5u);  // the demo city's own five sites
  EXPECT_EQ(advice["biomarker"], "benzoylecgonine");
  // j_south, out_D and out_H split every group the five sites leave: all three are picked.
  EXPECT_EQ(advice["picks"].size(), 3u);
  EXPECT_EQ(advice["groups_after"].size(), 8u);
}

TEST(AdviseSitesCliTest, BadInputExitsTwoNamingTheFileAndRow) {
  const std::string city = wbe::DataPath("models/simulation/demo_city.json");
  {
    const RunResult r =
        RunWbe("advise-sites --city " + city + " --candidates " + DataFile("bad-node.csv"));
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr(DataFile("bad-node.csv") + ":3"));
    EXPECT_THAT(r.err, HasSubstr("j_nowhere"));
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  {
    const std::string bad = (OutputDir() / "bad-row.csv").string();
    std::ofstream(bad) << "id,node\nC1,j_south\n,out_D\n";
    const RunResult r = RunWbe("advise-sites --city " + city + " --candidates " + bad);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr(bad + ":3: id"));
  }
  {
    const RunResult r = RunWbe("advise-sites --city " + city + " --candidates " +
                               DataFile("candidates.csv") + " --drug unobtainium");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("unobtainium"));
  }
  // Exactly one of --store and --city.
  EXPECT_NE(RunWbe("advise-sites --candidates " + DataFile("candidates.csv")).exit_code, 0);
  EXPECT_NE(RunWbe("advise-sites --city " + city + " --store " + city + " --candidates " +
                   DataFile("candidates.csv"))
                .exit_code,
            0);
  EXPECT_NE(RunWbe("advise-sites --city " + city + " --candidates " + DataFile("candidates.csv") +
                   " --max-sites 0")
                .exit_code,
            0);
}

}  // namespace
