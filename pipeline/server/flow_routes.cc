#include <chrono>

#include "pipeline/server/api_json.h"
#include "pipeline/server/api_routes.h"
#include "pipeline/server/upload_spool.h"

namespace wbe {
namespace {

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

void PostFlows(ApiExchange& exchange, const ServerContext& context) {
  const std::optional<std::string> idempotency_key = IdempotencyKeyOf(exchange);
  const std::string content_type = exchange.request().getContentType();
  std::string format;
  if (StartsWith(content_type, "text/csv") || StartsWith(content_type, "text/plain")) {
    format = "flows_csv";
  } else if (StartsWith(content_type, "application/json")) {
    format = "flows_json";
  } else {
    throw HttpError(415,
                    "send flows as text/csv (data-schemas/csv-formats.md) or "
                    "application/json ({\"flows\": [...]}), not '" +
                        content_type + "'");
  }
  const SpooledFile body = SpoolRequest(exchange, context);
  const std::string source_name = SafeFileName(exchange.Query("filename").value_or(""),
                                               format == "flows_csv" ? "flows.csv" : "flows.json");
  const UploadOutcome outcome = context.service->UploadFlows(
      body.path(), source_name, format, exchange.Caller().name, idempotency_key);
  exchange.audit_target = source_name;
  exchange.audit_outcome = outcome.created ? "created" : "unchanged";
  nlohmann::json reply = {{"sha256", outcome.entry.sha256},
                          {"source_name", outcome.entry.source_name},
                          {"version", outcome.entry.version},
                          {"records", outcome.records},
                          {"already_ingested", !outcome.created}};
  if (outcome.job_id) {
    reply["job"] = {{"id", *outcome.job_id}, {"url", "/api/v1/jobs/" + *outcome.job_id}};
  }
  exchange.SendJson(outcome.created ? 201 : 200, reply);
}

void GetFlows(ApiExchange& exchange, const ServerContext& context) {
  const auto view = context.service->View();
  const std::optional<std::string> site = exchange.Query("site");
  const std::optional<DayIndex> from = exchange.QueryDay("from");
  const std::optional<DayIndex> to = exchange.QueryDay("to");
  nlohmann::json rows = nlohmann::json::array();
  for (const FlowRecord& flow : *view->flows) {
    if (site && flow.site_id != *site) continue;
    if ((from && flow.day < *from) || (to && flow.day > *to)) continue;
    rows.push_back(FlowJson(flow));
  }
  if (exchange.WantsCsv()) {
    exchange.SendBytes(200, "text/csv; charset=utf-8",
                       JsonRowsToCsv({"site_id", "date", "flow_m3_per_day", "rain_mm",
                                      "cod_mg_per_l", "nh4_n_mg_per_l"},
                                     rows));
    return;
  }
  exchange.SendJson(200, {{"flows", rows}});
}

}  // namespace

void AddFlowRoutes(RouteTable* routes, const ServerContext* context) {
  routes->Add({"POST", "/api/v1/flows", false, {Role::kLab}, [context](ApiExchange& e) {
                 PostFlows(e, *context);
               }});
  routes->Add(
      {"GET", "/api/v1/flows", false, {Role::kLab, Role::kAnalyst}, [context](ApiExchange& e) {
         GetFlows(e, *context);
       }});
}

}  // namespace wbe
