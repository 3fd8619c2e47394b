#pragma once

#include <memory>
#include <optional>
#include <string>

#include "pipeline/audit/audit_log.h"
#include "pipeline/auth/api_token_store.h"
#include "pipeline/server/access_log.h"
#include "pipeline/server/dashboard_files.h"
#include "pipeline/server/server_options.h"
#include "pipeline/service/data_service.h"

namespace wbe {

class ReportCache;

// What the request handlers share. Owned by WbeHttpServer; the pointers outlive it.
struct ServerContext {
  ServerOptions options;
  DataService* service = nullptr;
  ApiTokenStore* tokens = nullptr;
  AuditLog* audit = nullptr;
  AccessLog* access_log = nullptr;
  std::string openapi_json;  // served at /api/v1/openapi.json
  std::string spool_dir;     // DATA_DIR/tmp/uploads: request bodies while they are read
  std::optional<DashboardFiles> dashboard;  // the pages at /app/
  std::shared_ptr<ReportCache> reports;     // weekly reports by week and snapshot
};

}  // namespace wbe
