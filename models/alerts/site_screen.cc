#include "models/alerts/site_screen.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "models/alerts/reason_text.h"
#include "models/core/string_lists.h"

namespace wbe {
namespace {

std::string DayList(const std::vector<DayIndex>& days) {
  std::vector<std::string> text;
  for (const DayIndex d : days) text.push_back(FormatIsoDate(d));
  return JoinStrings(text, ", ");
}

nlohmann::json DayArray(const std::vector<DayIndex>& days) {
  nlohmann::json out = nlohmann::json::array();
  for (const DayIndex d : days) out.push_back(FormatIsoDate(d));
  return out;
}

}  // namespace

bool IsQcFailureFlag(const std::string& flag) {
  return !flag.empty() && flag != "no_peak" && flag != "below_loq" && flag != "analyte_flagged" &&
         flag != "lab_quantified";
}

std::string ChineseName(const std::string& name, const std::vector<std::string>& aliases) {
  for (auto it = aliases.rbegin(); it != aliases.rend(); ++it) {
    if (std::any_of(it->begin(), it->end(), [](char c) { return (c & 0x80) != 0; })) return *it;
  }
  return name;
}

std::vector<Alert> ScreenSites(const City& city, const DrugCatalogue& catalogue,
                               const std::vector<Measurement>& measurements,
                               const std::vector<FlowRecord>& flows, DayIndex monday,
                               const ScreeningOptions& options) {
  using namespace reason_text;
  const DayIndex sunday = monday + 6;
  const DayIndex lookback_start = monday - 7 * options.new_substance_lookback_weeks;
  std::vector<Alert> alerts;
  for (const SamplingSite& site : city.sites) {
    // Results of the lookback weeks and of the week, by biomarker.
    std::map<std::string, std::vector<const Measurement*>> week_results;
    std::map<std::string, bool> detected_before;
    std::set<int> sampled_weeks_before;
    std::set<DayIndex> sampled_days;
    for (const Measurement& m : measurements) {
      if (m.site_id != site.id || m.day < lookback_start || m.day > sunday) continue;
      if (m.day < monday) {
        sampled_weeks_before.insert((m.day - lookback_start) / 7);
        detected_before[m.analyte] = detected_before[m.analyte] || !m.censored;
      } else {
        week_results[m.analyte].push_back(&m);
        sampled_days.insert(m.day);
      }
    }
    if (sampled_weeks_before.empty() && week_results.empty()) continue;  // not a reporting site
    const std::string districts = JoinStrings(city.UpstreamDistrictIds(site.id), ",");

    // New substance.
    if (static_cast<int>(sampled_weeks_before.size()) >= options.new_substance_min_sampled_weeks) {
      for (const auto& [analyte, results] : week_results) {
        if (detected_before[analyte]) continue;
        std::vector<DayIndex> days;
        double max_concentration = 0.0;
        double loq = 0.0;
        std::set<std::string> batches;
        for (const Measurement* m : results) {
          if (m->censored) continue;
          days.push_back(m->day);
          max_concentration = std::max(max_concentration, m->concentration_ng_per_l);
          loq = std::max(loq, m->loq_ng_per_l);
          batches.insert(m->batch_id);
        }
        if (days.empty()) continue;
        std::sort(days.begin(), days.end());
        days.erase(std::unique(days.begin(), days.end()), days.end());
        const Biomarker* biomarker = catalogue.FindBiomarker(analyte);
        std::vector<std::string> drugs;
        for (const Drug* drug : catalogue.DrugsMeasuredBy(analyte)) drugs.push_back(drug->name);
        const std::string zh =
            biomarker != nullptr ? ChineseName(biomarker->name, biomarker->aliases) : analyte;
        Alert alert;
        alert.kind = AlertKind::kNewSubstance;
        alert.district_ids = districts;
        alert.site_id = site.id;
        alert.biomarker = analyte;
        alert.drug = drugs.size() == 1 ? drugs.front() : "";
        alert.first_day = days.front();
        alert.last_day = days.back();
        // Detected on every day of the week: it is established, not a stray result.
        alert.severity = std::min(1.0, 0.4 + 0.1 * static_cast<double>(days.size()));
        alert.evidence = {{"days_detected", DayArray(days)},
                          {"max_concentration_ng_per_l", max_concentration},
                          {"loq_ng_per_l", loq},
                          {"lookback_weeks", options.new_substance_lookback_weeks},
                          {"sampled_weeks_before", static_cast<int>(sampled_weeks_before.size())},
                          {"drugs", drugs},
                          {"batch_ids", std::vector<std::string>(batches.begin(), batches.end())}};
        alert.reason_en = analyte + " found above the LOQ at " + site.id + " on " +
                          std::to_string(days.size()) + " day(s) (up to " +
                          Amount(max_concentration) + " ng/L, LOQ " + Amount(loq) +
                          " ng/L), never above it in the previous " +
                          std::to_string(options.new_substance_lookback_weeks) +
                          " weeks; drains districts " + districts;
        alert.reason_zh = zh + "在 " + site.id + " 首次检出（" + std::to_string(days.size()) +
                          " 天，最高 " + Amount(max_concentration) + " 纳克/升，定量限 " +
                          Amount(loq) + " 纳克/升），前 " +
                          std::to_string(options.new_substance_lookback_weeks) +
                          " 周均未检出；汇水街道 " + districts;
        alerts.push_back(std::move(alert));
      }
    }

    // Data gaps: days without a sample or a flow.
    std::set<DayIndex> flow_days;
    for (const FlowRecord& f : flows) {
      if (f.site_id == site.id && f.day >= monday && f.day <= sunday) flow_days.insert(f.day);
    }
    std::vector<DayIndex> no_sample;
    std::vector<DayIndex> no_flow;
    for (DayIndex d = monday; d <= sunday; ++d) {
      if (sampled_days.count(d) == 0) no_sample.push_back(d);
      if (flow_days.count(d) == 0) no_flow.push_back(d);
    }
    const int gap_days = static_cast<int>(std::max(no_sample.size(), no_flow.size()));
    if (gap_days >= options.gap_min_days) {
      Alert alert;
      alert.kind = AlertKind::kDataGap;
      alert.district_ids = districts;
      alert.site_id = site.id;
      alert.first_day = monday;
      alert.last_day = sunday;
      alert.severity = gap_days / 7.0;
      alert.evidence = {{"days_without_sample", DayArray(no_sample)},
                        {"days_without_flow", DayArray(no_flow)}};
      alert.reason_en = site.id + ": " + std::to_string(no_sample.size()) +
                        " day(s) without a sample and " + std::to_string(no_flow.size()) +
                        " without a flow this week" +
                        (no_sample.empty() ? "" : " (" + DayList(no_sample) + ")") +
                        "; estimates for districts " + districts + " rest on fewer data";
      alert.reason_zh = site.id + "：本周 " + std::to_string(no_sample.size()) + " 天无样品、" +
                        std::to_string(no_flow.size()) + " 天无流量" + "；街道 " + districts +
                        " 的估算依据减少";
      alerts.push_back(std::move(alert));
    }

    // QC: flagged results, and biomarkers withheld on sampled days.
    int flagged = 0;
    std::set<std::string> flags;
    std::map<std::string, std::vector<DayIndex>> withheld;
    for (const auto& [analyte, results] : week_results) {
      std::set<DayIndex> days;
      for (const Measurement* m : results) {
        days.insert(m->day);
        bool failed = false;
        for (const std::string& f : SplitStrings(m->qc_flags, ',')) {
          if (!IsQcFailureFlag(f)) continue;
          flags.insert(f);
          failed = true;
        }
        flagged += failed ? 1 : 0;
      }
      for (const DayIndex d : sampled_days) {
        if (days.count(d) == 0) withheld[analyte].push_back(d);
      }
    }
    if (flagged > 0 || !withheld.empty()) {
      Alert alert;
      alert.kind = AlertKind::kQcFailure;
      alert.district_ids = districts;
      alert.site_id = site.id;
      alert.first_day = monday;
      alert.last_day = sunday;
      int withheld_results = 0;
      nlohmann::json withheld_json = nlohmann::json::object();
      for (const auto& [analyte, days] : withheld) {
        withheld_results += static_cast<int>(days.size());
        withheld_json[analyte] = DayArray(days);
      }
      alert.severity = std::min(1.0, (flagged + withheld_results) / 14.0);
      alert.evidence = {{"flagged_results", flagged},
                        {"qc_flags", std::vector<std::string>(flags.begin(), flags.end())},
                        {"withheld", withheld_json}};
      std::vector<std::string> withheld_names;
      for (const auto& entry : withheld) withheld_names.push_back(entry.first);
      alert.reason_en =
          site.id + ": " + std::to_string(flagged) + " result(s) with QC flags" +
          (flags.empty() ? "" : " (" + JoinStrings({flags.begin(), flags.end()}, ", ") + ")") +
          " and " + std::to_string(withheld_results) + " result(s) withheld on sampled days" +
          (withheld_names.empty() ? "" : " (" + JoinStrings(withheld_names, ", ") + ")");
      alert.reason_zh =
          site.id + "：" + std::to_string(flagged) + " 个结果带质控标记" +
          (flags.empty() ? "" : "（" + JoinStrings({flags.begin(), flags.end()}, ", ") + "）") +
          "，" + std::to_string(withheld_results) + " 个结果因质控未报告";
      alerts.push_back(std::move(alert));
    }
  }
  return alerts;
}

}  // namespace wbe
