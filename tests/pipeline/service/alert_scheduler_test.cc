#include "pipeline/service/alert_scheduler.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/catalogue/drug_catalogue.h"
#include "models/core/input_error.h"
#include "pipeline/store/hdf5_store.h"
#include "tests/pipeline/service/simulated_district_store.h"

namespace wbe {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;

// A moment on the local wall clock (the machine's time zone), as the schedule reads it.
SystemTime Local(int year, int month, int day, int hour, int minute, int second = 0) {
  std::tm local{};
  local.tm_year = year - 1900;
  local.tm_mon = month - 1;
  local.tm_mday = day;
  local.tm_hour = hour;
  local.tm_min = minute;
  local.tm_sec = second;
  local.tm_isdst = -1;
  return std::chrono::system_clock::from_time_t(std::mktime(&local));
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::vector<json> JsonLines(const fs::path& path) {
  std::vector<json> lines;
  std::istringstream in(ReadFile(path));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(json::parse(line));
  }
  return lines;
}

// ---- a loopback webhook receiver: answers each POST with the next scripted status

struct ReceivedPost {
  std::string content_type;
  std::string week_header;
  std::string attempt_header;
  std::string body;
};

class WebhookReceiver {
 public:
  // `statuses`: the reply to the 1st, 2nd ... POST; the last one repeats.
  explicit WebhookReceiver(std::vector<int> statuses) : statuses_(std::move(statuses)) {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    port_ = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(2);
    params->setKeepAlive(false);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(this), socket, params);
    server_->start();
  }
  ~WebhookReceiver() { server_->stopAll(true); }

  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hooks/wbe"; }

  std::vector<ReceivedPost> Posts() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return posts_;
  }
  // Blocks until `count` POSTs have arrived or `timeout` passed; whether they arrived.
  bool WaitForPosts(size_t count, milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return posts_.size() >= count; });
  }

 private:
  class Handler : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(WebhookReceiver* owner) : owner_(owner) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      ReceivedPost post;
      post.content_type = request.getContentType();
      post.week_header = request.get("X-Wbe-Week", "");
      post.attempt_header = request.get("X-Wbe-Delivery-Attempt", "");
      Poco::StreamCopier::copyToString(request.stream(), post.body);
      int status = 200;
      {
        std::lock_guard<std::mutex> lock(owner_->mutex_);
        const size_t index = std::min(owner_->posts_.size(), owner_->statuses_.size() - 1);
        status = owner_->statuses_[index];
        owner_->posts_.push_back(std::move(post));
      }
      owner_->arrived_.notify_all();
      response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
      response.setContentLength(2);
      response.send() << "ok";
    }

   private:
    WebhookReceiver* owner_;
  };
  class Factory : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(WebhookReceiver* owner) : owner_(owner) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
      return new Handler(owner_);
    }

   private:
    WebhookReceiver* owner_;
  };

  std::vector<int> statuses_;
  uint16_t port_ = 0;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::vector<ReceivedPost> posts_;
};

// A port nothing listens on (bound, then closed).
std::string RefusingUrl() {
  uint16_t port = 0;
  {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    port = socket.address().port();
  }
  return "http://127.0.0.1:" + std::to_string(port) + "/nobody";
}

// ---- schedule parsing and the next moment

TEST(WeeklyScheduleTest, ParsesDayAndTimeAndOff) {
  const WeeklySchedule monday = WeeklySchedule::Parse("MON 08:00");
  EXPECT_TRUE(monday.enabled);
  EXPECT_EQ(monday.iso_weekday, 1);
  EXPECT_EQ(monday.hour, 8);
  EXPECT_EQ(monday.minute, 0);
  EXPECT_EQ(monday.ToString(), "MON 08:00");
  const WeeklySchedule sunday = WeeklySchedule::Parse("  sun 7:05 ");
  EXPECT_EQ(sunday.iso_weekday, 7);
  EXPECT_EQ(sunday.hour, 7);
  EXPECT_EQ(sunday.minute, 5);
  EXPECT_EQ(sunday.ToString(), "SUN 07:05");
  EXPECT_FALSE(WeeklySchedule::Parse("off").enabled);
  EXPECT_EQ(WeeklySchedule::Parse("OFF").ToString(), "off");
  EXPECT_EQ(WeeklySchedule().ToString(), "MON 08:00");  // the default
}

