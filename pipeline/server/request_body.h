#pragma once

#include <string>

#include "pipeline/server/api_exchange.h"
#include "pipeline/server/server_context.h"
#include "pipeline/server/upload_spool.h"

namespace wbe {

// The request body spooled to disk under the server's limits (413 past max_body_bytes, 408 when
// it stalls or takes longer than request_timeout_s), and marked as read.
SpooledFile SpoolRequest(ApiExchange& exchange, const ServerContext& context);

// The same, as text (bodies of PUTs and small POSTs).
std::string RequestBodyText(ApiExchange& exchange, const ServerContext& context);

}  // namespace wbe
