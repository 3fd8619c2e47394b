#include "pipeline/server/api_routes.h"

namespace wbe {

void AddSystemRoutes(RouteTable* routes, const ServerContext* context) {
  routes->Add({"GET", "/api/v1/health", true, {}, [](ApiExchange& e) {
                 e.SendJson(200, {{"status", "ok"}});
               }});
  routes->Add({"GET", "/api/v1/ready", true, {}, [context](ApiExchange& e) {
                 const ReadyState state = context->service->Ready();
                 nlohmann::json body = {{"ready", state.ready},
                                        {"manifest_seq", state.manifest_seq},
                                        {"store_seq", state.store_seq_on_disk},
                                        {"pending_jobs", state.pending_jobs}};
                 if (!state.ready) body["reason"] = state.reason;
                 e.SendJson(state.ready ? 200 : 503, body);
               }});
  routes->Add({"GET", "/api/v1/openapi.json", true, {}, [context](ApiExchange& e) {
                 e.SendBytes(200, "application/json; charset=utf-8", context->openapi_json);
               }});
  // Who the token belongs to: the dashboard signs in with it and shows what the role allows.
  routes->Add({"GET", "/api/v1/whoami", false, {Role::kLab, Role::kAnalyst}, [](ApiExchange& e) {
                 const Principal& caller = e.Caller();
                 e.SendJson(200, {{"name", caller.name}, {"role", RoleName(caller.role)}});
               }});
  routes->Add(
      {"GET", "/api/v1/jobs/{id}", false, {Role::kLab, Role::kAnalyst}, [context](ApiExchange& e) {
         const auto job = context->service->jobs().Find(e.PathParam("id"));
         if (!job) throw HttpError(404, "no job '" + e.PathParam("id") + "'");
         e.SendJson(200, job->ToJson());
       }});
}

RouteTable BuildApiRoutes(const ServerContext* context) {
  RouteTable routes;
  AddSystemRoutes(&routes, context);
  AddBatchRoutes(&routes, context);
  AddCityRoutes(&routes, context);
  AddFlowRoutes(&routes, context);
  AddQueryRoutes(&routes, context);
  AddAdminRoutes(&routes, context);
  AddReportRoutes(&routes, context);
  AddSeriesRoutes(&routes, context);
  AddDrugRoutes(&routes, context);
  return routes;
}

}  // namespace wbe
