#include "models/alerts/registration_screen.h"

#include <algorithm>
#include <cmath>

#include "models/alerts/reason_text.h"
#include "models/core/string_lists.h"

namespace wbe {

std::vector<Alert> ScreenRegistration(const City& city,
                                      const std::vector<DistrictEstimate>& week_rows,
                                      DayIndex monday, const ScreeningOptions& options,
                                      const std::map<std::string, std::string>& drug_titles_zh) {
  using namespace reason_text;
  // The worst drug per group: one alert per group, the others listed in its evidence.
  std::map<std::string, std::vector<const DistrictEstimate*>> by_group;
  for (const DistrictEstimate& row : week_rows) {
    if (row.days != 7 || row.start_day != monday) continue;
    if (!(row.users.p05 > 0.0) || !std::isfinite(row.users.median)) continue;
    by_group[row.group_id].push_back(&row);
  }
  std::vector<Alert> alerts;
  for (const auto& [group_id, rows] : by_group) {
    int registered = 0;
    bool known = true;
    for (const std::string& id : SplitStrings(rows.front()->district_ids, ',')) {
      const auto it = std::find_if(city.districts.begin(), city.districts.end(),
                                   [&](const District& d) { return d.id == id; });
      if (it == city.districts.end() || !it->registered_users) {
        known = false;
        break;
      }
      registered += *it->registered_users;
    }
    if (!known || registered <= 0) continue;
    const DistrictEstimate* worst = nullptr;
    nlohmann::json drugs = nlohmann::json::array();
    for (const DistrictEstimate* row : rows) {
      if (row->users.p05 <= registered * options.registration_min_ratio) continue;
      drugs.push_back({{"drug", row->drug},
                       {"users_median", row->users.median},
                       {"users_p05", row->users.p05},
                       {"users_p95", row->users.p95}});
      if (worst == nullptr || row->users.p05 > worst->users.p05) worst = row;
    }
    if (worst == nullptr) continue;
    const double ratio = worst->users.median / registered;
    const auto zh = drug_titles_zh.find(worst->drug);
    const std::string drug_zh = zh != drug_titles_zh.end() ? zh->second : worst->drug;
    Alert alert;
    alert.kind = AlertKind::kUnderRegistration;
    alert.group_id = group_id;
    alert.district_ids = worst->district_ids;
    alert.drug = worst->drug;
    alert.first_day = monday;
    alert.last_day = monday + 6;
    // Twice the registered count reads 0.5, four times or more 1.
    alert.severity = std::clamp(std::log(ratio) / std::log(4.0), 0.0, 1.0);
    alert.evidence = {{"registered_users", registered},
                      {"min_ratio", options.registration_min_ratio},
                      {"users_median", worst->users.median},
                      {"users_p05", worst->users.p05},
                      {"users_p95", worst->users.p95},
                      {"ratio", ratio},
                      {"drugs", drugs}};
    alert.reason_en = group_id + ": about " + Amount(worst->users.median) + " " + worst->drug +
                      " users estimated (90 % " + Amount(worst->users.p05) + "-" +
                      Amount(worst->users.p95) + "), " + Ratio(ratio) + " times the " +
                      std::to_string(registered) + " registered users of all drugs";
    alert.reason_zh = group_id + "：估算 " + drug_zh + " 使用者约 " + Amount(worst->users.median) +
                      " 人（90 % 区间 " + Amount(worst->users.p05) + "–" +
                      Amount(worst->users.p95) + "），为登记吸毒人员（" +
                      std::to_string(registered) + " 人，全部毒品）的 " + Ratio(ratio) +
                      " 倍，存在隐性吸毒人员";
    alerts.push_back(std::move(alert));
  }
  return alerts;
}

}  // namespace wbe
