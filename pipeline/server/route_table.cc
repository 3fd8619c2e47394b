#include "pipeline/server/route_table.h"

#include <algorithm>

#include <Poco/URI.h>

namespace wbe {
namespace {

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> segments;
  size_t start = 0;
  while (start < path.size()) {
    if (path[start] == '/') {
      ++start;
      continue;
    }
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end;
  }
  return segments;
}

bool MatchPattern(const std::vector<std::string>& pattern, const std::vector<std::string>& raw,
                  std::map<std::string, std::string>* params) {
  if (pattern.size() != raw.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < pattern.size(); ++i) {
    std::string segment;
    try {
      Poco::URI::decode(raw[i], segment);
    } catch (const std::exception&) {
      return false;
    }
    const std::string& p = pattern[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      if (segment.empty()) return false;
      found[p.substr(1, p.size() - 2)] = segment;
    } else if (p != segment) {
      return false;
    }
  }
  *params = std::move(found);
  return true;
}

}  // namespace

bool ApiRoute::Allows(Role role) const {
  return role == Role::kAdmin || std::find(roles.begin(), roles.end(), role) != roles.end();
}

void RouteTable::Add(ApiRoute route) { routes_.push_back(std::move(route)); }

RouteMatch RouteTable::Match(const std::string& method, const std::string& raw_path) const {
  RouteMatch match;
  const std::vector<std::string> raw = Split(raw_path);
  for (const ApiRoute& route : routes_) {
    std::map<std::string, std::string> params;
    if (!MatchPattern(Split(route.pattern), raw, &params)) continue;
    match.path_known = true;
    match.methods.push_back(route.method);
    if (route.method == method && match.route == nullptr) {
      match.route = &route;
      match.params = std::move(params);
    }
  }
  return match;
}

}  // namespace wbe
