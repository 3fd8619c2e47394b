// The weekly screening over HTTP: alerts, forecasts and whole reports, computed from the current
// snapshot with the functions `wbe alerts` uses (ScreenStoreWeek, AlertsCsv,
// RenderAlertReportHtml), so the API and the command line give the same report.

#include <memory>

#include "pipeline/server/api_routes.h"
#include "pipeline/server/report_cache.h"

namespace wbe {
namespace {

IsoWeek ParseWeek(const std::string& text, const std::string& where) {
  try {
    return ParseIsoWeek(text);
  } catch (const std::exception& e) {
    const std::string message = where + ": " + e.what() + " (expected an ISO week like 2026-W48)";
    throw HttpError(422, message,
                    nlohmann::json::array({ProblemEntry("query", 0, where, message)}));
  }
}

std::optional<IsoWeek> QueryWeek(const ApiExchange& exchange) {
  const std::optional<std::string> week = exchange.Query("week");
  if (!week || week->empty()) return std::nullopt;  // the last complete week in the data
  return ParseWeek(*week, "week");
}

nlohmann::json WeekHeader(const nlohmann::json& report) {
  return {{"week", report.at("week")},
          {"monday", report.at("monday")},
          {"sunday", report.at("sunday")}};
}

// The group id itself, or one of the districts in it (district_ids is "D,E").
bool SeriesMatchesGroup(const nlohmann::json& series, const std::string& group) {
  if (series.value("group_id", "") == group) return true;
  const nlohmann::json& ids =
      series.contains("district_ids") ? series.at("district_ids") : nlohmann::json();
  if (!ids.is_string()) return false;
  return ("," + ids.get<std::string>() + ",").find("," + group + ",") != std::string::npos;
}

void GetAlerts(ApiExchange& exchange, ReportCache& cache) {
  const std::shared_ptr<const RenderedReport> rendered = cache.Get(QueryWeek(exchange));
  nlohmann::json body = WeekHeader(rendered->json);
  for (const char* part : {"summary", "ranking", "alerts"}) body[part] = rendered->json.at(part);
  exchange.SendJson(200, body);
}

void GetForecasts(ApiExchange& exchange, ReportCache& cache) {
  const std::optional<std::string> group = exchange.Query("group");
  const std::optional<std::string> drug = exchange.Query("drug");
  const std::shared_ptr<const RenderedReport> rendered = cache.Get(QueryWeek(exchange));
  const nlohmann::json& report = rendered->json;
  const auto selected = [&](const nlohmann::json& item) {
    return (!drug || item.value("drug", "") == *drug) &&
           (!group || SeriesMatchesGroup(item, *group));
  };
  nlohmann::json series = nlohmann::json::array();
  for (const nlohmann::json& item : report.at("series")) {
    if (selected(item)) series.push_back(item);
  }
  nlohmann::json skipped = nlohmann::json::array();
  for (const nlohmann::json& item : report.at("skipped")) {
    if (selected(item)) skipped.push_back(item);
  }
  if (group && series.empty() && skipped.empty()) {
    bool known = false;
    for (const nlohmann::json& item : report.at("series"))
      known |= SeriesMatchesGroup(item, *group);
    for (const nlohmann::json& item : report.at("skipped"))
      known |= SeriesMatchesGroup(item, *group);
    if (!known) throw HttpError(404, "no district or district group '" + *group + "' was screened");
  }
  nlohmann::json body = WeekHeader(report);
  body["series"] = std::move(series);
  body["skipped"] = std::move(skipped);
  exchange.SendJson(200, body);
}

void GetReport(ApiExchange& exchange, ReportCache& cache) {
  const IsoWeek week = ParseWeek(exchange.PathParam("week"), "week");
  std::string format = exchange.Query("format").value_or("");
  if (format.empty()) format = exchange.WantsCsv() ? "csv" : "json";
  if (format != "json" && format != "csv" && format != "html") {
    throw HttpError(422, "format must be 'json', 'csv' or 'html', got '" + format + "'");
  }
  const std::shared_ptr<const RenderedReport> rendered = cache.Get(week);
  if (format == "csv") {
    exchange.SendBytes(200, "text/csv; charset=utf-8", rendered->alerts_csv);
  } else if (format == "html") {
    exchange.SendBytes(200, "text/html; charset=utf-8", rendered->html);
  } else {
    exchange.SendBytes(200, "application/json; charset=utf-8", rendered->json_text);
  }
}

}  // namespace

void AddReportRoutes(RouteTable* routes, const ServerContext* context) {
  // Shared by the three routes and the server's warming thread.
  std::shared_ptr<ReportCache> cache = context->reports;
  routes->Add({"GET", "/api/v1/alerts", false, {Role::kAnalyst}, [cache](ApiExchange& e) {
                 GetAlerts(e, *cache);
               }});
  routes->Add({"GET", "/api/v1/forecasts", false, {Role::kAnalyst}, [cache](ApiExchange& e) {
                 GetForecasts(e, *cache);
               }});
  routes->Add({"GET", "/api/v1/reports/{week}", false, {Role::kAnalyst}, [cache](ApiExchange& e) {
                 GetReport(e, *cache);
               }});
}

}  // namespace wbe