TEST(WeeklyScheduleTest, RefusesMalformedSchedulesSayingWhatIsExpected) {
  for (const char* bad : {"", "MON", "MON 8", "MON 24:00", "MON 08:60", "MONDAY 08:00", "XYZ 08:00",
                          "08:00 MON", "MON 08:00:00", "MON08:00"}) {
    try {
      WeeklySchedule::Parse(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(std::string("'") + bad + "'"), std::string::npos) << message;
      EXPECT_TRUE(message.find("MON 08:00") != std::string::npos ||
                  message.find("00:00-23:59") != std::string::npos)
          << message;
    }
  }
}

TEST(WeeklyScheduleTest, NextAndLastMomentsAroundMondayEightOClock) {
  const WeeklySchedule schedule = WeeklySchedule::Parse("MON 08:00");
  // 2026-11-30 is a Monday.
  const SystemTime this_monday = Local(2026, 11, 30, 8, 0);
  const SystemTime last_monday = Local(2026, 11, 23, 8, 0);
  const SystemTime next_monday = Local(2026, 12, 7, 8, 0);
  // 07:59: due later today; the last moment was a week ago.
  EXPECT_EQ(schedule.NextAfter(Local(2026, 11, 30, 7, 59)), this_monday);
  EXPECT_EQ(schedule.LastAtOrBefore(Local(2026, 11, 30, 7, 59)), last_monday);
  EXPECT_EQ(schedule.LastAtOrBefore(Local(2026, 11, 30, 7, 59, 59)), last_monday);
  // 08:00 sharp: due now; the next one is next week.
  EXPECT_EQ(schedule.LastAtOrBefore(this_monday), this_monday);
  EXPECT_EQ(schedule.NextAfter(this_monday), next_monday);
  // 08:01: just done.
  EXPECT_EQ(schedule.LastAtOrBefore(Local(2026, 11, 30, 8, 1)), this_monday);
  EXPECT_EQ(schedule.NextAfter(Local(2026, 11, 30, 8, 1)), next_monday);
  // Sunday night, just before midnight: tomorrow morning.
  EXPECT_EQ(schedule.NextAfter(Local(2026, 11, 29, 23, 59, 59)), this_monday);
  EXPECT_EQ(schedule.LastAtOrBefore(Local(2026, 11, 29, 23, 59, 59)), last_monday);
  // Across a year end: Wednesday 2026-12-30 -> Monday 2027-01-04.
  EXPECT_EQ(schedule.NextAfter(Local(2026, 12, 30, 12, 0)), Local(2027, 1, 4, 8, 0));
  // Another day and time: Sunday 23:30, asked on Sunday 23:45 and on Monday.
  const WeeklySchedule sunday = WeeklySchedule::Parse("SUN 23:30");
  EXPECT_EQ(sunday.LastAtOrBefore(Local(2026, 11, 29, 23, 45)), Local(2026, 11, 29, 23, 30));
  EXPECT_EQ(sunday.NextAfter(Local(2026, 11, 30, 0, 0)), Local(2026, 12, 6, 23, 30));
  EXPECT_EQ(LocalDayOf(Local(2026, 11, 30, 0, 0, 1)), DayFromCivil(2026, 11, 30));
}

TEST(WeeklyScheduleTest, FollowsTheMachinesTimeZone) {
  // POSIX TZ "CST-8" is UTC+8 (Beijing) without needing tzdata.
  const char* old = std::getenv("TZ");
  const std::string saved = old != nullptr ? old : "";
  setenv("TZ", "CST-8", 1);
  tzset();
  const WeeklySchedule schedule = WeeklySchedule::Parse("MON 08:00");
  // Sunday 2026-11-29 23:59 UTC is Monday 07:59 in Beijing: due at 00:00 UTC.
  const SystemTime sunday_night_utc =
      std::chrono::system_clock::from_time_t(1795996740);  // 2026-11-29T23:59:00Z
  const SystemTime monday_midnight_utc = std::chrono::system_clock::from_time_t(1795996800);
  const SystemTime next = schedule.NextAfter(sunday_night_utc);
  const DayIndex beijing_day = LocalDayOf(sunday_night_utc);
  if (old != nullptr) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
  EXPECT_EQ(FormatUtcTime(sunday_night_utc), "2026-11-29T23:59:00Z");
  EXPECT_EQ(next, monday_midnight_utc) << FormatUtcTime(next);
  EXPECT_EQ(beijing_day, DayFromCivil(2026, 11, 30));
}

// ---- webhook delivery on its own

