#include "pipeline/server/request_body.h"

#include <chrono>

namespace wbe {

SpooledFile SpoolRequest(ApiExchange& exchange, const ServerContext& context) {
  SpoolLimits limits;
  limits.max_bytes = context.options.max_body_bytes;
  limits.deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(context.options.request_timeout_s);
  SpooledFile body = SpoolRequestBody(exchange.request(), context.spool_dir, limits);
  exchange.MarkBodyRead();
  return body;
}

std::string RequestBodyText(ApiExchange& exchange, const ServerContext& context) {
  return ReadSpooled(SpoolRequest(exchange, context));
}

}  // namespace wbe
