#include "models/inversion/estimate_evaluation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "models/core/civil_day.h"
#include "models/core/json_number.h"
#include "models/core/median.h"

namespace wbe {
namespace {

constexpr int kWeekDays = 7;

// Per-row outcomes collected for one set of rows, turned into figures at the end.
struct Accumulator {
  std::vector<double> abs_errors;
  std::vector<double> signed_errors;
  int intervals = 0;
  int covered = 0;
  int intervals_full = 0;
  int covered_full = 0;
  double log_width_sum = 0.0;
  int widths = 0;
  double log_width_sum_full = 0.0;
  int widths_full = 0;

  // Counts the interval [p05, p95] when both ends are finite and ordered; returns whether it
  // covers the truth through *covered, and adds its log width when both ends are positive.
  static void AddInterval(double truth, double p05, double p95, int* intervals, int* covered,
                          double* log_width_sum, int* widths) {
    if (!std::isfinite(p05) || !std::isfinite(p95) || p05 > p95) return;
    ++*intervals;
    if (p05 <= truth && truth <= p95) ++*covered;
    if (p05 > 0.0) {
      *log_width_sum += std::log(p95 / p05);
      ++*widths;
    }
  }

  void Add(const DistrictEstimate& row, double truth) {
    const double error = (row.consumption_mg_per_day.point - truth) / truth;
    signed_errors.push_back(error);
    abs_errors.push_back(std::abs(error));
    AddInterval(truth, row.consumption_p05_given_parameters, row.consumption_p95_given_parameters,
                &intervals, &covered, &log_width_sum, &widths);
    AddInterval(truth, row.consumption_mg_per_day.p05, row.consumption_mg_per_day.p95,
                &intervals_full, &covered_full, &log_width_sum_full, &widths_full);
  }

  EvaluationFigures Figures() const {
    EvaluationFigures f;
    f.district_weeks = static_cast<int>(abs_errors.size());
    f.median_abs_rel_error = Median(abs_errors);
    f.median_rel_error = Median(signed_errors);
    f.intervals = intervals;
    f.intervals_full = intervals_full;
    if (intervals > 0) f.coverage_90 = static_cast<double>(covered) / intervals;
    if (intervals_full > 0) f.coverage_90_full = static_cast<double>(covered_full) / intervals_full;
    if (widths > 0) f.mean_interval_width_ratio = std::exp(log_width_sum / widths);
    if (widths_full > 0)
      f.mean_interval_width_ratio_full = std::exp(log_width_sum_full / widths_full);
    return f;
  }
};

std::vector<std::string> Members(const DistrictEstimate& row) {
  const std::string& text = row.district_ids.empty() ? row.group_id : row.district_ids;
  const char separator = row.district_ids.empty() ? '+' : ',';
  std::vector<std::string> members;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(separator, start);
    if (end == std::string::npos) end = text.size();
    std::string member = text.substr(start, end - start);
    const size_t first = member.find_first_not_of(' ');
    const size_t last = member.find_last_not_of(' ');
    if (first != std::string::npos) members.push_back(member.substr(first, last - first + 1));
    start = end + 1;
  }
  return members;
}

std::string Percent(double share) {
  if (!std::isfinite(share)) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f %%", 100.0 * share);
  return buffer;
}

std::string Ratio(double ratio) {
  if (!std::isfinite(ratio)) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", ratio);
  return buffer;
}

std::string TableLine(const std::string& label, const EvaluationFigures& f) {
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, "%-22s %7d %13s %9s %9s %10s %8s %8s\n", label.c_str(),
                f.district_weeks, Percent(f.median_abs_rel_error).c_str(),
                Percent(f.median_rel_error).c_str(), Percent(f.coverage_90).c_str(),
                Percent(f.coverage_90_full).c_str(), Ratio(f.mean_interval_width_ratio).c_str(),
                Ratio(f.mean_interval_width_ratio_full).c_str());
  return buffer;
}

}  // namespace

nlohmann::json EvaluationFigures::ToJson() const {
  return {
      {"district_weeks", district_weeks},
      {"median_abs_rel_error", NumberOrNull(median_abs_rel_error)},
      {"median_rel_error", NumberOrNull(median_rel_error)},
      {"coverage_90", NumberOrNull(coverage_90)},
      {"coverage_90_full", NumberOrNull(coverage_90_full)},
      {"mean_interval_width_ratio", NumberOrNull(mean_interval_width_ratio)},
      {"mean_interval_width_ratio_full", NumberOrNull(mean_interval_width_ratio_full)},
      {"intervals", intervals},
      {"intervals_full", intervals_full},
  };
}

nlohmann::json EvaluationSkips::ToJson() const {
  return {
      {"consumption_unavailable", consumption_unavailable},
      {"truth_not_positive", truth_not_positive},
      {"incomplete_truth", incomplete_truth},
      {"no_truth", no_truth},
      {"not_iso_week", not_iso_week},
      {"total", total()},
  };
}

