#include "pipeline/server/dashboard_files.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace wbe {
namespace fs = std::filesystem;
namespace {

const char kPrefix[] = "/app/";

std::string ContentTypeOf(const fs::path& file) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
  };
  const auto it = kTypes.find(file.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

std::string DefaultRoot() {
  if (const char* env = std::getenv("WBE_DASHBOARD_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
#ifdef WBE_BUILD_DASHBOARD_DIR
  return WBE_BUILD_DASHBOARD_DIR;
#else
  return "";
#endif
}

}  // namespace

DashboardFiles::DashboardFiles(const std::string& root)
    : root_(root.empty() ? DefaultRoot() : root) {}

bool DashboardFiles::Handles(const std::string& path) {
  return path == "/" || path == "/app" || path.compare(0, sizeof(kPrefix) - 1, kPrefix) == 0;
}

bool DashboardFiles::available() const {
  std::error_code error;
  return !root_.empty() && fs::is_regular_file(fs::path(root_) / "index.html", error);
}

void DashboardFiles::Serve(ApiExchange& exchange) const {
  const std::string& path = exchange.path();
  if (exchange.method() != "GET" && exchange.method() != "HEAD") {
    HttpError error(405, exchange.method() + " is not allowed here; allowed: GET, HEAD");
    error.headers.emplace_back("Allow", "GET, HEAD");
    throw error;
  }
  if (path == "/" || path == "/app") {
    exchange.SendBytes(302, "text/plain; charset=utf-8", "see /app/\n", {{"Location", "/app/"}});
    return;
  }
  if (!available()) {
    throw HttpError(404,
                    "the dashboard is not built: build the project with Node.js and npm installed "
                    "(cmake's DASHBOARD_ENABLED), or start wbe serve with --dashboard-dir");
  }
  std::string relative = path.substr(sizeof(kPrefix) - 1);
  if (relative.empty()) relative = "index.html";
  // The path is already percent-decoded; refuse anything that could leave the root.
  const fs::path wanted = fs::path(relative).lexically_normal();
  if (wanted.is_absolute() || wanted.empty() || *wanted.begin() == "..") {
    throw HttpError(404, "no such page: " + path);
  }
  const fs::path file = fs::path(root_) / wanted;
  std::error_code error;
  if (!fs::is_regular_file(file, error)) throw HttpError(404, "no such page: " + path);
  std::ifstream in(file, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in && !in.eof()) throw std::runtime_error("cannot read " + file.string());
  // The pages change with every build; the vendored library only with the lock file.
  const bool vendored = *wanted.begin() == "vendor";
  exchange.SendBytes(200, ContentTypeOf(file), bytes.str(),
                     {{"Cache-Control", vendored ? "max-age=86400" : "no-cache"},
                      {"X-Content-Type-Options", "nosniff"},
                      {"Content-Security-Policy",
                       "default-src 'self'; img-src 'self' data: blob:; style-src 'self' "
                       "'unsafe-inline'; object-src 'none'; frame-ancestors 'none'"}});
}

}  // namespace wbe