TEST(WebhookDeliveryTest, RetriesWithGrowingWaitsUntilA2xx) {
  WebhookReceiver receiver({503, 500, 204});
  WebhookRetryPolicy policy;
  policy.attempts = 4;
  policy.retry_delay_ms = 250;
  std::vector<milliseconds> waits;
  std::vector<json> lines;
  WebhookDeliveryHooks hooks;
  hooks.sleep = [&](milliseconds delay) {
    waits.push_back(delay);
    return true;
  };
  hooks.record = [&](const json& line) { lines.push_back(line); };
  const WebhookResult result =
      DeliverWebhook(receiver.Url(), R"({"week":"2026-W40"})", "2026-W40", policy, hooks);
  EXPECT_TRUE(result.delivered);
  EXPECT_EQ(result.attempts_made, 3);
  EXPECT_EQ(result.last_status, 204);
  EXPECT_EQ(waits, (std::vector<milliseconds>{milliseconds(250), milliseconds(500)}));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].value("outcome", ""), "retrying");
  EXPECT_EQ(lines[0].value("status", 0), 503);
  EXPECT_EQ(lines[2].value("outcome", ""), "delivered");
  EXPECT_EQ(lines[2].value("attempt", 0), 3);
  const std::vector<ReceivedPost> posts = receiver.Posts();
  ASSERT_EQ(posts.size(), 3u);
  EXPECT_EQ(posts[2].attempt_header, "3");
  EXPECT_EQ(posts[0].content_type, "application/json");
}

TEST(WebhookDeliveryTest, RefusesHttpsAndOtherSchemesAndHidesPasswords) {
  EXPECT_NE(WebhookUrlProblem("https://example.org/hook").find("https"), std::string::npos);
  EXPECT_NE(WebhookUrlProblem("ftp://example.org/hook"), "");
  EXPECT_NE(WebhookUrlProblem("not a url"), "");
  EXPECT_EQ(WebhookUrlProblem("http://10.0.0.5:9000/alerts?team=a"), "");
  EXPECT_EQ(RedactedUrl("http://user:secret@10.0.0.5/alerts"), "http://***@10.0.0.5/alerts");
  EXPECT_EQ(RedactedUrl("http://10.0.0.5/a@b"), "http://10.0.0.5/a@b");
  EXPECT_THROW(DeliverWebhook("https://example.org/", "{}", "2026-W40", {}, {}),
               std::invalid_argument);
}

TEST(WebhookDeliveryTest, AShutdownDuringTheWaitCancelsTheRemainingAttempts) {
  WebhookReceiver receiver({500});
  WebhookRetryPolicy policy;
  policy.attempts = 3;
  std::vector<json> lines;
  WebhookDeliveryHooks hooks;
  hooks.sleep = [](milliseconds) { return false; };  // as if Shutdown cut the wait short
  hooks.record = [&](const json& line) { lines.push_back(line); };
  const WebhookResult result = DeliverWebhook(receiver.Url(), "{}", "2026-W40", policy, hooks);
  EXPECT_FALSE(result.delivered);
  EXPECT_EQ(result.attempts_made, 1);
  EXPECT_EQ(receiver.Posts().size(), 1u);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].value("outcome", ""), "cancelled");
}

// ---- the scheduler on a simulated store with district estimates

class AlertSchedulerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    catalogue_ = new DrugCatalogue(DrugCatalogue::LoadDefault());
    const fs::path root = fs::path(WBE_BINARY_DIR) / "test-output" / "alert-scheduler";
    fs::remove_all(root);
    // Screening needs 8 weeks of history before the reported week.
    contents_ = new std::shared_ptr<const StoreContents>(
        SimulatedStoreWithDistrictEstimates(*catalogue_, (root / "sim").string(), 11, 84));
  }
  static void TearDownTestSuite() {
    delete contents_;
    delete catalogue_;
  }

  void SetUp() override {
    data_dir_ = fs::path(WBE_BINARY_DIR) / "test-output" / "alert-scheduler" /
                ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(data_dir_);
    fs::create_directories(data_dir_);
  }

  // The first and last day of the daily district estimates.
  static std::pair<DayIndex, DayIndex> EstimatedDays() {
    DayIndex first = (*contents_)->district_estimates.front().start_day;
    DayIndex last = first;
    for (const DistrictEstimate& row : (*contents_)->district_estimates) {
      first = std::min(first, row.start_day);
      last = std::max(last, row.start_day);
    }
    return {first, last};
  }

  // A Monday well inside the data: ten weeks of estimates before it, its own week estimated.
  static DayIndex ReportDayInsideTheData() {
    const auto [first, last] = EstimatedDays();
    DayIndex monday = first + 70;
    while (IsoWeekday(monday) != 0) ++monday;
    EXPECT_LE(monday + 6, last) << "the simulation is too short for this test";
    return monday;
  }

  static SystemTime LocalMoment(DayIndex day, int hour, int minute) {
    int year = 0, month = 0, dom = 0;
    CivilFromDay(day, &year, &month, &dom);
    return Local(year, month, dom, hour, minute);
  }

  AlertSchedulerOptions Options(std::vector<std::string> webhooks = {}) const {
    AlertSchedulerOptions options;
    options.data_dir = data_dir_.string();
    options.schedule = WeeklySchedule::Parse("MON 08:00");
    options.webhook_urls = std::move(webhooks);
    options.retry.attempts = 3;
    options.retry.retry_delay_ms = 1500;
    options.retry.timeout_ms = 5000;
    options.screening_threads = 2;
    return options;
  }

  AlertSchedulerHooks Hooks(std::shared_ptr<const StoreContents> contents) {
    AlertSchedulerHooks hooks;
    hooks.snapshot = [contents] { return contents; };
    hooks.sleep = [this](milliseconds delay) {
      std::lock_guard<std::mutex> lock(mutex_);
      waits_.push_back(delay);
      return true;
    };
    hooks.log = [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mutex_);
      log_.push_back(line);
    };
    return hooks;
  }

  bool Logged(const std::string& text) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const std::string& line : log_) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

  std::string Log() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string all;
    for (const std::string& line : log_) all += line + "\n";
    return all;
  }

  fs::path ReportsDir() const { return data_dir_ / "reports"; }
  fs::path DeliveryLog() const { return data_dir_ / "logs" / "webhooks.jsonl"; }

  static DrugCatalogue* catalogue_;
  static std::shared_ptr<const StoreContents>* contents_;
  fs::path data_dir_;
  std::mutex mutex_;
  std::vector<std::string> log_;
  std::vector<milliseconds> waits_;
};

DrugCatalogue* AlertSchedulerTest::catalogue_ = nullptr;
std::shared_ptr<const StoreContents>* AlertSchedulerTest::contents_ = nullptr;

TEST_F(AlertSchedulerTest, RunDueWritesLastWeeksReportAndRetriesAFailedWebhook) {
  WebhookReceiver receiver({500, 200});
  AlertScheduler scheduler(Options({receiver.Url()}), *catalogue_, Hooks(*contents_));
  const DayIndex monday = ReportDayInsideTheData();
  const std::string expected_week = IsoWeekOf(monday - 7).ToString();
  const SystemTime due = LocalMoment(monday, 8, 0);

  EXPECT_EQ(scheduler.NextRunAfter(LocalMoment(monday, 7, 59)), due);
  std::optional<ScheduledRun> run = scheduler.RunDue(due);
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->outcome, ScheduledRun::Outcome::kReported) << run->message << "\n" << Log();
  EXPECT_EQ(run->scheduled_at, due);
  EXPECT_EQ(run->week, expected_week);
  for (const std::string& file : run->files.All()) {
    EXPECT_TRUE(fs::is_regular_file(file)) << file;
    EXPECT_EQ(fs::path(file).parent_path(), ReportsDir());
    EXPECT_NE(fs::path(file).filename().string().find(expected_week), std::string::npos) << file;
  }
  const json report = json::parse(ReadFile(run->files.json));
  EXPECT_EQ(report.value("week", ""), expected_week);
  EXPECT_GT(report["series"].size(), 0u);

  // The webhook: 500, then after one wait the same body again, accepted.
  ASSERT_EQ(run->deliveries.size(), 1u);
  EXPECT_TRUE(run->deliveries[0].delivered);
  EXPECT_EQ(run->deliveries[0].attempts_made, 2);
  const std::vector<ReceivedPost> posts = receiver.Posts();
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0].body, posts[1].body);
  EXPECT_EQ(posts[1].content_type, "application/json");
  EXPECT_EQ(posts[1].week_header, expected_week);
  const json posted = json::parse(posts[1].body);
  EXPECT_EQ(posted, report) << "the POSTed JSON is the report file's";
  {
    std::lock_guard<std::mutex> lock(mutex_);
    EXPECT_EQ(waits_, std::vector<milliseconds>{milliseconds(1500)});
  }
  const std::vector<json> lines = JsonLines(DeliveryLog());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].value("week", ""), expected_week);
  EXPECT_EQ(lines[0].value("url", ""), receiver.Url());
  EXPECT_EQ(lines[0].value("attempt", 0), 1);
  EXPECT_EQ(lines[0].value("status", 0), 500);
  EXPECT_EQ(lines[0].value("outcome", ""), "retrying");
  EXPECT_EQ(lines[1].value("attempt", 0), 2);
  EXPECT_EQ(lines[1].value("status", 0), 200);
  EXPECT_EQ(lines[1].value("outcome", ""), "delivered");
  EXPECT_FALSE(lines[1].value("time_utc", "").empty());
  EXPECT_TRUE(Logged("attempt 2/3: HTTP 200 (delivered)")) << Log();

  // Handled: later that morning, and up to 07:59 a week on, nothing is due.
  EXPECT_FALSE(scheduler.RunDue(LocalMoment(monday, 8, 1)).has_value());
  EXPECT_FALSE(scheduler.RunDue(LocalMoment(monday + 3, 12, 0)).has_value());
  EXPECT_FALSE(scheduler.RunDue(LocalMoment(monday + 7, 7, 59)).has_value());
  EXPECT_EQ(scheduler.NextRunAfter(LocalMoment(monday, 8, 1)), LocalMoment(monday + 7, 8, 0));
  EXPECT_EQ(receiver.Posts().size(), 2u);
}

