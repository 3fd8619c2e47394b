// GET /api/v1/drugs: the catalogue's drugs as the pages list them (Chinese names, biomarkers,
// whether consumption can be estimated) and which ones the store has district estimates for.
// Cheap on purpose: the pages' drug pickers must not wait for the weekly report.

#include <set>
#include <string>

#include "models/alerts/site_screen.h"
#include "pipeline/server/api_routes.h"

namespace wbe {
namespace {

void GetDrugs(ApiExchange& exchange, const ServerContext& context) {
  const DrugCatalogue& catalogue = context.service->catalogue();
  const auto view = context.service->View();
  std::set<std::string> estimated;
  if (view->districts) {
    for (const DistrictEstimate& e : view->districts->weekly) estimated.insert(e.drug);
  }
  nlohmann::json drugs = nlohmann::json::array();
  for (const Drug& drug : catalogue.drugs()) {
    nlohmann::json biomarkers = nlohmann::json::array();
    for (const ExcretionRoute& route : drug.routes) biomarkers.push_back(route.biomarker);
    const ExcretionRoute& preferred = drug.PreferredRoute();
    drugs.push_back({{"name", drug.name},
                     {"name_zh", ChineseName(drug.name, drug.aliases)},
                     {"kind", drug.kind},
                     {"preferred_biomarker", preferred.biomarker},
                     {"biomarkers", biomarkers},
                     // Without an excretion fraction only the biomarker's load is estimated.
                     {"consumption_estimated", preferred.excretion_fraction.known()},
                     {"district_estimates", estimated.count(drug.name) > 0}});
  }
  exchange.SendJson(200, {{"catalogue_version", catalogue.version()}, {"drugs", drugs}});
}

}  // namespace

void AddDrugRoutes(RouteTable* routes, const ServerContext* context) {
  routes->Add(
      {"GET", "/api/v1/drugs", false, {Role::kLab, Role::kAnalyst}, [context](ApiExchange& e) {
         GetDrugs(e, *context);
       }});
}

}  // namespace wbe
