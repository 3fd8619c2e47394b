#include <chrono>
#include <fstream>
#include <sstream>

#include "models/city/city_io.h"
#include "models/core/input_error.h"
#include "pipeline/server/api_routes.h"
#include "pipeline/server/upload_spool.h"

namespace wbe {
namespace {

// The body of a PUT, parsed as JSON (422 naming the problem otherwise).
nlohmann::json JsonBody(ApiExchange& exchange, const ServerContext& context) {
  const std::string text = RequestBodyText(exchange, context);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw HttpError(422, std::string("the body is not valid JSON: ") + e.what(),
                    nlohmann::json::array({ProblemEntry("request body", 0, "", e.what())}));
  }
}

// Which part of the city a route reads and replaces.
enum class CityPart { kSites, kDistricts, kNetwork };

const char* MemberOf(CityPart part) {
  switch (part) {
    case CityPart::kSites:
      return "sites";
    case CityPart::kDistricts:
      return "districts";
    case CityPart::kNetwork:
      return "network";
  }
  return "";
}

void GetCityPart(ApiExchange& exchange, const ServerContext& context, CityPart part) {
  const nlohmann::json city = CityToJson(*context.service->View()->city);
  const char* member = MemberOf(part);
  exchange.SendJson(200, {{member, city.contains(member) ? city[member] : nlohmann::json()}});
}

void PutCityPart(ApiExchange& exchange, const ServerContext& context, CityPart part) {
  const char* member = MemberOf(part);
  const nlohmann::json body = JsonBody(exchange, context);
  if (!body.is_object() || !body.contains(member)) {
    throw HttpError(422, std::string("expected an object with a \"") + member + "\" member",
                    nlohmann::json::array({ProblemEntry("request body", 0, member, "missing")}));
  }
  nlohmann::json city = CityToJson(*context.service->View()->city);
  if (city.value("name", "").empty()) city["name"] = "city";
  city[member] = body[member];
  // The whole city must hold together: schema, references, tree shape.
  const City parsed = CityFromJson(city, std::string("PUT /api/v1/") + member);
  const UploadOutcome outcome = context.service->ReplaceCity(parsed, exchange.Caller().name);
  exchange.audit_target = member;
  exchange.audit_outcome = outcome.created ? "replaced" : "unchanged";
  nlohmann::json reply = {{"sha256", outcome.entry.sha256},       {"changed", outcome.created},
                          {"districts", parsed.districts.size()}, {"sites", parsed.sites.size()},
                          {"nodes", parsed.nodes.size()},         {"edges", parsed.edges.size()}};
  if (outcome.job_id) {
    reply["job"] = {{"id", *outcome.job_id}, {"url", "/api/v1/jobs/" + *outcome.job_id}};
  }
  exchange.SendJson(200, reply);
}

}  // namespace

void AddCityRoutes(RouteTable* routes, const ServerContext* context) {
  const std::vector<Role> everyone = {Role::kLab, Role::kAnalyst};
  routes->Add({"GET", "/api/v1/city", false, everyone, [context](ApiExchange& e) {
                 e.SendJson(200, CityToJson(*context->service->View()->city));
               }});
  routes->Add(
      {"PUT", "/api/v1/city", false, {}, [context](ApiExchange& e) {
         const nlohmann::json body = JsonBody(e, *context);
         const City parsed = CityFromJson(body, "PUT /api/v1/city");
         const UploadOutcome outcome = context->service->ReplaceCity(parsed, e.Caller().name);
         e.audit_target = "city";
         e.audit_outcome = outcome.created ? "replaced" : "unchanged";
         nlohmann::json reply = {
             {"sha256", outcome.entry.sha256},       {"changed", outcome.created},
             {"districts", parsed.districts.size()}, {"sites", parsed.sites.size()},
             {"nodes", parsed.nodes.size()},         {"edges", parsed.edges.size()}};
         if (outcome.job_id) {
           reply["job"] = {{"id", *outcome.job_id}, {"url", "/api/v1/jobs/" + *outcome.job_id}};
         }
         e.SendJson(200, reply);
       }});
  for (const CityPart part : {CityPart::kSites, CityPart::kDistricts, CityPart::kNetwork}) {
    const std::string path = std::string("/api/v1/") + MemberOf(part);
    routes->Add({"GET", path, false, everyone,
                 [context, part](ApiExchange& e) { GetCityPart(e, *context, part); }});
    routes->Add({"PUT", path, false, {}, [context, part](ApiExchange& e) {
                   PutCityPart(e, *context, part);
                 }});
  }
}

}  // namespace wbe
