#pragma once

#include <string>

#include <Poco/Util/ServerApplication.h>

#include "pipeline/server/server_options.h"

namespace wbe {

struct ServeCommandOptions {
  ServerOptions server;
  bool demo = false;           // prepare and serve the built-in demo city
  std::string catalogue_path;  // empty: the shipped catalogue
};

// `wbe serve` as a Poco ServerApplication: opens the data directory (the only writer while it
// runs), serves until SIGTERM or SIGINT, then lets requests in progress finish, writes the
// store and releases the directory. Prints "listening on http://HOST:PORT" once ready and
// writes DATA_DIR/run/server.json ({"port", "pid"}) for scripts that start it on port 0.
class ServeApplication : public Poco::Util::ServerApplication {
 public:
  explicit ServeApplication(ServeCommandOptions options) : options_(std::move(options)) {}

 protected:
  int main(const std::vector<std::string>& args) override;

 private:
  ServeCommandOptions options_;
};

}  // namespace wbe
