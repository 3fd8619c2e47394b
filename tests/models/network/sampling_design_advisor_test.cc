#include "models/network/sampling_design_advisor.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/city/city_io.h"
#include "models/core/data_paths.h"
#include "models/core/input_error.h"
#include "models/inversion/inversion_options.h"
#include "models/network/sewer_network.h"
#include "tests/models/network/demo_city_with_sites.h"

namespace wbe {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Ids = std::vector<std::string>;

CandidateSite Candidate(const std::string& id, const std::string& node, long row) {
  CandidateSite candidate;
  candidate.id = id;
  candidate.node = node;
  candidate.origin = "candidates.csv";
  candidate.row = row;
  return candidate;
}

// One manhole at every node of the demo network except the plant inlet's, in network order;
// ids are "C-" + node.
std::vector<CandidateSite> EveryNodeButTheInlet(const City& city) {
  std::vector<CandidateSite> candidates;
  for (const std::string& node : city.nodes) {
    if (node == "wwtp_inlet") continue;
    candidates.push_back(Candidate("C-" + node, node, static_cast<long>(candidates.size()) + 2));
  }
  return candidates;
}

double GainOf(const SamplingDesignAdvice& advice, const std::string& site_id) {
  for (const CandidateGain& gain : advice.first_round) {
    if (gain.site_id == site_id) return gain.variance_reduction_log2;
  }
  ADD_FAILURE() << "no first-round gain for " << site_id;
  return std::numeric_limits<double>::quiet_NaN();
}

TEST(SamplingDesignAdvisorTest, DefaultsAreTheInversionsPrior) {
  const SamplingDesignAdvisorOptions options;
  const InversionOptions inversion;
  EXPECT_EQ(options.observation_log_sigma, inversion.observation_log_sigma);
  EXPECT_EQ(options.per_capita_log_mg_per_person_per_day,
            inversion.per_capita_log_mg_per_person_per_day);
  EXPECT_EQ(options.prior_log_sigma, inversion.per_capita_log_sigma);
  EXPECT_EQ(options.max_sites, 3);
  EXPECT_EQ(options.days_per_week, 7);
  EXPECT_TRUE(options.Check());
}

TEST(SamplingDesignAdvisorTest, CheckRejectsBadOptions) {
  const auto refused = [](void (*change)(SamplingDesignAdvisorOptions&), const char* expected) {
    SamplingDesignAdvisorOptions options;
    change(options);
    std::string why;
    EXPECT_FALSE(options.Check(&why)) << expected;
    EXPECT_THAT(why, HasSubstr(expected));
    EXPECT_FALSE(options.Check());  // a null reason is fine
  };
  refused([](auto& o) { o.max_sites = 0; }, "max_sites");
  refused([](auto& o) { o.days_per_week = 0; }, "days_per_week");
  refused([](auto& o) { o.days_per_week = 8; }, "days_per_week");
  refused([](auto& o) { o.observation_log_sigma = 0.0; }, "observation_log_sigma");
  refused([](auto& o) { o.observation_log_sigma = std::nan(""); }, "observation_log_sigma");
  refused([](auto& o) { o.prior_log_sigma = -1.0; }, "prior_log_sigma");
  refused([](auto& o) { o.per_capita_log_mg_per_person_per_day = HUGE_VAL; }, "per_capita");
  refused([](auto& o) { o.min_score_reduction_log2 = -1e-3; }, "min_score_reduction");
  refused([](auto& o) { o.stability.rising_main_k_per_h = Quantity::Fixed(-0.1); }, "rate");

  SamplingDesignAdvisorOptions bad;
  bad.max_sites = 0;
  const City city = DemoCityWithSites({"WWTP-IN"});
  EXPECT_THROW(AdviseSamplingSites(city, EveryNodeButTheInlet(city), bad), std::invalid_argument);
  EXPECT_THROW(ScoreSamplingDesign(city, bad), std::invalid_argument);
}

// With one site the posterior has a closed form (Sherman-Morrison): the inlet's Jacobian row is
// the population shares s, so the trace is n p - p^2 a |s|^2 / (1 + p a |s|^2) with p the prior
// variance and a = days / sigma^2.
TEST(SamplingDesignAdvisorTest, OneSiteScoreMatchesTheClosedForm) {
  const City city = DemoCityWithSites({"WWTP-IN"});
  const SamplingDesignAdvisorOptions options;
  double total = 0.0;
  for (const District& district : city.districts) total += district.population;
  double shares2 = 0.0;
  for (const District& district : city.districts) {
    shares2 += (district.population / total) * (district.population / total);
  }
  const double p = options.prior_log_sigma * options.prior_log_sigma;
  const double a =
      options.days_per_week / (options.observation_log_sigma * options.observation_log_sigma);
  const double n = static_cast<double>(city.districts.size());
  const double expected = n * p - p * p * a * shares2 / (1.0 + p * a * shares2);
  const SamplingDesignScore score = ScoreSamplingDesign(city, options);
  EXPECT_NEAR(score.total_posterior_variance_log2, expected, 1e-9 * expected);
  ASSERT_EQ(score.posterior_variance_log2.size(), city.districts.size());
  // The biggest district carries most of the inlet's signal, so it is the best known.
  const auto g = 6;  // G, 148 000 people
  for (size_t d = 0; d < city.districts.size(); ++d) {
    EXPECT_LE(score.posterior_variance_log2[g], score.posterior_variance_log2[d]) << d;
  }
  EXPECT_GT(score.mean_posterior_sd_log, 2.5);  // hardly better than the prior's 3
}

// The demonstration: the plant inlet alone leaves one unresolved group of all eight
// districts; the manholes the advisor ranks first resolve them.
TEST(SamplingDesignAdvisorTest, GreedyPicksFromTheInletAloneResolveEveryDistrict) {
  const City city = DemoCityWithSites({"WWTP-IN"});
  const std::vector<DistrictGroup> before = IdentifiabilityGroups(SewerNetwork::Build(city));
  ASSERT_EQ(before.size(), 1u);
  EXPECT_THAT(before[0].district_ids, ElementsAre("A", "B", "C", "D", "E", "F", "G", "H"));
  EXPECT_FALSE(before[0].resolved);

  SamplingDesignAdvisorOptions options;
  options.max_sites = 7;  // eight unknowns, one site already
  const SamplingDesignAdvice advice =
      AdviseSamplingSites(city, EveryNodeButTheInlet(city), options);
  EXPECT_THAT(advice.current_site_ids, ElementsAre("WWTP-IN"));
  ASSERT_EQ(advice.groups_before.size(), 1u);
  EXPECT_EQ(advice.groups_before[0].district_ids.size(), 8u);
  ASSERT_EQ(advice.picks.size(), 7u) << advice.BriefReport();

  // The first pick lowers the score, and each pick starts where the one before ended.
  EXPECT_DOUBLE_EQ(advice.picks[0].score_before_log2,
                   advice.score_before.total_posterior_variance_log2);
  EXPECT_LT(advice.picks[0].score_after_log2, advice.picks[0].score_before_log2);
  EXPECT_DOUBLE_EQ(advice.picks[0].variance_reduction_log2,
                   advice.first_round[0].variance_reduction_log2);
  EXPECT_EQ(advice.picks[0].site_id, advice.first_round[0].site_id);
  for (size_t i = 0; i < advice.picks.size(); ++i) {
    const SitePick& pick = advice.picks[i];
    EXPECT_GT(pick.variance_reduction_log2, options.min_score_reduction_log2) << pick.site_id;
    EXPECT_NEAR(pick.variance_reduction_log2, pick.score_before_log2 - pick.score_after_log2,
                1e-12);
    if (i == 0) continue;
    EXPECT_DOUBLE_EQ(pick.score_before_log2, advice.picks[i - 1].score_after_log2);
    // Greedy on this design: every later pick gains no more than the one before it.
    EXPECT_LE(pick.variance_reduction_log2, advice.picks[i - 1].variance_reduction_log2)
        << advice.BriefReport();
  }
  // Each pick adds one independent sum of districts, worth about one prior variance (9).
  for (const SitePick& pick : advice.picks) {
    EXPECT_GT(pick.variance_reduction_log2, 8.0) << advice.BriefReport();
  }

  // Every district ends up resolved, and the picks say when each one was.
  ASSERT_EQ(advice.groups_after.size(), 8u) << advice.BriefReport();
  for (const DistrictGroup& group : advice.groups_after) {
    EXPECT_EQ(group.district_ids.size(), 1u);
    EXPECT_TRUE(group.resolved);
  }
  Ids newly_resolved;
  for (const SitePick& pick : advice.picks) {
    newly_resolved.insert(newly_resolved.end(), pick.newly_resolved_district_ids.begin(),
                          pick.newly_resolved_district_ids.end());
  }
  std::sort(newly_resolved.begin(), newly_resolved.end());
  EXPECT_THAT(newly_resolved, ElementsAre("A", "B", "C", "D", "E", "F", "G", "H"));
  EXPECT_EQ(advice.picks.back().groups_after.size(), 8u);
  EXPECT_LT(advice.score_after.mean_posterior_sd_log, 0.2);
  EXPECT_THAT(advice.stop_reason, HasSubstr("7"));

  // No node is picked twice over, and two nodes that see the same districts (out_A and mh_a;
  // j_de and ps_east) are never both picked: the second would add nothing.
  Ids nodes;
  for (const SitePick& pick : advice.picks) nodes.push_back(pick.node);
  const auto picked = [&](const char* node) {
    return std::find(nodes.begin(), nodes.end(), node) != nodes.end();
  };
  EXPECT_FALSE(picked("out_A") && picked("mh_a"));
  EXPECT_FALSE(picked("j_de") && picked("ps_east"));

  const std::string report = advice.BriefReport();
  EXPECT_THAT(report, HasSubstr(advice.picks[0].site_id));
  EXPECT_THAT(report, HasSubstr("before: identifiability: 8 districts, 0 resolved"));
  EXPECT_THAT(report, HasSubstr("after: identifiability: 8 districts, 8 resolved"));
  EXPECT_THAT(report, HasSubstr("posterior SD of log mass by district, now -> with the picks: A "));
  EXPECT_THAT(advice.district_ids, ElementsAre("A", "B", "C", "D", "E", "F", "G", "H"));
}

// A candidate that only sees what a sampled site already sees gains next to nothing on the first
// round, and the greedy picks every candidate that splits an unresolved group before it.
TEST(SamplingDesignAdvisorTest, RepeatsOfSeenDistrictsRankBelowEverySplit) {
  const City city = DemoCityWithSites({"WWTP-IN", "MH-N", "MH-AB", "MH-A", "MH-DE"});
  const std::vector<CandidateSite> candidates = {
      Candidate("REPEAT-A", "out_A", 2),     // A alone, as MH-A
      Candidate("REPEAT-DE", "ps_east", 3),  // D + E, as MH-DE
      Candidate("SPLIT-D", "out_D", 4),      // splits D + E
      Candidate("SPLIT-GH", "j_south", 5),   // splits F | G + H
      Candidate("SPLIT-H", "out_H", 6)};     // splits F + G | H
  const Ids splits = {"SPLIT-D", "SPLIT-GH", "SPLIT-H"};
  const Ids repeats = {"REPEAT-A", "REPEAT-DE"};
  SamplingDesignAdvisorOptions options;
  options.max_sites = 5;
  const SamplingDesignAdvice advice = AdviseSamplingSites(city, candidates, options);
  ASSERT_EQ(advice.first_round.size(), candidates.size());
  for (const std::string& split : splits) {
    for (const std::string& repeat : repeats) {
      EXPECT_GT(GainOf(advice, split), 100.0 * GainOf(advice, repeat)) << split << " " << repeat;
    }
    EXPECT_GT(GainOf(advice, split), 8.0) << split;
  }
  for (const std::string& repeat : repeats) {
    EXPECT_GE(GainOf(advice, repeat), 0.0) << repeat;  // more data never hurts
    EXPECT_LT(GainOf(advice, repeat), options.min_score_reduction_log2) << repeat;
  }
  ASSERT_GE(advice.picks.size(), 3u) << advice.BriefReport();
  Ids first_three;
  for (size_t i = 0; i < 3; ++i) first_three.push_back(advice.picks[i].site_id);
  std::sort(first_three.begin(), first_three.end());
  EXPECT_EQ(first_three, splits) << advice.BriefReport();
  for (size_t i = 3; i < advice.picks.size(); ++i) {
    EXPECT_LT(advice.picks[i].variance_reduction_log2, 0.1) << advice.BriefReport();
  }
  EXPECT_EQ(advice.picks[2].groups_after.size(), 8u) << advice.BriefReport();
  // SPLIT-D resolves D and E at once (E = MH-DE - SPLIT-D).
  for (const SitePick& pick : advice.picks) {
    if (pick.site_id == "SPLIT-D") {
      EXPECT_THAT(pick.newly_resolved_district_ids, ElementsAre("D", "E"));
    }
  }
  // With the three splits only, the advisor stops when nothing is left that helps.
  options.max_sites = 7;
  const SamplingDesignAdvice splits_only = AdviseSamplingSites(
      city, {candidates[0], candidates[2], candidates[3], candidates[4]}, options);
  EXPECT_EQ(splits_only.picks.size(), 3u) << splits_only.BriefReport();
  EXPECT_THAT(splits_only.stop_reason, HasSubstr("no remaining candidate"));
}

// The district that is left as a residual (the inlet minus every manhole) is known worst when
// it is small, so the greedy measures the small streets directly and leaves the largest, G, as
// the residual.
TEST(SamplingDesignAdvisorTest, TheLargestDistrictIsLeftAsTheResidual) {
  const City city = DemoCityWithSites({"WWTP-IN"});
  SamplingDesignAdvisorOptions options;
  options.max_sites = 7;
  const SamplingDesignAdvice advice =
      AdviseSamplingSites(city, EveryNodeButTheInlet(city), options);
  ASSERT_EQ(advice.picks.size(), 7u);
  for (const SitePick& pick : advice.picks) EXPECT_NE(pick.node, "out_G") << advice.BriefReport();
  EXPECT_THAT(advice.picks.back().newly_resolved_district_ids, ::testing::Contains("G"));
}

// In-sewer decay lowers a route's weight, so a site whose districts' signal decays on the way
// is worth less, never more.
TEST(SamplingDesignAdvisorTest, DecayOnTheRisingMainMakesTheInletLessInformative) {
  const City city = DemoCityWithSites({"WWTP-IN"});
  SamplingDesignAdvisorOptions stable;
  SamplingDesignAdvisorOptions decaying;
  decaying.stability.rising_main_k_per_h = Quantity::Fixed(0.5);  // D and E mostly lost
  const SamplingDesignScore with_decay = ScoreSamplingDesign(city, decaying);
  const SamplingDesignScore without = ScoreSamplingDesign(city, stable);
  // D (index 3) and E (4) reach the inlet through the rising main.
  EXPECT_GT(with_decay.posterior_variance_log2[3], without.posterior_variance_log2[3]);
  EXPECT_GT(with_decay.posterior_variance_log2[4], without.posterior_variance_log2[4]);
}

TEST(SamplingDesignAdvisorTest, NoCandidatesMeansNoPicks) {
  const City city = DemoCityWithSites({"WWTP-IN"});
  const SamplingDesignAdvice advice = AdviseSamplingSites(city, {}, SamplingDesignAdvisorOptions());
  EXPECT_TRUE(advice.picks.empty());
  EXPECT_TRUE(advice.first_round.empty());
  EXPECT_EQ(advice.stop_reason, "no candidates");
  EXPECT_DOUBLE_EQ(advice.score_after.total_posterior_variance_log2,
                   advice.score_before.total_posterior_variance_log2);
  EXPECT_THAT(advice.BriefReport(), HasSubstr("no site to add"));
}

TEST(SamplingDesignAdvisorTest, BadCandidatesAreRefusedNamingFileRowAndField) {
  const City city = DemoCityWithSites({"WWTP-IN", "MH-N"});
  const SamplingDesignAdvisorOptions options;
  const auto refusal = [&](const std::vector<CandidateSite>& candidates) -> InputError {
    try {
      AdviseSamplingSites(city, candidates, options);
    } catch (const InputError& e) {
      return e;
    }
    ADD_FAILURE() << "no InputError";
    return InputError("none");
  };
  {
    const InputError e =
        refusal({Candidate("OK", "j_south", 2), Candidate("LOST", "no_such_node", 3)});
    EXPECT_EQ(e.file(), "candidates.csv");
    EXPECT_EQ(e.row(), 3);
    EXPECT_EQ(e.field(), "node");
    EXPECT_THAT(e.what(), HasSubstr("no_such_node"));
    EXPECT_THAT(e.what(), HasSubstr("candidates.csv:3"));
  }
  {
    const InputError e = refusal({Candidate("X", "j_south", 2), Candidate("X", "out_G", 4)});
    EXPECT_EQ(e.row(), 4);
    EXPECT_EQ(e.field(), "id");
    EXPECT_THAT(e.what(), HasSubstr("listed twice (first on row 2)"));
  }
  {
    const InputError e = refusal({Candidate("MH-N", "j_south", 2)});
    EXPECT_EQ(e.row(), 2);
    EXPECT_EQ(e.field(), "id");
    EXPECT_THAT(e.what(), HasSubstr("already a sampling site"));
  }
  {
    const InputError e = refusal({Candidate("", "j_south", 5)});
    EXPECT_EQ(e.row(), 5);
    EXPECT_EQ(e.field(), "id");
  }
  {
    const InputError e = refusal({Candidate("AGAIN", "j_north", 2)});
    EXPECT_EQ(e.field(), "node");
    EXPECT_THAT(e.what(), HasSubstr("node 'j_north' is already sampled (site 'MH-N')"));
  }
  {
    const InputError e = refusal({Candidate("S1", "j_south", 2), Candidate("S2", "j_south", 3)});
    EXPECT_EQ(e.row(), 3);
    EXPECT_EQ(e.field(), "node");
    EXPECT_THAT(e.what(), HasSubstr("also candidate 'S1' (row 2)"));
  }
  // A node nothing drains to: add a dangling node to the network.
  City dangling = city;
  dangling.nodes.push_back("spur");
  dangling.edges.push_back({"spur", "j_south", 1.0, SewerType::kGravity});
  try {
    AdviseSamplingSites(dangling, {Candidate("SPUR", "spur", 2)}, options);
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "node");
    EXPECT_THAT(e.what(), HasSubstr("no district drains to node 'spur'"));
  }
}

}  // namespace
}  // namespace wbe
