#include "models/alerts/weekly_screening.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "models/alerts/reason_text.h"
#include "models/alerts/registration_screen.h"
#include "models/alerts/site_screen.h"
#include "models/core/string_lists.h"

namespace wbe {
namespace {

// Sites whose catchment includes one of the districts (comma-separated).
std::set<std::string> SitesSeeing(const City& city, const std::string& district_ids) {
  const std::vector<std::string> members = SplitStrings(district_ids, ',');
  std::set<std::string> sites;
  for (const SamplingSite& site : city.sites) {
    for (const std::string& id : city.UpstreamDistrictIds(site.id)) {
      if (std::find(members.begin(), members.end(), id) != members.end()) {
        sites.insert(site.id);
        break;
      }
    }
  }
  return sites;
}

// A spike the estimator also flagged (an outlier or an odd parent/metabolite ratio at a site
// that sees the group, near the day) is more likely a drain dump than use.
void ApplyDumpingCheck(const City& city, const std::vector<EstimateFlag>& flags,
                       const ScreeningOptions& options, const std::string& drug_zh, Alert* alert) {
  const std::set<std::string> sites = SitesSeeing(city, alert->district_ids);
  nlohmann::json matched = nlohmann::json::array();
  for (const EstimateFlag& flag : flags) {
    if (flag.drug != alert->drug || sites.count(flag.site_id) == 0) continue;
    if (std::abs(flag.day - alert->first_day) > options.dumping_window_days) continue;
    matched.push_back({{"kind", flag.kind},
                       {"site_id", flag.site_id},
                       {"day", FormatIsoDate(flag.day)},
                       {"biomarker", flag.biomarker},
                       {"message", flag.message}});
  }
  if (matched.empty()) return;
  alert->kind = AlertKind::kDumpingSuspected;
  alert->evidence["estimator_flags"] = matched;
  alert->reason_en =
      alert->drug + " in " + alert->group_id + " on " + FormatIsoDate(alert->first_day) +
      " is above the forecast bound, but the estimator flagged " + std::to_string(matched.size()) +
      " result(s) near that day (outlier or parent/metabolite ratio): more likely "
      "a drain dump than use; not counted as a spike";
  alert->reason_zh =
      alert->group_id + " " + drug_zh + " " + FormatIsoDate(alert->first_day) +
      " 超过预测上界，但估算在当天附近标记了 " + std::to_string(matched.size()) +
      " 个异常结果（离群或母体/代谢物比例异常）：更可能是直接倾倒而非使用，不计为突增";
}

}  // namespace

nlohmann::json ScreeningReport::ToJson() const {
  nlohmann::json alert_list = nlohmann::json::array();
  int risk_alerts = 0;
  int raised = 0;
  for (const Alert& alert : alerts) {
    alert_list.push_back(alert.ToJson());
    if (!IsCaveat(alert.kind)) {
      ++risk_alerts;
      raised += alert.raised_this_week ? 1 : 0;
    }
  }
  nlohmann::json ranking_list = nlohmann::json::array();
  for (const DistrictRisk& risk : ranking) ranking_list.push_back(risk.ToJson());
  // History only for series with a risk alert: the charts need it, and a year of days for
  // every series would make the weekly report (and the webhook's POST) megabytes long.
  std::set<std::pair<std::string, std::string>> alerted;
  for (const Alert& alert : alerts) {
    if (!IsCaveat(alert.kind) && !alert.group_id.empty())
      alerted.insert({alert.group_id, alert.drug});
  }
  nlohmann::json outlook_list = nlohmann::json::array();
  for (const SeriesOutlook& outlook : outlooks) {
    nlohmann::json item = outlook.ToJson();
    item["alerted"] = alerted.count({outlook.group_id, outlook.drug}) > 0;
    if (!item["alerted"].get<bool>()) item["history"] = nlohmann::json::array();
    outlook_list.push_back(std::move(item));
  }
  nlohmann::json skipped_list = nlohmann::json::array();
  for (const SkippedSeries& s : skipped) {
    skipped_list.push_back({{"group_id", s.group_id}, {"drug", s.drug}, {"reason", s.reason}});
  }
  return {
      {"week", week.ToString()},
      {"monday", FormatIsoDate(monday)},
      {"sunday", FormatIsoDate(monday + 6)},
      {"summary",
       {{"risk_alerts", risk_alerts},
        {"raised_this_week", raised},
        {"caveats", static_cast<int>(alerts.size()) - risk_alerts},
        {"series_screened", static_cast<int>(outlooks.size())},
        {"series_skipped", static_cast<int>(skipped.size())}}},
      {"ranking", std::move(ranking_list)},
      {"alerts", std::move(alert_list)},
      {"series", std::move(outlook_list)},
      {"skipped", std::move(skipped_list)},
      {"provenance",
       {{"catalogue_version", catalogue_version}, {"batch_ids", batch_ids}, {"options", options}}}};
}

std::string ScreeningReport::BriefReport() const {
  std::string text = "screening of " + week.ToString() + " (" + FormatIsoDate(monday) + " to " +
                     FormatIsoDate(monday + 6) + "): " + std::to_string(outlooks.size()) +
                     " series screened, " + std::to_string(skipped.size()) + " skipped\n";
  for (const DistrictRisk& risk : ranking) text += "  " + risk.summary_en + "\n";
  for (const Alert& alert : alerts) {
    text += std::string("  [") + AlertKindName(alert.kind) +
            (alert.raised_this_week ? "" : ", continuing") + "] " + alert.reason_en + "\n";
  }
  for (const SkippedSeries& s : skipped) {
    text += "  skipped " + s.group_id + " " + s.drug + ": " + s.reason + "\n";
  }
  return text;
}

ScreeningReport ScreenWeek(const ScreeningInputs& inputs, DayIndex monday,
                           const ScreeningOptions& options, ScreeningCache* cache, int threads,
                           const std::function<void(int, int)>& progress) {
  std::string why;
  if (!options.Check(&why)) throw std::invalid_argument("screening options: " + why);
  if (inputs.city == nullptr || inputs.catalogue == nullptr || inputs.daily_estimates == nullptr ||
      inputs.week_estimates == nullptr || inputs.estimate_flags == nullptr ||
      inputs.measurements == nullptr || inputs.flows == nullptr) {
    throw std::invalid_argument("screening: an input is missing");
  }
  if (IsoWeekday(monday) != 0) {
    throw std::invalid_argument("screening: " + FormatIsoDate(monday) + " is not a Monday");
  }
  const City& city = *inputs.city;
  std::vector<DistrictSeries> built;
  if (inputs.daily_series == nullptr) built = BuildDistrictSeries(*inputs.daily_estimates, 1);
  const std::vector<DistrictSeries>& series =
      inputs.daily_series != nullptr ? *inputs.daily_series : built;

  std::map<std::string, std::string> drug_zh;
  for (const Drug& drug : inputs.catalogue->drugs()) {
    drug_zh[drug.name] = ChineseName(drug.name, drug.aliases);
  }
  const auto zh = [&](const std::string& drug) {
    const auto it = drug_zh.find(drug);
    return it != drug_zh.end() ? it->second : drug;
  };

  ScreeningReport report;
  report.week = IsoWeekOf(monday);
  report.monday = monday;
  report.catalogue_version = inputs.catalogue->version();
  report.options = options.ToJson();

  // The spike family: the group's drugs with any value x the week's 7 days.
  std::map<std::string, int> drugs_per_group;
  std::vector<DistrictGroupId> groups;
  for (const DistrictSeries& s : series) {
    if (drugs_per_group[s.group_id]++ == 0) groups.push_back({s.group_id, s.district_ids});
  }

  std::vector<SeriesScreen> screens(series.size());
  std::vector<const FittedModel*> reuse(series.size(), nullptr);
  if (cache != nullptr && !cache->refit) {
    for (size_t i = 0; i < series.size(); ++i) {
      const auto it = cache->models.find({series[i].group_id, series[i].drug});
      if (it != cache->models.end()) reuse[i] = &it->second;
    }
  }
  std::atomic<size_t> next{0};
  std::atomic<int> done{0};
  std::mutex error_mutex;
  std::string error;
  const auto work = [&] {
    for (size_t i = next++; i < series.size(); i = next++) {
      try {
        screens[i] = ScreenSeries(series[i], monday, 7 * drugs_per_group[series[i].group_id],
                                  options, zh(series[i].drug), reuse[i]);
      } catch (const std::exception& e) {
        const std::lock_guard<std::mutex> lock(error_mutex);
        if (error.empty()) error = series[i].group_id + " " + series[i].drug + ": " + e.what();
      }
      ++done;
    }
  };
  const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
  const size_t thread_count = std::min<size_t>(
      series.size(), threads > 0 ? static_cast<size_t>(threads) : static_cast<size_t>(hardware));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < thread_count; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  if (!error.empty()) throw std::runtime_error("screening: " + error);
  if (progress) progress(done.load(), static_cast<int>(series.size()));

  for (size_t i = 0; i < series.size(); ++i) {
    SeriesScreen& screen = screens[i];
    if (!screen.screened) {
      report.skipped.push_back({series[i].group_id, series[i].drug, screen.skip_reason});
      continue;
    }
    if (cache != nullptr && reuse[i] == nullptr) {
      cache->models[{series[i].group_id, series[i].drug}] = screen.fitted;
    }
    for (Alert& alert : screen.alerts) {
      if (alert.kind == AlertKind::kSpike) {
        ApplyDumpingCheck(city, *inputs.estimate_flags, options, zh(alert.drug), &alert);
      }
      report.alerts.push_back(std::move(alert));
    }
    report.outlooks.push_back(std::move(screen.outlook));
  }
  std::vector<SiteLoadHistory> built_sites;
  if (inputs.site_series == nullptr) {
    built_sites = BuildSiteLoadHistories(*inputs.measurements, *inputs.flows);
  }
  const std::vector<SiteLoadHistory>& site_series =
      inputs.site_series != nullptr ? *inputs.site_series : built_sites;
  std::vector<std::pair<std::string, std::string>> group_members;
  for (const DistrictGroupId& g : groups) group_members.push_back({g.group_id, g.district_ids});
  for (Alert& alert :
       ScreenSiteSpikes(city, *inputs.catalogue, site_series, *inputs.estimate_flags, group_members,
                        monday, options, drug_zh, cache != nullptr ? &cache->models : nullptr,
                        cache == nullptr || cache->refit)) {
    report.alerts.push_back(std::move(alert));
  }
  for (Alert& alert : ScreenRegistration(city, *inputs.week_estimates, monday, options, drug_zh)) {
    report.alerts.push_back(std::move(alert));
  }
  for (Alert& alert :
       ScreenSites(city, *inputs.catalogue, *inputs.measurements, *inputs.flows, monday, options)) {
    report.alerts.push_back(std::move(alert));
  }
  for (Alert& alert : report.alerts) {
    if (!alert.drug.empty()) alert.drug_zh = zh(alert.drug);
  }
  std::stable_sort(report.alerts.begin(), report.alerts.end(), AlertBefore);
  report.ranking = RankDistrictGroups(groups, report.alerts, options);

  std::set<std::string> batches;
  for (const DistrictEstimate& row : *inputs.week_estimates) {
    if (row.days != 7 || row.start_day != monday) continue;
    for (const std::string& id : SplitStrings(row.batch_ids, ',')) {
      if (!id.empty()) batches.insert(id);
    }
  }
  report.batch_ids.assign(batches.begin(), batches.end());
  return report;
}

}  // namespace wbe
