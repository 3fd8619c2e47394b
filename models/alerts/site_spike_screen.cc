#include "models/alerts/site_spike_screen.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <tuple>

#include "models/alerts/reason_text.h"
#include "models/alerts/site_screen.h"
#include "models/core/normal_quantile.h"
#include "models/core/string_lists.h"

namespace wbe {
namespace {

// A parent biomarker this far above its forecast on the same site-day explains a rise of its
// metabolite; it need not pass the spike bound itself.
constexpr double kParentRiseZ = 2.0;

struct Candidate {
  std::string site_id;
  std::string biomarker;
  DayIndex day = 0;
  double load = 0.0;
  double expected = 0.0;
  double bound = 0.0;
  double z = 0.0;
  int family = 0;
};

std::set<std::string> Catchment(const City& city, const std::string& site_id) {
  const std::vector<std::string> ids = city.UpstreamDistrictIds(site_id);
  return {ids.begin(), ids.end()};
}

bool StrictSubset(const std::set<std::string>& inner, const std::set<std::string>& outer) {
  return inner.size() < outer.size() &&
         std::includes(outer.begin(), outer.end(), inner.begin(), inner.end());
}

// The drugs a biomarker speaks for: those whose preferred route it is, else any route.
std::vector<const Drug*> DrugsOf(const DrugCatalogue& catalogue, const std::string& biomarker) {
  std::vector<const Drug*> preferred;
  const std::vector<const Drug*> all = catalogue.DrugsMeasuredBy(biomarker);
  for (const Drug* drug : all) {
    if (drug->PreferredRoute().biomarker == biomarker) preferred.push_back(drug);
  }
  return preferred.empty() ? all : preferred;
}

}  // namespace

std::vector<SiteLoadHistory> BuildSiteLoadHistories(const std::vector<Measurement>& measurements,
                                                    const std::vector<FlowRecord>& flows) {
  std::map<std::pair<std::string, DayIndex>, double> flow_of;
  for (const FlowRecord& f : flows) {
    if (f.flow_m3_per_day > 0.0) flow_of[{f.site_id, f.day}] = f.flow_m3_per_day;
  }
  // Sum and count per site, biomarker and day: duplicate results are averaged.
  std::map<std::pair<std::string, std::string>, std::map<DayIndex, std::pair<double, int>>> sums;
  std::set<std::tuple<std::string, std::string, DayIndex>> flagged;
  std::map<std::tuple<std::string, std::string, DayIndex>, double> loq_multiple;
  for (const Measurement& m : measurements) {
    auto& days = sums[{m.site_id, m.analyte}];
    auto& entry = days[m.day];
    for (const std::string& flag : SplitStrings(m.qc_flags, ',')) {
      if (IsQcFailureFlag(flag)) flagged.insert({m.site_id, m.analyte, m.day});
    }
    if (m.censored || !(m.concentration_ng_per_l > 0.0)) continue;
    const double multiple =
        m.loq_ng_per_l > 0.0 ? m.concentration_ng_per_l / m.loq_ng_per_l : HUGE_VAL;
    auto [it, inserted] = loq_multiple.insert({{m.site_id, m.analyte, m.day}, multiple});
    if (!inserted) it->second = std::min(it->second, multiple);
    const auto flow = flow_of.find({m.site_id, m.day});
    if (flow == flow_of.end()) continue;
    entry.first += m.concentration_ng_per_l * flow->second * 1e-3;
    entry.second += 1;
  }
  std::vector<SiteLoadHistory> series;
  for (const auto& [key, days] : sums) {
    SiteLoadHistory s;
    s.site_id = key.first;
    s.biomarker = key.second;
    s.first_day = days.begin()->first;
    const int length = days.rbegin()->first - s.first_day + 1;
    s.log_loads.assign(static_cast<size_t>(length), std::nan(""));
    s.qc_flagged.assign(static_cast<size_t>(length), 0);
    s.min_concentration_ratio_to_loq.assign(static_cast<size_t>(length), 0.0);
    for (const auto& [day, entry] : days) {
      if (entry.second > 0) s.log_loads[day - s.first_day] = std::log(entry.first / entry.second);
      if (flagged.count({s.site_id, s.biomarker, day}) > 0) s.qc_flagged[day - s.first_day] = 1;
      const auto multiple = loq_multiple.find({s.site_id, s.biomarker, day});
      if (multiple != loq_multiple.end()) {
        s.min_concentration_ratio_to_loq[day - s.first_day] = multiple->second;
      }
    }
    series.push_back(std::move(s));
  }
  return series;
}

std::vector<Alert> ScreenSiteSpikes(
    const City& city, const DrugCatalogue& catalogue, const std::vector<SiteLoadHistory>& series,
    const std::vector<EstimateFlag>& flags,
    const std::vector<std::pair<std::string, std::string>>& groups, DayIndex monday,
    const ScreeningOptions& options, const std::map<std::string, std::string>& drug_titles_zh,
    std::map<std::pair<std::string, std::string>, FittedModel>* models, bool refit) {
  using namespace reason_text;
  // Which series each site screens this week (the family of its simultaneous bound).
  std::map<std::string, int> screened_at_site;
  struct Prepared {
    const SiteLoadHistory* series;
    int start;
    int week_begin;
  };
  std::vector<Prepared> prepared;
  const int needed = 2 * std::max(options.forecast.period_days, 1) + 4;
  for (const SiteLoadHistory& s : series) {
    const int week_begin = monday - s.first_day;
    if (week_begin < 7 * options.min_history_weeks) continue;
    if (week_begin >= static_cast<int>(s.log_loads.size())) continue;  // no data this week
    const int start = std::max(0, week_begin - 7 * options.max_history_weeks);
    int observed = 0;
    for (int t = start; t < week_begin; ++t) observed += std::isnan(s.log_loads[t]) ? 0 : 1;
    if (observed < needed) continue;
    if (observed < options.spike_min_observed_fraction * (week_begin - start)) continue;
    prepared.push_back({&s, start, week_begin});
    ++screened_at_site[s.site_id];
  }

  // Candidates: site-days above the bound.
  std::vector<Candidate> candidates;
  std::set<std::tuple<std::string, std::string, DayIndex>> observed_days;
  std::map<std::tuple<std::string, std::string, DayIndex>, double> z_of;
  for (const Prepared& p : prepared) {
    const SiteLoadHistory& s = *p.series;
    const int end = std::min<int>(p.week_begin + 7, static_cast<int>(s.log_loads.size()));
    const std::vector<double> train(s.log_loads.begin() + p.start,
                                    s.log_loads.begin() + p.week_begin);
    std::vector<double> all(s.log_loads.begin() + p.start, s.log_loads.begin() + end);
    all.resize(static_cast<size_t>(p.week_begin + 7 - p.start), std::nan(""));
    FittedModel fitted;
    const std::pair<std::string, std::string> key{"site:" + s.site_id, s.biomarker};
    try {
      const FittedModel* cached = nullptr;
      if (models != nullptr && !refit) {
        const auto it = models->find(key);
        if (it != models->end()) cached = &it->second;
      }
      if (cached != nullptr) {
        fitted = StructuralForecaster::Refilter(*cached, train, {});
      } else {
        fitted = StructuralForecaster::Fit(train, {}, options.forecast);
        if (models != nullptr) (*models)[key] = fitted;
      }
    } catch (const std::invalid_argument&) {
      continue;  // too few values: nothing to say about this series
    }
    const FittedModel now = StructuralForecaster::Refilter(fitted, all, {});
    const int family = 7 * screened_at_site[s.site_id];
    const double z_bound = NormalQuantile(1.0 - (1.0 - options.spike_bound) / family);
    for (int t = p.week_begin - p.start; t < static_cast<int>(all.size()); ++t) {
      if (std::isnan(all[t])) continue;
      const DayIndex day = s.first_day + p.start + t;
      observed_days.insert({s.site_id, s.biomarker, day});
      const double e = now.filter.innovations[t];
      const double f = now.filter.innovation_variances[t];
      if (std::isnan(e) || !(f > 0.0)) continue;
      const double z = e / std::sqrt(f);
      z_of[{s.site_id, s.biomarker, day}] = z;
      if (z <= z_bound || e < std::log(options.spike_min_ratio)) continue;
      if (s.min_concentration_ratio_to_loq[p.start + t] < options.spike_min_loq_multiple) continue;
      if (s.qc_flagged[p.start + t] != 0) continue;  // a QC-flagged result: the QC caveat says it
      const double expected = all[t] - e;
      candidates.push_back({s.site_id, s.biomarker, day, std::exp(all[t]), std::exp(expected),
                            std::exp(expected + z_bound * std::sqrt(f)), z, family});
    }
  }

  const auto is_candidate = [&](const std::string& site, const std::string& biomarker,
                                DayIndex day) {
    return std::any_of(candidates.begin(), candidates.end(), [&](const Candidate& c) {
      return c.site_id == site && c.biomarker == biomarker && std::abs(c.day - day) <= 1;
    });
  };
  std::vector<Alert> alerts;
  for (const Candidate& c : candidates) {
    // A metabolite that rose with its parent drug's own biomarker (amphetamine formed from
    // methamphetamine) is that drug's spike, already reported under it.
    bool parent_spiked = false;
    std::vector<std::string> parents;
    for (const Drug* drug : catalogue.DrugsMeasuredBy(c.biomarker)) {
      const std::string& own = drug->PreferredRoute().biomarker;
      if (own != c.biomarker) parents.push_back(own);
      // Amphetamine is partly formed from methamphetamine: the catalogue's correction says so.
      if (const ExcretionRoute* route = drug->FindRoute(c.biomarker)) {
        for (const LoadCorrection& correction : route->corrections) {
          if (correction.kind == CorrectionKind::kRatioToOtherBiomarker) {
            parents.push_back(correction.other_biomarker);
          }
        }
      }
    }
    for (const std::string& parent : parents) {
      for (DayIndex d = c.day - 1; d <= c.day + 1; ++d) {
        const auto z = z_of.find({c.site_id, parent, d});
        if (z != z_of.end() && z->second > kParentRiseZ) parent_spiked = true;
      }
    }
    if (parent_spiked) continue;
    const std::set<std::string> catchment = Catchment(city, c.site_id);
    // Only the innermost spiking site speaks: a site inside this one that spiked too gives the
    // sharper attribution.
    bool innermost = true;
    std::set<std::string> remaining = catchment;
    std::vector<std::string> excluded_by;
    for (const SamplingSite& other : city.sites) {
      if (other.id == c.site_id) continue;
      const std::set<std::string> inner = Catchment(city, other.id);
      if (!StrictSubset(inner, catchment)) continue;
      if (is_candidate(other.id, c.biomarker, c.day)) {
        innermost = false;
        break;
      }
      if (observed_days.count({other.id, c.biomarker, c.day}) == 0) continue;  // no evidence
      for (const std::string& id : inner) remaining.erase(id);
      excluded_by.push_back(other.id);
    }
    if (!innermost || remaining.empty()) continue;
    for (const auto& [group_id, district_ids] : groups) {
      const std::vector<std::string> members = SplitStrings(district_ids, ',');
      if (std::none_of(members.begin(), members.end(),
                       [&](const std::string& id) { return remaining.count(id) > 0; })) {
        continue;
      }
      for (const Drug* drug : DrugsOf(catalogue, c.biomarker)) {
        Alert alert;
        alert.kind = AlertKind::kSpike;
        alert.group_id = group_id;
        alert.district_ids = district_ids;
        alert.site_id = c.site_id;
        alert.drug = drug->name;
        alert.biomarker = c.biomarker;
        alert.first_day = alert.last_day = c.day;
        alert.severity =
            std::min(1.0, 0.5 * c.z / NormalQuantile(1.0 - (1.0 - options.spike_bound) / c.family));
        const auto zh_it = drug_titles_zh.find(drug->name);
        const std::string drug_zh = zh_it != drug_titles_zh.end() ? zh_it->second : drug->name;
        nlohmann::json ratio_flags = nlohmann::json::array();
        for (const EstimateFlag& flag : flags) {
          if (flag.kind != "ratio" || flag.site_id != c.site_id || flag.drug != drug->name)
            continue;
          if (std::abs(flag.day - c.day) > options.dumping_window_days) continue;
          ratio_flags.push_back({{"day", FormatIsoDate(flag.day)}, {"message", flag.message}});
        }
        alert.evidence = {{"site_id", c.site_id},
                          {"biomarker", c.biomarker},
                          {"day", FormatIsoDate(c.day)},
                          {"load_mg_per_day", c.load},
                          {"expected_mg_per_day", c.expected},
                          {"bound_mg_per_day", c.bound},
                          {"bound_probability", options.spike_bound},
                          {"family_size", c.family},
                          {"z", c.z},
                          {"excluded_by_sites", excluded_by},
                          {"parent_metabolite_check", !drug->parent_metabolite_checks.empty()}};
        const std::string where = JoinStrings({remaining.begin(), remaining.end()}, ",");
        if (!ratio_flags.empty()) {
          alert.kind = AlertKind::kDumpingSuspected;
          alert.evidence["ratio_flags"] = ratio_flags;
          alert.reason_en = c.biomarker + " at " + c.site_id + " on " + FormatIsoDate(c.day) +
                            " was " + Ratio(c.load / c.expected) +
                            " times its forecast, with a parent/metabolite ratio far from use: "
                            "more likely unconsumed " +
                            drug->name + " dumped into the sewer; not counted as a spike";
          alert.reason_zh = c.site_id + " " + FormatIsoDate(c.day) + " " + c.biomarker +
                            " 为预测值的 " + Ratio(c.load / c.expected) +
                            " 倍，且母体/代谢物比例异常：更可能是" + drug_zh +
                            "被直接倾倒，不计为突增";
        } else {
          alert.reason_en =
              drug->name + " in " + group_id + ": " + c.biomarker + " load at " + c.site_id +
              " on " + FormatIsoDate(c.day) + " was " + Amount(c.load) + " mg/day, " +
              Ratio(c.load / c.expected) + " times the forecast (" + Amount(c.expected) +
              " mg/day) and above its simultaneous " + Percent(options.spike_bound) + " bound (" +
              Amount(c.bound) + " mg/day); districts " + where +
              (excluded_by.empty()
                   ? ""
                   : " (sites " + JoinStrings(excluded_by, ", ") + " inside it saw no spike)") +
              (drug->parent_metabolite_checks.empty()
                   ? "; there is no parent/metabolite check for this drug, so dumping cannot be "
                     "ruled out"
                   : "; the parent/metabolite ratio looks like use, not dumping");
          alert.reason_zh = group_id + " " + drug_zh + "：" + c.site_id + " " +
                            FormatIsoDate(c.day) + " " + c.biomarker + " 负荷 " + Amount(c.load) +
                            " 毫克/天，为预测值（" + Amount(c.expected) + " 毫克/天）的 " +
                            Ratio(c.load / c.expected) + " 倍，超过 " +
                            Percent(options.spike_bound) + " 同时预测上界；来源街道 " + where +
                            (drug->parent_metabolite_checks.empty()
                                 ? "；该毒品无母体/代谢物比例核查，不能排除倾倒"
                                 : "；母体/代谢物比例符合使用特征");
        }
        alerts.push_back(std::move(alert));
      }
    }
  }
  return alerts;
}

}  // namespace wbe
