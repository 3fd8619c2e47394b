#include "models/network/sampling_design_advisor.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include <Eigen/Dense>

#include "models/core/input_error.h"
#include "models/core/string_lists.h"
#include "models/network/sewer_network.h"

namespace wbe {
namespace {

bool Refuse(const std::string& reason, std::string* why) {
  if (why != nullptr) *why = reason;
  return false;
}

bool PositiveFinite(double value) { return std::isfinite(value) && value > 0.0; }

void CheckOrThrow(const SamplingDesignAdvisorOptions& options) {
  std::string why;
  if (!options.Check(&why)) throw std::invalid_argument("sampling design advisor: " + why);
}

// The posterior of theta under the linearised model for the sites of `network`.
SamplingDesignScore ScoreNetwork(const City& city, const SewerNetwork& network,
                                 const SamplingDesignAdvisorOptions& options) {
  const Eigen::Index districts = static_cast<Eigen::Index>(network.district_count());
  // Prior mean masses are population x per-capita mass; the per-capita factor cancels in
  // d log L_s / d theta_d = w_sd m_d / L_s, so populations alone give the Jacobian (and a huge
  // per-capita prior mean cannot overflow).
  Eigen::VectorXd population(districts);
  for (Eigen::Index d = 0; d < districts; ++d) {
    population(d) = city.districts.at(static_cast<size_t>(d)).population;
  }
  Eigen::MatrixXd information = Eigen::MatrixXd::Zero(districts, districts);
  const double observation_weight =
      options.days_per_week / (options.observation_log_sigma * options.observation_log_sigma);
  for (size_t s = 0; s < network.site_count(); ++s) {
    Eigen::VectorXd row = Eigen::VectorXd::Zero(districts);
    for (const Route& route : network.Routes(s)) {
      const Eigen::Index d = static_cast<Eigen::Index>(route.district_index);
      row(d) += network.Survival(route, options.stability) * population(d);
    }
    const double load = row.sum();
    if (!(load > 0.0)) continue;  // nothing reaches the site: it says nothing
    row /= load;
    information.noalias() += observation_weight * row * row.transpose();
  }
  information.diagonal().array() += 1.0 / (options.prior_log_sigma * options.prior_log_sigma);
  const Eigen::MatrixXd covariance =
      information.ldlt().solve(Eigen::MatrixXd::Identity(districts, districts));

  SamplingDesignScore score;
  double sd_sum = 0.0;
  for (Eigen::Index d = 0; d < districts; ++d) {
    const double variance = covariance(d, d);
    score.posterior_variance_log2.push_back(variance);
    score.total_posterior_variance_log2 += variance;
    sd_sum += std::sqrt(std::max(variance, 0.0));
  }
  score.mean_posterior_sd_log = districts > 0 ? sd_sum / static_cast<double>(districts) : 0.0;
  return score;
}

SamplingSite AsManhole(const CandidateSite& candidate) {
  SamplingSite site;
  site.id = candidate.id;
  site.name = candidate.name;
  site.kind = SiteKind::kManhole;
  site.node = candidate.node;
  return site;
}

City WithSite(const City& city, const CandidateSite& candidate) {
  City trial = city;
  trial.sites.push_back(AsManhole(candidate));
  return trial;
}

// Refuses candidates the advisor cannot place, naming their file, row and field.
void CheckCandidates(const City& city, const std::vector<CandidateSite>& candidates) {
  const std::set<std::string> nodes(city.nodes.begin(), city.nodes.end());
  std::map<std::string, std::string> sampled_by;  // node -> the city's site there
  for (const SamplingSite& site : city.sites) sampled_by.emplace(site.node, site.id);
  std::map<std::string, long> first_row;
  std::map<std::string, const CandidateSite*> candidate_at;  // node -> first candidate there
  for (const CandidateSite& candidate : candidates) {
    const auto fail = [&](const char* field, const std::string& message) {
      throw InputError(candidate.origin, candidate.row, field, message);
    };
    if (candidate.id.empty()) fail("id", "is empty");
    const auto [seen, inserted] = first_row.emplace(candidate.id, candidate.row);
    if (!inserted) {
      fail("id", "candidate '" + candidate.id + "' is listed twice (first on row " +
                     std::to_string(seen->second) + ")");
    }
    if (city.FindSite(candidate.id) != nullptr) {
      fail("id", "'" + candidate.id + "' is already a sampling site of city '" + city.name +
                     "'; give the candidate another id");
    }
    if (candidate.node.empty()) fail("node", "is empty");
    if (!nodes.count(candidate.node)) {
      fail("node", "unknown node '" + candidate.node + "': the sewer network of city '" +
                       city.name + "' has no such node");
    }
    if (WithSite(city, candidate).UpstreamDistricts(candidate.id).empty()) {
      fail("node", "no district drains to node '" + candidate.node + "'");
    }
    // A second sampler at the same manhole shares the first one's flow and sampling errors, so
    // the model's independent observations would overstate what it adds.
    const auto sampled = sampled_by.find(candidate.node);
    if (sampled != sampled_by.end()) {
      fail("node",
           "node '" + candidate.node + "' is already sampled (site '" + sampled->second + "')");
    }
    const auto [other, first_at_node] = candidate_at.emplace(candidate.node, &candidate);
    if (!first_at_node) {
      fail("node", "node '" + candidate.node + "' is also candidate '" + other->second->id +
                       "' (row " + std::to_string(other->second->row) + ")");
    }
  }
}

std::vector<std::string> ResolvedDistricts(const std::vector<DistrictGroup>& groups) {
  std::vector<std::string> ids;
  for (const DistrictGroup& group : groups) {
    if (group.resolved) ids.push_back(group.district_ids.front());
  }
  return ids;
}

std::string Number(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

// Columns padded to their widest cell, two spaces apart.
std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string text;
  for (const auto& row : rows) {
    std::string line = "  ";
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - row[c].size() + 2, ' ');
    }
    text += line + "\n";
  }
  return text;
}

}  // namespace

