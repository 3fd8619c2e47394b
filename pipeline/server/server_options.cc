#include "pipeline/server/server_options.h"

#include <nlohmann/json.hpp>

#include "models/core/input_error.h"
#include "models/core/text_files.h"
#include "pipeline/service/alert_scheduler.h"

namespace wbe {

bool ServerOptions::Check(std::string* why) const {
  const auto fail = [&](const std::string& message) {
    if (why != nullptr) *why = message;
    return false;
  };
  if (bind_address.empty()) return fail("bind_address is empty");
  if (port < 0 || port > 65535) return fail("port must be 0-65535");
  if (data_dir.empty()) return fail("a data directory is needed");
  if (max_body_bytes < 1024) return fail("max_body_bytes must be at least 1 KiB");
  if (threads < 2) return fail("threads must be at least 2");
  if (max_in_flight < 1 || max_in_flight >= threads) {
    return fail("max_in_flight must be at least 1 and below threads (" + std::to_string(threads) +
                "), so that a busy server still has a thread to say 503");
  }
  if (queue < 1) return fail("queue must be at least 1");
  if (request_timeout_s < 1 || idle_timeout_s < 1) return fail("timeouts must be at least 1 s");
  if (retry_after_s < 1) return fail("retry_after_s must be at least 1");
  if (estimate_draws < 0) return fail("estimate_draws must not be negative");
  try {
    WeeklySchedule::Parse(alerts_schedule);
  } catch (const std::invalid_argument& e) {
    return fail(std::string("alerts_schedule: ") + e.what());
  }
  for (const std::string& url : alert_webhooks) {
    const std::string problem = WebhookUrlProblem(url);
    if (!problem.empty()) return fail("alert_webhooks: " + problem);
  }
  if (webhook_attempts < 1 || webhook_attempts > 20) return fail("webhook_attempts must be 1-20");
  if (webhook_retry_delay_ms < 0 || webhook_retry_delay_ms > 3600000) {
    return fail("webhook_retry_delay_ms must be 0-3600000 (an hour)");
  }
  if (webhook_timeout_s < 1 || webhook_timeout_s > 600) {
    return fail("webhook_timeout_s must be 1-600");
  }
  return true;
}

void LoadServerConfig(const std::string& path, ServerOptions* options) {
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(ReadWholeFile(path, "server config file"));
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(path, 0, "", std::string("not valid JSON: ") + e.what());
  }
  if (!config.is_object()) throw InputError(path, 0, "", "expected a JSON object");
  for (const auto& [key, value] : config.items()) {
    const auto integer = [&](int* field) {
      if (!value.is_number_integer()) throw InputError(path, 0, key, "must be an integer");
      *field = value.get<int>();
    };
    const auto text = [&](std::string* field) {
      if (!value.is_string()) throw InputError(path, 0, key, "must be a string");
      *field = value.get<std::string>();
    };
    if (key == "bind_address") {
      text(&options->bind_address);
    } else if (key == "port") {
      integer(&options->port);
    } else if (key == "data_dir") {
      text(&options->data_dir);
    } else if (key == "max_body_mib") {
      if (!value.is_number() || value.get<double>() <= 0) {
        throw InputError(path, 0, key, "must be a positive number");
      }
      options->max_body_bytes = static_cast<uint64_t>(value.get<double>() * 1048576.0);
    } else if (key == "threads") {
      integer(&options->threads);
    } else if (key == "max_in_flight") {
      integer(&options->max_in_flight);
    } else if (key == "queue") {
      integer(&options->queue);
    } else if (key == "request_timeout_s") {
      integer(&options->request_timeout_s);
    } else if (key == "idle_timeout_s") {
      integer(&options->idle_timeout_s);
    } else if (key == "retry_after_s") {
      integer(&options->retry_after_s);
    } else if (key == "estimate_draws") {
      integer(&options->estimate_draws);
    } else if (key == "access_log") {
      text(&options->access_log);
    } else if (key == "warm_reports") {
      if (!value.is_boolean()) throw InputError(path, 0, key, "must be true or false");
      options->warm_reports = value.get<bool>();
    } else if (key == "dashboard_dir") {
      text(&options->dashboard_dir);
    } else if (key == "alerts_schedule") {
      text(&options->alerts_schedule);
    } else if (key == "alert_webhooks") {
      if (!value.is_array()) throw InputError(path, 0, key, "must be an array of http:// URLs");
      options->alert_webhooks.clear();
      for (const auto& url : value) {
        if (!url.is_string()) throw InputError(path, 0, key, "must be an array of http:// URLs");
        options->alert_webhooks.push_back(url.get<std::string>());
      }
    } else if (key == "webhook_attempts") {
      integer(&options->webhook_attempts);
    } else if (key == "webhook_retry_delay_ms") {
      integer(&options->webhook_retry_delay_ms);
    } else if (key == "webhook_timeout_s") {
      integer(&options->webhook_timeout_s);
    } else {
      throw InputError(path, 0, key, "unknown setting");
    }
  }
}

}  // namespace wbe
