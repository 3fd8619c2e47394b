#include "pipeline/server/wbe_http_server.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/StringPartSource.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/catalogue/drug_catalogue.h"
#include "models/core/data_paths.h"
#include "pipeline/archive/raw_archive.h"
#include "pipeline/audit/audit_log.h"
#include "pipeline/auth/api_token_store.h"
#include "pipeline/jobs/simulate_job.h"
#include "pipeline/server/route_table.h"
#include "pipeline/service/data_service.h"

namespace wbe {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kMethodName[] = "wbe-demo-lab";
constexpr char kW32[] = "LAB1-2026-W32";
constexpr char kW33[] = "LAB1-2026-W33";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.push_back("");
  return cells;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// The same long-format batch with the last digit of the first sample's area changed: a
// corrected file of the same batch.
std::string WithOneAreaCorrected(const std::string& csv) {
  const std::vector<std::string> header = SplitCsvLine(csv.substr(0, csv.find('\n')));
  const size_t area = std::find(header.begin(), header.end(), "area") - header.begin();
  const size_t sample = csv.find(",sample,");
  if (area == header.size() || sample == std::string::npos) {
    ADD_FAILURE() << "not a long-format batch with samples";
    return csv;
  }
  size_t at = csv.rfind('\n', sample) + 1;
  for (size_t column = 0; column < area; ++column) at = csv.find(',', at) + 1;
  const size_t last_digit = csv.find(',', at) - 1;
  std::string corrected = csv;
  char& digit = corrected[last_digit];
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(digit))) << csv.substr(at, 20);
  digit = digit == '9' ? '8' : static_cast<char>(digit + 1);
  return corrected;
}

struct HttpReply {
  int status = 0;
  Poco::Net::NameValueCollection headers;
  std::string body;

  std::string Header(const std::string& name) const { return headers.get(name, ""); }
  json Json() const {
    json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << body.substr(0, 400);
    return parsed.is_discarded() ? json::object() : parsed;
  }
};

struct HttpCall {
  std::string method = "GET";
  std::string uri;
  std::string token;  // empty: no Authorization header
  std::string body;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
  bool chunked = false;
};

HttpCall MakeCall(const std::string& method, const std::string& uri, const std::string& token = "",
                  const std::string& body = "", const std::string& content_type = "") {
  HttpCall call;
  call.method = method;
  call.uri = uri;
  call.token = token;
  call.body = body;
  call.content_type = content_type;
  return call;
}

// One request on `session`, which keeps its connection alive between calls the way an HTTP
// client library does (and reconnects when the server closed it).
HttpReply Send(Poco::Net::HTTPClientSession& session, const HttpCall& call) {
  Poco::Net::HTTPRequest request(call.method, call.uri, Poco::Net::HTTPMessage::HTTP_1_1);
  request.setKeepAlive(true);
  if (!call.token.empty()) request.set("Authorization", "Bearer " + call.token);
  if (!call.content_type.empty()) request.setContentType(call.content_type);
  for (const auto& [name, value] : call.headers) request.set(name, value);
  if (call.chunked) {
    request.setChunkedTransferEncoding(true);
  } else if (!call.body.empty() || call.method == "POST" || call.method == "PUT") {
    request.setContentLength64(static_cast<Poco::Int64>(call.body.size()));
  }
  std::ostream& out = session.sendRequest(request);
  out.write(call.body.data(), static_cast<std::streamsize>(call.body.size()));
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  HttpReply reply;
  reply.status = static_cast<int>(response.getStatus());
  for (const auto& [name, value] : response) reply.headers.add(name, value);
  Poco::StreamCopier::copyToString(in, reply.body);
  return reply;
}

struct MultipartBody {
  std::string content_type;
  std::string bytes;
};

// A multipart/form-data body with text fields and file parts {name, filename, bytes}.
MultipartBody Multipart(const std::vector<std::pair<std::string, std::string>>& fields,
                        const std::vector<std::vector<std::string>>& files) {
  Poco::Net::HTMLForm form(Poco::Net::HTMLForm::ENCODING_MULTIPART);
  for (const auto& [name, value] : fields) form.set(name, value);
  for (const std::vector<std::string>& file : files) {
    form.addPart(file[0],
                 new Poco::Net::StringPartSource(file[2], "application/octet-stream", file[1]));
  }
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/",
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  form.prepareSubmit(request);
  std::ostringstream bytes;
  form.write(bytes);
  return {request.getContentType(), bytes.str()};
}

// Reads from `socket` until `marker` has arrived (or the peer closes); what arrived.
std::string ReadUntil(Poco::Net::StreamSocket& socket, const std::string& marker,
                      std::string received = "") {
  char buffer[4096];
  while (received.find(marker) == std::string::npos) {
    const int got = socket.receiveBytes(buffer, sizeof(buffer));
    if (got <= 0) break;
    received.append(buffer, static_cast<size_t>(got));
  }
  return received;
}

std::set<std::string> Strings(const json& array) {
  std::set<std::string> strings;
  for (const json& item : array) strings.insert(item.get<std::string>());
  return strings;
}

std::string Joined(const std::set<std::string>& items) {
  std::string joined;
  for (const std::string& item : items) joined += (joined.empty() ? "" : ",") + item;
  return "{" + joined + "}";
}

// The access contract of the API, independent of the route table: which callers a route
// admits. "" is a caller without a token.
bool IsPublicByContract(const std::string& pattern) {
  return pattern == "/api/v1/health" || pattern == "/api/v1/ready" ||
         pattern == "/api/v1/openapi.json";
}

bool AllowedByContract(const std::string& method, const std::string& pattern,
                       const std::string& role) {
  if (IsPublicByContract(pattern)) return true;
  if (role == "admin") return true;
  const bool admin_only =
      pattern.rfind("/api/v1/tokens", 0) == 0 || pattern.rfind("/api/v1/audit", 0) == 0;
  if (role == "analyst") return method == "GET" && !admin_only;
  if (role == "lab") {
    if (method == "POST") return pattern == "/api/v1/batches" || pattern == "/api/v1/flows";
    static const std::set<std::string> kLabReads = {"/api/v1/batches",
                                                    "/api/v1/batches/{batch_id}",
                                                    "/api/v1/batches/{batch_id}/raw",
                                                    "/api/v1/measurements",
                                                    "/api/v1/city",
                                                    "/api/v1/sites",
                                                    "/api/v1/districts",
                                                    "/api/v1/network",
                                                    "/api/v1/methods",
                                                    "/api/v1/methods/{name}",
                                                    "/api/v1/jobs/{id}",
                                                    "/api/v1/flows",
                                                    "/api/v1/whoami",
                                                    "/api/v1/drugs"};
    return method == "GET" && kLabReads.count(pattern) > 0;
  }
  return false;
}

// A path that matches `pattern`, with every {parameter} naming nothing that exists.
std::string ProbePath(const std::string& pattern) {
  std::string path = pattern;
  for (size_t open = path.find('{'); open != std::string::npos; open = path.find('{')) {
    const size_t close = path.find('}', open);
    path.replace(open, close - open + 1, "matrix-probe-" + path.substr(open + 1, close - open - 1));
  }
  return path;
}

struct SimulatedInputs {
  std::string city_json;
  std::string flows_csv;
  std::string w32;
  std::string w33;
  std::string method_json;
};

