#pragma once

// One loopback HTTP request for the server tests: status, headers and body, timed.

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/StreamCopier.h>
#include <nlohmann/json.hpp>

namespace wbe {

struct HttpReply {
  int status = 0;
  std::string content_type;
  Poco::Net::NameValueCollection headers;
  std::string body;
  double ms = 0.0;

  std::string Header(const std::string& name) const { return headers.get(name, ""); }
  nlohmann::json Json() const {
    return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  }
};

inline HttpReply SendHttp(uint16_t port, const std::string& method, const std::string& uri,
                          const std::vector<std::pair<std::string, std::string>>& headers = {},
                          int timeout_s = 60) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  session.setTimeout(Poco::Timespan(timeout_s, 0));
  Poco::Net::HTTPRequest request(method, uri, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [name, value] : headers) request.set(name, value);
  if (method == "POST" || method == "PUT") request.setContentLength(0);
  const auto start = std::chrono::steady_clock::now();
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  HttpReply reply;
  reply.status = static_cast<int>(response.getStatus());
  reply.content_type = response.getContentType();
  for (const auto& [name, value] : response) reply.headers.add(name, value);
  Poco::StreamCopier::copyToString(in, reply.body);
  reply.ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return reply;
}

}  // namespace wbe
