// GET /api/v1/alerts, /api/v1/forecasts, /api/v1/reports/{week} and /api/v1/series on an
// in-process server over a simulated data directory whose district estimates the service made.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/catalogue/drug_catalogue.h"
#include "models/core/text_files.h"
#include "pipeline/audit/audit_log.h"
#include "pipeline/auth/api_token_store.h"
#include "pipeline/jobs/alerts_job.h"
#include "pipeline/jobs/simulate_job.h"
#include "pipeline/server/wbe_http_server.h"
#include "pipeline/service/data_service.h"
#include "tests/pipeline/server/http_test_client.h"

namespace wbe {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using Reply = HttpReply;

// One data directory, service and server for the whole suite: the simulation and the
// estimation take most of the time.
class ReportRoutesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    catalogue_ = new DrugCatalogue(DrugCatalogue::LoadDefault());
    root_ = new fs::path(fs::path(WBE_BINARY_DIR) / "test-output" / "report-routes");
    fs::remove_all(*root_);
    SimulateJobOptions simulate;
    simulate.out_dir = (*root_ / "data").string();
    simulate.seed = 23;
    simulate.days = 84;  // screening needs 8 weeks of history before the reported week
    RunSimulateJob(*catalogue_, simulate);
    const std::string data_dir = simulate.out_dir;
    tokens_ = new ApiTokenStore(data_dir);
    token_ = new std::map<std::string, std::string>{
        {"lab", tokens_->Create("lab1", Role::kLab, "test")},
        {"analyst", tokens_->Create("analyst", Role::kAnalyst, "test")},
        {"admin", tokens_->Create("admin", Role::kAdmin, "test")}};
    audit_ = new AuditLog(AuditLog::PathFor(data_dir));
    DataServiceOptions options;
    options.data_dir = data_dir;
    options.estimate_draws = 200;
    options.estimate_threads = 2;
    const auto start = std::chrono::steady_clock::now();
    service_ = DataService::Open(options, *catalogue_).release();
    service_->WaitUntilIdle();  // the start-up re-estimation: sites, then districts
    std::printf("data service ready in %.1f s\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    ServerOptions server_options;
    server_options.port = 0;
    server_options.data_dir = data_dir;
    server_options.threads = 8;
    server_options.max_in_flight = 6;
    server_ = new WbeHttpServer(server_options, service_, tokens_, audit_);
    server_->Start();
  }
  static void TearDownTestSuite() {
    server_->Stop();
    delete server_;
    service_->Shutdown();
    delete service_;
    delete audit_;
    delete token_;
    delete tokens_;
    delete root_;
    delete catalogue_;
  }

  static Reply Get(const std::string& uri, const std::string& who, uint16_t port = 0) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!who.empty()) headers.emplace_back("Authorization", "Bearer " + token_->at(who));
    return SendHttp(port != 0 ? port : server_->port(), "GET", uri, headers, 300);
  }

  static std::string StorePath() { return (*root_ / "data" / "wbe-store.h5").string(); }

  // The last day of the daily district estimates the service holds.
  static DayIndex LastEstimatedDay() {
    const auto contents = service_->Snapshot();
    EXPECT_FALSE(contents->district_estimates.empty());
    DayIndex last = 0;
    for (const DistrictEstimate& e : contents->district_estimates) {
      last = std::max(last, e.start_day);
    }
    return last;
  }

  // The last ISO week the estimates cover completely.
  static IsoWeek LastCompleteWeek() {
    const DayIndex last = LastEstimatedDay();
    return IsoWeekOf(last - (IsoWeekday(last) + 1) % 7);
  }

  static std::string ErrorMessage(const Reply& reply) {
    const json body = reply.Json();
    return body.is_object() && body.contains("error") ? body["error"].value("message", "") : "";
  }

  static DrugCatalogue* catalogue_;
  static fs::path* root_;
  static ApiTokenStore* tokens_;
  static std::map<std::string, std::string>* token_;
  static AuditLog* audit_;
  static DataService* service_;
  static WbeHttpServer* server_;
};

DrugCatalogue* ReportRoutesTest::catalogue_ = nullptr;
fs::path* ReportRoutesTest::root_ = nullptr;
ApiTokenStore* ReportRoutesTest::tokens_ = nullptr;
std::map<std::string, std::string>* ReportRoutesTest::token_ = nullptr;
AuditLog* ReportRoutesTest::audit_ = nullptr;
DataService* ReportRoutesTest::service_ = nullptr;
WbeHttpServer* ReportRoutesTest::server_ = nullptr;

