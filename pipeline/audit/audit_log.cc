#include "pipeline/audit/audit_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <utility>

#include "models/core/input_error.h"
#include "pipeline/archive/batch_manifest.h"
#include "pipeline/archive/durable_file.h"
#include "pipeline/archive/json_lines.h"
#include "pipeline/archive/log_file_lock.h"

namespace wbe {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// Built for both JSON flavours: ToJson returns the usual one, the file gets fields in reading
// order (time first).
template <typename JsonType>
JsonType RecordJson(const AuditRecord& r) {
  JsonType j;
  j["time_utc"] = r.time_utc;
  j["actor"] = r.actor;
  j["role"] = r.role;
  j["action"] = r.action;
  j["target"] = r.target;
  j["status"] = r.status;
  j["outcome"] = r.outcome;
  j["detail"] = r.detail;
  j["request_id"] = r.request_id;
  return j;
}

AuditRecord FromJson(const Json& j, const std::string& path, long line) {
  const auto fail = [&](const std::string& field, const std::string& message) {
    throw InputError(path, line, field, message);
  };
  if (!j.is_object()) fail("", "an audit line must be a JSON object");
  // Unknown fields are ignored, so an older wbe can read a newer log.
  const auto string = [&](const char* field) {
    const auto it = j.find(field);
    if (it == j.end()) fail(field, "missing");
    if (!it->is_string()) fail(field, "must be a string");
    return it->get<std::string>();
  };
  AuditRecord r;
  r.time_utc = string("time_utc");
  r.actor = string("actor");
  r.role = string("role");
  r.action = string("action");
  r.target = string("target");
  const auto status = j.find("status");
  if (status == j.end()) fail("status", "missing");
  if (!status->is_number_integer()) fail("status", "must be an integer");
  r.status = status->get<int>();
  r.outcome = string("outcome");
  r.detail = string("detail");
  r.request_id = string("request_id");
  return r;
}

}  // namespace

bool AuditRecord::operator==(const AuditRecord& o) const {
  return time_utc == o.time_utc && actor == o.actor && role == o.role && action == o.action &&
         target == o.target && status == o.status && outcome == o.outcome && detail == o.detail &&
         request_id == o.request_id;
}

nlohmann::json ToJson(const AuditRecord& record) { return RecordJson<Json>(record); }

std::string AuditLog::PathFor(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "audit" / "audit.jsonl").string();
}

AuditLog::AuditLog(std::string path) : path_(std::move(path)) {}

void AuditLog::Append(const AuditRecord& record) {
  OrderedJson line = RecordJson<OrderedJson>(record);
  if (record.time_utc.empty()) line["time_utc"] = UtcNowIso8601();
  const std::string text = line.dump(-1, ' ', false, Json::error_handler_t::replace);

  const std::lock_guard<std::mutex> lock(mutex_);
  if (!directory_ready_) {
    const std::string directory = std::filesystem::path(path_).parent_path().string();
    if (!directory.empty()) CreateDirectoriesDurably(directory);
    directory_ready_ = true;
  }
  const LogFileLock file_lock(path_, 0640);
  AppendDurably(path_, text);
}

std::vector<AuditRecord> AuditLog::ReadAll(const std::string& path) {
  const std::string text = ReadWholeLines(path).text;
  std::vector<AuditRecord> records;
  ForEachJsonLine(text, path,
                  [&](const Json& j, long line) { records.push_back(FromJson(j, path, line)); });
  return records;
}

}  // namespace wbe