// Each test gets a fresh data directory with one token per caller (lab1, lab2, analyst,
// admin) and a server on a free port; the city, method and flows go in through the API.
class ApiServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    catalogue_ = new DrugCatalogue(DrugCatalogue::LoadDefault());
    root_ = new fs::path(fs::path(WBE_BINARY_DIR) / "test-output" / "api-server");
    fs::remove_all(*root_);
    SimulateJobOptions options;
    options.out_dir = (*root_ / "sim").string();
    options.seed = 7;
    options.days = 14;
    RunSimulateJob(*catalogue_, options);
    const fs::path inputs = *root_ / "sim" / "inputs";
    inputs_ =
        new SimulatedInputs{ReadFile(inputs / "city.json"), ReadFile(inputs / "flows.csv"),
                            ReadFile(inputs / "lab-batches" / (std::string(kW32) + ".csv")),
                            ReadFile(inputs / "lab-batches" / (std::string(kW33) + ".csv")),
                            ReadFile(DataPath("data-schemas/examples/wbe-demo-lab.method.json"))};
  }
  static void TearDownTestSuite() {
    delete inputs_;
    delete root_;
    delete catalogue_;
  }

  void SetUp() override {
    ASSERT_FALSE(inputs_->w32.empty());
    ASSERT_FALSE(inputs_->w33.empty());
    data_dir_ = *root_ / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(data_dir_);
    fs::create_directories(data_dir_);
    tokens_ = std::make_unique<ApiTokenStore>(data_dir_.string());
    token_["lab1"] = tokens_->Create("lab1", Role::kLab, "test");
    token_["lab2"] = tokens_->Create("lab2", Role::kLab, "test");
    token_["analyst"] = tokens_->Create("analyst", Role::kAnalyst, "test");
    token_["admin"] = tokens_->Create("admin", Role::kAdmin, "test");
    audit_ = std::make_unique<AuditLog>(AuditLog::PathFor(data_dir_.string()));
    OpenService();
    server_ = StartServer(Options());
  }

  void TearDown() override {
    sessions_.clear();
    if (server_) server_->Stop();
    server_.reset();
    if (service_) service_->Shutdown();
    service_.reset();
  }

  ServerOptions Options() const {
    ServerOptions options;
    options.port = 0;
    options.data_dir = data_dir_.string();
    options.threads = 8;
    options.max_in_flight = 6;
    options.estimate_draws = 200;
    return options;
  }

  void OpenService() {
    DataServiceOptions options;
    options.data_dir = data_dir_.string();
    options.estimate_draws = 200;
    service_ = DataService::Open(options, *catalogue_);
  }

  std::unique_ptr<WbeHttpServer> StartServer(const ServerOptions& options) {
    auto server =
        std::make_unique<WbeHttpServer>(options, service_.get(), tokens_.get(), audit_.get());
    server->Start();
    return server;
  }

  std::string TokenOf(const std::string& who) const { return who.empty() ? "" : token_.at(who); }

  // Every reply passes through here: error replies must be the API's JSON error object and
  // never show the server's paths or internals.
  HttpReply Call(const HttpCall& call, uint16_t port = 0) {
    if (port == 0) port = server_->port();
    std::unique_ptr<Poco::Net::HTTPClientSession>& session = sessions_[port];
    if (!session) {
      session = std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1", port);
      session->setTimeout(Poco::Timespan(60, 0));
      session->setKeepAlive(true);
      // Below the server's idle timeout, so a connection is never reused after the server
      // dropped it.
      session->setKeepAliveTimeout(Poco::Timespan(5, 0));
    }
    const HttpReply reply = Send(*session, call);
    if (reply.status >= 400) CheckErrorReply(call, reply);
    return reply;
  }

  void CheckErrorReply(const HttpCall& call, const HttpReply& reply) const {
    const std::string what =
        call.method + " " + call.uri + " -> " + std::to_string(reply.status) + ": " + reply.body;
    EXPECT_EQ(reply.body.find(root_->string()), std::string::npos) << what;
    for (const char* internal : {"Exception", "what()", "terminate called", ".cc:", "#0 "}) {
      EXPECT_EQ(reply.body.find(internal), std::string::npos) << internal << " in " << what;
    }
    const json body = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(body.is_object() && body.contains("error")) << what;
    const json& error = body["error"];
    EXPECT_EQ(error.value("status", 0), reply.status) << what;
    EXPECT_FALSE(error.value("message", "").empty()) << what;
    EXPECT_EQ(error.value("request_id", ""), reply.Header("X-Request-Id")) << what;
    if (error.contains("errors")) {
      ASSERT_TRUE(error["errors"].is_array()) << what;
      for (const json& entry : error["errors"]) {
        for (const char* member : {"file", "row", "column", "message"}) {
          EXPECT_TRUE(entry.contains(member)) << member << " missing in " << what;
        }
      }
    }
  }

  HttpReply Get(const std::string& uri, const std::string& who,
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpCall call;
    call.uri = uri;
    call.token = TokenOf(who);
    call.headers = std::move(headers);
    return Call(call);
  }

  HttpReply Write(const std::string& method, const std::string& uri, const std::string& who,
                  const std::string& body, const std::string& content_type,
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpCall call;
    call.method = method;
    call.uri = uri;
    call.token = TokenOf(who);
    call.body = body;
    call.content_type = content_type;
    call.headers = std::move(headers);
    return Call(call);
  }

  HttpReply Put(const std::string& uri, const std::string& who, const std::string& body) {
    return Write("PUT", uri, who, body, "application/json");
  }

  HttpReply PostBatch(const std::string& who, const std::string& bytes, const std::string& filename,
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    return Write("POST",
                 "/api/v1/batches?method=" + std::string(kMethodName) + "&filename=" + filename,
                 who, bytes, "text/csv", std::move(headers));
  }

  // The city, the lab's method and the flows, set up the way an operator and a lab would.
  void SetUpCityThroughTheApi() {
    ASSERT_EQ(Put("/api/v1/city", "admin", inputs_->city_json).status, 200);
    ASSERT_EQ(
        Put("/api/v1/methods/" + std::string(kMethodName), "admin", inputs_->method_json).status,
        201);
    ASSERT_EQ(
        Write("POST", "/api/v1/flows?filename=flows.csv", "lab1", inputs_->flows_csv, "text/csv")
            .status,
        201);
  }

  json BatchList(const std::string& who, const std::string& query = "") {
    const HttpReply reply = Get("/api/v1/batches" + query, who);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.Json().value("batches", json::array());
  }

  json Measurements(const std::string& who, const std::string& query = "") {
    const HttpReply reply = Get("/api/v1/measurements" + query, who);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.Json().value("measurements", json::array());
  }

  static DrugCatalogue* catalogue_;
  static fs::path* root_;
  static SimulatedInputs* inputs_;

  fs::path data_dir_;
  std::map<std::string, std::string> token_;
  std::unique_ptr<ApiTokenStore> tokens_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<DataService> service_;
  std::unique_ptr<WbeHttpServer> server_;
  std::map<uint16_t, std::unique_ptr<Poco::Net::HTTPClientSession>> sessions_;  // by port
};

DrugCatalogue* ApiServerTest::catalogue_ = nullptr;
fs::path* ApiServerTest::root_ = nullptr;
SimulatedInputs* ApiServerTest::inputs_ = nullptr;

TEST_F(ApiServerTest, ProbesAndTheOpenApiDocumentNeedNoToken) {
  const HttpReply health = Get("/api/v1/health", "");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.Json().value("status", ""), "ok");

  const HttpReply ready = Get("/api/v1/ready", "");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.Json().value("ready", false), true);

  const HttpReply openapi = Get("/api/v1/openapi.json", "");
  EXPECT_EQ(openapi.status, 200);
  EXPECT_EQ(openapi.body, ReadFile(DataPath("data-schemas/openapi.json")));
  EXPECT_EQ(openapi.Json().value("openapi", "").substr(0, 2), "3.");
}

