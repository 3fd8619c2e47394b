#include "pipeline/server/api_request_handler.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>

#include <chrono>
#include <cstdio>
#include <random>

#include "models/core/input_error.h"
#include "pipeline/archive/batch_manifest.h"

namespace wbe {
namespace {

std::string NewRequestId() {
  static std::atomic<unsigned long long> counter{0};
  static const unsigned long long prefix = std::random_device{}() & 0xffffffu;
  char id[40];
  std::snprintf(id, sizeof(id), "%06llx-%llu", prefix, ++counter);
  return id;
}

bool IsWrite(const std::string& method) { return method != "GET" && method != "HEAD"; }

std::string OutcomeFor(int status) {
  if (status == 201) return "created";
  if (status >= 200 && status < 300) return "ok";
  if (status == 401 || status == 403) return "denied";
  if (status >= 400 && status < 500) return "rejected";
  return "failed";
}

// Messages leave the server without its paths.
std::string WithoutPaths(std::string message, const ServerContext& context) {
  for (const std::string& path : {context.spool_dir, context.options.data_dir}) {
    if (path.empty()) continue;
    size_t at = 0;
    while ((at = message.find(path, at)) != std::string::npos) {
      message.replace(at, path.size(), "<data>");
      at += 6;
    }
  }
  return message;
}

nlohmann::json ProblemJson(const InputError& e, const ServerContext& context) {
  return ProblemEntry(WithoutPaths(e.file(), context), e.row(), e.field(),
                      WithoutPaths(e.message(), context));
}

class ApiRequestHandler : public Poco::Net::HTTPRequestHandler {
 public:
  ApiRequestHandler(const ServerContext* context, const RouteTable* routes,
                    std::atomic<int>* in_flight)
      : context_(context), routes_(routes), in_flight_(in_flight), refused_(in_flight == nullptr) {}
  ~ApiRequestHandler() override { ReleaseSlot(); }

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    const auto start = std::chrono::steady_clock::now();
    ApiExchange exchange(request, response, NewRequestId());
    const bool audited = IsWrite(request.getMethod()) && context_->audit != nullptr;
    exchange.before_reply = [this, &exchange, audited](int status) {
      if (audited) Audit(exchange, status);
      ReleaseSlot();
    };
    try {
      if (refused_) {
        HttpError busy(503, "the server is busy; retry after " +
                                std::to_string(context_->options.retry_after_s) + " s");
        busy.headers.emplace_back("Retry-After", std::to_string(context_->options.retry_after_s));
        throw busy;
      }
      Dispatch(exchange);
    } catch (const HttpError& e) {
      Reply(exchange, e.status(), e.what(), e.errors(), e.headers);
    } catch (const InputErrorList& e) {
      nlohmann::json errors = nlohmann::json::array();
      for (const InputError& one : e.all()) errors.push_back(ProblemJson(one, *context_));
      Reply(exchange, 422, WithoutPaths(e.what(), *context_), errors);
    } catch (const InputError& e) {
      Reply(exchange, 422, WithoutPaths(e.what(), *context_),
            nlohmann::json::array({ProblemJson(e, *context_)}));
    } catch (const OwnershipConflict& e) {
      Reply(exchange, 403, e.what(), nullptr);
    } catch (const IdempotencyConflict& e) {
      Reply(exchange, 409, e.what(), nullptr);
    } catch (const Poco::TimeoutException&) {
      Reply(exchange, 408, "the request did not arrive within the server's time limit", nullptr);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "wbe serve: request %s (%s %s) failed: %s\n",
                   exchange.request_id().c_str(), request.getMethod().c_str(),
                   exchange.path().c_str(), e.what());
      Reply(exchange, 500,
            "internal error; the server log has the details under request id " +
                exchange.request_id(),
            nullptr);
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (context_->access_log != nullptr) {
      context_->access_log->Write({{"time_utc", UtcNowIso8601()},
                                   {"request_id", exchange.request_id()},
                                   {"client", request.clientAddress().host().toString()},
                                   {"method", request.getMethod()},
                                   {"path", exchange.path()},
                                   {"status", exchange.status()},
                                   {"bytes", exchange.bytes_sent()},
                                   {"ms", static_cast<int64_t>(ms * 1000.0) / 1000.0},
                                   {"caller", exchange.principal ? exchange.principal->name : ""}});
    }
  }

