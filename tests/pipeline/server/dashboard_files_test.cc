// The dashboard's pages at /app/ and GET /api/v1/whoami, on an in-process server over an empty
// data directory and a small pages folder made by the test.

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include <Poco/InflatingStream.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/catalogue/drug_catalogue.h"
#include "pipeline/audit/audit_log.h"
#include "pipeline/auth/api_token_store.h"
#include "pipeline/server/wbe_http_server.h"
#include "pipeline/service/data_service.h"
#include "tests/pipeline/server/http_test_client.h"

namespace wbe {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using Reply = HttpReply;

void WriteFile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

class DashboardFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(WBE_BINARY_DIR) / "test-output" / "dashboard-files" /
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(root_);
    pages_ = root_ / "www";
    WriteFile(pages_ / "index.html", "<!doctype html><title>wbe</title>");
    WriteFile(pages_ / "js" / "main.js", "export const x = 1;");
    WriteFile(pages_ / "messages" / "en.json", "{\"nav.overview\": \"Overview\"}");
    WriteFile(pages_ / "vendor" / "echarts.min.js", "/* chart library */");
    std::string big = "/* a library large enough to be compressed */\n";
    for (int i = 0; i < 400; ++i)
      big += "export const value" + std::to_string(i) + " = " + std::to_string(i * i) + ";\n";
    WriteFile(pages_ / "vendor" / "big.js", big);
    WriteFile(root_ / "secret.txt", "not for the web");
    const fs::path data = root_ / "data";
    fs::create_directories(data);
    catalogue_ = std::make_unique<DrugCatalogue>(DrugCatalogue::LoadDefault());
    tokens_ = std::make_unique<ApiTokenStore>(data.string());
    token_["lab"] = tokens_->Create("lab-1", Role::kLab, "test");
    token_["analyst"] = tokens_->Create("analyst-1", Role::kAnalyst, "test");
    token_["admin"] = tokens_->Create("admin-1", Role::kAdmin, "test");
    audit_ = std::make_unique<AuditLog>(AuditLog::PathFor(data.string()));
    DataServiceOptions service_options;
    service_options.data_dir = data.string();
    service_options.estimate_draws = 50;
    service_ = DataService::Open(service_options, *catalogue_);
  }

  void TearDown() override {
    if (server_) server_->Stop();
    server_.reset();
    if (service_) service_->Shutdown();
  }

  void Start(const std::string& dashboard_dir) {
    ServerOptions options;
    options.port = 0;
    options.data_dir = (root_ / "data").string();
    options.threads = 4;
    options.max_in_flight = 3;
    options.alerts_schedule = "off";
    options.dashboard_dir = dashboard_dir;
    server_ = std::make_unique<WbeHttpServer>(options, service_.get(), tokens_.get(), audit_.get());
    server_->Start();
  }

  Reply Send(const std::string& method, const std::string& uri, const std::string& who = "",
             const std::string& accept_encoding = "") {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!who.empty()) headers.emplace_back("Authorization", "Bearer " + token_.at(who));
    if (!accept_encoding.empty()) headers.emplace_back("Accept-Encoding", accept_encoding);
    return SendHttp(server_->port(), method, uri, headers, 30);
  }

  fs::path root_;
  fs::path pages_;
  std::unique_ptr<DrugCatalogue> catalogue_;
  std::unique_ptr<ApiTokenStore> tokens_;
  std::map<std::string, std::string> token_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<DataService> service_;
  std::unique_ptr<WbeHttpServer> server_;
};

