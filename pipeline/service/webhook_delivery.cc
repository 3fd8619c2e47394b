#include "pipeline/service/webhook_delivery.h"

#include <algorithm>
#include <ctime>
#include <stdexcept>
#include <thread>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

namespace wbe {
namespace {

struct AttemptReply {
  int status = 0;
  std::string error;  // transport problem; "" when a reply arrived
};

AttemptReply PostOnce(const Poco::URI& uri, const std::string& body, const std::string& week,
                      int attempt, int timeout_ms) {
  AttemptReply reply;
  try {
    Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
    const Poco::Timespan timeout(static_cast<long>(timeout_ms / 1000),
                                 static_cast<long>(timeout_ms % 1000) * 1000);
    session.setTimeout(timeout, timeout, timeout);
    std::string target = uri.getPathAndQuery();
    if (target.empty()) target = "/";
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, target,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setContentLength64(static_cast<Poco::Int64>(body.size()));
    request.set("User-Agent", "wbe-alerts");
    request.set("X-Wbe-Week", week);
    request.set("X-Wbe-Delivery-Attempt", std::to_string(attempt));
    request.setKeepAlive(false);
    if (!uri.getUserInfo().empty()) {
      const std::string& info = uri.getUserInfo();
      const size_t colon = info.find(':');
      Poco::Net::HTTPBasicCredentials credentials(
          info.substr(0, colon), colon == std::string::npos ? "" : info.substr(colon + 1));
      credentials.authenticate(request);
    }
    std::ostream& out = session.sendRequest(request);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    // Drain (a little of) the reply so the receiver sees a clean close.
    std::string ignored;
    Poco::StreamCopier::copyToString(in, ignored);
    reply.status = static_cast<int>(response.getStatus());
  } catch (const Poco::Exception& e) {
    reply.error = e.displayText();
  } catch (const std::exception& e) {
    reply.error = e.what();
  }
  return reply;
}

}  // namespace

bool WebhookRetryPolicy::Check(std::string* why) const {
  const auto fail = [&](const std::string& message) {
    if (why != nullptr) *why = message;
    return false;
  };
  if (attempts < 1 || attempts > 20) return fail("webhook_attempts must be 1-20");
  if (retry_delay_ms < 0 || retry_delay_ms > 3600000) {
    return fail("webhook_retry_delay_ms must be 0-3600000");
  }
  if (max_retry_delay_ms < retry_delay_ms) {
    return fail("the longest retry delay must not be below webhook_retry_delay_ms");
  }
  if (timeout_ms < 1 || timeout_ms > 600000) return fail("the webhook timeout must be 1 ms-600 s");
  return true;
}

std::chrono::milliseconds WebhookRetryPolicy::DelayBefore(int attempt) const {
  long long delay = retry_delay_ms;
  for (int i = 2; i < attempt && delay < max_retry_delay_ms; ++i) delay *= 2;
  return std::chrono::milliseconds(std::min<long long>(delay, max_retry_delay_ms));
}

std::string WebhookUrlProblem(const std::string& url) {
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception& e) {
    return "'" + RedactedUrl(url) + "' is not a URL (" + e.displayText() + ")";
  }
  if (uri.getScheme() == "https") {
    return "'" + RedactedUrl(url) +
           "': https webhooks are not supported (no TLS client in this build); use an http URL, "
           "e.g. a relay on the same host";
  }
  if (uri.getScheme() != "http") {
    return "'" + RedactedUrl(url) + "' is not an http:// URL";
  }
  if (uri.getHost().empty()) return "'" + RedactedUrl(url) + "' names no host";
  if (!uri.getFragment().empty()) return "'" + RedactedUrl(url) + "' must not have a #fragment";
  return "";
}

std::string RedactedUrl(const std::string& url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  const size_t authority = scheme_end + 3;
  const size_t authority_end = std::min(url.find('/', authority), url.size());
  const size_t at = url.rfind('@', authority_end);
  if (at == std::string::npos || at < authority) return url;
  return url.substr(0, authority) + "***@" + url.substr(at + 1);
}

std::string FormatUtcTime(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

WebhookResult DeliverWebhook(const std::string& url, const std::string& body,
                             const std::string& week, const WebhookRetryPolicy& policy,
                             const WebhookDeliveryHooks& hooks) {
  const std::string problem = WebhookUrlProblem(url);
  if (!problem.empty()) throw std::invalid_argument("webhook: " + problem);
  std::string why;
  if (!policy.Check(&why)) throw std::invalid_argument("webhook: " + why);
  const Poco::URI uri(url);
  const auto now = [&] { return hooks.now ? hooks.now() : std::chrono::system_clock::now(); };
  const auto record = [&](nlohmann::json line) {
    if (hooks.record) hooks.record(line);
  };
  WebhookResult result;
  for (int attempt = 1; attempt <= policy.attempts; ++attempt) {
    if (attempt > 1) {
      const std::chrono::milliseconds delay = policy.DelayBefore(attempt);
      const bool waited =
          hooks.sleep ? hooks.sleep(delay) : (std::this_thread::sleep_for(delay), true);
      if (!waited) {
        record({{"time_utc", FormatUtcTime(now())},
                {"week", week},
                {"url", RedactedUrl(url)},
                {"attempt", attempt},
                {"attempts", policy.attempts},
                {"outcome", "cancelled"},
                {"error",
                 "the server is stopping; attempt " + std::to_string(attempt) + " was not made"}});
        return result;
      }
    }
    const auto start = std::chrono::steady_clock::now();
    const AttemptReply reply = PostOnce(uri, body, week, attempt, policy.timeout_ms);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    result.attempts_made = attempt;
    result.last_status = reply.status;
    const bool success = reply.error.empty() && reply.status >= 200 && reply.status < 300;
    nlohmann::json line = {{"time_utc", FormatUtcTime(now())},
                           {"week", week},
                           {"url", RedactedUrl(url)},
                           {"attempt", attempt},
                           {"attempts", policy.attempts},
                           {"outcome", success                     ? "delivered"
                                       : attempt < policy.attempts ? "retrying"
                                                                   : "failed"}};
    if (reply.error.empty()) {
      line["status"] = reply.status;
    } else {
      line["error"] = reply.error;
    }
    line["ms"] = static_cast<int64_t>(ms * 10.0) / 10.0;
    record(line);
    if (success) {
      result.delivered = true;
      result.last_error.clear();
      return result;
    }
    result.last_error = reply.error.empty() ? "HTTP " + std::to_string(reply.status) : reply.error;
  }
  return result;
}

}  // namespace wbe
