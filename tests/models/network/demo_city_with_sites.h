#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/city/city_io.h"
#include "models/core/data_paths.h"

namespace wbe {

// The demo city sampled only at the given sites (a test fails when one is not in it).
inline City DemoCityWithSites(const std::vector<std::string>& site_ids) {
  City city = LoadCityFromFile(DataPath("models/simulation/demo_city.json"));
  std::vector<SamplingSite> kept;
  for (const std::string& id : site_ids) {
    const SamplingSite* site = city.FindSite(id);
    if (site == nullptr) ADD_FAILURE() << "the demo city has no site " << id;
    if (site != nullptr) kept.push_back(*site);
  }
  city.sites = kept;
  return city;
}

}  // namespace wbe
