#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <nlohmann/json.hpp>

#include "pipeline/auth/api_token_store.h"

namespace wbe {

// A reply other than success, raised anywhere in a handler. The message is for the user: it
// never carries a server path or a stack trace.
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& message, nlohmann::json errors = nullptr);
  int status() const { return status_; }
  const nlohmann::json& errors() const { return errors_; }
  std::vector<std::pair<std::string, std::string>> headers;

 private:
  int status_;
  nlohmann::json errors_;
};

// One request and its reply, as the handlers see it.
class ApiExchange {
 public:
  ApiExchange(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
              std::string request_id);

  Poco::Net::HTTPServerRequest& request() { return request_; }
  const std::string& request_id() const { return request_id_; }
  const std::string& method() const { return request_.getMethod(); }
  const std::string& path() const { return path_; }  // decoded, without the query

  // Path parameters of the matched route ("{batch_id}" -> value).
  std::map<std::string, std::string> path_params;
  const std::string& PathParam(const std::string& name) const;

  // A query parameter (the last one given), or none.
  std::optional<std::string> Query(const std::string& name) const;
  // A query date (YYYY-MM-DD) or none; 422 naming the parameter when malformed.
  std::optional<int32_t> QueryDay(const std::string& name) const;
  // The header's value, or "".
  std::string Header(const std::string& name) const;

  // The caller, once authenticated (none on public routes).
  std::optional<Principal> principal;
  const Principal& Caller() const;

  // Accept asks for text/csv.
  bool WantsCsv() const;
  // The request has a body still unread (Content-Length > 0 or chunked).
  bool HasUnreadBody() const;
  void MarkBodyRead() { body_read_ = true; }

  // Replies. Exactly one per exchange.
  void SendJson(int status, const nlohmann::json& body);
  void SendBytes(int status, const std::string& content_type, const std::string& body,
                 const std::vector<std::pair<std::string, std::string>>& headers = {});
  void SendError(int status, const std::string& message, const nlohmann::json& errors,
                 const std::vector<std::pair<std::string, std::string>>& headers = {});
  bool replied() const { return status_ != 0; }
  int status() const { return status_; }
  uint64_t bytes_sent() const { return bytes_sent_; }

  // Runs once, with the status, just before the reply is sent: the audit record of a write is
  // durable before the client hears the outcome, and the in-flight slot is freed.
  std::function<void(int status)> before_reply;

  // What the audit log says about a write (the dispatcher fills the rest).
  std::string audit_target;
  std::string audit_outcome;
  std::string audit_detail;

 private:
  Poco::Net::HTTPServerRequest& request_;
  Poco::Net::HTTPServerResponse& response_;
  std::string request_id_;
  std::string path_;
  std::vector<std::pair<std::string, std::string>> query_;
  bool body_read_ = false;
  int status_ = 0;
  uint64_t bytes_sent_ = 0;
};

// The standard reason phrase of a status code ("Unprocessable Entity").
const char* ReasonFor(int status);

// The JSON the API uses for an InputError-style problem list entry.
nlohmann::json ProblemEntry(const std::string& file, long row, const std::string& column,
                            const std::string& message);

}  // namespace wbe
