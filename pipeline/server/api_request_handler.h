#pragma once

#include <atomic>
#include <memory>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "pipeline/server/route_table.h"
#include "pipeline/server/server_context.h"

namespace wbe {

// Routes every request: admission (503 when max_in_flight requests are already being
// handled), then the route table (404, 405), authentication (401) and role (403), then the
// handler. Turns exceptions into JSON error replies without paths or stack traces, audits every
// write, and writes the access log.
class ApiRequestHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  ApiRequestHandlerFactory(const ServerContext* context, const RouteTable* routes);
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& request) override;

  int in_flight() const { return in_flight_.load(); }

 private:
  const ServerContext* context_;
  const RouteTable* routes_;
  std::atomic<int> in_flight_{0};
};

}  // namespace wbe
