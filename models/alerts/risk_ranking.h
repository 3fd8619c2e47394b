#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/alerts/alert.h"
#include "models/alerts/screening_options.h"

namespace wbe {

struct DistrictGroupId {
  std::string group_id;
  std::string district_ids;  // comma-separated
};

// One district group's place in the screening order, and why.
struct DistrictRisk {
  int rank = 0;  // 1 = screen first
  std::string group_id;
  std::string district_ids;
  double score = 0.0;  // sum of weight x severity over the group's risk alerts
  // The contributions, largest first: what put the group here.
  std::vector<std::string> reasons_en;
  std::vector<std::string> reasons_zh;
  // Caveats (dumping, data gaps, QC) that make the group's picture less certain.
  std::vector<std::string> caveats_en;
  std::vector<std::string> caveats_zh;
  std::string summary_en;
  std::string summary_zh;

  nlohmann::json ToJson() const;
};

// Ranks every group by its score, highest first (ties by group id). An alert counts for a
// group when it names the group, or, for site-level alerts, when one of its districts is a
// member; a site-level alert shared by n groups adds 1/n of its weight to each, since it
// cannot say which of them is the source.
std::vector<DistrictRisk> RankDistrictGroups(const std::vector<DistrictGroupId>& groups,
                                             const std::vector<Alert>& alerts,
                                             const ScreeningOptions& options);

}  // namespace wbe