TEST_F(DashboardFilesTest, TheRootRedirectsToTheDashboardWhichServesItsFilesWithTheirTypes) {
  Start(pages_.string());
  for (const char* uri : {"/", "/app"}) {
    const Reply redirect = Send("GET", uri);
    EXPECT_EQ(redirect.status, 302) << uri;
    EXPECT_EQ(redirect.Header("Location"), "/app/") << uri;
  }
  const Reply index = Send("GET", "/app/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index.body, "<!doctype html><title>wbe</title>");
  const Reply script = Send("GET", "/app/js/main.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.content_type, "text/javascript; charset=utf-8");  // ES modules need it
  const Reply messages = Send("GET", "/app/messages/en.json");
  EXPECT_EQ(messages.Json().value("nav.overview", ""), "Overview");
  EXPECT_EQ(Send("GET", "/app/vendor/echarts.min.js").body, "/* chart library */");
}

std::string Gunzip(const std::string& compressed) {
  std::istringstream in(compressed);
  Poco::InflatingInputStream inflate(in, Poco::InflatingStreamBuf::STREAM_GZIP);
  std::string out;
  Poco::StreamCopier::copyToString(inflate, out);
  return out;
}

TEST_F(DashboardFilesTest, LargeTextGoesGzippedToClientsThatAcceptIt) {
  Start(pages_.string());
  const Reply plain = Send("GET", "/app/vendor/big.js");
  ASSERT_EQ(plain.status, 200);
  EXPECT_EQ(plain.Header("Content-Encoding"), "");
  ASSERT_GT(plain.body.size(), 2048u);
  for (const char* accept : {"gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.8", "*"}) {
    const Reply zipped = Send("GET", "/app/vendor/big.js", "", accept);
    EXPECT_EQ(zipped.Header("Content-Encoding"), "gzip") << accept;
    EXPECT_LT(zipped.body.size() * 3, plain.body.size()) << accept;
    EXPECT_EQ(Gunzip(zipped.body), plain.body) << accept;
  }
  for (const char* refuses : {"identity", "gzip;q=0", "br"}) {
    const Reply reply = Send("GET", "/app/vendor/big.js", "", refuses);
    EXPECT_EQ(reply.Header("Content-Encoding"), "") << refuses;
    EXPECT_EQ(reply.body, plain.body) << refuses;
  }
  // The API's JSON too; small bodies are not worth it.
  const Reply api = Send("GET", "/api/v1/openapi.json", "", "gzip");
  EXPECT_EQ(api.Header("Content-Encoding"), "gzip");
  EXPECT_EQ(nlohmann::json::parse(Gunzip(api.body)).value("openapi", ""), "3.0.3");
  EXPECT_EQ(Send("GET", "/app/js/main.js", "", "gzip").Header("Content-Encoding"), "");
}

TEST_F(DashboardFilesTest, NothingOutsideThePagesFolderIsServed) {
  Start(pages_.string());
  for (const char* uri :
       {"/app/../secret.txt", "/app/%2e%2e/secret.txt", "/app/js/../../secret.txt",
        "/app/%2e%2e%2fsecret.txt", "/app/no-such-file.js", "/app/js/"}) {
    const Reply reply = Send("GET", uri);
    EXPECT_EQ(reply.status, 404) << uri;
    EXPECT_EQ(reply.body.find("not for the web"), std::string::npos) << uri;
  }
  EXPECT_EQ(Send("POST", "/app/index.html").status, 405);
}

TEST_F(DashboardFilesTest, AMissingDashboardSaysHowToBuildIt) {
  Start((root_ / "no-pages-here").string());
  const Reply reply = Send("GET", "/app/");
  EXPECT_EQ(reply.status, 404);
  EXPECT_NE(reply.Json()["error"].value("message", "").find("dashboard is not built"),
            std::string::npos)
      << reply.body;
  EXPECT_EQ(Send("GET", "/api/v1/health").status, 200);  // the API is unaffected
}

TEST_F(DashboardFilesTest, WhoamiNamesTheTokensHolderAndRole) {
  Start(pages_.string());
  for (const auto& [who, name] : std::map<std::string, std::string>{
           {"lab", "lab-1"}, {"analyst", "analyst-1"}, {"admin", "admin-1"}}) {
    const Reply reply = Send("GET", "/api/v1/whoami", who);
    ASSERT_EQ(reply.status, 200) << who;
    EXPECT_EQ(reply.Json().value("name", ""), name);
    EXPECT_EQ(reply.Json().value("role", ""), who);
  }
  EXPECT_EQ(Send("GET", "/api/v1/whoami").status, 401);
}

}  // namespace
}  // namespace wbe
