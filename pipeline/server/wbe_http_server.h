#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>

#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>

#include "pipeline/server/api_request_handler.h"
#include "pipeline/server/report_cache.h"
#include "pipeline/server/route_table.h"
#include "pipeline/server/server_context.h"

namespace wbe {

// The HTTP front door: a Poco HTTPServer on a bounded thread pool, routing /api/v1 through
// ApiRequestHandlerFactory. The data service, token store and audit log belong to the caller
// and must outlive the server. Integration tests run it in-process on port 0.
class WbeHttpServer {
 public:
  WbeHttpServer(const ServerOptions& options, DataService* service, ApiTokenStore* tokens,
                AuditLog* audit);
  ~WbeHttpServer();
  WbeHttpServer(const WbeHttpServer&) = delete;
  WbeHttpServer& operator=(const WbeHttpServer&) = delete;

  // Binds (std::runtime_error naming the address when it cannot) and starts serving.
  void Start();
  // The bound port (useful after binding port 0).
  uint16_t port() const;
  // Stops accepting, lets requests in progress finish for up to `grace`, then returns.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  const RouteTable& routes() const { return routes_; }
  ReportCache& reports() { return *context_.reports; }

 private:
  void WarmReports();

  ServerContext context_;
  std::unique_ptr<AccessLog> access_log_;
  RouteTable routes_;
  Poco::ThreadPool pool_;
  Poco::Net::ServerSocket socket_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  bool running_ = false;
  // Warms the weekly report after each re-estimation (ServerOptions::warm_reports).
  std::thread warmer_;
  std::atomic<bool> stop_warming_{false};
};

}  // namespace wbe