TEST_F(ReportRoutesTest, ReportsAreByteForByteWhatWbeAlertsWrites) {
  const std::string week = LastCompleteWeek().ToString();
  const Reply json_reply = Get("/api/v1/reports/" + week, "analyst");
  ASSERT_EQ(json_reply.status, 200) << json_reply.body.substr(0, 400);
  EXPECT_EQ(json_reply.content_type.rfind("application/json", 0), 0u) << json_reply.content_type;
  EXPECT_EQ(json_reply.Json().value("week", ""), week);

  // `wbe alerts` on the store file the service wrote.
  AlertsJobOptions options;
  options.week = ParseIsoWeek(week);
  const fs::path out = *root_ / "cli-report";
  const AlertsJobResult cli = RunAlertsJob(*catalogue_, StorePath(), out.string(), options);
  EXPECT_EQ(json_reply.body, ReadWholeFile(cli.files.json));

  const Reply csv = Get("/api/v1/reports/" + week + "?format=csv", "analyst");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.content_type.rfind("text/csv", 0), 0u) << csv.content_type;
  EXPECT_EQ(csv.body, ReadWholeFile(cli.files.alerts_csv));
  const Reply html = Get("/api/v1/reports/" + week + "?format=html", "admin");
  ASSERT_EQ(html.status, 200);
  EXPECT_EQ(html.content_type.rfind("text/html", 0), 0u) << html.content_type;
  EXPECT_EQ(html.body, ReadWholeFile(cli.files.html));
  EXPECT_NE(html.body.find("<svg"), std::string::npos);
}

TEST_F(ReportRoutesTest, AlertsDefaultToTheLastCompleteWeekAndAreCachedPerSnapshot) {
  // An earlier week first (seven weeks of history are enough for nothing, so take the last but
  // one), computed once, then served from the cache.
  const IsoWeek last = LastCompleteWeek();
  const std::string earlier = IsoWeekOf(MondayOfIsoWeek(last) - 7).ToString();
  const Reply first = Get("/api/v1/alerts?week=" + earlier, "analyst");
  ASSERT_EQ(first.status, 200) << first.body.substr(0, 400);
  const Reply again = Get("/api/v1/alerts?week=" + earlier, "analyst");
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.body, first.body);
  std::printf("GET /alerts?week=%s: %.0f ms computed, %.1f ms cached\n", earlier.c_str(), first.ms,
              again.ms);
  EXPECT_LT(again.ms * 5, first.ms) << "the second request should not screen again";

  const json alerts = first.Json();
  EXPECT_EQ(alerts.value("week", ""), earlier);
  for (const char* member : {"monday", "sunday", "summary", "ranking", "alerts"}) {
    EXPECT_TRUE(alerts.contains(member)) << member;
  }
  EXPECT_FALSE(alerts.contains("series")) << "series belong to /forecasts";
  EXPECT_GT(alerts["ranking"].size(), 0u);

  const Reply latest = Get("/api/v1/alerts", "analyst");
  ASSERT_EQ(latest.status, 200) << latest.body.substr(0, 400);
  EXPECT_EQ(latest.Json().value("week", ""), last.ToString());
  // The same as the whole report's parts.
  const json report = Get("/api/v1/reports/" + last.ToString(), "analyst").Json();
  EXPECT_EQ(latest.Json()["alerts"], report["alerts"]);
  EXPECT_EQ(latest.Json()["ranking"], report["ranking"]);
  EXPECT_EQ(latest.Json()["summary"], report["summary"]);
}

TEST_F(ReportRoutesTest, ForecastsAreTheReportsSeriesFiltered) {
  const std::string week = LastCompleteWeek().ToString();
  const json report = Get("/api/v1/reports/" + week, "analyst").Json();
  ASSERT_TRUE(report.contains("series"));
  const Reply all = Get("/api/v1/forecasts", "analyst");
  ASSERT_EQ(all.status, 200) << all.body.substr(0, 400);
  EXPECT_EQ(all.Json()["series"], report["series"]);

  size_t meth_series = 0;
  for (const json& s : report["series"]) meth_series += s.value("drug", "") == "methamphetamine";
  ASSERT_GT(meth_series, 0u);
  const json meth =
      Get("/api/v1/forecasts?week=" + week + "&drug=methamphetamine", "analyst").Json();
  EXPECT_EQ(meth["series"].size(), meth_series);
  for (const json& s : meth["series"]) {
    EXPECT_EQ(s.value("drug", ""), "methamphetamine");
    ASSERT_FALSE(s["forecast"].empty());
    const json& ahead = s["forecast"][0];
    EXPECT_LE(ahead.value("p025", 0.0), ahead.value("median", -1.0));
    EXPECT_LE(ahead.value("median", 0.0), ahead.value("p975", -1.0));
  }
  // A district finds the group it belongs to (D and E only as their sum).
  const json d = Get("/api/v1/forecasts?drug=methamphetamine&group=D", "analyst").Json();
  ASSERT_FALSE(d["series"].empty());
  for (const json& s : d["series"]) {
    const std::string ids = "," + s.value("district_ids", "") + ",";  // "D,E"
    EXPECT_NE(ids.find(",D,"), std::string::npos) << s.value("group_id", "");
  }
  const Reply unknown = Get("/api/v1/forecasts?group=NO-SUCH-GROUP", "analyst");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
}