TEST_F(AlertSchedulerTest, CatchUpRunsAMissedWeekOnlyWhenItsReportIsMissing) {
  // The server was down on Monday; it starts on Wednesday. The webhook refuses connections.
  const std::string refusing = RefusingUrl();
  const DayIndex monday = ReportDayInsideTheData();
  const std::string expected_week = IsoWeekOf(monday - 7).ToString();
  const SystemTime wednesday = LocalMoment(monday + 2, 10, 30);
  {
    AlertScheduler scheduler(Options({refusing}), *catalogue_, Hooks(*contents_));
    const std::optional<ScheduledRun> run = scheduler.CatchUp(wednesday);
    ASSERT_TRUE(run.has_value());
    EXPECT_EQ(run->outcome, ScheduledRun::Outcome::kReported) << run->message << "\n" << Log();
    EXPECT_EQ(run->scheduled_at, LocalMoment(monday, 8, 0));
    EXPECT_EQ(run->week, expected_week);
    EXPECT_TRUE(fs::is_regular_file(run->files.json));
    // Every attempt failed: logged as such, the last one "failed".
    ASSERT_EQ(run->deliveries.size(), 1u);
    EXPECT_FALSE(run->deliveries[0].delivered);
    EXPECT_EQ(run->deliveries[0].attempts_made, 3);
    EXPECT_FALSE(run->deliveries[0].last_error.empty());
    const std::vector<json> lines = JsonLines(DeliveryLog());
    ASSERT_EQ(lines.size(), 3u);
    for (size_t i = 0; i < lines.size(); ++i) {
      EXPECT_EQ(lines[i].value("attempt", 0), static_cast<int>(i) + 1);
      EXPECT_FALSE(lines[i].value("error", "").empty()) << lines[i].dump();
      EXPECT_FALSE(lines[i].contains("status")) << lines[i].dump();
    }
    EXPECT_EQ(lines[2].value("outcome", ""), "failed");
    EXPECT_TRUE(Logged("(failed)")) << Log();
    // Caught up: Monday's moment counts as handled.
    EXPECT_FALSE(scheduler.RunDue(wednesday).has_value());
  }
  // Restarted again the same day: the report exists, nothing is run or sent.
  const auto json_time =
      fs::last_write_time(AlertReportPaths(ReportsDir().string(), IsoWeekOf(monday - 7)).json);
  AlertScheduler restarted(Options({refusing}), *catalogue_, Hooks(*contents_));
  const std::optional<ScheduledRun> again = restarted.CatchUp(wednesday + std::chrono::hours(1));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->outcome, ScheduledRun::Outcome::kAlreadyReported) << again->message;
  EXPECT_TRUE(again->deliveries.empty());
  EXPECT_EQ(JsonLines(DeliveryLog()).size(), 3u);
  EXPECT_EQ(fs::last_write_time(again->files.json), json_time);
}

