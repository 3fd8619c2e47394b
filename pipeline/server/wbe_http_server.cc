#include "pipeline/server/wbe_http_server.h"

#include <filesystem>
#include <thread>

#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/NetException.h>

#include "models/core/data_paths.h"
#include "models/core/text_files.h"
#include "pipeline/server/api_routes.h"
#include "pipeline/server/report_cache.h"

namespace wbe {
namespace fs = std::filesystem;

WbeHttpServer::WbeHttpServer(const ServerOptions& options, DataService* service,
                             ApiTokenStore* tokens, AuditLog* audit)
    : pool_(2, options.threads + 2) {
  std::string why;
  if (!options.Check(&why)) throw std::invalid_argument("server options: " + why);
  context_.options = options;
  context_.service = service;
  context_.tokens = tokens;
  context_.audit = audit;
  context_.spool_dir = (fs::path(options.data_dir) / "tmp" / "uploads").string();
  context_.dashboard.emplace(options.dashboard_dir);
  context_.reports = std::make_shared<ReportCache>(&context_);
  context_.openapi_json = ReadWholeFile(DataPath("data-schemas/openapi.json"), "OpenAPI document");
  const std::string access_path =
      options.access_log.empty() ? (fs::path(options.data_dir) / "logs" / "access.jsonl").string()
                                 : options.access_log;
  access_log_ = std::make_unique<AccessLog>(access_path);
  context_.access_log = access_log_.get();
  routes_ = BuildApiRoutes(&context_);
}

WbeHttpServer::~WbeHttpServer() { Stop(std::chrono::seconds(2)); }

void WbeHttpServer::Start() {
  if (running_) return;
  try {
    // SO_REUSEADDR (restart right after a stop) but not SO_REUSEPORT, which Poco's
    // constructor also sets: a second server on the same port must fail, not share it.
    socket_ = Poco::Net::ServerSocket();
    socket_.bind(Poco::Net::SocketAddress(context_.options.bind_address,
                                          static_cast<Poco::UInt16>(context_.options.port)),
                 /*reuseAddress=*/true, /*reusePort=*/false);
    socket_.listen(context_.options.queue);
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot listen on " + context_.options.bind_address + ":" +
                             std::to_string(context_.options.port) + ": " + e.displayText());
  }
  // Spool files left by a crash are incomplete request bodies that were never acknowledged;
  // cleared only once the port is ours (a second server on this directory fails above).
  std::error_code error;
  fs::remove_all(context_.spool_dir, error);
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(context_.options.threads);
  params->setMaxQueued(context_.options.queue);
  params->setTimeout(Poco::Timespan(context_.options.idle_timeout_s, 0));
  params->setKeepAlive(true);
  params->setKeepAliveTimeout(Poco::Timespan(context_.options.idle_timeout_s, 0));
  params->setMaxKeepAliveRequests(1000);
  params->setServerName("wbe");
  server_ = std::make_unique<Poco::Net::HTTPServer>(
      new ApiRequestHandlerFactory(&context_, &routes_), pool_, socket_, params);
  server_->start();
  running_ = true;
  if (context_.options.warm_reports) {
    stop_warming_ = false;
    warmer_ = std::thread([this] { WarmReports(); });
  }
}

void WbeHttpServer::WarmReports() {
  uint64_t seen = ~0ull;  // warm the report of the snapshot the server starts with, too
  bool warm_pending = false;
  while (!stop_warming_) {
    bool busy = false;
    const std::optional<uint64_t> revision =
        context_.service->WaitForSnapshotAfter(seen, std::chrono::milliseconds(250), &busy);
    if (!revision) return;  // the data service is stopping
    if (*revision != seen) {
      seen = *revision;
      warm_pending = true;
    }
    // While jobs run, each new snapshot is about to be replaced: warm only the settled one.
    if (stop_warming_ || !warm_pending || busy) continue;
    warm_pending = false;
    context_.reports->Warm();
  }
}

uint16_t WbeHttpServer::port() const { return socket_.address().port(); }

void WbeHttpServer::Stop(std::chrono::milliseconds grace) {
  if (!running_) return;
  running_ = false;
  stop_warming_ = true;
  if (warmer_.joinable()) warmer_.join();  // a report being computed finishes first
  // Stop accepting; requests in progress run to completion, idle keep-alive connections close.
  server_->stopAll(false);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (server_->currentConnections() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (server_->currentConnections() > 0) server_->stopAll(true);
  pool_.joinAll();
  server_.reset();
}

}  // namespace wbe
