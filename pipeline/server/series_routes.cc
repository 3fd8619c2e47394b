// GET /api/v1/series: the district estimates of one drug as columns (one array per group and
// statistic over a shared list of dates). A year of daily estimates for 30 groups is about
// 0.5 MB this way, against 10 MB as /estimates rows: what a chart of every district needs.

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "models/core/civil_day.h"
#include "models/core/json_number.h"
#include "models/core/string_lists.h"
#include "pipeline/server/api_json.h"
#include "pipeline/server/api_routes.h"

namespace wbe {
namespace {

struct SeriesMeasure {
  const char* name;
  const char* unit;
  UncertainValue DistrictEstimate::*value;
};

const SeriesMeasure kMeasures[] = {
    {"consumption_mg_per_day_per_1000", "mg/day/1000 inhabitants",
     &DistrictEstimate::consumption_mg_per_day_per_1000},
    {"consumption_mg_per_day", "mg/day", &DistrictEstimate::consumption_mg_per_day},
    {"mass_mg_per_day", "mg/day", &DistrictEstimate::mass_mg_per_day},
    {"users", "users", &DistrictEstimate::users},
};

const SeriesMeasure& MeasureNamed(const std::string& name) {
  std::string known;
  for (const SeriesMeasure& m : kMeasures) {
    if (name == m.name) return m;
    known += (known.empty() ? "" : ", ") + std::string(m.name);
  }
  throw HttpError(422, "measure must be one of " + known + "; got '" + name + "'");
}

void GetSeries(ApiExchange& exchange, const ServerContext& context) {
  const auto view = context.service->View();
  const std::optional<std::string> drug = exchange.Query("drug");
  if (!drug || drug->empty()) throw HttpError(422, "drug is required, e.g. ?drug=methamphetamine");
  const std::string period = exchange.Query("period").value_or("day");
  if (period != "day" && period != "week") {
    throw HttpError(422, "period must be 'day' or 'week', got '" + period + "'");
  }
  const SeriesMeasure& measure =
      MeasureNamed(exchange.Query("measure").value_or(kMeasures[0].name));
  const std::optional<DayIndex> from = exchange.QueryDay("from");
  const std::optional<DayIndex> to = exchange.QueryDay("to");
  static const DistrictEstimateTables kNone;
  const DistrictEstimateTables& tables = view->districts ? *view->districts : kNone;

  std::vector<const DistrictEstimate*> rows;
  std::set<DayIndex> days;
  for (const DistrictEstimate& e : period == "day" ? tables.daily : tables.weekly) {
    if (e.drug != *drug) continue;
    if ((from && e.start_day + e.days - 1 < *from) || (to && e.start_day > *to)) continue;
    rows.push_back(&e);
    days.insert(e.start_day);
  }
  const std::vector<DayIndex> day_list(days.begin(), days.end());
  const auto column_of = [&day_list](DayIndex day) {
    return std::lower_bound(day_list.begin(), day_list.end(), day) - day_list.begin();
  };

  struct Columns {
    const DistrictEstimate* first = nullptr;
    nlohmann::json median, p05, p95;
    std::set<std::string> batch_ids;
  };
  std::map<std::string, Columns> by_group;
  for (const DistrictEstimate* e : rows) {
    Columns& c = by_group[e->group_id];
    if (c.first == nullptr) {
      c.first = e;
      for (nlohmann::json* column : {&c.median, &c.p05, &c.p95}) {
        *column = nlohmann::json::array();
        column->get_ref<nlohmann::json::array_t&>().assign(day_list.size(), nullptr);
      }
    }
    const UncertainValue& v = e->*(measure.value);
    const auto at = column_of(e->start_day);
    c.median[at] = NumberOrNull(v.has_interval() ? v.median : v.point);
    c.p05[at] = NumberOrNull(v.p05);
    c.p95[at] = NumberOrNull(v.p95);
    for (std::string& id : SplitStrings(e->batch_ids, ',')) {
      if (!id.empty()) c.batch_ids.insert(std::move(id));
    }
  }

  nlohmann::json dates = nlohmann::json::array();
  for (const DayIndex day : day_list) dates.push_back(FormatIsoDate(day));
  nlohmann::json groups = nlohmann::json::array();
  for (auto& [group_id, c] : by_group) {
    groups.push_back({{"group_id", group_id},
                      {"districts", SplitStrings(c.first->district_ids, ',')},
                      {"resolved", c.first->resolved},
                      {"population", c.first->population},
                      {"biomarker", c.first->biomarker},
                      {"median", std::move(c.median)},
                      {"p05", std::move(c.p05)},
                      {"p95", std::move(c.p95)},
                      {"provenance",
                       {{"batch_ids", c.batch_ids},
                        {"catalogue_version", c.first->catalogue_version},
                        {"draws", c.first->draws},
                        {"seed", c.first->seed}}}});
  }
  exchange.SendJson(200, {{"level", "district"},
                          {"period", period},
                          {"drug", *drug},
                          {"measure", measure.name},
                          {"unit", measure.unit},
                          {"dates", dates},
                          {"groups", groups}});
}

}  // namespace

void AddSeriesRoutes(RouteTable* routes, const ServerContext* context) {
  routes->Add({"GET", "/api/v1/series", false, {Role::kAnalyst}, [context](ApiExchange& e) {
                 GetSeries(e, *context);
               }});
}

}  // namespace wbe