TEST_F(ApiServerTest, LabUploadsBatchesRawAndMultipartAndReadsThemBack) {
  ASSERT_NO_FATAL_FAILURE(SetUpCityThroughTheApi());

  const HttpReply raw = PostBatch("lab1", inputs_->w32, "w32.csv");
  ASSERT_EQ(raw.status, 201) << raw.body;
  const json raw_reply = raw.Json();
  EXPECT_EQ(raw_reply.value("batch_id", ""), kW32);
  EXPECT_EQ(raw_reply.value("version", 0), 1);
  EXPECT_EQ(raw_reply.value("already_ingested", true), false);
  EXPECT_EQ(raw_reply.value("sha256", ""), Sha256Hex(inputs_->w32));
  EXPECT_GT(raw_reply.value("measurements", 0), 0);
  EXPECT_TRUE(raw_reply["qc_report"].is_object());
  EXPECT_EQ(raw.Header("Location"), std::string("/api/v1/batches/") + kW32);

  const MultipartBody with_method_field =
      Multipart({{"method", kMethodName}}, {{"file", "w33.csv", inputs_->w33}});
  const HttpReply field = Write("POST", "/api/v1/batches", "lab1", with_method_field.bytes,
                                with_method_field.content_type);
  ASSERT_EQ(field.status, 201) << field.body;
  EXPECT_EQ(field.Json().value("batch_id", ""), kW33);
  EXPECT_EQ(field.Json().value("source_name", ""), "w33.csv");

  const std::string copy_id = std::string(kW32) + "-copy3";
  const std::string copy = ReplaceAll(inputs_->w32, kW32, copy_id);
  const MultipartBody with_method_file = Multipart(
      {},
      {{"file", "copy3.csv", copy}, {"method", "lab-method.method.json", inputs_->method_json}});
  const HttpReply file = Write("POST", "/api/v1/batches", "lab1", with_method_file.bytes,
                               with_method_file.content_type);
  ASSERT_EQ(file.status, 201) << file.body;
  EXPECT_EQ(file.Json().value("batch_id", ""), copy_id);

  const json list = BatchList("lab1");
  std::set<std::string> listed;
  for (const json& entry : list) {
    listed.insert(entry.value("batch_id", ""));
    EXPECT_EQ(entry.value("current", false), true) << entry.dump();
    EXPECT_EQ(entry.value("uploader", ""), "lab1");
  }
  EXPECT_EQ(listed, (std::set<std::string>{kW32, kW33, copy_id}));

  const HttpReply csv = Get("/api/v1/batches", "analyst", {{"Accept", "text/csv"}});
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.Header("Content-Type").rfind("text/csv", 0), 0u);
  const std::vector<std::string> csv_lines = Lines(csv.body);
  ASSERT_EQ(csv_lines.size(), 4u) << csv.body;
  EXPECT_EQ(csv_lines[0].rfind("batch_id,version,current,", 0), 0u) << csv_lines[0];

  const HttpReply one = Get(std::string("/api/v1/batches/") + kW32, "lab1");
  ASSERT_EQ(one.status, 200) << one.body;
  const json batch = one.Json();
  EXPECT_EQ(batch.value("batch_id", ""), kW32);
  EXPECT_EQ(batch.value("current_version", 0), 1);
  ASSERT_TRUE(batch["qc_report"].is_object());
  EXPECT_FALSE(batch["qc_report"].empty());
  ASSERT_EQ(batch["versions"].size(), 1u);
  EXPECT_EQ(batch["versions"][0].value("sha256", ""), Sha256Hex(inputs_->w32));
  EXPECT_EQ(batch["provenance"].value("source_name", ""), "w32.csv");

  const HttpReply copy_batch = Get("/api/v1/batches/" + copy_id, "analyst");
  ASSERT_EQ(copy_batch.status, 200);
  EXPECT_EQ(copy_batch.Json()["provenance"]["method"].value("file_name", ""),
            "lab-method.method.json");

  for (const auto& [batch_id, bytes] : std::vector<std::pair<std::string, std::string>>{
           {kW32, inputs_->w32}, {kW33, inputs_->w33}, {copy_id, copy}}) {
    const HttpReply archived = Get("/api/v1/batches/" + batch_id + "/raw", "lab1");
    ASSERT_EQ(archived.status, 200) << batch_id;
    EXPECT_TRUE(archived.body == bytes) << batch_id << " differs from what was sent";
    EXPECT_EQ(archived.Header("X-Content-SHA256"), Sha256Hex(bytes));
    EXPECT_EQ(archived.Header("X-Batch-Version"), "1");
  }
  EXPECT_EQ(Get(std::string("/api/v1/batches/") + kW32 + "/raw?version=1", "analyst").body,
            inputs_->w32);
  EXPECT_EQ(Get(std::string("/api/v1/batches/") + kW32 + "?version=2", "analyst").status, 404);

  service_->WaitUntilIdle();
  for (const HttpReply* upload : {&raw, &field, &file}) {
    const std::string job_id = upload->Json()["job"].value("id", "");
    ASSERT_FALSE(job_id.empty()) << upload->body;
    const HttpReply job = Get("/api/v1/jobs/" + job_id, "lab1");
    ASSERT_EQ(job.status, 200) << job.body;
    EXPECT_EQ(job.Json().value("state", ""), "done") << job.body;
    EXPECT_EQ(job.Json().value("id", ""), job_id);
  }
}

TEST_F(ApiServerTest, MethodsAreListedReadAndReplaced) {
  const std::string path = std::string("/api/v1/methods/") + kMethodName;
  const HttpReply created = Put(path, "admin", inputs_->method_json);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.Json().value("sha256", ""), Sha256Hex(inputs_->method_json));
  EXPECT_EQ(created.Header("Location"), path);
  EXPECT_EQ(Put(path, "admin", inputs_->method_json).status, 200);

  const HttpReply list = Get("/api/v1/methods", "lab1");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.Json()["methods"].size(), 1u);
  EXPECT_EQ(list.Json()["methods"][0].value("name", ""), kMethodName);
  EXPECT_EQ(list.Json()["methods"][0].value("sha256", ""), Sha256Hex(inputs_->method_json));

  const HttpReply one = Get(path, "analyst");
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.body, inputs_->method_json);
  EXPECT_EQ(Get("/api/v1/methods/no-such-method", "lab1").status, 404);
  EXPECT_EQ(Put("/api/v1/methods/broken", "admin", "{\"not\": \"a method\"}").status, 422);
  EXPECT_EQ(Get("/api/v1/methods/broken", "admin").status, 404);
}

TEST_F(ApiServerTest, CityPartsAreReadAndReplacedAsAWhole) {
  ASSERT_NO_FATAL_FAILURE(SetUpCityThroughTheApi());
  const json sent = json::parse(inputs_->city_json);

  const HttpReply city = Get("/api/v1/city", "lab1");
  ASSERT_EQ(city.status, 200);
  EXPECT_EQ(city.Json()["sites"].size(), sent["sites"].size());
  EXPECT_EQ(city.Json()["districts"].size(), sent["districts"].size());

  json parts;
  for (const char* part : {"sites", "districts", "network"}) {
    const HttpReply reply = Get(std::string("/api/v1/") + part, "analyst");
    ASSERT_EQ(reply.status, 200) << part;
    ASSERT_TRUE(reply.Json().contains(part)) << reply.body;
    parts[part] = reply.Json()[part];
    EXPECT_EQ(parts[part], city.Json()[part]) << part;
  }
  EXPECT_EQ(parts["network"]["edges"].size(), sent["network"]["edges"].size());

  for (const char* part : {"sites", "districts", "network"}) {
    const HttpReply same =
        Put(std::string("/api/v1/") + part, "admin", json{{part, parts[part]}}.dump());
    ASSERT_EQ(same.status, 200) << part << ": " << same.body;
    EXPECT_EQ(same.Json().value("changed", true), false) << part;
  }
  const HttpReply same_city = Put("/api/v1/city", "admin", inputs_->city_json);
  ASSERT_EQ(same_city.status, 200);
  EXPECT_EQ(same_city.Json().value("changed", true), false);

  json cycle = parts["network"];
  const json first_edge = cycle["edges"][0];
  cycle["edges"].push_back({{"from", first_edge["to"]},
                            {"to", first_edge["from"]},
                            {"sewer_type", "gravity"},
                            {"travel_time_h", 1.0}});
  json unknown_node = parts["network"];
  unknown_node["edges"][0]["to"] = "no-such-node";
  json negative_time = parts["network"];
  negative_time["edges"][0]["travel_time_h"] = -1.0;
  for (const auto& [name, network] :
       std::vector<std::pair<std::string, json>>{{"cycle", cycle},
                                                 {"unknown node", unknown_node},
                                                 {"negative travel time", negative_time}}) {
    const HttpReply bad = Put("/api/v1/network", "admin", json{{"network", network}}.dump());
    EXPECT_EQ(bad.status, 422) << name << ": " << bad.body;
    const json error = bad.Json().value("error", json::object());
    ASSERT_TRUE(error.contains("errors")) << name << ": " << bad.body;
    EXPECT_FALSE(error["errors"].empty()) << name;
  }
  EXPECT_EQ(Get("/api/v1/network", "lab1").Json()["network"], parts["network"]);
  EXPECT_EQ(Put("/api/v1/network", "admin", "{\"nodes\": []}").status, 422);
  EXPECT_EQ(Put("/api/v1/city", "admin", "{not json").status, 422);

  json districts = parts["districts"];
  const std::string first_district = districts[0].value("id", "");
  districts[0]["population"] = districts[0].value("population", 0.0) + 1000.0;
  const HttpReply changed =
      Put("/api/v1/districts", "admin", json{{"districts", districts}}.dump());
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(changed.Json().value("changed", false), true);
  bool found = false;
  const json replaced = Get("/api/v1/districts", "lab1").Json()["districts"];
  for (const json& district : replaced) {
    if (district.value("id", "") != first_district) continue;
    found = true;
    EXPECT_EQ(district.value("population", 0.0), districts[0].value("population", -1.0));
  }
  EXPECT_TRUE(found) << first_district;
}

