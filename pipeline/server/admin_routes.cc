#include <chrono>
#include <fstream>
#include <sstream>

#include "models/core/input_error.h"
#include "pipeline/audit/audit_log.h"
#include "pipeline/server/api_routes.h"
#include "pipeline/server/upload_spool.h"

namespace wbe {
namespace {

void CreateToken(ApiExchange& exchange, const ServerContext& context) {
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(RequestBodyText(exchange, context));
  } catch (const nlohmann::json::parse_error& e) {
    throw HttpError(422, std::string("the body is not valid JSON: ") + e.what());
  }
  if (!body.is_object() || !body.contains("name") || !body["name"].is_string() ||
      !body.contains("role") || !body["role"].is_string()) {
    throw HttpError(422, "expected {\"name\": \"...\", \"role\": \"lab|analyst|admin\"}",
                    nlohmann::json::array({ProblemEntry("request body", 0, "name/role",
                                                        "both are required strings")}));
  }
  const std::string name = body["name"].get<std::string>();
  const std::optional<Role> role = ParseRole(body["role"].get<std::string>());
  if (!role) {
    throw HttpError(422, "role must be lab, analyst or admin",
                    nlohmann::json::array({ProblemEntry("request body", 0, "role", "unknown")}));
  }
  exchange.audit_target = name;
  for (const ApiTokenInfo& info : context.tokens->List()) {
    if (info.name == name && !info.revoked) {
      throw HttpError(409, "an active token named '" + name + "' exists; revoke it first");
    }
  }
  const std::string token = context.tokens->Create(name, *role, exchange.Caller().name);
  exchange.audit_detail = std::string("role ") + RoleName(*role);
  exchange.SendJson(201, {{"name", name}, {"role", RoleName(*role)}, {"token", token}});
}

void PutMethod(ApiExchange& exchange, const ServerContext& context) {
  const std::string& name = exchange.PathParam("name");
  exchange.audit_target = name;
  const std::string bytes = RequestBodyText(exchange, context);
  const bool created = context.service->methods().Put(name, bytes);
  exchange.audit_outcome = created ? "created" : "replaced";
  for (const RegisteredMethod& method : context.service->methods().List()) {
    if (method.name == name) {
      exchange.SendBytes(created ? 201 : 200, "application/json; charset=utf-8",
                         nlohmann::json{{"name", name}, {"sha256", method.sha256}}.dump() + "\n",
                         {{"Location", "/api/v1/methods/" + name}});
      return;
    }
  }
  throw std::runtime_error("the method vanished after it was stored");
}

}  // namespace

void AddAdminRoutes(RouteTable* routes, const ServerContext* context) {
  routes->Add({"GET", "/api/v1/tokens", false, {}, [context](ApiExchange& e) {
                 nlohmann::json tokens = nlohmann::json::array();
                 for (const ApiTokenInfo& info : context->tokens->List()) {
                   tokens.push_back(ToJson(info));
                 }
                 e.SendJson(200, {{"tokens", tokens}});
               }});
  routes->Add({"POST", "/api/v1/tokens", false, {}, [context](ApiExchange& e) {
                 CreateToken(e, *context);
               }});
  routes->Add({"DELETE", "/api/v1/tokens/{name}", false, {}, [context](ApiExchange& e) {
                 const std::string& name = e.PathParam("name");
                 e.audit_target = name;
                 bool active = false;
                 for (const ApiTokenInfo& info : context->tokens->List()) {
                   active = active || (info.name == name && !info.revoked);
                 }
                 if (!active) throw HttpError(404, "no active token named '" + name + "'");
                 context->tokens->Revoke(name, e.Caller().name);
                 e.audit_outcome = "revoked";
                 e.SendJson(200, {{"name", name}, {"revoked", true}});
               }});
  routes->Add({"GET", "/api/v1/audit", false, {}, [context](ApiExchange& e) {
                 size_t limit = 1000;
                 if (const auto text = e.Query("limit")) {
                   try {
                     limit = std::stoul(*text);
                   } catch (const std::exception&) {
                     throw HttpError(422, "limit must be a non-negative integer");
                   }
                 }
                 const std::vector<AuditRecord> all = AuditLog::ReadAll(context->audit->path());
                 nlohmann::json records = nlohmann::json::array();
                 const size_t first = all.size() > limit ? all.size() - limit : 0;
                 for (size_t i = first; i < all.size(); ++i) records.push_back(ToJson(all[i]));
                 e.SendJson(200, {{"records", records}});
               }});
  const std::vector<Role> everyone = {Role::kLab, Role::kAnalyst};
  routes->Add({"GET", "/api/v1/methods", false, everyone, [context](ApiExchange& e) {
                 nlohmann::json methods = nlohmann::json::array();
                 for (const RegisteredMethod& m : context->service->methods().List()) {
                   methods.push_back({{"name", m.name}, {"sha256", m.sha256}});
                 }
                 e.SendJson(200, {{"methods", methods}});
               }});
  routes->Add({"GET", "/api/v1/methods/{name}", false, everyone, [context](ApiExchange& e) {
                 const auto bytes = context->service->methods().Get(e.PathParam("name"));
                 if (!bytes) throw HttpError(404, "no method named '" + e.PathParam("name") + "'");
                 e.SendBytes(200, "application/json; charset=utf-8", *bytes);
               }});
  routes->Add({"PUT", "/api/v1/methods/{name}", false, {}, [context](ApiExchange& e) {
                 PutMethod(e, *context);
               }});
}

}  // namespace wbe
