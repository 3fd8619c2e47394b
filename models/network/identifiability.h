#pragma once

#include <string>
#include <vector>

#include "models/network/sewer_network.h"

namespace wbe {

// Districts that the sampling design cannot tell apart: they are seen by exactly the same
// sites, so only their sum is estimable. A group of one is resolved: in a tree its site set
// differs from every other district's, so differences of nested catchments isolate it.
struct DistrictGroup {
  std::vector<std::string> district_ids;  // in City order
  std::vector<std::string> site_ids;      // the sites that see every district of the group
  bool resolved = false;                  // one observed district
  bool unobserved = false;                // no site downstream: nothing is estimable
};

// Structural identifiability from the network and the site list alone (no data). Groups are
// ordered by their first district; every district is in exactly one group. Exact for trees:
// downstream of a shared site two districts share every further sewer, so their survival and
// lag ratios are the same at every site that sees them both.
std::vector<DistrictGroup> IdentifiabilityGroups(const SewerNetwork& network);

// A few lines for people: one line per group, e.g. "D + E: not separable (seen together at
// WWTP-IN, MH-DE)".
std::string BriefReport(const std::vector<DistrictGroup>& groups);

}  // namespace wbe
