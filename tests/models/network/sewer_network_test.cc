#include "models/network/sewer_network.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/city/city_io.h"
#include "models/core/data_paths.h"
#include "models/core/input_error.h"
#include "models/simulation/city_simulator.h"

namespace wbe {
namespace {

using nlohmann::json;

City DemoCity() { return LoadCityFromFile(DataPath("models/simulation/demo_city.json")); }

// Two districts through one junction to the plant; the rising main makes X's trip 31 h, so
// whole-day lags are exercised (the demo city's trips are all under a day).
City LongCity() {
  City city;
  city.name = "long";
  city.nodes = {"plant", "junction", "out_x", "out_y"};
  city.edges = {{"out_x", "junction", 1.0, SewerType::kGravity},
                {"out_y", "junction", 2.0, SewerType::kGravity},
                {"junction", "plant", 30.0, SewerType::kRisingMain}};
  city.districts = {{"X", "X street", 1000.0, 1.0, std::nullopt, "out_x"},
                    {"Y", "Y street", 2000.0, 1.0, std::nullopt, "out_y"}};
  city.sites = {{"INLET", "plant inlet", SiteKind::kTreatmentPlantInlet, "plant"},
                {"MH-J", "junction manhole", SiteKind::kManhole, "junction"}};
  return city;
}

const Route& RouteTo(const SewerNetwork& network, const std::string& site,
                     const std::string& district) {
  const size_t d = network.DistrictIndex(district);
  for (const Route& route : network.Routes(network.SiteIndex(site))) {
    if (route.district_index == d) return route;
  }
  ADD_FAILURE() << "no route from " << district << " to " << site;
  static const Route kNone;
  return kNone;
}

std::string BuildError(const City& city) {
  try {
    SewerNetwork::Build(city);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "the network was built";
  return "";
}

TEST(SewerNetworkTest, RoutesAreTheCitysUpstreamDistricts) {
  const City city = DemoCity();
  const SewerNetwork network = SewerNetwork::Build(city);
  ASSERT_EQ(network.site_count(), city.sites.size());
  ASSERT_EQ(network.district_count(), city.districts.size());
  size_t route_count = 0;
  for (size_t s = 0; s < city.sites.size(); ++s) {
    EXPECT_EQ(network.SiteIndex(city.sites[s].id), s);
    const std::vector<DistrictPath> paths = city.UpstreamDistricts(city.sites[s].id);
    const std::vector<Route>& routes = network.Routes(s);
    ASSERT_EQ(routes.size(), paths.size()) << city.sites[s].id;
    for (size_t i = 0; i < paths.size(); ++i) {
      EXPECT_EQ(routes[i].site_index, s);
      EXPECT_EQ(routes[i].district_index, paths[i].district_index);
      EXPECT_EQ(routes[i].gravity_h, paths[i].gravity_h);
      EXPECT_EQ(routes[i].rising_main_h, paths[i].rising_main_h);
    }
    route_count += routes.size();
  }
  size_t by_district = 0;
  for (size_t d = 0; d < network.district_count(); ++d) {
    for (const Route& route : network.RoutesOfDistrict(d)) EXPECT_EQ(route.district_index, d);
    by_district += network.RoutesOfDistrict(d).size();
  }
  EXPECT_EQ(by_district, route_count);
  // A is seen at all four sites on its way; F only at the plant.
  EXPECT_EQ(network.RoutesOfDistrict(network.DistrictIndex("A")).size(), 4u);
  EXPECT_EQ(network.RoutesOfDistrict(network.DistrictIndex("F")).size(), 1u);
}

TEST(SewerNetworkTest, LagAndSpillMatchHandComputedTravelTimes) {
  const SewerNetwork network = SewerNetwork::Build(DemoCity());
  // D -> j_de 2.0 h, -> ps_east 1.0 h (gravity), -> plant 3.5 h (rising main).
  const Route& d_inlet = RouteTo(network, "WWTP-IN", "D");
  EXPECT_DOUBLE_EQ(d_inlet.gravity_h, 3.0);
  EXPECT_DOUBLE_EQ(d_inlet.rising_main_h, 3.5);
  EXPECT_EQ(d_inlet.whole_days_lag, 0);
  EXPECT_DOUBLE_EQ(d_inlet.spill_fraction, 6.5 / 24.0);
  // G -> j_south 3.5 h, -> plant 4.5 h.
  const Route& g_inlet = RouteTo(network, "WWTP-IN", "G");
  EXPECT_DOUBLE_EQ(g_inlet.travel_time_h(), 8.0);
  EXPECT_DOUBLE_EQ(g_inlet.spill_fraction, 1.0 / 3.0);
  // A -> mh_a 0.8 h.
  EXPECT_DOUBLE_EQ(RouteTo(network, "MH-A", "A").spill_fraction, 0.8 / 24.0);

  const SewerNetwork long_network = SewerNetwork::Build(LongCity());
  const Route& x_inlet = RouteTo(long_network, "INLET", "X");  // 1 + 30 h = 1 day + 7 h
  EXPECT_EQ(x_inlet.whole_days_lag, 1);
  EXPECT_DOUBLE_EQ(x_inlet.spill_fraction, 7.0 / 24.0);
  const Route& y_junction = RouteTo(long_network, "MH-J", "Y");
  EXPECT_EQ(y_junction.whole_days_lag, 0);
  EXPECT_DOUBLE_EQ(y_junction.spill_fraction, 2.0 / 24.0);
}

TEST(SewerNetworkTest, SurvivalUsesEachSewerTypesRateAndIgnoresUnknownRates) {
  const SewerNetwork network = SewerNetwork::Build(DemoCity());
  const Route& d_inlet = RouteTo(network, "WWTP-IN", "D");
  BiomarkerStability stability;
  stability.gravity_k_per_h = Quantity::Fixed(0.02);
  stability.rising_main_k_per_h = Quantity::Fixed(0.1);
  EXPECT_DOUBLE_EQ(network.Survival(d_inlet, stability), std::exp(-(0.02 * 3.0 + 0.1 * 3.5)));
  stability.rising_main_k_per_h = Quantity();
  EXPECT_DOUBLE_EQ(network.Survival(d_inlet, stability), std::exp(-0.02 * 3.0));
  EXPECT_DOUBLE_EQ(network.Survival(d_inlet, BiomarkerStability{}), 1.0);
}

TEST(SewerNetworkTest, ForwardLoadsSplitsMassAcrossCompositeDays) {
  const SewerNetwork network = SewerNetwork::Build(LongCity());
  BiomarkerStability stability;
  stability.rising_main_k_per_h = Quantity::Fixed(0.01);
  Eigen::MatrixXd mass(2, 4);
  mass << 100, 200, 400, 800,  // X: 31 h to the inlet, 1 h to the junction
      10, 20, 40, 80;          // Y: 32 h to the inlet, 2 h to the junction
  const Eigen::MatrixXd loads = network.ForwardLoads(mass, stability);
  ASSERT_EQ(loads.rows(), 2);
  ASSERT_EQ(loads.cols(), 4);
  const double s = std::exp(-0.01 * 30.0);
  const double x = 7.0 / 24.0;
  const double y = 8.0 / 24.0;
  // Day 0 at the inlet would need mass from before the first day: nothing arrives.
  EXPECT_DOUBLE_EQ(loads(0, 0), 0.0);
  // Day 1 sees day 0 only, without the spill from day -1.
  EXPECT_DOUBLE_EQ(loads(0, 1), s * ((1 - x) * 100 + (1 - y) * 10));
  EXPECT_DOUBLE_EQ(loads(0, 3), s * ((1 - x) * 400 + x * 200 + (1 - y) * 40 + y * 20));
  const double jx = 1.0 / 24.0;
  const double jy = 2.0 / 24.0;
  EXPECT_DOUBLE_EQ(loads(1, 0), (1 - jx) * 100 + (1 - jy) * 10);
  EXPECT_DOUBLE_EQ(loads(1, 2), (1 - jx) * 400 + jx * 200 + (1 - jy) * 40 + jy * 20);
}

TEST(SewerNetworkTest, ForwardLoadsRefusesAMatrixOfTheWrongShape) {
  const SewerNetwork network = SewerNetwork::Build(LongCity());
  EXPECT_THROW(network.ForwardLoads(Eigen::MatrixXd::Zero(3, 5), BiomarkerStability{}),
               std::invalid_argument);
}

TEST(SewerNetworkTest, UnknownIdsAreInputErrors) {
  const SewerNetwork network = SewerNetwork::Build(DemoCity());
  EXPECT_THROW(network.SiteIndex("MH-Z"), InputError);
  EXPECT_THROW(network.DistrictIndex("Z"), InputError);
}

// The simulator on the demo city with two trunk sewers stretched past a day, so that both
// whole-day lags and spills occur.
std::string StretchedDemoCityPath() {
  std::ifstream in(DataPath("models/simulation/demo_city.json"));
  json document = json::parse(in);
  for (json& edge : document["network"]["edges"]) {
    if (edge["from"] == "ps_east") edge["travel_time_h"] = 27.5;  // D: 30.5 h, E: 29 h
    if (edge["from"] == "out_G") edge["travel_time_h"] = 40.0;    // G: 44.5 h
  }
  const std::string path = ::testing::TempDir() + "/stretched_demo_city.json";
  std::ofstream(path) << document.dump();
  return path;
}

TEST(SewerNetworkTest, ForwardLoadsReproducesTheSimulatorsSiteLoads) {
  const DrugCatalogue catalogue = DrugCatalogue::LoadDefault();
  SimulationOptions options;
  options.seed = 11;
  options.days = 14;
  options.scenario_path = StretchedDemoCityPath();
  const SimulatedCity simulated = SimulateCity(catalogue, options);
  std::filesystem::remove(options.scenario_path);
  const SewerNetwork network = SewerNetwork::Build(simulated.city);
  EXPECT_EQ(RouteTo(network, "WWTP-IN", "G").whole_days_lag, 1);

  ASSERT_FALSE(simulated.district_inputs.empty());
  DayIndex first_day = simulated.district_inputs.front().day;
  for (const DistrictDayInput& input : simulated.district_inputs) {
    first_day = std::min(first_day, input.day);
  }
  const Eigen::Index span = simulated.start_day + simulated.days - first_day;
  size_t compared = 0;
  size_t positive = 0;
  for (const Biomarker& biomarker : catalogue.biomarkers()) {
    Eigen::MatrixXd mass =
        Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(network.district_count()), span);
    for (const DistrictDayInput& input : simulated.district_inputs) {
      if (input.biomarker != biomarker.name) continue;
      mass(static_cast<Eigen::Index>(network.DistrictIndex(input.district_id)),
           input.day - first_day) += input.excreted_mg + input.dumped_mg;
    }
    const Eigen::MatrixXd loads = network.ForwardLoads(mass, biomarker.stability);
    for (const SiteDayTruth& truth : simulated.truth.sites) {
      if (truth.biomarker != biomarker.name) continue;
      const double model =
          loads(static_cast<Eigen::Index>(network.SiteIndex(truth.site_id)), truth.day - first_day);
      EXPECT_LE(std::abs(model - truth.load_mg_per_day), 1e-9 * std::abs(truth.load_mg_per_day))
          << truth.site_id << " " << truth.biomarker << " day " << truth.day << ": " << model
          << " vs " << truth.load_mg_per_day;
      ++compared;
      if (truth.load_mg_per_day > 0.0) ++positive;
    }
  }
  EXPECT_EQ(compared, network.site_count() * static_cast<size_t>(options.days) *
                          catalogue.biomarkers().size());
  EXPECT_GT(positive, compared / 2);
}

TEST(SewerNetworkTest, RefusesACycleNamingANode) {
  City city = LongCity();
  city.nodes.insert(city.nodes.end(), {"loop_a", "loop_b"});
  city.edges.push_back({"loop_a", "loop_b", 1.0, SewerType::kGravity});
  city.edges.push_back({"loop_b", "loop_a", 1.0, SewerType::kGravity});
  const std::string message = BuildError(city);
  EXPECT_NE(message.find("cycle through node 'loop_"), std::string::npos) << message;
}

TEST(SewerNetworkTest, RefusesAnOrphanDistrictNamingIt) {
  City city = LongCity();
  city.districts[1].outlet_node = "out_nowhere";
  const std::string message = BuildError(city);
  EXPECT_NE(message.find("district 'Y' drains into node 'out_nowhere'"), std::string::npos)
      << message;
}

TEST(SewerNetworkTest, RefusesASiteOnAnUnknownNodeNamingIt) {
  City city = LongCity();
  city.sites[1].node = "mh_missing";
  const std::string message = BuildError(city);
  EXPECT_NE(message.find("site 'MH-J' sits on node 'mh_missing'"), std::string::npos) << message;
}

TEST(SewerNetworkTest, RefusesSeveralRoots) {
  City city = LongCity();
  city.nodes.push_back("second_plant");
  const std::string message = BuildError(city);
  EXPECT_NE(message.find("exactly one outlet (root); it has 2"), std::string::npos) << message;
}

TEST(SewerNetworkTest, RefusesANegativeTravelTimeNamingTheEdge) {
  City city = LongCity();
  city.edges[2].travel_time_h = -30.0;
  const std::string message = BuildError(city);
  EXPECT_NE(message.find("edge junction -> plant has a negative travel time"), std::string::npos)
      << message;
}

}  // namespace
}  // namespace wbe