bool SamplingDesignAdvisorOptions::Check(std::string* why) const {
  if (max_sites <= 0) return Refuse("max_sites must be positive", why);
  if (days_per_week <= 0 || days_per_week > 7) {
    return Refuse("days_per_week must be between 1 and 7", why);
  }
  if (!PositiveFinite(observation_log_sigma)) {
    return Refuse("observation_log_sigma must be positive", why);
  }
  if (!PositiveFinite(prior_log_sigma)) return Refuse("prior_log_sigma must be positive", why);
  if (!std::isfinite(per_capita_log_mg_per_person_per_day)) {
    return Refuse("per_capita_log_mg_per_person_per_day must be finite", why);
  }
  for (const Quantity* rate : {&stability.gravity_k_per_h, &stability.rising_main_k_per_h}) {
    if (rate->known() && !(std::isfinite(rate->point()) && rate->point() >= 0.0)) {
      return Refuse("in-sewer rate constants must be zero or positive", why);
    }
  }
  if (!(std::isfinite(min_score_reduction_log2) && min_score_reduction_log2 >= 0.0)) {
    return Refuse("min_score_reduction_log2 must be zero or positive", why);
  }
  return true;
}

SamplingDesignScore ScoreSamplingDesign(const City& city,
                                        const SamplingDesignAdvisorOptions& options) {
  CheckOrThrow(options);
  return ScoreNetwork(city, SewerNetwork::Build(city), options);
}

SamplingDesignAdvice AdviseSamplingSites(const City& city,
                                         const std::vector<CandidateSite>& candidates,
                                         const SamplingDesignAdvisorOptions& options) {
  CheckOrThrow(options);
  City design = city;
  const SewerNetwork start = SewerNetwork::Build(design);  // validates the city
  CheckCandidates(city, candidates);

  SamplingDesignAdvice advice;
  for (const District& district : city.districts) advice.district_ids.push_back(district.id);
  for (const SamplingSite& site : city.sites) advice.current_site_ids.push_back(site.id);
  advice.score_before = ScoreNetwork(design, start, options);
  advice.groups_before = IdentifiabilityGroups(start);

  SamplingDesignScore score = advice.score_before;
  std::vector<DistrictGroup> groups = advice.groups_before;
  std::vector<size_t> remaining(candidates.size());
  for (size_t i = 0; i < remaining.size(); ++i) remaining[i] = i;
  while (true) {
    if (advice.picks.size() >= static_cast<size_t>(options.max_sites)) {
      advice.stop_reason =
          "picked the most sites asked for (" + std::to_string(options.max_sites) + ")";
      break;
    }
    if (remaining.empty()) {
      advice.stop_reason = candidates.empty() ? "no candidates" : "every candidate was picked";
      break;
    }
    std::vector<SamplingDesignScore> trial_scores;
    size_t best = 0;
    for (size_t r = 0; r < remaining.size(); ++r) {
      const City trial = WithSite(design, candidates[remaining[r]]);
      trial_scores.push_back(ScoreNetwork(trial, SewerNetwork::Build(trial), options));
      if (trial_scores[r].total_posterior_variance_log2 <
          trial_scores[best].total_posterior_variance_log2) {
        best = r;
      }
    }
    const double before = score.total_posterior_variance_log2;
    const auto percent = [before](double reduction) {
      return before > 0.0 ? 100.0 * reduction / before : 0.0;
    };
    if (advice.picks.empty()) {
      for (size_t r = 0; r < remaining.size(); ++r) {
        CandidateGain gain;
        gain.site_id = candidates[remaining[r]].id;
        gain.node = candidates[remaining[r]].node;
        gain.score_after_log2 = trial_scores[r].total_posterior_variance_log2;
        gain.variance_reduction_log2 = before - gain.score_after_log2;
        gain.variance_reduction_percent = percent(gain.variance_reduction_log2);
        advice.first_round.push_back(gain);
      }
      std::stable_sort(advice.first_round.begin(), advice.first_round.end(),
                       [](const CandidateGain& a, const CandidateGain& b) {
                         return a.variance_reduction_log2 > b.variance_reduction_log2;
                       });
    }
    const double reduction = before - trial_scores[best].total_posterior_variance_log2;
    if (!(reduction > options.min_score_reduction_log2)) {
      advice.stop_reason = "no remaining candidate lowers the score by more than " +
                           Number("%g", options.min_score_reduction_log2);
      break;
    }
    const CandidateSite& chosen = candidates[remaining[best]];
    design = WithSite(design, chosen);
    std::vector<DistrictGroup> groups_after = IdentifiabilityGroups(SewerNetwork::Build(design));
    const std::vector<std::string> resolved_before = ResolvedDistricts(groups);
    SitePick pick;
    pick.site_id = chosen.id;
    pick.node = chosen.node;
    pick.name = chosen.name;
    pick.candidates_row = chosen.row;
    pick.score_before_log2 = before;
    pick.score_after_log2 = trial_scores[best].total_posterior_variance_log2;
    pick.variance_reduction_log2 = reduction;
    pick.variance_reduction_percent = percent(reduction);
    pick.mean_posterior_sd_after_log = trial_scores[best].mean_posterior_sd_log;
    for (const std::string& id : ResolvedDistricts(groups_after)) {
      if (std::find(resolved_before.begin(), resolved_before.end(), id) == resolved_before.end()) {
        pick.newly_resolved_district_ids.push_back(id);
      }
    }
    pick.groups_after = groups_after;
    advice.picks.push_back(pick);
    score = trial_scores[best];
    groups = std::move(groups_after);
    remaining.erase(remaining.begin() + static_cast<std::ptrdiff_t>(best));
  }
  advice.score_after = score;
  advice.groups_after = groups;
  return advice;
}

