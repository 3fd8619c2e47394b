#pragma once

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

// The audit log: who did what to the data directory and how it ended, one JSON line per
// action, in DATA_DIR/audit/audit.jsonl. Written by the HTTP service for every request that
// changes something or is refused, and by the `wbe` commands that manage access.

namespace wbe {

struct AuditRecord {
  std::string time_utc;    // ISO 8601; Append fills in now when empty
  std::string actor;       // token name, or "cli:<user>"
  std::string role;        // "lab", "analyst", "admin", or "" (CLI)
  std::string action;      // e.g. "POST /api/v1/batches", "token create"
  std::string target;      // e.g. a batch id, a token name
  int status = 0;          // HTTP status, or 0 for the CLI
  std::string outcome;     // one word: "created", "unchanged", "rejected", "denied", "revoked"...
  std::string detail;      // one line
  std::string request_id;  // empty for the CLI

  bool operator==(const AuditRecord& other) const;
};

// {"time_utc", "actor", "role", "action", "target", "status", "outcome", "detail",
// "request_id"}, all strings but status.
nlohmann::json ToJson(const AuditRecord& record);

// Appends records to one audit log. Thread-safe, and safe with other processes appending to the
// same log at the same time (each append holds an flock(2) of the log).
class AuditLog {
 public:
  // DATA_DIR/audit/audit.jsonl.
  static std::string PathFor(const std::string& data_dir);

  // Creates nothing until the first Append.
  explicit AuditLog(std::string path);

  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  const std::string& path() const { return path_; }

  // Writes `record` as one line and fsyncs it (AppendDurably), creating the log and its
  // directory durably on first use. Invalid UTF-8 is replaced, never refused: the action
  // happened and must be recorded.
  void Append(const AuditRecord& record);

  // Every record in file order. A missing log reads as none and a torn last line (a crash
  // mid-append) is ignored; a malformed complete line throws InputError naming the line.
  static std::vector<AuditRecord> ReadAll(const std::string& path);

 private:
  std::string path_;
  std::mutex mutex_;
  bool directory_ready_ = false;
};

}  // namespace wbe