 private:
  void Dispatch(ApiExchange& exchange) {
    if (context_->dashboard && DashboardFiles::Handles(exchange.path())) {
      context_->dashboard->Serve(exchange);
      return;
    }
    const RouteMatch match = routes_->Match(exchange.method(), exchange.path());
    if (!match.path_known) throw HttpError(404, "no such resource: " + exchange.path());
    if (match.route == nullptr) {
      std::string allow;
      for (const std::string& m : match.methods) allow += (allow.empty() ? "" : ", ") + m;
      HttpError error(405, exchange.method() + " is not allowed here; allowed: " + allow);
      error.headers.emplace_back("Allow", allow);
      throw error;
    }
    exchange.path_params = match.params;
    const ApiRoute& route = *match.route;
    if (!route.is_public) {
      const std::string authorization = exchange.Header("Authorization");
      const std::string scheme = "Bearer ";
      std::optional<Principal> principal;
      if (authorization.compare(0, scheme.size(), scheme) == 0) {
        principal = context_->tokens->Authenticate(authorization.substr(scheme.size()));
      }
      if (!principal) {
        HttpError error(401, authorization.empty()
                                 ? "an API token is required (Authorization: Bearer <token>)"
                                 : "the API token is unknown or revoked");
        error.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"wbe\"");
        throw error;
      }
      exchange.principal = principal;
      if (!route.Allows(principal->role)) {
        throw HttpError(403, std::string("a ") + RoleName(principal->role) + " token may not " +
                                 route.method + " " + route.pattern);
      }
    }
    route.handle(exchange);
    if (!exchange.replied()) throw std::logic_error("the handler sent no reply");
  }

  void Reply(ApiExchange& exchange, int status, const std::string& message,
             const nlohmann::json& errors,
             const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    if (exchange.replied()) return;  // the failure came after the reply went out
    if (exchange.audit_detail.empty()) exchange.audit_detail = message;
    try {
      exchange.SendError(status, message, errors, headers);
    } catch (const std::exception&) {
      // the client went away; nothing left to tell it
    }
  }

  void ReleaseSlot() {
    if (in_flight_ != nullptr) in_flight_->fetch_sub(1);
    in_flight_ = nullptr;
  }

  void Audit(const ApiExchange& exchange, int status) {
    AuditRecord record;
    record.actor = exchange.principal ? exchange.principal->name : "";
    record.role = exchange.principal ? RoleName(exchange.principal->role) : "";
    record.action = exchange.method() + " " + exchange.path();
    record.target = exchange.audit_target;
    record.status = status;
    record.outcome = exchange.audit_outcome.empty() || status >= 300 ? OutcomeFor(status)
                                                                     : exchange.audit_outcome;
    record.detail = exchange.audit_detail;
    record.request_id = exchange.request_id();
    try {
      context_->audit->Append(record);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "wbe serve: cannot append to the audit log: %s\n", e.what());
    }
  }

  const ServerContext* context_;
  const RouteTable* routes_;
  std::atomic<int>* in_flight_;  // the slot this request holds until its reply; null once freed
  bool refused_;                 // no slot: the server was at max_in_flight
};

}  // namespace

ApiRequestHandlerFactory::ApiRequestHandlerFactory(const ServerContext* context,
                                                   const RouteTable* routes)
    : context_(context), routes_(routes) {}

Poco::Net::HTTPRequestHandler* ApiRequestHandlerFactory::createRequestHandler(
    const Poco::Net::HTTPServerRequest& request) {
  // Liveness and readiness answer even when the server is saturated.
  const std::string& uri = request.getURI();
  const std::string path = uri.substr(0, uri.find('?'));
  const bool probe = path == "/api/v1/health" || path == "/api/v1/ready";
  if (!probe && in_flight_.fetch_add(1) >= context_->options.max_in_flight) {
    in_flight_.fetch_sub(1);
    return new ApiRequestHandler(context_, routes_, nullptr);
  }
  if (probe) in_flight_.fetch_add(1);
  return new ApiRequestHandler(context_, routes_, &in_flight_);
}

}  // namespace wbe