TEST_F(ApiServerTest, FlowsArriveAsCsvOrJsonAndAreFiltered) {
  ASSERT_NO_FATAL_FAILURE(SetUpCityThroughTheApi());
  const std::vector<std::string> rows = Lines(inputs_->flows_csv);
  ASSERT_GT(rows.size(), 1u);

  const HttpReply again =
      Write("POST", "/api/v1/flows?filename=flows.csv", "lab1", inputs_->flows_csv, "text/csv");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.Json().value("already_ingested", false), true);

  json flow = json::object();
  flow["site_id"] = "WWTP-IN";
  flow["date"] = "2026-09-30";
  flow["flow_m3_per_day"] = 12345.0;
  flow["rain_mm"] = nullptr;
  json one_flow = json::object();
  one_flow["flows"] = json::array({flow});
  const HttpReply posted =
      Write("POST", "/api/v1/flows", "admin", one_flow.dump(), "application/json");
  ASSERT_EQ(posted.status, 201) << posted.body;
  EXPECT_EQ(posted.Json().value("records", 0), 1);

  const HttpReply september = Get("/api/v1/flows?site=WWTP-IN&from=2026-09-01", "analyst");
  ASSERT_EQ(september.status, 200);
  ASSERT_EQ(september.Json()["flows"].size(), 1u) << september.body;
  EXPECT_EQ(september.Json()["flows"][0].value("flow_m3_per_day", 0.0), 12345.0);
  EXPECT_EQ(september.Json()["flows"][0]["rain_mm"], 0.0);
  EXPECT_TRUE(september.Json()["flows"][0]["cod_mg_per_l"].is_null());

  size_t expected = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    const std::vector<std::string> cells = SplitCsvLine(rows[i]);
    if (cells[0] == "MH-A" && cells[1] >= "2026-08-05" && cells[1] <= "2026-08-07") ++expected;
  }
  ASSERT_GT(expected, 0u);
  const HttpReply window = Get("/api/v1/flows?site=MH-A&from=2026-08-05&to=2026-08-07", "lab1");
  ASSERT_EQ(window.status, 200);
  EXPECT_EQ(window.Json()["flows"].size(), expected);
  const json window_flows = window.Json()["flows"];
  for (const json& flow : window_flows) {
    EXPECT_EQ(flow.value("site_id", ""), "MH-A");
    EXPECT_GE(flow.value("date", ""), "2026-08-05");
    EXPECT_LE(flow.value("date", ""), "2026-08-07");
  }

  const HttpReply all = Get("/api/v1/flows", "lab1");
  EXPECT_EQ(all.Json()["flows"].size(), rows.size());  // the CSV rows and the JSON day

  const HttpReply csv = Get("/api/v1/flows?site=MH-A&from=2026-08-05&to=2026-08-07", "analyst",
                            {{"Accept", "text/csv"}});
  const std::vector<std::string> csv_lines = Lines(csv.body);
  ASSERT_EQ(csv_lines.size(), expected + 1);
  EXPECT_EQ(csv_lines[0].rfind("site_id,date,flow_m3_per_day", 0), 0u);

  const HttpReply unknown_site =
      Write("POST", "/api/v1/flows", "lab1",
            "site_id,date,flow_m3_per_day\nNO-SUCH-SITE,2026-08-05,1000\n", "text/csv");
  EXPECT_EQ(unknown_site.status, 422) << unknown_site.body;
}

TEST_F(ApiServerTest, MeasurementsAndEstimatesFollowTheUploads) {
  ASSERT_NO_FATAL_FAILURE(SetUpCityThroughTheApi());
  const HttpReply w32 = PostBatch("lab1", inputs_->w32, "w32.csv");
  const HttpReply w33 = PostBatch("lab1", inputs_->w33, "w33.csv");
  ASSERT_EQ(w32.status, 201) << w32.body;
  ASSERT_EQ(w33.status, 201) << w33.body;
  service_->WaitUntilIdle();

  const json all = Measurements("analyst");
  EXPECT_EQ(static_cast<int>(all.size()),
            w32.Json().value("measurements", 0) + w33.Json().value("measurements", 0));
  std::set<std::pair<std::string, std::string>> measured_site_days;
  std::string site;
  std::string analyte;
  for (const json& m : all) {
    measured_site_days.insert({m.value("site_id", ""), m.value("date", "")});
    site = m.value("site_id", "");
    analyte = m.value("analyte", "");
  }
  ASSERT_FALSE(measured_site_days.empty());

  const json filtered = Measurements(
      "lab1", "?site=" + site + "&analyte=" + analyte + "&from=2026-08-05&to=2026-08-10");
  ASSERT_FALSE(filtered.empty());
  for (const json& m : filtered) {
    EXPECT_EQ(m.value("site_id", ""), site);
    EXPECT_EQ(m.value("analyte", ""), analyte);
    EXPECT_GE(m.value("date", ""), "2026-08-05");
    EXPECT_LE(m.value("date", ""), "2026-08-10");
  }
  const HttpReply measurements_csv =
      Get("/api/v1/measurements?site=" + site, "analyst", {{"Accept", "text/csv"}});
  const std::vector<std::string> measurement_lines = Lines(measurements_csv.body);
  ASSERT_FALSE(measurement_lines.empty());
  EXPECT_EQ(measurement_lines[0].rfind("site_id,date,analyte,concentration_ng_per_l", 0), 0u);
  EXPECT_EQ(measurement_lines.size(), Measurements("analyst", "?site=" + site).size() + 1);

  const HttpReply estimates = Get("/api/v1/estimates", "analyst");
  ASSERT_EQ(estimates.status, 200);
  std::set<std::pair<std::string, std::string>> estimated_site_days;
  const json all_estimates = estimates.Json()["estimates"];
  for (const json& e : all_estimates) {
    estimated_site_days.insert({e.value("site_id", ""), e.value("date", "")});
  }
  for (const auto& site_day : measured_site_days) {
    EXPECT_TRUE(estimated_site_days.count(site_day))
        << "no estimate for " << site_day.first << " " << site_day.second;
  }

  const HttpReply district = Get("/api/v1/estimates?district=A", "analyst");
  ASSERT_EQ(district.status, 200);
  ASSERT_FALSE(district.Json()["estimates"].empty());
  EXPECT_LT(district.Json()["estimates"].size(), estimates.Json()["estimates"].size());
  const json district_estimates = district.Json()["estimates"];
  for (const json& e : district_estimates) {
    EXPECT_TRUE(Strings(e["districts"]).count("A")) << e.dump();
  }
  EXPECT_EQ(Get("/api/v1/estimates?district=NO-SUCH-DISTRICT", "analyst").status, 404);

  const HttpReply csv = Get("/api/v1/estimates?district=A", "analyst", {{"Accept", "text/csv"}});
  ASSERT_EQ(csv.status, 200);
  const std::vector<std::string> lines = Lines(csv.body);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines[0].find("consumption_mg_per_day_per_1000.p05"), std::string::npos) << lines[0];
  EXPECT_EQ(lines.size(), district.Json()["estimates"].size() + 1);

  // The network inversion: per district group, by day or ISO week, with groups and flags.
  const HttpReply weekly =
      Get("/api/v1/estimates?level=district&period=week&drug=methamphetamine", "analyst");
  ASSERT_EQ(weekly.status, 200) << weekly.body;
  EXPECT_EQ(weekly.Json().value("level", ""), "district");
  EXPECT_EQ(weekly.Json()["groups"].size(), 5u);
  std::set<std::string> group_ids;
  const json weekly_rows = weekly.Json()["estimates"];
  for (const json& e : weekly_rows) {
    group_ids.insert(e.value("group_id", ""));
    EXPECT_EQ(e.value("days", 0), 7);
    EXPECT_EQ(e.value("drug", ""), "methamphetamine");
    EXPECT_EQ(e.value("resolved", true), e.value("group_id", "").find('+') == std::string::npos);
    EXPECT_LE(e["consumption_mg_per_day"].value("p05", 0.0),
              e["consumption_mg_per_day"].value("p95", 0.0));
  }
  EXPECT_EQ(group_ids, (std::set<std::string>{"A", "B", "C", "D+E", "F+G+H"}));
  const HttpReply in_d =
      Get("/api/v1/estimates?level=district&district=D&drug=methamphetamine", "analyst");
  ASSERT_EQ(in_d.status, 200);
  const json rows_with_d = in_d.Json()["estimates"];
  ASSERT_FALSE(rows_with_d.empty());
  for (const json& e : rows_with_d) EXPECT_EQ(e.value("group_id", ""), "D+E");
  const HttpReply district_csv =
      Get("/api/v1/estimates?level=district&district=D&drug=methamphetamine", "analyst",
          {{"Accept", "text/csv"}});
  EXPECT_EQ(Lines(district_csv.body).size(), rows_with_d.size() + 1);
  EXPECT_EQ(Get("/api/v1/estimates?level=district&period=month", "analyst").status, 422);
  EXPECT_EQ(Get("/api/v1/estimates?level=street", "analyst").status, 422);
}

