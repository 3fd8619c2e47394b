#include "pipeline/server/server_options.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/core/input_error.h"

namespace wbe {
namespace {

namespace fs = std::filesystem;

std::string WriteConfig(const std::string& name, const std::string& text) {
  const fs::path dir = fs::path(WBE_BINARY_DIR) / "test-output" / "server-options";
  fs::create_directories(dir);
  const fs::path path = dir / name;
  std::ofstream(path) << text;
  return path.string();
}

TEST(ServerOptionsTest, DefaultsAreValidAndListenOnLoopback) {
  const ServerOptions options;
  std::string why;
  EXPECT_TRUE(options.Check(&why)) << why;
  EXPECT_EQ(options.bind_address, "127.0.0.1");
  EXPECT_EQ(options.port, 8080);
  EXPECT_EQ(options.data_dir, "var");
  EXPECT_EQ(options.max_body_bytes, 64ull << 20);
}

TEST(ServerOptionsTest, ChecksNameTheBadSetting) {
  std::string why;
  ServerOptions options;
  options.max_in_flight = options.threads;
  EXPECT_FALSE(options.Check(&why));
  EXPECT_NE(why.find("max_in_flight"), std::string::npos) << why;
  options = ServerOptions();
  options.port = 70000;
  EXPECT_FALSE(options.Check(&why));
  EXPECT_NE(why.find("port"), std::string::npos) << why;
}

TEST(ServerOptionsTest, ConfigFileSetsEveryField) {
  ServerOptions options;
  LoadServerConfig(WriteConfig("all.json", R"({"bind_address": "0.0.0.0", "port": 9000,
      "data_dir": "/srv/wbe", "max_body_mib": 2, "threads": 16, "max_in_flight": 8,
      "queue": 10, "request_timeout_s": 5, "idle_timeout_s": 3, "retry_after_s": 2,
      "estimate_draws": 100, "access_log": "-"})"),
                   &options);
  EXPECT_EQ(options.bind_address, "0.0.0.0");
  EXPECT_EQ(options.port, 9000);
  EXPECT_EQ(options.data_dir, "/srv/wbe");
  EXPECT_EQ(options.max_body_bytes, 2ull << 20);
  EXPECT_EQ(options.threads, 16);
  EXPECT_EQ(options.max_in_flight, 8);
  EXPECT_EQ(options.queue, 10);
  EXPECT_EQ(options.request_timeout_s, 5);
  EXPECT_EQ(options.idle_timeout_s, 3);
  EXPECT_EQ(options.retry_after_s, 2);
  EXPECT_EQ(options.estimate_draws, 100);
  EXPECT_EQ(options.access_log, "-");
  EXPECT_TRUE(options.Check());
}

TEST(ServerOptionsTest, BadConfigFilesNameFileAndMember) {
  ServerOptions options;
  const std::string unknown = WriteConfig("unknown.json", R"({"prot": 9000})");
  try {
    LoadServerConfig(unknown, &options);
    FAIL() << "an unknown member was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), unknown);
    EXPECT_EQ(e.field(), "prot");
  }
  const std::string wrong_type = WriteConfig("type.json", R"({"port": "9000"})");
  try {
    LoadServerConfig(wrong_type, &options);
    FAIL() << "a string port was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "port");
  }
  EXPECT_THROW(LoadServerConfig(WriteConfig("broken.json", "{port"), &options), InputError);
  EXPECT_EQ(options.port, 8080) << "a failed load changed the options";
}

TEST(ServerOptionsTest, DashboardAndReportWarmingComeFromTheConfigFile) {
  ServerOptions defaults;
  EXPECT_TRUE(defaults.warm_reports);
  EXPECT_EQ(defaults.dashboard_dir, "");
  ServerOptions options;
  LoadServerConfig(
      WriteConfig("dashboard.json", R"({"warm_reports": false, "dashboard_dir": "/srv/wbe/www"})"),
      &options);
  EXPECT_FALSE(options.warm_reports);
  EXPECT_EQ(options.dashboard_dir, "/srv/wbe/www");
  EXPECT_THROW(
      LoadServerConfig(WriteConfig("bad-warm.json", R"({"warm_reports": "yes"})"), &options),
      InputError);
}

TEST(ServerOptionsTest, AlertScheduleAndWebhooksComeFromTheConfigFile) {
  ServerOptions defaults;
  EXPECT_EQ(defaults.alerts_schedule, "MON 08:00");
  EXPECT_TRUE(defaults.alert_webhooks.empty());
  ServerOptions options;
  LoadServerConfig(WriteConfig("alerts.json", R"({"alerts_schedule": "fri 17:30",
      "alert_webhooks": ["http://127.0.0.1:9000/hook", "http://alerts.example/in"],
      "webhook_attempts": 6, "webhook_retry_delay_ms": 500, "webhook_timeout_s": 3})"),
                   &options);
  EXPECT_EQ(options.alerts_schedule, "fri 17:30");
  EXPECT_EQ(options.alert_webhooks,
            (std::vector<std::string>{"http://127.0.0.1:9000/hook", "http://alerts.example/in"}));
  EXPECT_EQ(options.webhook_attempts, 6);
  EXPECT_EQ(options.webhook_retry_delay_ms, 500);
  EXPECT_EQ(options.webhook_timeout_s, 3);
  std::string why;
  EXPECT_TRUE(options.Check(&why)) << why;
  options.alerts_schedule = "off";
  EXPECT_TRUE(options.Check(&why)) << why;

  try {
    LoadServerConfig(WriteConfig("hooks.json", R"({"alert_webhooks": "http://x/"})"), &options);
    FAIL() << "a single string was accepted as the webhook list";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "alert_webhooks");
  }
}

TEST(ServerOptionsTest, ChecksSayWhatIsWrongWithTheScheduleOrAWebhook) {
  std::string why;
  ServerOptions options;
  options.alerts_schedule = "Monday 8am";
  EXPECT_FALSE(options.Check(&why));
  EXPECT_NE(why.find("alerts_schedule"), std::string::npos) << why;
  EXPECT_NE(why.find("MON 08:00"), std::string::npos) << why;
  options = ServerOptions();
  options.alert_webhooks = {"https://hooks.example/wbe"};
  EXPECT_FALSE(options.Check(&why));
  EXPECT_NE(why.find("https"), std::string::npos) << why;
  options = ServerOptions();
  options.webhook_attempts = 0;
  EXPECT_FALSE(options.Check(&why));
  EXPECT_NE(why.find("webhook_attempts"), std::string::npos) << why;
}

}  // namespace
}  // namespace wbe
