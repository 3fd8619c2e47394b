#include "pipeline/cli/advise_sites_command.h"

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/catalogue/drug_catalogue.h"
#include "models/city/city_io.h"
#include "models/network/sampling_design_advisor.h"
#include "pipeline/cli/number_validators.h"
#include "pipeline/ingest/candidate_sites_parser.h"
#include "pipeline/store/hdf5_store.h"

namespace wbe::cli {
namespace {

nlohmann::json GroupsJson(const std::vector<DistrictGroup>& groups) {
  nlohmann::json array = nlohmann::json::array();
  for (const DistrictGroup& group : groups) {
    array.push_back({{"district_ids", group.district_ids},
                     {"site_ids", group.site_ids},
                     {"resolved", group.resolved},
                     {"unobserved", group.unobserved}});
  }
  return array;
}

nlohmann::json ScoreJson(const SamplingDesignScore& score) {
  return {{"total_posterior_variance_log2", score.total_posterior_variance_log2},
          {"mean_posterior_sd_log", score.mean_posterior_sd_log}};
}

nlohmann::json AdviceJson(const SamplingDesignAdvice& advice, const City& city,
                          const std::string& drug, const std::string& biomarker,
                          const SamplingDesignAdvisorOptions& options) {
  nlohmann::json picks = nlohmann::json::array();
  for (size_t i = 0; i < advice.picks.size(); ++i) {
    const SitePick& pick = advice.picks[i];
    picks.push_back({{"rank", i + 1},
                     {"site_id", pick.site_id},
                     {"node", pick.node},
                     {"name", pick.name},
                     {"candidates_row", pick.candidates_row},
                     {"score_before_log2", pick.score_before_log2},
                     {"score_after_log2", pick.score_after_log2},
                     {"variance_reduction_log2", pick.variance_reduction_log2},
                     {"variance_reduction_percent", pick.variance_reduction_percent},
                     {"mean_posterior_sd_after_log", pick.mean_posterior_sd_after_log},
                     {"newly_resolved_district_ids", pick.newly_resolved_district_ids},
                     {"groups_after", GroupsJson(pick.groups_after)}});
  }
  nlohmann::json first_round = nlohmann::json::array();
  for (const CandidateGain& gain : advice.first_round) {
    first_round.push_back({{"site_id", gain.site_id},
                           {"node", gain.node},
                           {"score_after_log2", gain.score_after_log2},
                           {"variance_reduction_log2", gain.variance_reduction_log2},
                           {"variance_reduction_percent", gain.variance_reduction_percent}});
  }
  nlohmann::json districts = nlohmann::json::array();
  for (size_t d = 0; d < city.districts.size(); ++d) {
    districts.push_back(
        {{"district_id", city.districts[d].id},
         {"posterior_variance_before_log2", advice.score_before.posterior_variance_log2.at(d)},
         {"posterior_variance_after_log2", advice.score_after.posterior_variance_log2.at(d)}});
  }
  return {{"city", city.name},
          {"drug", drug},
          {"biomarker", biomarker},
          {"current_site_ids", advice.current_site_ids},
          {"score_before", ScoreJson(advice.score_before)},
          {"score_after", ScoreJson(advice.score_after)},
          {"picks", picks},
          {"stop_reason", advice.stop_reason},
          {"first_round", first_round},
          {"districts", districts},
          {"groups_before", GroupsJson(advice.groups_before)},
          {"groups_after", GroupsJson(advice.groups_after)},
          {"options",
           {{"max_sites", options.max_sites},
            {"days_per_week", options.days_per_week},
            {"observation_log_sigma", options.observation_log_sigma},
            {"per_capita_log_mg_per_person_per_day", options.per_capita_log_mg_per_person_per_day},
            {"prior_log_sigma", options.prior_log_sigma},
            {"min_score_reduction_log2", options.min_score_reduction_log2}}}};
}

}  // namespace

void RegisterAdviseSitesCommand(CLI::App& app) {
  struct Args {
    std::string store_path;
    std::string city_path;
    std::string candidates_path;
    std::string drug = "methamphetamine";
    std::string catalogue_path;
    SamplingDesignAdvisorOptions options;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "advise-sites",
      "Advise where to sample next: rank candidate manholes greedily by how much each shrinks "
      "the posterior variance of the districts' estimates (a linearised network inversion, "
      "score = sum over districts of the variance of log mass), and show which districts the "
      "sampling design can tell apart before and after");
  CLI::Option_group* source =
      cmd->add_option_group("city", "Where the city (districts, sewer network, sites) comes from");
  source->add_option("--store", args->store_path, "HDF5 store (e.g. from wbe simulate or ingest)")
      ->check(CLI::ExistingFile);
  source
      ->add_option("--city", args->city_path,
                   "City JSON (data-schemas/city.schema.json, e.g. "
                   "models/simulation/demo_city.json)")
      ->check(CLI::ExistingFile);
  source->require_option(1);
  cmd->add_option("--candidates", args->candidates_path,
                  "Candidate manholes: CSV with header id,node[,name] or a JSON array of "
                  "{\"id\", \"node\", \"name\"}")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--max-sites", args->options.max_sites, "Sites to add at most")
      ->check(NumberInRange(1, 1000));
  cmd->add_option("--days-per-week", args->options.days_per_week, "Sampled days per site and week")
      ->check(NumberInRange(1, 7));
  cmd->add_option("--drug", args->drug,
                  "Drug whose preferred biomarker's in-sewer decay weights the routes");
  cmd->add_option("--catalogue", args->catalogue_path, "Drug catalogue JSON")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--json", args->json,
                "Print one JSON object: picks, first_round, groups_before, groups_after, scores");
  cmd->callback([args] {
    const DrugCatalogue catalogue = args->catalogue_path.empty()
                                        ? DrugCatalogue::LoadDefault()
                                        : DrugCatalogue::LoadFromFile(args->catalogue_path);
    const Drug& drug = catalogue.GetDrug(args->drug);
    const Biomarker& biomarker = catalogue.GetBiomarker(drug.PreferredRoute().biomarker);
    args->options.stability = biomarker.stability;
    const City city = args->store_path.empty() ? LoadCityFromFile(args->city_path)
                                               : Hdf5Store::Read(args->store_path).city;
    const std::vector<CandidateSite> candidates = LoadCandidateSitesFile(args->candidates_path);
    const SamplingDesignAdvice advice = AdviseSamplingSites(city, candidates, args->options);
    if (args->json) {
      std::cout << AdviceJson(advice, city, drug.name, biomarker.name, args->options).dump(2)
                << "\n";
      return;
    }
    std::printf(
        "%s: %zu candidates from %s; routes weighted by the in-sewer survival of %s, the "
        "preferred biomarker of %s\n",
        city.name.c_str(), candidates.size(), args->candidates_path.c_str(), biomarker.name.c_str(),
        drug.name.c_str());
    std::printf("%s", advice.BriefReport().c_str());
  });
}

}  // namespace wbe::cli
