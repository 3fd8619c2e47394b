#pragma once

#include <fstream>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace wbe {

// The structured access log: one JSON object per request and line (time, request id, client,
// method, path, status, bytes, milliseconds, caller). Not fsynced: it is for operators, and the
// audit log is the durable record of writes. "-" writes to standard output. Thread-safe.
class AccessLog {
 public:
  explicit AccessLog(const std::string& path);
  void Write(const nlohmann::json& record);

 private:
  std::mutex mutex_;
  bool to_stdout_ = false;
  std::ofstream file_;
};

}  // namespace wbe