TEST_F(AlertSchedulerTest, AStoreWithNothingToScreenLogsWhyAndWritesNothing) {
  AlertScheduler scheduler(Options(), *catalogue_, Hooks(std::make_shared<StoreContents>()));
  const std::optional<ScheduledRun> run = scheduler.RunDue(Local(2026, 11, 30, 8, 0));
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->outcome, ScheduledRun::Outcome::kNothingToScreen);
  EXPECT_NE(run->message.find("no district estimates"), std::string::npos) << run->message;
  EXPECT_TRUE(Logged("no district estimates")) << Log();
  EXPECT_FALSE(fs::exists(ReportsDir()));
  EXPECT_FALSE(fs::exists(DeliveryLog()));

  // History too short for any series: the screening's reasons are logged.
  auto short_store = std::make_shared<StoreContents>(**contents_);
  const DayIndex cut = EstimatedDays().first + 20;
  auto& rows = short_store->district_estimates;
  rows.erase(std::remove_if(rows.begin(), rows.end(),
                            [cut](const DistrictEstimate& e) { return e.start_day > cut; }),
             rows.end());
  AlertScheduler short_scheduler(Options(), *catalogue_, Hooks(short_store));
  const std::optional<ScheduledRun> short_run = short_scheduler.RunDue(Local(2026, 11, 30, 8, 0));
  ASSERT_TRUE(short_run.has_value());
  EXPECT_EQ(short_run->outcome, ScheduledRun::Outcome::kNothingToScreen) << short_run->message;
  EXPECT_NE(short_run->message.find("no series could be screened"), std::string::npos)
      << short_run->message;
  EXPECT_FALSE(fs::exists(ReportsDir()));
}

TEST_F(AlertSchedulerTest, ShutdownWakesTheWaitingThreadPromptly) {
  std::mutex mutex;
  std::condition_variable caught_up;
  bool waiting = false;
  AlertSchedulerHooks hooks = Hooks(std::make_shared<StoreContents>());
  hooks.sleep = nullptr;  // the real, interruptible wait
  hooks.log = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex);
    if (line.find("no catch-up report") != std::string::npos) waiting = true;
    caught_up.notify_all();
  };
  AlertScheduler scheduler(Options(), *catalogue_, hooks);
  scheduler.Start();
  {
    std::unique_lock<std::mutex> lock(mutex);
    ASSERT_TRUE(caught_up.wait_for(lock, std::chrono::seconds(30), [&] { return waiting; }));
  }
  // The thread now waits for next week's moment (days away).
  const auto start = std::chrono::steady_clock::now();
  scheduler.Shutdown();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(1))
      << std::chrono::duration_cast<milliseconds>(took).count() << " ms";
  EXPECT_TRUE(scheduler.stopping());
}

TEST_F(AlertSchedulerTest, ShutdownCutsAWebhookRetryWaitShort) {
  WebhookReceiver receiver({500});
  AlertSchedulerOptions options = Options({receiver.Url()});
  options.retry.retry_delay_ms = 600000;  // ten minutes: only Shutdown can end the wait
  options.retry.max_retry_delay_ms = 600000;
  AlertSchedulerHooks hooks = Hooks(*contents_);
  hooks.sleep = nullptr;  // the scheduler's own wait
  const DayIndex monday = ReportDayInsideTheData();
  hooks.now = [this, monday] { return LocalMoment(monday + 1, 9, 0); };
  AlertScheduler scheduler(options, *catalogue_, hooks);
  scheduler.Start();  // catches up Monday's missed report on its thread
  ASSERT_TRUE(receiver.WaitForPosts(1, std::chrono::minutes(5))) << Log();
  const auto start = std::chrono::steady_clock::now();
  scheduler.Shutdown();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(5))
      << std::chrono::duration_cast<milliseconds>(took).count() << " ms";
  EXPECT_EQ(receiver.Posts().size(), 1u);
  const std::vector<json> lines = JsonLines(DeliveryLog());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].value("outcome", ""), "retrying");
  EXPECT_EQ(lines[1].value("outcome", ""), "cancelled");
  EXPECT_EQ(lines[1].value("attempt", 0), 2);
}

TEST(AlertSchedulerOptionsTest, ChecksWebhooksAndRetries) {
  AlertSchedulerOptions options;
  options.data_dir = "var";
  std::string why;
  EXPECT_TRUE(options.Check(&why)) << why;
  options.webhook_urls = {"https://example.org/hook"};
  EXPECT_FALSE(options.Check(&why));
  EXPECT_NE(why.find("https"), std::string::npos) << why;
  options.webhook_urls = {"http://example.org/hook"};
  options.retry.attempts = 0;
  EXPECT_FALSE(options.Check(&why));
  EXPECT_NE(why.find("attempts"), std::string::npos) << why;
}

}  // namespace
}  // namespace wbe