TEST_F(ApiServerTest, AdminManagesTokensAndReadsTheAudit) {
  ASSERT_NO_FATAL_FAILURE(SetUpCityThroughTheApi());
  const HttpReply created = Write("POST", "/api/v1/tokens", "admin",
                                  R"({"name": "lab3", "role": "lab"})", "application/json");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string lab3 = created.Json().value("token", "");
  ASSERT_FALSE(lab3.empty());
  token_["lab3"] = lab3;
  EXPECT_EQ(Write("POST", "/api/v1/tokens", "admin", R"({"name": "lab3", "role": "lab"})",
                  "application/json")
                .status,
            409);
  EXPECT_EQ(Write("POST", "/api/v1/tokens", "admin", R"({"name": "x", "role": "boss"})",
                  "application/json")
                .status,
            422);
  EXPECT_EQ(Get("/api/v1/methods", "lab3").status, 200);
  EXPECT_EQ(Get("/api/v1/estimates", "lab3").status, 403);

  const auto token_info = [&](const std::string& name) {
    const HttpReply list = Get("/api/v1/tokens", "admin");
    EXPECT_EQ(list.status, 200);
    const json tokens = list.Json()["tokens"];
    for (const json& info : tokens) {
      EXPECT_FALSE(info.contains("token")) << "a listed token shows its secret";
      if (info.value("name", "") == name) return info;
    }
    return json();
  };
  const json active = token_info("lab3");
  EXPECT_EQ(active.value("role", ""), "lab");
  EXPECT_EQ(active.value("revoked", true), false);
  EXPECT_EQ(active.value("created_by", ""), "admin");

  const HttpReply revoked = Write("DELETE", "/api/v1/tokens/lab3", "admin", "", "");
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  const HttpReply after = Get("/api/v1/methods", "lab3");
  EXPECT_EQ(after.status, 401);
  EXPECT_FALSE(after.Header("WWW-Authenticate").empty());
  EXPECT_EQ(token_info("lab3").value("revoked", false), true);
  EXPECT_EQ(token_info("lab3").value("revoked_by", ""), "admin");
  EXPECT_EQ(Write("DELETE", "/api/v1/tokens/lab3", "admin", "", "").status, 404);

  EXPECT_EQ(PostBatch("analyst", "", "w32.csv").status, 403);
  ASSERT_EQ(PostBatch("lab1", inputs_->w32, "w32.csv").status, 201);

  const HttpReply audit = Get("/api/v1/audit", "admin");
  ASSERT_EQ(audit.status, 200);
  const json records = audit.Json()["records"];
  const auto find = [&](const std::string& actor, const std::string& action, int status,
                        const std::string& outcome) {
    for (const json& record : records) {
      if (record.value("actor", "") == actor && record.value("action", "") == action &&
          record.value("status", 0) == status && record.value("outcome", "") == outcome) {
        return record;
      }
    }
    ADD_FAILURE() << "no audit record " << actor << " " << action << " " << status << " " << outcome
                  << " in " << records.dump();
    return json();
  };
  EXPECT_EQ(find("admin", "PUT /api/v1/city", 200, "replaced").value("role", ""), "admin");
  find("admin", "PUT /api/v1/methods/wbe-demo-lab", 201, "created");
  find("lab1", "POST /api/v1/flows", 201, "created");
  EXPECT_EQ(find("admin", "POST /api/v1/tokens", 201, "created").value("target", ""), "lab3");
  find("admin", "POST /api/v1/tokens", 409, "rejected");
  find("admin", "DELETE /api/v1/tokens/lab3", 200, "revoked");
  find("analyst", "POST /api/v1/batches", 403, "denied");
  EXPECT_EQ(find("lab1", "POST /api/v1/batches", 201, "created").value("target", ""),
            std::string(kW32) + "@v1");
  for (const json& record : records) {
    EXPECT_NE(record.value("action", "").rfind("GET ", 0), 0u) << "a read was audited";
    EXPECT_FALSE(record.value("request_id", "").empty());
  }

  const HttpReply limited = Get("/api/v1/audit?limit=2", "admin");
  ASSERT_EQ(limited.Json()["records"].size(), 2u);
  EXPECT_EQ(limited.Json()["records"][1], records.back());
}

TEST_F(ApiServerTest, EveryRouteAdmitsExactlyTheRolesOfTheContract) {
  token_["bad"] = "wbe_000000000000_" + std::string(64, '0');
  const std::vector<ApiRoute>& routes = server_->routes().routes();
  ASSERT_GT(routes.size(), 20u);
  for (const ApiRoute& route : routes) {
    const std::string key = route.method + " " + route.pattern;
    EXPECT_EQ(route.is_public, IsPublicByContract(route.pattern)) << key;
    for (const std::string who : {"", "bad", "lab1", "analyst", "admin"}) {
      const std::string role = who == "lab1" ? "lab" : who;
      HttpCall call;
      call.method = route.method;
      call.uri = ProbePath(route.pattern);
      call.token = TokenOf(who);
      const HttpReply reply = Call(call);
      const std::string what = key + " as '" + who + "' -> " + std::to_string(reply.status) + ": " +
                               reply.body.substr(0, 200);
      if (IsPublicByContract(route.pattern)) {
        EXPECT_EQ(reply.status, 200) << what;
      } else if (who.empty() || who == "bad") {
        EXPECT_EQ(reply.status, 401) << what;
        EXPECT_EQ(reply.Header("WWW-Authenticate").rfind("Bearer", 0), 0u) << what;
      } else if (AllowedByContract(route.method, route.pattern, role)) {
        EXPECT_NE(reply.status, 401) << what;
        EXPECT_NE(reply.status, 403) << what;
        EXPECT_LT(reply.status, 500) << what;
      } else {
        EXPECT_EQ(reply.status, 403) << what;
      }
    }
  }
}

