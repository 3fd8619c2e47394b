#pragma once

#include <string>

#include "pipeline/server/api_exchange.h"

namespace wbe {

// The dashboard's static pages (pipeline/dashboard/www, with the charting library the build
// fetched from npm) served at /app/. Public: the pages hold no data, every figure comes from
// the API with the signed-in user's token.
class DashboardFiles {
 public:
  // `root` empty: the WBE_DASHBOARD_DIR environment variable, else the build tree's copy.
  explicit DashboardFiles(const std::string& root);

  // "/" and "/app" redirect to "/app/"; everything else under /app/ is a file.
  static bool Handles(const std::string& path);
  void Serve(ApiExchange& exchange) const;

  const std::string& root() const { return root_; }
  bool available() const;  // index.html is there

 private:
  std::string root_;
};

}  // namespace wbe
