#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "pipeline/auth/api_token_store.h"
#include "pipeline/server/api_exchange.h"

namespace wbe {

// One endpoint: a method, a path pattern with {named} segments, who may call it, and what it
// does. Admin tokens may call every authenticated route.
struct ApiRoute {
  std::string method;
  std::string pattern;  // e.g. "/api/v1/batches/{batch_id}/raw"
  bool is_public = false;
  std::vector<Role> roles;  // besides admin
  std::function<void(ApiExchange&)> handle;

  bool Allows(Role role) const;
};

struct RouteMatch {
  const ApiRoute* route = nullptr;   // null: no route for this method
  bool path_known = false;           // some route has this path (then 405, else 404)
  std::vector<std::string> methods;  // the methods the path allows, for Allow
  std::map<std::string, std::string> params;
};

class RouteTable {
 public:
  void Add(ApiRoute route);
  // `raw_path` is percent-encoded; segments are decoded after splitting, so an id may hold
  // an encoded '/'.
  RouteMatch Match(const std::string& method, const std::string& raw_path) const;
  const std::vector<ApiRoute>& routes() const { return routes_; }

 private:
  std::vector<ApiRoute> routes_;
};

}  // namespace wbe
