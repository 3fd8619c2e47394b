#include "models/alerts/alert_evaluation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

#include "models/core/json_number.h"
#include "models/core/string_lists.h"
#include "models/simulation/random_events.h"

namespace wbe {
namespace {

constexpr double kWeeksPerYear = 365.25 / 7.0;

bool GroupHas(const std::string& district_ids, const std::string& district_id) {
  const std::vector<std::string> members = SplitStrings(district_ids, ',');
  return std::find(members.begin(), members.end(), district_id) != members.end();
}

bool IsUseAlert(AlertKind kind) {
  return kind == AlertKind::kRisingTrend || kind == AlertKind::kSpike;
}

}  // namespace

bool AlertEvaluationOptions::Check(std::string* why) const {
  const auto fail = [&](const std::string& message) {
    if (why != nullptr) *why = message;
    return false;
  };
  if (detection_days < 0) return fail("detection days must be 0 or more");
  if (explained_days_after < 0) return fail("explained days must be 0 or more");
  if (refit_every_weeks < 1) return fail("refit interval must be at least 1 week");
  if (threads < 0) return fail("threads must be 0 (all cores) or more");
  return screening.Check(why);
}

AlertEvaluation EvaluateAlerts(const ScreeningInputs& inputs, const GroundTruth& truth,
                               const AlertEvaluationOptions& options,
                               const std::function<void(int, int)>& progress) {
  std::string why;
  if (!options.Check(&why)) throw std::invalid_argument("alert evaluation: " + why);
  if (inputs.daily_estimates == nullptr || inputs.daily_estimates->empty()) {
    throw std::invalid_argument("alert evaluation: no daily district estimates");
  }
  std::vector<DistrictSeries> built;
  std::vector<SiteLoadHistory> built_sites;
  ScreeningInputs replay = inputs;
  if (replay.daily_series == nullptr) {
    built = BuildDistrictSeries(*inputs.daily_estimates, 1);
    replay.daily_series = &built;
  }
  if (replay.site_series == nullptr && inputs.measurements != nullptr && inputs.flows != nullptr) {
    built_sites = BuildSiteLoadHistories(*inputs.measurements, *inputs.flows);
    replay.site_series = &built_sites;
  }
  DayIndex first_day = inputs.daily_estimates->front().start_day;
  DayIndex last_day = first_day;
  for (const DistrictEstimate& row : *inputs.daily_estimates) {
    first_day = std::min(first_day, row.start_day);
    last_day = std::max(last_day, row.start_day);
  }
  // Weeks with the minimum history, up to the last whole week.
  const DayIndex first_monday_of_data = first_day - IsoWeekday(first_day);
  const DayIndex first_monday =
      first_monday_of_data + 7 * (options.screening.min_history_weeks + 1);
  const DayIndex last_monday = last_day - (IsoWeekday(last_day) + 1) % 7 - 6;
  // Truth loads per (site, biomarker, day), for the events' visibility.
  std::map<std::tuple<std::string, std::string, DayIndex>, double> truth_load;
  for (const SiteDayTruth& t : truth.sites) {
    truth_load[{t.site_id, t.biomarker, t.day}] = t.load_mg_per_day;
  }
  if (last_monday < first_monday) {
    throw std::invalid_argument(
        "alert evaluation: the estimates run from " + FormatIsoDate(first_day) + " to " +
        FormatIsoDate(last_day) + "; at least " +
        std::to_string(options.screening.min_history_weeks + 2) + " weeks are needed");
  }

  AlertEvaluation result;
  result.first_week = IsoWeekOf(first_monday).ToString();
  result.last_week = IsoWeekOf(last_monday).ToString();
  result.weeks = (last_monday - first_monday) / 7 + 1;
  result.districts = static_cast<int>(inputs.city->districts.size());
  result.district_years = result.districts * result.weeks / kWeeksPerYear;

  // Replay: every alert of every week.
  struct WeekAlert {
    DayIndex monday;
    Alert alert;
  };
  std::vector<WeekAlert> alerts;
  ScreeningCache cache;
  int week_index = 0;
  for (DayIndex monday = first_monday; monday <= last_monday; monday += 7, ++week_index) {
    cache.refit = week_index % options.refit_every_weeks == 0;
    const ScreeningReport report =
        ScreenWeek(replay, monday, options.screening, &cache, options.threads);
    for (const Alert& alert : report.alerts) {
      if (IsUseAlert(alert.kind) || alert.kind == AlertKind::kDumpingSuspected) {
        alerts.push_back({monday, alert});
      }
    }
    if (progress) progress(week_index + 1, result.weeks);
  }

  // The group of each district: from the series' groups.
  std::map<std::string, std::string> group_of;
  for (const DistrictSeries& s : *replay.daily_series) {
    for (const std::string& id : SplitStrings(s.district_ids, ',')) group_of[id] = s.group_id;
  }

  for (const InjectedEvent& event : truth.events) {
    if (event.kind != "surge" || event.district_id.empty()) continue;
    EventDetection detection;
    detection.event = event;
    detection.kind = event.end_day - event.start_day + 1 <= kMaxSpikeEventDays ? "spike" : "rise";
    detection.group_id = group_of.count(event.district_id) ? group_of[event.district_id] : "";
    const DayIndex window_end = event.start_day + options.detection_days;
    detection.scorable = event.start_day >= first_monday && window_end <= last_monday + 6;
    const Drug* drug =
        inputs.catalogue != nullptr ? inputs.catalogue->FindDrug(event.drug) : nullptr;
    if (drug != nullptr) {
      const std::string& biomarker = drug->PreferredRoute().biomarker;
      const bool spike = detection.kind == "spike";
      const DayIndex during_end = spike ? event.end_day : std::min(event.end_day, window_end);
      for (const SamplingSite& site : inputs.city->sites) {
        const std::vector<std::string> upstream = inputs.city->UpstreamDistrictIds(site.id);
        if (std::find(upstream.begin(), upstream.end(), event.district_id) == upstream.end()) {
          continue;
        }
        double before = 0.0;
        int before_days = 0;
        for (DayIndex d = event.start_day - 28; d < event.start_day; ++d) {
          const auto it = truth_load.find({site.id, biomarker, d});
          if (it == truth_load.end()) continue;
          before += it->second;
          ++before_days;
        }
        double during = 0.0;
        int during_days = 0;
        // Loads reach a site up to a day late: the window runs one day past the event.
        for (DayIndex d = event.start_day; d <= during_end + 1; ++d) {
          const auto it = truth_load.find({site.id, biomarker, d});
          if (it == truth_load.end()) continue;
          during = spike ? std::max(during, it->second) : during + it->second;
          ++during_days;
        }
        if (before_days == 0 || during_days == 0 || !(before > 0.0)) continue;
        const double effect = (spike ? during : during / during_days) / (before / before_days);
        if (effect > detection.site_effect) {
          detection.site_effect = effect;
          detection.best_site = site.id;
        }
      }
      detection.visible =
          detection.site_effect >= (spike ? options.min_visible_spike : options.min_visible_rise);
    }
    for (const WeekAlert& entry : alerts) {
      const DayIndex sunday = entry.monday + 6;
      if (!IsUseAlert(entry.alert.kind)) continue;
      if (sunday < event.start_day || sunday > window_end) continue;
      if (entry.alert.drug != event.drug ||
          !GroupHas(entry.alert.district_ids, event.district_id)) {
        continue;
      }
      if (entry.alert.kind == AlertKind::kSpike && entry.alert.first_day < event.start_day) {
        continue;
      }
      const int days = sunday - event.start_day;
      if (!detection.detected || days < detection.days_to_detection) {
        detection.detected = true;
        detection.found_by = AlertKindName(entry.alert.kind);
        detection.days_to_detection = days;
      }
    }
    if (detection.scorable) {
      ++result.scorable;
      result.scorable_detected += detection.detected ? 1 : 0;
    }
    if (detection.scorable && detection.visible) {
      ++result.scored;
      result.detected += detection.detected ? 1 : 0;
      if (detection.kind == "rise") {
        ++result.rises_scored;
        result.rises_detected += detection.detected ? 1 : 0;
      } else {
        ++result.spikes_scored;
        result.spikes_detected += detection.detected ? 1 : 0;
      }
    }
    result.events.push_back(std::move(detection));
  }
  result.detection_rate =
      result.scored > 0 ? static_cast<double>(result.detected) / result.scored : std::nan("");

  // False alerts: raised use alerts no event of the group and drug explains, one per
  // (week, kind, group, drug).
  std::set<std::tuple<DayIndex, int, std::string, std::string>> counted;
  for (const WeekAlert& entry : alerts) {
    const Alert& alert = entry.alert;
    if (alert.kind == AlertKind::kDumpingSuspected) {
      ++result.dumping_suspected;
      continue;
    }
    if (!alert.raised_this_week) continue;
    if (!counted.insert({entry.monday, static_cast<int>(alert.kind), alert.group_id, alert.drug})
             .second) {
      continue;
    }
    (alert.kind == AlertKind::kRisingTrend ? result.trend_alerts : result.spike_alerts) += 1;
    const DayIndex sunday = entry.monday + 6;
    bool explained = false;
    for (const InjectedEvent& event : truth.events) {
      if (event.kind == "dumping" || event.drug != alert.drug) continue;
      if (!GroupHas(alert.district_ids, event.district_id)) continue;
      if (sunday >= event.start_day &&
          entry.monday <= event.end_day + options.explained_days_after) {
        explained = true;
        break;
      }
    }
    if (!explained) {
      result.false_alerts.push_back({IsoWeekOf(entry.monday).ToString(), AlertKindName(alert.kind),
                                     alert.group_id, alert.drug, alert.reason_en});
    }
  }
  result.false_alerts_per_district_year =
      result.district_years > 0.0 ? result.false_alerts.size() / result.district_years : 0.0;
  return result;
}

nlohmann::json AlertEvaluation::ToJson() const {
  nlohmann::json event_list = nlohmann::json::array();
  for (const EventDetection& d : events) {
    event_list.push_back({{"district_id", d.event.district_id},
                          {"group_id", d.group_id},
                          {"drug", d.event.drug},
                          {"kind", d.kind},
                          {"start_day", FormatIsoDate(d.event.start_day)},
                          {"end_day", FormatIsoDate(d.event.end_day)},
                          {"multiplier", d.event.magnitude},
                          {"scorable", d.scorable},
                          {"visible", d.visible},
                          {"site_effect", d.site_effect},
                          {"best_site", d.best_site},
                          {"detected", d.detected},
                          {"found_by", d.found_by},
                          {"days_to_detection", d.days_to_detection}});
  }
  nlohmann::json false_list = nlohmann::json::array();
  for (const FalseAlert& f : false_alerts) {
    false_list.push_back({{"week", f.week},
                          {"kind", f.kind},
                          {"group_id", f.group_id},
                          {"drug", f.drug},
                          {"reason_en", f.reason_en}});
  }
  return {{"weeks", weeks},
          {"first_week", first_week},
          {"last_week", last_week},
          {"districts", districts},
          {"district_years", district_years},
          {"events_scorable", scorable},
          {"events_scorable_detected", scorable_detected},
          {"events_scored", scored},
          {"events_detected", detected},
          {"detection_rate", NumberOrNull(detection_rate)},
          {"rises", {{"scored", rises_scored}, {"detected", rises_detected}}},
          {"spikes", {{"scored", spikes_scored}, {"detected", spikes_detected}}},
          {"false_alerts", static_cast<int>(false_alerts.size())},
          {"false_alerts_per_district_year", false_alerts_per_district_year},
          {"raised", {{"rising_trend", trend_alerts}, {"spike", spike_alerts}}},
          {"dumping_suspected", dumping_suspected},
          {"events", std::move(event_list)},
          {"false_alert_list", std::move(false_list)}};
}

std::string AlertEvaluation::BriefReport() const {
  char line[640];
  std::snprintf(line, sizeof line,
                "alerts replayed for %d weeks (%s to %s), %d districts = %.1f district-years\n"
                "  injected surges visible at a site, found within two weeks: %d of %d (%.1f %%): "
                "rises %d of %d, spikes %d of %d (all surges in the replayed weeks: %d of %d)\n"
                "  false alerts: %d (%.2f per district per year); raised: %d rising trend, %d "
                "spike; %d suspected dumping\n",
                weeks, first_week.c_str(), last_week.c_str(), districts, district_years, detected,
                scored, 100.0 * detection_rate, rises_detected, rises_scored, spikes_detected,
                spikes_scored, scorable_detected, scorable, static_cast<int>(false_alerts.size()),
                false_alerts_per_district_year, trend_alerts, spike_alerts, dumping_suspected);
  std::string text = line;
  for (const EventDetection& d : events) {
    if (!d.scorable || d.detected) continue;
    std::snprintf(line, sizeof line,
                  "  missed%s: %s %s in %s (group %s) x%.2f from %s to %s, x%.2f at %s\n",
                  d.visible ? "" : " (not visible)", d.kind.c_str(), d.event.drug.c_str(),
                  d.event.district_id.c_str(), d.group_id.c_str(), d.event.magnitude,
                  FormatIsoDate(d.event.start_day).c_str(), FormatIsoDate(d.event.end_day).c_str(),
                  d.site_effect, d.best_site.c_str());
    text += line;
  }
  for (const FalseAlert& f : false_alerts) {
    text += "  false " + f.kind + " " + f.week + " " + f.group_id + " " + f.drug + ": " +
            f.reason_en + "\n";
  }
  return text;
}

}  // namespace wbe
