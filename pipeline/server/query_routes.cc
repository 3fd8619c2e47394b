#include <algorithm>
#include <initializer_list>
#include <map>
#include <set>
#include <tuple>

#include "pipeline/export/estimate_json.h"
#include "pipeline/server/api_json.h"
#include "pipeline/server/api_routes.h"

namespace wbe {
namespace {

void GetMeasurements(ApiExchange& exchange, const ServerContext& context) {
  const auto view = context.service->View();
  const std::optional<std::string> site = exchange.Query("site");
  const std::optional<std::string> analyte = exchange.Query("analyte");
  const std::optional<DayIndex> from = exchange.QueryDay("from");
  const std::optional<DayIndex> to = exchange.QueryDay("to");
  // A lab sees the results of its own batches only.
  std::optional<std::set<std::string>> own_batches;
  const Principal& caller = exchange.Caller();
  if (caller.role == Role::kLab) {
    own_batches.emplace();
    for (const ManifestEntry& entry : *context.service->Entries()) {
      if (entry.kind == UploadKind::kLabBatch && entry.uploader == caller.name) {
        own_batches->insert(BatchVersionId(entry.batch_id, entry.version));
      }
    }
  }
  std::vector<const Measurement*> selected;
  view->ForEachMeasurement([&](const Measurement& m) {
    if (site && m.site_id != *site) return;
    if (analyte && m.analyte != *analyte) return;
    if ((from && m.day < *from) || (to && m.day > *to)) return;
    if (own_batches && !own_batches->count(m.batch_id)) return;
    selected.push_back(&m);
  });
  std::sort(selected.begin(), selected.end(), [](const Measurement* a, const Measurement* b) {
    return std::tie(a->site_id, a->analyte, a->day, a->batch_id) <
           std::tie(b->site_id, b->analyte, b->day, b->batch_id);
  });
  nlohmann::json rows = nlohmann::json::array();
  for (const Measurement* m : selected) rows.push_back(MeasurementJson(*m));
  if (exchange.WantsCsv()) {
    exchange.SendBytes(200, "text/csv; charset=utf-8",
                       JsonRowsToCsv({"site_id", "date", "analyte", "concentration_ng_per_l",
                                      "censored", "loq_ng_per_l", "batch_id", "qc_flags"},
                                     rows));
    return;
  }
  exchange.SendJson(200, {{"measurements", rows}});
}

// CSV columns of an estimate row: the leading fields, each uncertain value's point, median,
// p05 and p95, then the provenance and the note.
std::vector<std::string> EstimateCsvColumns(std::vector<std::string> leading,
                                            std::initializer_list<const char*> values) {
  for (const char* value : values) {
    for (const char* part : {"point", "median", "p05", "p95"}) {
      leading.push_back(std::string(value) + "." + part);
    }
  }
  for (const char* part : {"batch_ids", "catalogue_version", "draws", "seed"}) {
    leading.push_back(std::string("provenance.") + part);
  }
  leading.push_back("note");
  return leading;
}

// The network inversion's estimates per district group: ?period=day|week, with the groups
// and flags that explain them.
void GetDistrictEstimates(ApiExchange& exchange, const ServerContext& context) {
  const auto view = context.service->View();
  const std::optional<std::string> district = exchange.Query("district");
  const std::optional<std::string> drug = exchange.Query("drug");
  const std::optional<DayIndex> from = exchange.QueryDay("from");
  const std::optional<DayIndex> to = exchange.QueryDay("to");
  const std::string period = exchange.Query("period").value_or("day");
  if (period != "day" && period != "week") {
    throw HttpError(422, "period must be 'day' or 'week', got '" + period + "'");
  }
  if (district && view->city->FindDistrict(*district) == nullptr) {
    throw HttpError(404, "no district '" + *district + "' in the city");
  }
  static const DistrictEstimateTables kNone;
  const DistrictEstimateTables& tables = view->districts ? *view->districts : kNone;
  const auto has_member = [](const std::string& ids, const std::string& id) {
    return ("," + ids + ",").find("," + id + ",") != std::string::npos;
  };
  nlohmann::json rows = nlohmann::json::array();
  for (const DistrictEstimate& e : period == "day" ? tables.daily : tables.weekly) {
    if (drug && e.drug != *drug) continue;
    if (district && !has_member(e.district_ids, *district)) continue;
    if ((from && e.start_day + e.days - 1 < *from) || (to && e.start_day > *to)) continue;
    rows.push_back(DistrictEstimateToJson(e));
  }
  if (exchange.WantsCsv()) {
    const std::vector<std::string> columns = EstimateCsvColumns(
        {"group_id", "resolved", "drug", "biomarker", "start_date", "days", "population",
         "observations", "flagged_observations"},
        {"mass_mg_per_day", "consumption_mg_per_day", "consumption_mg_per_day_per_1000", "users"});
    exchange.SendBytes(200, "text/csv; charset=utf-8", JsonRowsToCsv(columns, rows));
    return;
  }
  nlohmann::json groups = nlohmann::json::array();
  for (const DistrictGroup& g : tables.groups) groups.push_back(DistrictGroupToJson(g));
  nlohmann::json flags = nlohmann::json::array();
  for (const EstimateFlag& f : tables.flags) {
    if (drug && f.drug != *drug) continue;
    if ((from && f.day < *from) || (to && f.day > *to)) continue;
    flags.push_back(EstimateFlagToJson(f));
  }
  exchange.SendJson(200, {{"level", "district"},
                          {"period", period},
                          {"groups", groups},
                          {"estimates", rows},
                          {"flags", flags}});
}

void GetEstimates(ApiExchange& exchange, const ServerContext& context) {
  const std::string level = exchange.Query("level").value_or("site");
  if (level == "district") return GetDistrictEstimates(exchange, context);
  if (level != "site")
    throw HttpError(422, "level must be 'site' or 'district', got '" + level + "'");
  const auto view = context.service->View();
  const std::optional<std::string> site = exchange.Query("site");
  const std::optional<std::string> district = exchange.Query("district");
  const std::optional<std::string> drug = exchange.Query("drug");
  const std::optional<DayIndex> from = exchange.QueryDay("from");
  const std::optional<DayIndex> to = exchange.QueryDay("to");
  const City& city = *view->city;
  if (district && city.FindDistrict(*district) == nullptr) {
    throw HttpError(404, "no district '" + *district + "' in the city");
  }
  std::map<std::string, std::vector<std::string>> districts_of_site;
  for (const SamplingSite& s : city.sites) {
    std::vector<std::string>& ids = districts_of_site[s.id];
    for (const DistrictPath& path : city.UpstreamDistricts(s.id)) {
      ids.push_back(city.districts[path.district_index].id);
    }
  }
  std::vector<const SiteDayEstimate*> selected;
  for (const auto& [site_id, rows] : view->estimates_by_site) {
    if (site && site_id != *site) continue;
    const std::vector<std::string>& districts = districts_of_site[site_id];
    if (district && std::find(districts.begin(), districts.end(), *district) == districts.end()) {
      continue;
    }
    for (const SiteDayEstimate& e : *rows) {
      if (drug && e.drug != *drug) continue;
      if ((from && e.day < *from) || (to && e.day > *to)) continue;
      selected.push_back(&e);
    }
  }
  std::sort(selected.begin(), selected.end(),
            [](const SiteDayEstimate* a, const SiteDayEstimate* b) {
              return std::tie(a->site_id, a->drug, a->biomarker, a->day) <
                     std::tie(b->site_id, b->drug, b->biomarker, b->day);
            });
  nlohmann::json rows = nlohmann::json::array();
  for (const SiteDayEstimate* e : selected) {
    rows.push_back(SiteEstimateJson(*e, districts_of_site[e->site_id]));
  }
  if (exchange.WantsCsv()) {
    const std::vector<std::string> columns = EstimateCsvColumns(
        {"site_id", "date", "drug", "biomarker", "censored", "population", "districts"},
        {"load_mg_per_day", "normalised_load_mg_per_day_per_1000",
         "consumption_mg_per_day_per_1000", "doses_per_day_per_1000", "users_per_1000"});
    exchange.SendBytes(200, "text/csv; charset=utf-8", JsonRowsToCsv(columns, rows));
    return;
  }
  exchange.SendJson(200, {{"level", "site"}, {"estimates", rows}});
}

}  // namespace

void AddQueryRoutes(RouteTable* routes, const ServerContext* context) {
  routes->Add({"GET",
               "/api/v1/measurements",
               false,
               {Role::kLab, Role::kAnalyst},
               [context](ApiExchange& e) { GetMeasurements(e, *context); }});
  routes->Add({"GET", "/api/v1/estimates", false, {Role::kAnalyst}, [context](ApiExchange& e) {
                 GetEstimates(e, *context);
               }});
}

}  // namespace wbe
