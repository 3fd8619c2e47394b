#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wbe {

// How `wbe serve` listens and what it allows. Defaults suit one lab network on one machine;
// every field can come from a JSON config file (LoadServerConfig) and be overridden by flags.
struct ServerOptions {
  std::string bind_address = "127.0.0.1";
  int port = 8080;  // 0: any free port (printed at start)
  std::string data_dir = "var";
  uint64_t max_body_bytes = 64ull << 20;  // larger bodies get 413
  int threads = 64;            // connection threads (an idle keep-alive connection holds one)
  int max_in_flight = 32;      // requests handled at once; more get 503 with Retry-After
  int queue = 128;             // connections waiting for a thread; beyond it the kernel refuses
  int request_timeout_s = 30;  // a whole request body must arrive within this
  int idle_timeout_s = 10;     // silence on a socket before it is dropped
  int retry_after_s = 1;
  int estimate_draws = 2000;  // Monte Carlo draws of the background re-estimation
  std::string access_log;     // JSON lines; empty: DATA_DIR/logs/access.jsonl; "-": stdout
  // The weekly alert report (DATA_DIR/reports) and its webhooks.
  std::string alerts_schedule = "MON 08:00";  // local time; "off": no scheduled report
  std::vector<std::string> alert_webhooks;    // http:// URLs the report's JSON is POSTed to
  int webhook_attempts = 4;                   // in all, the first included
  int webhook_retry_delay_ms = 2000;          // before the 2nd attempt; doubles after each
  int webhook_timeout_s = 10;                 // connect, send and receive, each
  // The dashboard's pages; empty: WBE_DASHBOARD_DIR, else the copy the build made.
  std::string dashboard_dir;
  // Compute the latest week's report after each re-estimation, before anyone asks for it.
  bool warm_reports = true;

  bool Check(std::string* why = nullptr) const;
};

// Reads a JSON object whose members are the fields above (max_body_mib instead of
// max_body_bytes); unknown members are an error naming the file and the member.
void LoadServerConfig(const std::string& path, ServerOptions* options);

}  // namespace wbe