TEST_F(ApiServerTest, RoutesAndTheirRolesMatchTheOpenApiDocument) {
  const json document = json::parse(ReadFile(DataPath("data-schemas/openapi.json")));
  const json default_security = document.value("security", json::array());
  std::map<std::string, json> documented;
  for (const auto& [path, item] : document["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      static const std::set<std::string> kMethods = {"get", "put", "post", "delete", "patch"};
      if (!kMethods.count(method)) continue;
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented[upper + " " + path] = operation;
    }
  }
  ASSERT_FALSE(documented.empty());

  std::set<std::string> served;
  for (const ApiRoute& route : server_->routes().routes()) {
    const std::string key = route.method + " " + route.pattern;
    served.insert(key);
    const auto doc = documented.find(key);
    if (doc == documented.end()) {
      ADD_FAILURE() << "served but not documented in openapi.json: " << key;
      continue;
    }
    const json& operation = doc->second;
    const bool documented_public = operation.value("security", default_security).empty();
    EXPECT_EQ(route.is_public, documented_public)
        << key << ": server public=" << route.is_public
        << ", openapi security=" << operation.value("security", default_security).dump();
    std::set<std::string> server_roles;
    if (!route.is_public) {
      server_roles.insert(RoleName(Role::kAdmin));
      for (const Role role : route.roles) server_roles.insert(RoleName(role));
    }
    const std::set<std::string> documented_roles =
        Strings(operation.value("x-roles", json::array()));
    EXPECT_EQ(server_roles, documented_roles)
        << key << ": server admits " << Joined(server_roles) << ", openapi x-roles say "
        << Joined(documented_roles);
    for (const std::string role : {"lab", "analyst", "admin"}) {
      EXPECT_EQ(documented_roles.count(role) > 0 || documented_public,
                AllowedByContract(route.method, route.pattern, role))
          << key << ": openapi x-roles " << Joined(documented_roles) << " vs the contract for "
          << role;
    }
  }
  for (const auto& [key, operation] : documented) {
    EXPECT_TRUE(served.count(key)) << "documented in openapi.json but not served: " << key;
  }
}

TEST_F(ApiServerTest, LabsSeeOnlyTheirOwnBatchesAndResults) {
  ASSERT_NO_FATAL_FAILURE(SetUpCityThroughTheApi());
  const std::string lab2_id = "LAB2-2026-W33";
  ASSERT_EQ(PostBatch("lab1", inputs_->w32, "w32.csv").status, 201);
  ASSERT_EQ(PostBatch("lab2", ReplaceAll(inputs_->w33, kW33, lab2_id), "lab2.csv").status, 201);

  const json lab2_list = BatchList("lab2");
  ASSERT_EQ(lab2_list.size(), 1u) << lab2_list.dump();
  EXPECT_EQ(lab2_list[0].value("batch_id", ""), lab2_id);
  const json lab1_list = BatchList("lab1");
  ASSERT_EQ(lab1_list.size(), 1u);
  EXPECT_EQ(lab1_list[0].value("batch_id", ""), kW32);
  EXPECT_EQ(BatchList("analyst").size(), 2u);
  EXPECT_TRUE(BatchList("lab2", std::string("?batch_id=") + kW32).empty());

  const std::string lab1_batch = std::string("/api/v1/batches/") + kW32;
  EXPECT_EQ(Get(lab1_batch, "lab2").status, 403);
  EXPECT_EQ(Get(lab1_batch + "?version=1", "lab2").status, 403);
  const HttpReply raw = Get(lab1_batch + "/raw", "lab2");
  EXPECT_EQ(raw.status, 403);
  EXPECT_EQ(raw.body.find("blank"), std::string::npos) << "the raw bytes leaked";
  EXPECT_EQ(Get(lab1_batch, "lab1").status, 200);
  EXPECT_EQ(Get(lab1_batch + "/raw", "analyst").status, 200);
  EXPECT_EQ(Get("/api/v1/batches/" + lab2_id + "/raw", "lab1").status, 403);

  const json lab2_results = Measurements("lab2");
  ASSERT_FALSE(lab2_results.empty());
  for (const json& m : lab2_results) {
    EXPECT_EQ(m.value("batch_id", "").rfind(lab2_id + "@", 0), 0u) << m.dump();
  }
  const json lab1_results = Measurements("lab1");
  ASSERT_FALSE(lab1_results.empty());
  for (const json& m : lab1_results) {
    EXPECT_EQ(m.value("batch_id", "").rfind(std::string(kW32) + "@", 0), 0u) << m.dump();
  }
  EXPECT_EQ(Measurements("analyst").size(), lab1_results.size() + lab2_results.size());
}

TEST_F(ApiServerTest, LabsCannotTakeOverOrPeekAtAnotherLabsBatchByUploading) {
  ASSERT_NO_FATAL_FAILURE(SetUpCityThroughTheApi());
  ASSERT_EQ(PostBatch("lab1", inputs_->w32, "w32.csv").status, 201);
  const size_t entries_before = service_->Entries()->size();

  // A "correction" of lab1's batch from lab2 is refused and changes nothing.
  const HttpReply takeover = PostBatch("lab2", WithOneAreaCorrected(inputs_->w32), "w32.csv");
  EXPECT_EQ(takeover.status, 403) << takeover.body;
  // lab1's exact bytes from lab2 would answer with lab1's QC report: refused as well.
  const HttpReply peek = PostBatch("lab2", inputs_->w32, "copy.csv");
  EXPECT_EQ(peek.status, 403) << peek.body;
  EXPECT_EQ(peek.body.find("qc_report"), std::string::npos);
  EXPECT_EQ(service_->Entries()->size(), entries_before);
  const json list = BatchList("analyst");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].value("uploader", ""), "lab1");
  EXPECT_TRUE(list[0].value("current", false));

  // The owner and an admin may still send new versions.
  EXPECT_EQ(PostBatch("lab1", WithOneAreaCorrected(inputs_->w32), "w32.csv").status, 201);
}

TEST_F(ApiServerTest, ASlowBodyTimesOutWithoutHoldingTheServer) {
  ServerOptions options = Options();
  options.request_timeout_s = 1;
  options.idle_timeout_s = 1;
  server_->Stop();
  server_ = StartServer(options);
  Poco::Net::StreamSocket slow(Poco::Net::SocketAddress("127.0.0.1", server_->port()));
  slow.setReceiveTimeout(Poco::Timespan(20, 0));
  const std::string head =
      "PUT /api/v1/methods/slow HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Authorization: Bearer " +
      TokenOf("admin") +
      "\r\nContent-Type: application/json\r\n"
      "Content-Length: 1000\r\n\r\n{\"name\":";
  slow.sendBytes(head.data(), static_cast<int>(head.size()));
  // Meanwhile the server answers others.
  EXPECT_EQ(Get("/api/v1/methods", "analyst").status, 200);
  // The stalled body ends in 408 (or a closed connection), well before our own 20 s limit.
  const auto start = std::chrono::steady_clock::now();
  const std::string answer = ReadUntil(slow, "\r\n\r\n");
  const double waited_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(waited_s, 15.0);
  if (!answer.empty()) {
    EXPECT_NE(answer.find(" 408 "), std::string::npos) << answer;
  }
  EXPECT_FALSE(service_->methods().Get("slow").has_value()) << "half a body was stored";
  sessions_.clear();  // this server drops idle connections after 1 s
  const json audit = Get("/api/v1/audit", "admin").Json()["records"];
  ASSERT_FALSE(audit.empty());
  EXPECT_EQ(audit.back().value("action", ""), "PUT /api/v1/methods/slow");
  EXPECT_EQ(audit.back().value("status", 0), 408);
}

TEST_F(ApiServerTest, StoppingLetsARequestInProgressFinish) {
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", server_->port()));
  socket.setReceiveTimeout(Poco::Timespan(30, 0));
  const std::string body = inputs_->method_json;
  const std::string head =
      "PUT /api/v1/methods/late HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Authorization: Bearer " +
      TokenOf("admin") +
      "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  socket.sendBytes(head.data(), static_cast<int>(head.size()));
  ASSERT_NE(ReadUntil(socket, "100 Continue").find("100 Continue"), std::string::npos);
  const uint16_t port = server_->port();
  std::thread stopper([&] { server_->Stop(std::chrono::seconds(20)); });
  // Stop refuses new connections first; wait for that, then finish the request in progress.
  bool refused = false;
  for (int attempt = 0; attempt < 2000 && !refused; ++attempt) {
    try {
      Poco::Net::StreamSocket probe;
      probe.connect(Poco::Net::SocketAddress("127.0.0.1", port), Poco::Timespan(0, 100000));
      probe.close();
    } catch (const Poco::Exception&) {
      refused = true;
    }
  }
  EXPECT_TRUE(refused) << "the server kept accepting after Stop";
  socket.sendBytes(body.data(), static_cast<int>(body.size()));
  const std::string reply = ReadUntil(socket, "\r\n\r\n");
  stopper.join();
  EXPECT_NE(reply.find(" 201 "), std::string::npos) << reply;
  EXPECT_TRUE(service_->methods().Get("late").has_value());
}

