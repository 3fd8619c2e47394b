#include "models/network/identifiability.h"

#include <map>
#include <sstream>

#include "models/core/string_lists.h"

namespace wbe {

std::vector<DistrictGroup> IdentifiabilityGroups(const SewerNetwork& network) {
  // Site set (as sorted site indices) -> group index, so groups keep first-district order.
  std::map<std::vector<size_t>, size_t> group_of_signature;
  std::vector<DistrictGroup> groups;
  for (size_t d = 0; d < network.district_count(); ++d) {
    std::vector<size_t> signature;
    for (const Route& route : network.RoutesOfDistrict(d)) signature.push_back(route.site_index);
    const auto found = group_of_signature.find(signature);
    if (found != group_of_signature.end()) {
      groups[found->second].district_ids.push_back(network.DistrictId(d));
      continue;
    }
    group_of_signature[signature] = groups.size();
    DistrictGroup group;
    group.district_ids.push_back(network.DistrictId(d));
    for (size_t s : signature) group.site_ids.push_back(network.SiteId(s));
    group.unobserved = signature.empty();
    groups.push_back(group);
  }
  for (DistrictGroup& group : groups) {
    group.resolved = !group.unobserved && group.district_ids.size() == 1;
  }
  return groups;
}

std::string BriefReport(const std::vector<DistrictGroup>& groups) {
  size_t districts = 0;
  size_t resolved = 0;
  size_t unobserved = 0;
  for (const DistrictGroup& group : groups) {
    districts += group.district_ids.size();
    if (group.resolved) ++resolved;
    if (group.unobserved) unobserved += group.district_ids.size();
  }
  std::ostringstream out;
  out << "identifiability: " << districts << " districts, " << resolved << " resolved, "
      << districts - resolved - unobserved << " only seen in sums, " << unobserved
      << " unobserved\n";
  for (const DistrictGroup& group : groups) {
    out << "  " << JoinStrings(group.district_ids, " + ") << ": ";
    if (group.unobserved) {
      out << "unobserved (no sampling site downstream)\n";
    } else if (group.resolved) {
      out << "resolved (seen at " << JoinStrings(group.site_ids, ", ") << ")\n";
    } else {
      out << "not separable (seen together at " << JoinStrings(group.site_ids, ", ") << ")\n";
    }
  }
  return out.str();
}

}  // namespace wbe
