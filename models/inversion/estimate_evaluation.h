#pragma once

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/inversion/district_estimate.h"
#include "models/simulation/ground_truth.h"

namespace wbe {

struct EvaluationOptions {
  std::vector<std::string> drugs;  // drugs to score (exact names); empty: every drug
};

// Scores of a set of district-weeks against the truth. Every figure is NaN when no row
// qualifies (district_weeks == 0, or no row with a finite interval for the coverages).
struct EvaluationFigures {
  int district_weeks = 0;  // rows scored (truth > 0 and a consumption point)
  // Median of |point - truth| / truth of weekly mean consumption (mg/day).
  double median_abs_rel_error = std::nan("");
  // Median of (point - truth) / truth: the typical bias, signed.
  double median_rel_error = std::nan("");
  // Share of rows whose truth lies in [consumption_p05_given_parameters,
  // consumption_p95_given_parameters] (the interval given the catalogue's point values).
  double coverage_90 = std::nan("");
  // The same for the full interval [consumption_mg_per_day.p05, .p95], which adds excretion
  // and decay parameter uncertainty.
  double coverage_90_full = std::nan("");
  // Geometric mean of p95 / p05 over the rows with a positive interval: how wide the intervals
  // are (1 = a point), for the given-parameters and the full interval.
  double mean_interval_width_ratio = std::nan("");
  double mean_interval_width_ratio_full = std::nan("");
  int intervals = 0;       // rows with a finite given-parameters interval (coverage_90's base)
  int intervals_full = 0;  // rows with a finite full interval (coverage_90_full's base)

  nlohmann::json ToJson() const;
};

// Rows of the estimates left out, by reason.
struct EvaluationSkips {
  int consumption_unavailable = 0;  // consumption point is NaN (see the row's note)
  int truth_not_positive = 0;       // the true weekly consumption is 0: no relative error
  int incomplete_truth = 0;         // the drug has truth, but not for every member on all 7 days
  int no_truth = 0;                 // the drug has no truth at all (not simulated)
  int not_iso_week = 0;             // days != 7 or start_day not a Monday
  int total() const {
    return consumption_unavailable + truth_not_positive + incomplete_truth + no_truth +
           not_iso_week;
  }
  nlohmann::json ToJson() const;
};

struct EstimateEvaluation {
  EvaluationFigures resolved;  // resolved districts (groups of one): the headline figures
  EvaluationFigures groups;    // unresolved groups, scored against the sum of their members
  struct DrugFigures {
    EvaluationFigures resolved;
    EvaluationFigures groups;
  };
  std::map<std::string, DrugFigures> by_drug;  // drugs with at least one scored row
  EvaluationSkips skipped;

  // An object with the resolved figures at the top level (median_abs_rel_error, coverage_90,
  // coverage_90_full, district_weeks, ...), "skipped" {reason: rows, "total"}, "groups" {the
  // same figures for unresolved groups} and "by_drug" {drug: {figures..., "groups": {...}}}.
  // NaN figures are null.
  nlohmann::json ToJson() const;
  // A small table for people: one line for resolved districts, one for groups, one per drug.
  std::string BriefReport() const;
};

// Scores weekly district estimates (days == 7, start_day a Monday) against a simulated city's
// truth. A row's truth is the group's true mean daily consumption over the week: the sum over
// its members (district_ids) of each member's 7-day mean of truth.districts consumption_mg.
// Rows are scored only when the drug has truth for every member on all 7 days; the others are
// counted in `skipped` by reason. Resolved rows give the main figures, unresolved groups the
// `groups` figures.
EstimateEvaluation EvaluateDistrictEstimates(const std::vector<DistrictEstimate>& week_estimates,
                                             const GroundTruth& truth,
                                             const EvaluationOptions& options = {});

}  // namespace wbe
