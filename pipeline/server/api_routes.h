#pragma once

#include "pipeline/server/request_body.h"
#include "pipeline/server/route_table.h"
#include "pipeline/server/server_context.h"

namespace wbe {

// The endpoints of /api/v1, one group per file (data-schemas/openapi.json documents them).
void AddSystemRoutes(RouteTable* routes, const ServerContext* context);  // health, ready, jobs
void AddBatchRoutes(RouteTable* routes, const ServerContext* context);   // lab batches
void AddCityRoutes(RouteTable* routes, const ServerContext* context);    // city, sites, network
void AddFlowRoutes(RouteTable* routes, const ServerContext* context);    // daily flows
void AddQueryRoutes(RouteTable* routes, const ServerContext* context);   // measurements, estimates
void AddAdminRoutes(RouteTable* routes, const ServerContext* context);   // tokens, audit, methods
void AddReportRoutes(RouteTable* routes, const ServerContext* context);  // alerts, forecasts
void AddSeriesRoutes(RouteTable* routes, const ServerContext* context);  // estimates as columns
void AddDrugRoutes(RouteTable* routes, const ServerContext* context);    // the catalogue's drugs

RouteTable BuildApiRoutes(const ServerContext* context);

// "1-200 printable ASCII characters", the rule for Idempotency-Key; 422 otherwise.
std::optional<std::string> IdempotencyKeyOf(const ApiExchange& exchange);

}  // namespace wbe
