#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "models/catalogue/drug_catalogue.h"
#include "models/city/city.h"
#include "models/network/identifiability.h"

namespace wbe {

// Settings of the sampling-design advisor. The model is the network inversion linearised at its
// prior mean for a steady week: one unknown per district, theta_d = log of its mean daily
// biomarker mass (mg/day), with the inversion's weak per-capita prior; every sampled site gives
// `days_per_week` independent observations of log L_s = log sum_d w_sd exp(theta_d), where
// w_sd is the biomarker's survival along the route. Sigmas are on the natural-log scale.
struct SamplingDesignAdvisorOptions {
  // Candidate manholes to add at most; the advisor stops earlier when no candidate helps.
  int max_sites = 3;
  // Sampled days per site and week, each an independent observation.
  int days_per_week = 7;
  // Analytical, sampling and flow uncertainty of one site-day load (InversionOptions' default).
  double observation_log_sigma = 0.15;
  // Per-capita prior: log mass per person per day and its sigma (InversionOptions' defaults).
  double per_capita_log_mg_per_person_per_day = std::log(0.1);
  double prior_log_sigma = 3.0;
  // In-sewer stability of the biomarker; unknown rates count as no loss (the default).
  BiomarkerStability stability;
  // A pick must lower the score (sum of posterior variances, natural-log units squared) by more
  // than this. A site that splits an unresolved group gains about one prior variance (9); one
  // that sees the same districts as a site already sampled gains 1e-3 to 1e-1.
  double min_score_reduction_log2 = 1e-2;

  // False (and a reason in *why, when given) for non-positive counts or sigmas, a non-finite
  // prior mean, or a negative or non-finite tolerance.
  bool Check(std::string* why = nullptr) const;
};

// A manhole that could be sampled, with where it was read from for error messages.
struct CandidateSite {
  std::string id;
  std::string node;
  std::string name;
  std::string origin;  // the candidates file
  long row = 0;        // 1-based: the CSV line or the JSON array element
};

// How well a sampling design pins down the districts under the linearised model.
struct SamplingDesignScore {
  // Sum over districts of the posterior variance of theta_d (natural-log units squared).
  double total_posterior_variance_log2 = 0.0;
  // Mean over districts of the posterior SD of theta_d (natural-log units).
  double mean_posterior_sd_log = 0.0;
  std::vector<double> posterior_variance_log2;  // per district, in City order
};

// Scores the city's own sites. Throws InputError when the city is invalid and
// std::invalid_argument when the options are.
SamplingDesignScore ScoreSamplingDesign(const City& city,
                                        const SamplingDesignAdvisorOptions& options);

// One candidate added alone to the current design (the first greedy round).
struct CandidateGain {
  std::string site_id;
  std::string node;
  double score_after_log2 = 0.0;
  double variance_reduction_log2 = 0.0;
  double variance_reduction_percent = 0.0;  // of the current design's score
};

// One greedy step: the candidate that lowered the score most given the picks before it.
struct SitePick {
  std::string site_id;
  std::string node;
  std::string name;
  long candidates_row = 0;
  double score_before_log2 = 0.0;
  double score_after_log2 = 0.0;
  double variance_reduction_log2 = 0.0;
  double variance_reduction_percent = 0.0;  // of score_before_log2
  double mean_posterior_sd_after_log = 0.0;
  std::vector<std::string> newly_resolved_district_ids;  // in City order
  std::vector<DistrictGroup> groups_after;
};

struct SamplingDesignAdvice {
  std::vector<std::string> district_ids;  // City order, as in the scores' per-district vectors
  std::vector<std::string> current_site_ids;
  SamplingDesignScore score_before;
  std::vector<DistrictGroup> groups_before;
  std::vector<CandidateGain> first_round;  // every candidate, largest reduction first
  std::vector<SitePick> picks;             // in the order chosen; gains decrease
  SamplingDesignScore score_after;
  std::vector<DistrictGroup> groups_after;
  std::string stop_reason;

  // A ranked table of the picks, each district's posterior SD before and after, then the
  // identifiability report before and after.
  std::string BriefReport() const;
};

// Greedy design: starting from the city's sites, repeatedly adds the candidate (as a manhole)
// that lowers the score most, up to options.max_sites or until no candidate lowers it by more
// than options.min_score_reduction_log2. Ties go to the earlier candidate.
// Throws std::invalid_argument when the options fail Check(), and InputError naming the
// candidate's file, row and field for an empty or duplicate id, an id the city's sites already
// use, a node not in the sewer network, a node no district drains to, or a node that a site or
// an earlier candidate already samples.
SamplingDesignAdvice AdviseSamplingSites(const City& city,
                                         const std::vector<CandidateSite>& candidates,
                                         const SamplingDesignAdvisorOptions& options);

}  // namespace wbe