TEST_F(ReportRoutesTest, BadOrUnfinishedWeeksAre422WithAClearMessage) {
  for (const std::string uri : {"/api/v1/alerts?week=2026-W99", "/api/v1/forecasts?week=last-week",
                                "/api/v1/reports/2026-W99", "/api/v1/reports/2026-48"}) {
    const Reply reply = Get(uri, "analyst");
    EXPECT_EQ(reply.status, 422) << uri << ": " << reply.body;
    EXPECT_NE(ErrorMessage(reply).find("ISO week"), std::string::npos) << uri << ": " << reply.body;
  }
  // A week that has not ended yet, by the calendar.
  const std::string next_week = IsoWeekOf(TodayUtc() + 7).ToString();
  const Reply future = Get("/api/v1/reports/" + next_week, "analyst");
  EXPECT_EQ(future.status, 422) << future.body;
  EXPECT_NE(ErrorMessage(future).find("has not ended"), std::string::npos) << future.body;
  // Over by the calendar, but not in the data.
  const std::string after_data = IsoWeekOf(LastEstimatedDay() + 7).ToString();
  const Reply beyond = Get("/api/v1/alerts?week=" + after_data, "analyst");
  EXPECT_EQ(beyond.status, 422) << beyond.body;
  EXPECT_NE(ErrorMessage(beyond).find("district estimates run to"), std::string::npos)
      << beyond.body;
  EXPECT_EQ(beyond.body.find(root_->string()), std::string::npos) << "a server path leaked";
  const Reply format =
      Get("/api/v1/reports/" + LastCompleteWeek().ToString() + "?format=pdf", "analyst");
  EXPECT_EQ(format.status, 422) << format.body;
}

TEST_F(ReportRoutesTest, AnalystsAndAdminsMayReadReportsLabsMayNot) {
  const std::string week = LastCompleteWeek().ToString();
  for (const std::string& uri :
       std::vector<std::string>{"/api/v1/alerts", "/api/v1/forecasts", "/api/v1/reports/" + week}) {
    EXPECT_EQ(Get(uri, "").status, 401) << uri;
    EXPECT_EQ(Get(uri, "lab").status, 403) << uri;
    EXPECT_EQ(Get(uri, "analyst").status, 200) << uri;
    EXPECT_EQ(Get(uri, "admin").status, 200) << uri;
  }
}

// The columns hold exactly the rows /estimates gives, each in its group's array at its date.
TEST_F(ReportRoutesTest, SeriesAreTheDistrictEstimatesAsColumns) {
  for (const std::string period : {"day", "week"}) {
    const json rows =
        Get("/api/v1/estimates?level=district&drug=methamphetamine&period=" + period, "analyst")
            .Json();
    const Reply reply = Get("/api/v1/series?drug=methamphetamine&period=" + period, "analyst");
    ASSERT_EQ(reply.status, 200) << reply.body;
    const json series = reply.Json();
    EXPECT_EQ(series["unit"], "mg/day/1000 inhabitants");
    const json& dates = series["dates"];
    std::map<std::string, const json*> group_of;
    for (const json& g : series["groups"]) {
      group_of[g["group_id"].get<std::string>()] = &g;
      EXPECT_EQ(g["median"].size(), dates.size());
      EXPECT_FALSE(g["provenance"]["batch_ids"].empty());
    }
    ASSERT_FALSE(rows["estimates"].empty());
    size_t values = 0;
    for (const json& row : rows["estimates"]) {
      const std::string id = row["group_id"];
      ASSERT_TRUE(group_of.count(id)) << id;
      const auto at = std::find(dates.begin(), dates.end(), row["start_date"]) - dates.begin();
      ASSERT_LT(static_cast<size_t>(at), dates.size()) << row["start_date"];
      const json& value = row["consumption_mg_per_day_per_1000"];
      EXPECT_EQ((*group_of[id])["median"][at], value["median"]) << id << " " << row["start_date"];
      EXPECT_EQ((*group_of[id])["p05"][at], value["p05"]) << id << " " << row["start_date"];
      EXPECT_EQ((*group_of[id])["p95"][at], value["p95"]) << id << " " << row["start_date"];
      ++values;
    }
    size_t cells = 0;
    for (const auto& [id, g] : group_of) {
      for (const json& v : (*g)["median"]) cells += v.is_null() ? 0 : 1;
    }
    EXPECT_EQ(cells, values) << "a value in the columns that is not a row of /estimates";
    // Smaller than the rows: the point of the route.
    EXPECT_LT(
        reply.body.size() * 4,
        Get("/api/v1/estimates?level=district&drug=methamphetamine&period=" + period, "analyst")
            .body.size());
  }
  const json users =
      Get("/api/v1/series?drug=ketamine&measure=users&from=2026-01-01", "analyst").Json();
  EXPECT_EQ(users["unit"], "users");
  EXPECT_EQ(Get("/api/v1/series", "analyst").status, 422);
  EXPECT_EQ(Get("/api/v1/series?drug=methamphetamine&measure=doses", "analyst").status, 422);
  EXPECT_EQ(Get("/api/v1/series?drug=methamphetamine&period=month", "analyst").status, 422);
  EXPECT_EQ(Get("/api/v1/series?drug=methamphetamine", "lab").status, 403);
}

