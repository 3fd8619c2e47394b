#include "models/city/city.h"

#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "models/core/input_error.h"

namespace wbe {
namespace {

// Two districts draining through one junction to the plant.
City SmallCity() {
  City city;
  city.name = "small";
  city.nodes = {"plant", "junction", "out_x", "out_y"};
  city.edges = {{"out_x", "junction", 1.0, SewerType::kGravity},
                {"out_y", "junction", 2.0, SewerType::kGravity},
                {"junction", "plant", 3.0, SewerType::kRisingMain}};
  city.districts = {{"X", "X street", 1000.0, 1.0, std::nullopt, "out_x"},
                    {"Y", "Y street", 2000.0, 1.0, std::nullopt, "out_y"}};
  city.sites = {{"INLET", "plant inlet", SiteKind::kTreatmentPlantInlet, "plant"}};
  return city;
}

std::string ValidateError(const City& city) {
  try {
    city.Validate();
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "the city validated";
  return "";
}

TEST(CityValidateTest, AcceptsTheSmallCity) { EXPECT_NO_THROW(SmallCity().Validate()); }

TEST(CityValidateTest, RefusesANegativeTravelTimeNamingTheEdge) {
  City city = SmallCity();
  city.edges[1].travel_time_h = -2.5;
  const std::string message = ValidateError(city);
  EXPECT_NE(message.find("edge out_y -> junction"), std::string::npos) << message;
  EXPECT_NE(message.find("negative travel time (-2.5 h)"), std::string::npos) << message;
}

TEST(CityValidateTest, RefusesANonFiniteTravelTimeNamingTheEdge) {
  for (double hours :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    City city = SmallCity();
    city.edges[2].travel_time_h = hours;
    const std::string message = ValidateError(city);
    EXPECT_NE(message.find("edge junction -> plant"), std::string::npos) << message;
    EXPECT_NE(message.find("not a finite number"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace wbe