TEST_F(ApiServerTest, ASecondServerCannotShareThePort) {
  ServerOptions options = Options();
  options.port = server_->port();
  WbeHttpServer second(options, service_.get(), tokens_.get(), audit_.get());
  EXPECT_THROW(second.Start(), std::runtime_error);
  EXPECT_EQ(Get("/api/v1/health", "").status, 200);
}

TEST_F(ApiServerTest, UploadsAreIdempotentAndCorrectionsAreNewVersions) {
  ASSERT_NO_FATAL_FAILURE(SetUpCityThroughTheApi());
  const HttpReply first = PostBatch("lab1", inputs_->w32, "w32.csv", {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(first.status, 201) << first.body;

  const HttpReply same_bytes = PostBatch("lab1", inputs_->w32, "again.csv");
  ASSERT_EQ(same_bytes.status, 200) << same_bytes.body;
  EXPECT_EQ(same_bytes.Json().value("already_ingested", false), true);
  EXPECT_EQ(same_bytes.Json().value("batch_id", ""), kW32);
  EXPECT_EQ(same_bytes.Json().value("version", 0), 1);
  EXPECT_EQ(same_bytes.Json().value("sha256", ""), first.Json().value("sha256", "x"));
  EXPECT_FALSE(same_bytes.Json().contains("job"));

  const HttpReply same_key =
      PostBatch("lab1", inputs_->w32, "w32.csv", {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(same_key.status, 200) << same_key.body;
  EXPECT_EQ(same_key.Json().value("already_ingested", false), true);
  EXPECT_EQ(same_key.Json().value("version", 0), 1);

  EXPECT_EQ(PostBatch("lab1", inputs_->w33, "w33.csv", {{"Idempotency-Key", "k-1"}}).status, 409);
  EXPECT_EQ(PostBatch("lab1", inputs_->w33, "w33.csv", {{"Idempotency-Key", "two words"}}).status,
            422);
  EXPECT_EQ(PostBatch("lab1", inputs_->w33, "w33.csv", {{"Idempotency-Key", std::string(201, 'k')}})
                .status,
            422);
  EXPECT_EQ(BatchList("lab1").size(), 1u) << "a refused upload was archived";

  const HttpReply corrected = PostBatch("lab1", WithOneAreaCorrected(inputs_->w32), "w32-fix.csv");
  ASSERT_EQ(corrected.status, 201) << corrected.body;
  EXPECT_EQ(corrected.Json().value("batch_id", ""), kW32);
  EXPECT_EQ(corrected.Json().value("version", 0), 2);
  EXPECT_EQ(corrected.Json().value("already_ingested", true), false);
  EXPECT_NE(corrected.Json().value("verdict", ""), "rejected");

  const json versions = BatchList("lab1", std::string("?batch_id=") + kW32);
  ASSERT_EQ(versions.size(), 2u);
  for (const json& entry : versions) {
    EXPECT_EQ(entry.value("current", false), entry.value("version", 0) == 2) << entry.dump();
  }
  const json batch = Get(std::string("/api/v1/batches/") + kW32, "analyst").Json();
  EXPECT_EQ(batch.value("current_version", 0), 2);
  EXPECT_EQ(batch.value("version", 0), 2);
  EXPECT_EQ(batch["versions"].size(), 2u);
  for (const json& m : Measurements("analyst")) {
    EXPECT_EQ(m.value("batch_id", ""), std::string(kW32) + "@v2");
  }
}

TEST_F(ApiServerTest, ErrorsAreJsonWithTheRightStatus) {
  ASSERT_NO_FATAL_FAILURE(SetUpCityThroughTheApi());

  const HttpReply no_token = Get("/api/v1/batches", "");
  EXPECT_EQ(no_token.status, 401);
  EXPECT_EQ(no_token.Header("WWW-Authenticate").rfind("Bearer", 0), 0u);
  token_["forged"] = token_["lab1"].substr(0, token_["lab1"].size() - 1) +
                     (token_["lab1"].back() == '0' ? "1" : "0");
  EXPECT_EQ(Get("/api/v1/batches", "forged").status, 401);
  HttpCall basic;
  basic.uri = "/api/v1/batches";
  basic.headers = {{"Authorization", "Basic bGFiMTpzZWNyZXQ="}};
  EXPECT_EQ(Call(basic).status, 401);

  EXPECT_EQ(PostBatch("analyst", inputs_->w32, "w32.csv").status, 403);
  EXPECT_EQ(Get("/api/v1/estimates", "lab1").status, 403);
  EXPECT_EQ(Get("/api/v1/audit", "analyst").status, 403);

  EXPECT_EQ(Get("/api/v1/no-such-thing", "admin").status, 404);
  EXPECT_EQ(Get("/nothing-here", "").status, 404);
  EXPECT_EQ(Get("/", "").status, 302);  // to the dashboard at /app/
  EXPECT_EQ(Get("/api/v1/batches/NO-SUCH-BATCH", "admin").status, 404);
  EXPECT_EQ(Get("/api/v1/batches/NO-SUCH-BATCH/raw", "lab1").status, 404);
  EXPECT_EQ(Get("/api/v1/jobs/no-such-job", "analyst").status, 404);

  const HttpReply not_allowed = Write("DELETE", "/api/v1/batches", "admin", "", "");
  EXPECT_EQ(not_allowed.status, 405);
  const std::string allow = not_allowed.Header("Allow");
  EXPECT_NE(allow.find("GET"), std::string::npos) << allow;
  EXPECT_NE(allow.find("POST"), std::string::npos) << allow;
  EXPECT_EQ(allow.find("DELETE"), std::string::npos) << allow;
  const HttpReply put_health = Write("PUT", "/api/v1/health", "", "{}", "application/json");
  EXPECT_EQ(put_health.status, 405);
  EXPECT_EQ(put_health.Header("Allow"), "GET");

  EXPECT_EQ(Write("POST", "/api/v1/batches?method=wbe-demo-lab", "lab1", inputs_->w32, "image/png")
                .status,
            415);
  EXPECT_EQ(Write("POST", "/api/v1/flows", "lab1", inputs_->flows_csv, "image/png").status, 415);

  const std::vector<std::string> lines = Lines(inputs_->w32);
  const std::vector<std::string> header = SplitCsvLine(lines[0]);
  const size_t area = std::find(header.begin(), header.end(), "area") - header.begin();
  std::vector<std::string> cells = SplitCsvLine(lines[3]);
  ASSERT_LT(area, cells.size());
  cells[area] = "abc";
  std::string bad_row;
  for (size_t i = 0; i < cells.size(); ++i) bad_row += (i ? "," : "") + cells[i];
  const std::string unparseable =
      lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\n" + bad_row + "\n";
  const HttpReply parse_error = PostBatch("lab1", unparseable, "bad.csv");
  ASSERT_EQ(parse_error.status, 422) << parse_error.body;
  bool named = false;
  const json errors = parse_error.Json()["error"]["errors"];
  for (const json& entry : errors) {
    named = named || (entry.value("file", "") == "bad.csv" && entry.value("row", 0) == 4 &&
                      entry.value("column", "") == "area");
  }
  EXPECT_TRUE(named) << "no entry names bad.csv row 4 column area: " << parse_error.body;

  const HttpReply no_method = Write("POST", "/api/v1/batches", "lab1", inputs_->w32, "text/csv");
  ASSERT_EQ(no_method.status, 422);
  EXPECT_EQ(no_method.Json()["error"]["errors"][0].value("column", ""), "method");
  const HttpReply unknown_method =
      Write("POST", "/api/v1/batches?method=no-such-method", "lab1", inputs_->w32, "text/csv");
  ASSERT_EQ(unknown_method.status, 422);
  EXPECT_EQ(unknown_method.Json()["error"]["errors"][0].value("column", ""), "method");
  EXPECT_EQ(Write("POST", "/api/v1/batches?method=wbe-demo-lab", "lab1", "", "text/csv").status,
            422);

  for (const std::string& uri : {std::string("/api/v1/measurements?from=2026-13-45"),
                                 std::string("/api/v1/flows?to=yesterday"),
                                 std::string("/api/v1/estimates?from=2026-02-30")}) {
    const HttpReply bad_date = Get(uri, "analyst");
    ASSERT_EQ(bad_date.status, 422) << uri;
    EXPECT_FALSE(bad_date.Json()["error"]["errors"].empty()) << uri;
  }
  EXPECT_TRUE(BatchList("admin").empty()) << "a refused upload was archived";
}

TEST_F(ApiServerTest, BodiesOverTheLimitAreRefusedWith413) {
  ServerOptions small = Options();
  small.max_body_bytes = 4096;
  const std::unique_ptr<WbeHttpServer> server = StartServer(small);

  HttpCall declared;
  declared.method = "POST";
  declared.uri = "/api/v1/batches?method=wbe-demo-lab";
  declared.token = token_["lab1"];
  declared.content_type = "text/csv";
  declared.body = inputs_->w32.substr(0, 5000);
  EXPECT_EQ(Call(declared, server->port()).status, 413);

  HttpCall chunked = declared;
  chunked.chunked = true;
  chunked.body = inputs_->w32.substr(0, 16000);
  ASSERT_EQ(chunked.body.size(), 16000u);
  EXPECT_EQ(Call(chunked, server->port()).status, 413);

  HttpCall city = declared;
  city.method = "PUT";
  city.uri = "/api/v1/city";
  city.token = token_["admin"];
  city.content_type = "application/json";
  city.body = std::string(8000, ' ') + "{}";
  city.chunked = true;
  EXPECT_EQ(Call(city, server->port()).status, 413);

  EXPECT_EQ(Call(MakeCall("GET", "/api/v1/health"), server->port()).status, 200);
  EXPECT_TRUE(BatchList("admin").empty());
}

TEST_F(ApiServerTest, SaturatedServerSays503ButStillAnswersProbes) {
  ASSERT_NO_FATAL_FAILURE(SetUpCityThroughTheApi());
  ServerOptions busy = Options();
  busy.threads = 4;
  busy.max_in_flight = 1;
  const std::unique_ptr<WbeHttpServer> server = StartServer(busy);

  Poco::Net::StreamSocket upload(Poco::Net::SocketAddress("127.0.0.1", server->port()));
  upload.setReceiveTimeout(Poco::Timespan(30, 0));
  const std::string head =
      "POST /api/v1/batches?method=wbe-demo-lab&filename=w32.csv HTTP/1.1\r\n"
      "Host: 127.0.0.1\r\n"
      "Authorization: Bearer " +
      token_["lab1"] +
      "\r\n"
      "Content-Type: text/csv\r\n"
      "Content-Length: " +
      std::to_string(inputs_->w32.size()) +
      "\r\n"
      "Expect: 100-continue\r\n\r\n";
  upload.sendBytes(head.data(), static_cast<int>(head.size()));
  const std::string interim = ReadUntil(upload, "\r\n\r\n");
  ASSERT_EQ(interim.rfind("HTTP/1.1 100 Continue", 0), 0u) << interim;

  const HttpReply refused =
      Call(MakeCall("GET", "/api/v1/methods", token_["lab1"]), server->port());
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.Header("Retry-After"), std::to_string(busy.retry_after_s));
  const HttpReply refused_upload = Call(MakeCall("POST", "/api/v1/batches?method=wbe-demo-lab",
                                                 token_["lab1"], inputs_->w33, "text/csv"),
                                        server->port());
  EXPECT_EQ(refused_upload.status, 503);
  EXPECT_EQ(Call(MakeCall("GET", "/api/v1/health"), server->port()).status, 200);
  EXPECT_EQ(Call(MakeCall("GET", "/api/v1/ready"), server->port()).status, 200);

  upload.sendBytes(inputs_->w32.data(), static_cast<int>(inputs_->w32.size()));
  const std::string reply =
      ReadUntil(upload, "\r\n\r\n", interim.substr(interim.find("\r\n\r\n") + 4));
  EXPECT_EQ(reply.rfind("HTTP/1.1 201", 0), 0u) << reply.substr(0, 300);
  upload.close();
  ASSERT_EQ(BatchList("admin").size(), 1u) << "the refused upload was archived";
  EXPECT_EQ(BatchList("admin")[0].value("batch_id", ""), kW32);
}

TEST_F(ApiServerTest, RestartKeepsEveryBatchByteForByte) {
  ASSERT_NO_FATAL_FAILURE(SetUpCityThroughTheApi());
  const std::string lab2_id = "LAB2-2026-W33";
  std::map<std::pair<std::string, int>, std::string> sent;
  const auto upload = [&](const std::string& who, const std::string& bytes) {
    const HttpReply reply = PostBatch(who, bytes, "batch.csv");
    ASSERT_EQ(reply.status, 201) << reply.body;
    sent[{reply.Json().value("batch_id", ""), reply.Json().value("version", 0)}] = bytes;
  };
  ASSERT_NO_FATAL_FAILURE(upload("lab1", inputs_->w32));
  ASSERT_NO_FATAL_FAILURE(upload("lab1", inputs_->w33));
  ASSERT_NO_FATAL_FAILURE(upload("lab1", WithOneAreaCorrected(inputs_->w32)));
  ASSERT_NO_FATAL_FAILURE(upload("lab2", ReplaceAll(inputs_->w33, kW33, lab2_id)));
  ASSERT_EQ(sent.size(), 4u);
  service_->WaitUntilIdle();
  const size_t estimates_before = Get("/api/v1/estimates", "analyst").Json()["estimates"].size();
  ASSERT_GT(estimates_before, 0u);

  sessions_.clear();
  server_->Stop();
  server_.reset();
  service_->Shutdown();
  service_.reset();
  OpenService();
  server_ = StartServer(Options());
  service_->WaitUntilIdle();

  const json list = BatchList("admin");
  std::set<std::pair<std::string, int>> listed;
  for (const json& entry : list) {
    const std::pair<std::string, int> key = {entry.value("batch_id", ""),
                                             entry.value("version", 0)};
    listed.insert(key);
    ASSERT_TRUE(sent.count(key)) << entry.dump();
    EXPECT_EQ(entry.value("sha256", ""), Sha256Hex(sent[key]));
  }
  EXPECT_EQ(listed.size(), sent.size());
  for (const auto& [key, bytes] : sent) {
    const HttpReply raw = Get(
        "/api/v1/batches/" + key.first + "/raw?version=" + std::to_string(key.second), "analyst");
    ASSERT_EQ(raw.status, 200) << key.first;
    EXPECT_TRUE(raw.body == bytes) << key.first << " v" << key.second << " changed";
    EXPECT_EQ(raw.Header("X-Content-SHA256"), Sha256Hex(bytes));
  }

  const HttpReply ready = Get("/api/v1/ready", "");
  ASSERT_EQ(ready.status, 200) << ready.body;
  const json state = ready.Json();
  EXPECT_EQ(state.value("store_seq", -1), state.value("manifest_seq", -2)) << ready.body;
  EXPECT_EQ(state.value("manifest_seq", 0), 6) << "city, flows and four batches";
  EXPECT_EQ(state.value("pending_jobs", -1), 0);
  EXPECT_EQ(Get("/api/v1/estimates", "analyst").Json()["estimates"].size(), estimates_before);
  EXPECT_EQ(Get(std::string("/api/v1/batches/") + kW32, "lab1").Json().value("current_version", 0),
            2);
}

}  // namespace
}  // namespace wbe
