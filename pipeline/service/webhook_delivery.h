#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace wbe {

// How hard a webhook POST tries: `attempts` in all, waiting retry_delay_ms before the second,
// twice that before the third and so on (capped at max_retry_delay_ms). Each attempt's
// connect, send and receive are bounded by timeout_ms each.
struct WebhookRetryPolicy {
  int attempts = 4;
  int retry_delay_ms = 2000;
  int max_retry_delay_ms = 60000;
  int timeout_ms = 10000;

  bool Check(std::string* why = nullptr) const;
  // The wait before attempt `attempt` (2, 3, ...).
  std::chrono::milliseconds DelayBefore(int attempt) const;
};

// Why `url` cannot be a webhook ("" when it can): only http://host[:port][/path] is supported
// (this build has no TLS client; put an http relay in front of an https receiver).
std::string WebhookUrlProblem(const std::string& url);

// The URL as logs may show it: any user:password@ removed.
std::string RedactedUrl(const std::string& url);

// Waits `delay`; returns false when the wait was cut short because the server is stopping.
using InterruptibleSleep = std::function<bool(std::chrono::milliseconds delay)>;

struct WebhookDeliveryHooks {
  // Now, for the log lines' time (default: the system clock).
  std::function<std::chrono::system_clock::time_point()> now;
  // The wait between attempts (default: std::this_thread::sleep_for, never cut short).
  InterruptibleSleep sleep;
  // Called with one JSON object per attempt (see DeliverWebhook), e.g. to append it to a log.
  std::function<void(const nlohmann::json& line)> record;
};

struct WebhookResult {
  bool delivered = false;
  int attempts_made = 0;
  int last_status = 0;     // the last HTTP status received (0: none)
  std::string last_error;  // the last transport error or non-2xx reason ("" when delivered)
};

// POSTs `body` (Content-Type: application/json) to `url` until a 2xx reply or the policy's
// attempts are used up. Every attempt is recorded as
// {"time_utc", "week", "url" (redacted), "attempt", "attempts", "outcome", "status"|"error",
// "ms"}, with outcome "delivered", "retrying", "failed" (the last attempt failed) or
// "cancelled" (the server stopped during the wait before a retry). Never throws for a network
// problem; std::invalid_argument for a URL WebhookUrlProblem refuses.
WebhookResult DeliverWebhook(const std::string& url, const std::string& body,
                             const std::string& week, const WebhookRetryPolicy& policy,
                             const WebhookDeliveryHooks& hooks);

// "2026-11-30T08:00:00Z".
std::string FormatUtcTime(std::chrono::system_clock::time_point time);

}  // namespace wbe