// After the start-up re-estimation settles, the server computes the latest week's report before
// anyone asks (ServerOptions::warm_reports): the first analyst gets it from the cache.
TEST_F(ReportRoutesTest, TheLatestReportIsWarmBeforeAnyoneAsks) {
  ServerOptions options;
  options.port = 0;
  options.data_dir = (*root_ / "data").string();
  options.threads = 4;
  options.max_in_flight = 2;
  WbeHttpServer server(options, service_, tokens_, audit_);
  server.Start();
  ASSERT_TRUE(server.reports().WaitForWarm(1, std::chrono::minutes(5)));
  EXPECT_EQ(server.reports().computed(), 1u);
  EXPECT_EQ(Get("/api/v1/alerts", "analyst", server.port()).status, 200);
  EXPECT_EQ(Get("/api/v1/forecasts", "analyst", server.port()).status, 200);
  EXPECT_EQ(server.reports().computed(), 1u) << "the warmed report was computed again";
  server.Stop();
}

// The drug pickers' list: the whole catalogue, flagged by what the store has estimates for.
TEST_F(ReportRoutesTest, DrugsAreTheCatalogueWithWhatTheStoreEstimated) {
  const Reply reply = Get("/api/v1/drugs", "lab");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json drugs = reply.Json()["drugs"];
  ASSERT_EQ(drugs.size(), catalogue_->drugs().size());
  const Reply rows = Get("/api/v1/estimates?level=district&period=week", "analyst");
  ASSERT_EQ(rows.status, 200) << rows.body.substr(0, 300);
  const json rows_json = rows.Json();
  ASSERT_TRUE(rows_json.contains("estimates")) << rows.body.substr(0, 300);
  std::set<std::string> estimated;
  for (const json& row : rows_json["estimates"]) estimated.insert(row["drug"].get<std::string>());
  std::set<std::string> flagged;
  for (const json& d : drugs) {
    const Drug& drug = catalogue_->GetDrug(d["name"]);
    if (d["district_estimates"].get<bool>()) flagged.insert(drug.name);
    EXPECT_EQ(d["consumption_estimated"], drug.PreferredRoute().excretion_fraction.known())
        << drug.name;
    EXPECT_EQ(d["preferred_biomarker"], drug.PreferredRoute().biomarker) << drug.name;
  }
  EXPECT_EQ(flagged, estimated);
  const auto meth = std::find_if(drugs.begin(), drugs.end(),
                                 [](const json& d) { return d["name"] == "methamphetamine"; });
  ASSERT_NE(meth, drugs.end());
  EXPECT_EQ((*meth)["name_zh"], "甲基苯丙胺");
}

TEST_F(ReportRoutesTest, AStoreWithoutDistrictEstimatesSays404) {
  const fs::path empty_dir = *root_ / "empty";
  fs::create_directories(empty_dir);
  ApiTokenStore tokens(empty_dir.string());
  const std::string analyst = tokens.Create("analyst", Role::kAnalyst, "test");
  AuditLog audit(AuditLog::PathFor(empty_dir.string()));
  DataServiceOptions options;
  options.data_dir = empty_dir.string();
  std::unique_ptr<DataService> service = DataService::Open(options, *catalogue_);
  ServerOptions server_options;
  server_options.port = 0;
  server_options.data_dir = empty_dir.string();
  server_options.threads = 4;
  server_options.max_in_flight = 2;
  WbeHttpServer server(server_options, service.get(), &tokens, &audit);
  server.Start();
  for (const std::string uri :
       {"/api/v1/alerts", "/api/v1/forecasts", "/api/v1/reports/2026-W40"}) {
    Poco::Net::HTTPClientSession session("127.0.0.1", server.port());
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, uri,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Authorization", "Bearer " + analyst);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
    EXPECT_EQ(static_cast<int>(response.getStatus()), 404) << uri << ": " << body;
    EXPECT_NE(body.find("no district estimates"), std::string::npos) << body;
  }
  server.Stop();
  service->Shutdown();
}

}  // namespace
}  // namespace wbe
