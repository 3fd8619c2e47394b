#include "models/alerts/risk_ranking.h"

#include <algorithm>
#include <set>
#include <utility>

#include "models/alerts/reason_text.h"
#include "models/core/string_lists.h"

namespace wbe {
namespace {

double Weight(AlertKind kind, const ScreeningOptions& options) {
  switch (kind) {
    case AlertKind::kRisingTrend:
      return options.weight_rising_trend;
    case AlertKind::kSpike:
      return options.weight_spike;
    case AlertKind::kNewSubstance:
      return options.weight_new_substance;
    case AlertKind::kUnderRegistration:
      return options.weight_under_registration;
    default:
      return 0.0;
  }
}

bool SharesDistrict(const std::string& a, const std::string& b) {
  const std::vector<std::string> left = SplitStrings(a, ',');
  const std::vector<std::string> right = SplitStrings(b, ',');
  for (const std::string& id : left) {
    if (std::find(right.begin(), right.end(), id) != right.end()) return true;
  }
  return false;
}

bool Concerns(const Alert& alert, const DistrictGroupId& group) {
  if (!alert.group_id.empty()) return alert.group_id == group.group_id;
  return SharesDistrict(alert.district_ids, group.district_ids);
}

}  // namespace

nlohmann::json DistrictRisk::ToJson() const {
  return {{"rank", rank},
          {"group_id", group_id},
          {"district_ids", district_ids},
          {"score", score},
          {"reasons_en", reasons_en},
          {"reasons_zh", reasons_zh},
          {"caveats_en", caveats_en},
          {"caveats_zh", caveats_zh},
          {"summary_en", summary_en},
          {"summary_zh", summary_zh}};
}

std::vector<DistrictRisk> RankDistrictGroups(const std::vector<DistrictGroupId>& groups,
                                             const std::vector<Alert>& alerts,
                                             const ScreeningOptions& options) {
  using namespace reason_text;
  std::vector<DistrictRisk> ranking;
  for (const DistrictGroupId& group : groups) {
    DistrictRisk risk;
    risk.group_id = group.group_id;
    risk.district_ids = group.district_ids;
    std::vector<std::pair<double, const Alert*>> contributions;
    for (const Alert& alert : alerts) {
      if (!Concerns(alert, group)) continue;
      if (IsCaveat(alert.kind)) {
        risk.caveats_en.push_back(alert.reason_en);
        risk.caveats_zh.push_back(alert.reason_zh);
        continue;
      }
      int sharing = 1;
      if (alert.group_id.empty()) {
        sharing = static_cast<int>(
            std::count_if(groups.begin(), groups.end(),
                          [&](const DistrictGroupId& g) { return Concerns(alert, g); }));
      }
      const double contribution =
          Weight(alert.kind, options) * alert.severity / static_cast<double>(std::max(1, sharing));
      risk.score += contribution;
      contributions.push_back({contribution, &alert});
    }
    std::stable_sort(contributions.begin(), contributions.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (const auto& [contribution, alert] : contributions) {
      risk.reasons_en.push_back(std::string(AlertKindTitle(alert->kind, false)) + " (+" +
                                Amount(contribution) + "): " + alert->reason_en);
      risk.reasons_zh.push_back(std::string(AlertKindTitle(alert->kind, true)) + "（+" +
                                Amount(contribution) + "）：" + alert->reason_zh);
    }
    ranking.push_back(std::move(risk));
  }
  std::stable_sort(ranking.begin(), ranking.end(),
                   [](const DistrictRisk& a, const DistrictRisk& b) {
                     if (a.score != b.score) return a.score > b.score;
                     return a.group_id < b.group_id;
                   });
  for (size_t i = 0; i < ranking.size(); ++i) {
    DistrictRisk& risk = ranking[i];
    risk.rank = static_cast<int>(i) + 1;
    const std::string caveat_en =
        risk.caveats_en.empty() ? "" : "; " + std::to_string(risk.caveats_en.size()) + " caveat(s)";
    const std::string caveat_zh =
        risk.caveats_zh.empty() ? ""
                                : "；" + std::to_string(risk.caveats_zh.size()) + " 项数据提示";
    if (risk.reasons_en.empty()) {
      risk.summary_en = "#" + std::to_string(risk.rank) + " " + risk.group_id +
                        ": no risk alert this week" + caveat_en;
      risk.summary_zh = "第 " + std::to_string(risk.rank) + " 位 " + risk.group_id +
                        "：本周无风险预警" + caveat_zh;
    } else {
      risk.summary_en = "#" + std::to_string(risk.rank) + " " + risk.group_id + " (score " +
                        Amount(risk.score) + "): " + std::to_string(risk.reasons_en.size()) +
                        " alert(s), led by " + risk.reasons_en.front() + caveat_en;
      risk.summary_zh = "第 " + std::to_string(risk.rank) + " 位 " + risk.group_id + "（得分 " +
                        Amount(risk.score) + "）：" + std::to_string(risk.reasons_zh.size()) +
                        " 项预警，首要为" + risk.reasons_zh.front() + caveat_zh;
    }
  }
  return ranking;
}

}  // namespace wbe