std::string SamplingDesignAdvice::BriefReport() const {
  std::ostringstream out;
  const auto design_line = [&](const char* label, const std::vector<std::string>& sites,
                               const SamplingDesignScore& score) {
    out << label << " (" << (sites.empty() ? "no sites" : JoinStrings(sites, ", "))
        << "): sum of posterior variances of log district mass "
        << Number("%.4g", score.total_posterior_variance_log2) << ", mean posterior SD "
        << Number("%.3g", score.mean_posterior_sd_log) << " (log units)\n";
  };
  design_line("current design", current_site_ids, score_before);
  if (picks.empty()) {
    out << "no site to add: " << stop_reason << "\n";
  } else {
    std::vector<std::vector<std::string>> rows = {{"RANK", "SITE", "NODE", "SCORE_BEFORE",
                                                   "SCORE_AFTER", "REDUCTION", "NEWLY_RESOLVED",
                                                   "GROUPS_AFTER"}};
    for (size_t i = 0; i < picks.size(); ++i) {
      const SitePick& pick = picks[i];
      rows.push_back({std::to_string(i + 1), pick.site_id, pick.node,
                      Number("%.4g", pick.score_before_log2), Number("%.4g", pick.score_after_log2),
                      Number("%.4g", pick.variance_reduction_log2) + " (" +
                          Number("%.1f", pick.variance_reduction_percent) + "%)",
                      pick.newly_resolved_district_ids.empty()
                          ? "-"
                          : JoinStrings(pick.newly_resolved_district_ids, ", "),
                      std::to_string(pick.groups_after.size())});
    }
    out << "sites to add, best first (greedy; score = sum of posterior variances):\n"
        << Table(rows) << "stopped: " << stop_reason << "\n";
  }
  std::vector<std::string> after_sites = current_site_ids;
  for (const SitePick& pick : picks) after_sites.push_back(pick.site_id);
  design_line("with the picks", after_sites, score_after);
  out << "posterior SD of log mass by district, now -> with the picks:";
  for (size_t d = 0; d < district_ids.size() && d < score_before.posterior_variance_log2.size() &&
                     d < score_after.posterior_variance_log2.size();
       ++d) {
    out << (d > 0 ? ", " : " ") << district_ids[d] << " "
        << Number("%.2g", std::sqrt(std::max(score_before.posterior_variance_log2[d], 0.0)))
        << " -> "
        << Number("%.2g", std::sqrt(std::max(score_after.posterior_variance_log2[d], 0.0)));
  }
  out << "\n";
  out << "\nbefore: " << wbe::BriefReport(groups_before)
      << "\nafter: " << wbe::BriefReport(groups_after);
  return out.str();
}

}  // namespace wbe
