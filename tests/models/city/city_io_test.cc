#include "models/city/city_io.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/core/data_paths.h"
#include "models/core/input_error.h"

namespace wbe {
namespace {

using nlohmann::json;

std::string DemoCityPath() { return DataPath("models/simulation/demo_city.json"); }

json DemoCityJson() {
  std::ifstream in(DemoCityPath());
  return json::parse(in);
}

size_t IndexOf(const json& array, const std::string& id) {
  for (size_t i = 0; i < array.size(); ++i) {
    if (array[i].at("id") == id) return i;
  }
  ADD_FAILURE() << "no entry with id " << id;
  return 0;
}

// The InputError that loading the edited demo city raises ("" fields when none).
InputError LoadErrorOf(const std::function<void(json*)>& edit) {
  json document = DemoCityJson();
  edit(&document);
  try {
    CityFromJson(document, "edited_city.json");
  } catch (const InputError& e) {
    return e;
  }
  ADD_FAILURE() << "the edited city loaded without error";
  return InputError("", 0, "", "");
}

std::set<std::string> UpstreamIds(const City& city, const std::string& site_id) {
  std::set<std::string> ids;
  for (const DistrictPath& path : city.UpstreamDistricts(site_id)) {
    ids.insert(city.districts[path.district_index].id);
  }
  return ids;
}

TEST(CityIoTest, LoadsTheDemoCityWithTheSeedPaperStreets) {
  const City city = LoadCityFromFile(DemoCityPath());
  ASSERT_EQ(city.districts.size(), 8u);
  struct Street {
    const char* id;
    double area_km2;
    double population;
    int registered_users;
  };
  for (const Street& street : {Street{"A", 1.76, 53000, 134}, Street{"B", 5.2, 132000, 162},
                               Street{"C", 6.3, 125000, 108}}) {
    const District* district = city.FindDistrict(street.id);
    ASSERT_NE(district, nullptr) << street.id;
    EXPECT_DOUBLE_EQ(district->area_km2, street.area_km2);
    EXPECT_DOUBLE_EQ(district->population, street.population);
    ASSERT_TRUE(district->registered_users.has_value());
    EXPECT_EQ(*district->registered_users, street.registered_users);
  }
  for (const District& district : city.districts) {
    EXPECT_GE(district.population, 40000) << district.id;
    EXPECT_LE(district.population, 150000) << district.id;
  }
}

TEST(CityIoTest, DemoNetworkHasSeparableAndInseparableDistricts) {
  const City city = LoadCityFromFile(DemoCityPath());
  ASSERT_GE(city.sites.size(), 4u);
  ASSERT_LE(city.sites.size(), 5u);
  int plants = 0;
  for (const SamplingSite& site : city.sites) {
    if (site.kind == SiteKind::kTreatmentPlantInlet) {
      ++plants;
      EXPECT_EQ(UpstreamIds(city, site.id).size(), city.districts.size());
    }
  }
  EXPECT_EQ(plants, 1);
  int rising_mains = 0;
  for (const SewerEdge& edge : city.edges) {
    EXPECT_GE(edge.travel_time_h, 0.5);
    EXPECT_LE(edge.travel_time_h, 10.0);
    if (edge.sewer_type == SewerType::kRisingMain) ++rising_mains;
  }
  EXPECT_EQ(rising_mains, 1);
  // A alone; B and C by differences of nested manholes; D and E only together.
  EXPECT_EQ(UpstreamIds(city, "MH-A"), (std::set<std::string>{"A"}));
  EXPECT_EQ(UpstreamIds(city, "MH-AB"), (std::set<std::string>{"A", "B"}));
  EXPECT_EQ(UpstreamIds(city, "MH-N"), (std::set<std::string>{"A", "B", "C"}));
  EXPECT_EQ(UpstreamIds(city, "MH-DE"), (std::set<std::string>{"D", "E"}));
  for (const SamplingSite& site : city.sites) {
    for (const DistrictPath& path : city.UpstreamDistricts(site.id)) {
      EXPECT_LE(path.travel_time_h(), 10.0);
      if (site.kind == SiteKind::kTreatmentPlantInlet) {
        EXPECT_GE(path.travel_time_h(), 0.5);
      }
    }
  }
  EXPECT_DOUBLE_EQ(city.PopulationServed("MH-AB"), 53000 + 132000);
}

TEST(CityIoTest, RoundTripsThroughJson) {
  const City city = LoadCityFromFile(DemoCityPath());
  const json written = CityToJson(city);
  const City reread = CityFromJson(written, "round_trip.json");
  EXPECT_EQ(CityToJson(reread), written);
  ASSERT_EQ(reread.districts.size(), city.districts.size());
  for (size_t i = 0; i < city.districts.size(); ++i) {
    EXPECT_EQ(reread.districts[i].id, city.districts[i].id);
    EXPECT_EQ(reread.districts[i].name, city.districts[i].name);
    EXPECT_EQ(reread.districts[i].population, city.districts[i].population);
    EXPECT_EQ(reread.districts[i].registered_users, city.districts[i].registered_users);
    EXPECT_EQ(reread.districts[i].outlet_node, city.districts[i].outlet_node);
  }
  EXPECT_EQ(reread.nodes, city.nodes);
  ASSERT_EQ(reread.edges.size(), city.edges.size());
  for (size_t i = 0; i < city.edges.size(); ++i) {
    EXPECT_EQ(reread.edges[i].from_node, city.edges[i].from_node);
    EXPECT_EQ(reread.edges[i].travel_time_h, city.edges[i].travel_time_h);
    EXPECT_EQ(reread.edges[i].sewer_type, city.edges[i].sewer_type);
  }
  ASSERT_EQ(reread.sites.size(), city.sites.size());
  for (size_t i = 0; i < city.sites.size(); ++i) {
    EXPECT_EQ(reread.sites[i].id, city.sites[i].id);
    EXPECT_EQ(reread.sites[i].kind, city.sites[i].kind);
    EXPECT_EQ(reread.sites[i].node, city.sites[i].node);
  }
}

TEST(CityIoTest, UnknownNodeInAnEdgeIsNamed) {
  const InputError e =
      LoadErrorOf([](json* city) { (*city)["network"]["edges"][0]["to"] = "no_such_node"; });
  EXPECT_EQ(e.file(), "edited_city.json");
  EXPECT_EQ(e.field(), "/network/edges/0/to");
  EXPECT_NE(e.message().find("no_such_node"), std::string::npos) << e.what();
}

TEST(CityIoTest, CycleIsReported) {
  // mh_a -> j_ab -> j_north -> mh_a: redirect the north trunk back up the A sewer.
  const InputError e = LoadErrorOf([](json* city) {
    json& edges = (*city)["network"]["edges"];
    for (json& edge : edges) {
      if (edge["from"] == "j_north") edge["to"] = "mh_a";
    }
  });
  EXPECT_EQ(e.field(), "/network/edges");
  EXPECT_NE(e.message().find("cycle"), std::string::npos) << e.what();
}

TEST(CityIoTest, DistrictWithoutOutletIsNamed) {
  const InputError e = LoadErrorOf([](json* city) {
    json& districts = (*city)["districts"];
    districts[IndexOf(districts, "D")].erase("outlet_node");
  });
  EXPECT_EQ(e.field(), "/districts/3");
  EXPECT_NE(e.message().find("district 'D'"), std::string::npos) << e.what();
  EXPECT_NE(e.message().find("outlet_node"), std::string::npos) << e.what();
}

TEST(CityIoTest, DistrictDrainingIntoAnUnknownNodeIsNamed) {
  const InputError e = LoadErrorOf([](json* city) {
    json& districts = (*city)["districts"];
    districts[IndexOf(districts, "G")]["outlet_node"] = "out_Z";
  });
  EXPECT_EQ(e.field(), "/districts/6/outlet_node");
  EXPECT_NE(e.message().find("district 'G'"), std::string::npos) << e.what();
  EXPECT_NE(e.message().find("out_Z"), std::string::npos) << e.what();
}

TEST(CityIoTest, SiteOffTheNetworkIsNamed) {
  const InputError e = LoadErrorOf([](json* city) {
    json& sites = (*city)["sites"];
    sites[IndexOf(sites, "MH-DE")]["node"] = "somewhere_else";
  });
  EXPECT_EQ(e.field(), "/sites/4/node");
  EXPECT_NE(e.message().find("site 'MH-DE'"), std::string::npos) << e.what();
  EXPECT_NE(e.message().find("off the sewer network"), std::string::npos) << e.what();
}

TEST(CityIoTest, SchemaViolationsNameTheEntity) {
  const InputError e = LoadErrorOf([](json* city) {
    json& districts = (*city)["districts"];
    districts[IndexOf(districts, "B")]["population"] = -5;
  });
  EXPECT_EQ(e.field(), "/districts/1/population");
  EXPECT_NE(e.message().find("district 'B'"), std::string::npos) << e.what();

  const InputError sewer = LoadErrorOf(
      [](json* city) { (*city)["network"]["edges"][2]["sewer_type"] = "open_channel"; });
  EXPECT_EQ(sewer.field(), "/network/edges/2/sewer_type");
  EXPECT_NE(sewer.message().find("edge out_B -> j_ab"), std::string::npos) << sewer.what();
}

TEST(CityIoTest, DuplicateDistrictIsReported) {
  const InputError e = LoadErrorOf([](json* city) {
    json& districts = (*city)["districts"];
    districts[IndexOf(districts, "H")]["id"] = "A";
  });
  EXPECT_EQ(e.field(), "/districts");
  EXPECT_NE(e.message().find("'A'"), std::string::npos) << e.what();
}

TEST(CityIoTest, SecondRootIsReported) {
  const InputError e = LoadErrorOf([](json* city) {
    json& edges = (*city)["network"]["edges"];
    for (size_t i = 0; i < edges.size(); ++i) {
      if (edges[i]["from"] == "j_south") {
        edges.erase(i);
        break;
      }
    }
  });
  EXPECT_EQ(e.field(), "/network/edges");
  EXPECT_NE(e.message().find("root"), std::string::npos) << e.what();
}

TEST(CityIoTest, FileProblemsNameTheFile) {
  const std::string missing =
      (std::filesystem::temp_directory_path() / "wbe_no_such_city.json").string();
  try {
    LoadCityFromFile(missing);
    FAIL() << "a missing file loaded";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), missing);
  }
  const std::string broken =
      (std::filesystem::temp_directory_path() / "wbe_city_io_test_broken.json").string();
  {
    std::ofstream out(broken);
    out << "{\"name\": \"half a city\",";
  }
  try {
    LoadCityFromFile(broken);
    FAIL() << "broken JSON loaded";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), broken);
    EXPECT_NE(e.message().find("not valid JSON"), std::string::npos) << e.what();
  }
  std::remove(broken.c_str());
}

}  // namespace
}  // namespace wbe