nlohmann::json EstimateEvaluation::ToJson() const {
  nlohmann::json document = resolved.ToJson();
  document["skipped"] = skipped.ToJson();
  document["groups"] = groups.ToJson();
  nlohmann::json drugs = nlohmann::json::object();
  for (const auto& [drug, figures] : by_drug) {
    nlohmann::json entry = figures.resolved.ToJson();
    entry["groups"] = figures.groups.ToJson();
    drugs[drug] = std::move(entry);
  }
  document["by_drug"] = std::move(drugs);
  return document;
}

std::string EstimateEvaluation::BriefReport() const {
  std::string text =
      "weekly mean consumption against the simulator's truth (median error; 90 % interval "
      "coverage given the catalogue's point values, and with parameter uncertainty)\n";
  char header[256];
  std::snprintf(header, sizeof header, "%-22s %7s %13s %9s %9s %10s %8s %8s\n", "", "weeks",
                "median |err|", "bias", "coverage", "cov. full", "p95/p05", "full");
  text += header;
  text += TableLine("resolved districts", resolved);
  text += TableLine("unresolved groups", groups);
  for (const auto& [drug, figures] : by_drug) {
    if (figures.resolved.district_weeks > 0) text += TableLine("  " + drug, figures.resolved);
  }
  text += "skipped: " + std::to_string(skipped.total());
  if (skipped.total() > 0) {
    std::string reasons;
    const std::pair<const char*, int> counts[] = {
        {"consumption unavailable", skipped.consumption_unavailable},
        {"true consumption 0", skipped.truth_not_positive},
        {"truth incomplete", skipped.incomplete_truth},
        {"drug not simulated", skipped.no_truth},
        {"not an ISO week", skipped.not_iso_week},
    };
    for (const auto& [reason, count] : counts) {
      if (count == 0) continue;
      reasons += (reasons.empty() ? "" : ", ") + std::string(reason) + " " + std::to_string(count);
    }
    text += " (" + reasons + ")";
  }
  text += "\n";
  return text;
}

EstimateEvaluation EvaluateDistrictEstimates(const std::vector<DistrictEstimate>& week_estimates,
                                             const GroundTruth& truth,
                                             const EvaluationOptions& options) {
  const std::set<std::string> wanted(options.drugs.begin(), options.drugs.end());
  // (drug, district) -> day -> mg consumed that day.
  std::map<std::pair<std::string, std::string>, std::map<DayIndex, double>> daily;
  std::set<std::string> simulated_drugs;
  for (const DistrictDayTruth& t : truth.districts) {
    daily[{t.drug, t.district_id}][t.day] = t.consumption_mg;
    simulated_drugs.insert(t.drug);
  }

  EstimateEvaluation result;
  Accumulator resolved;
  Accumulator groups;
  std::map<std::string, std::pair<Accumulator, Accumulator>> by_drug;  // resolved, groups
  for (const DistrictEstimate& row : week_estimates) {
    if (!wanted.empty() && wanted.count(row.drug) == 0) continue;
    if (row.days != kWeekDays || IsoWeekday(row.start_day) != 0) {
      ++result.skipped.not_iso_week;
      continue;
    }
    if (simulated_drugs.count(row.drug) == 0) {
      ++result.skipped.no_truth;
      continue;
    }
    const std::vector<std::string> members = Members(row);
    double week_truth = 0.0;  // mg/day: sum over members of their 7-day mean
    bool complete = !members.empty();
    for (const std::string& member : members) {
      const auto it = daily.find({row.drug, member});
      if (it == daily.end()) {
        complete = false;
        break;
      }
      double sum = 0.0;
      for (int d = 0; d < kWeekDays && complete; ++d) {
        const auto day = it->second.find(row.start_day + d);
        if (day == it->second.end()) {
          complete = false;
        } else {
          sum += day->second;
        }
      }
      if (!complete) break;
      week_truth += sum / kWeekDays;
    }
    if (!complete) {
      ++result.skipped.incomplete_truth;
      continue;
    }
    if (!row.consumption_mg_per_day.available()) {
      ++result.skipped.consumption_unavailable;
      continue;
    }
    if (!(week_truth > 0.0)) {
      ++result.skipped.truth_not_positive;
      continue;
    }
    auto& drug = by_drug[row.drug];
    (row.resolved ? resolved : groups).Add(row, week_truth);
    (row.resolved ? drug.first : drug.second).Add(row, week_truth);
  }

  result.resolved = resolved.Figures();
  result.groups = groups.Figures();
  for (const auto& [drug, accumulators] : by_drug) {
    result.by_drug[drug] = {accumulators.first.Figures(), accumulators.second.Figures()};
  }
  return result;
}

}  // namespace wbe
