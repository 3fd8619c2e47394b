#include "pipeline/audit/audit_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "models/core/input_error.h"
#include "pipeline/archive/batch_manifest.h"
#include "tests/pipeline/archive/archive_test_util.h"

namespace wbe {
namespace {

using testing_util::AppendBytes;
using testing_util::FileBytes;
using testing_util::MessageOf;
using testing_util::ScratchDir;

AuditRecord Record(const std::string& target, const std::string& outcome) {
  AuditRecord r;
  r.time_utc = "2026-03-09T08:00:00Z";
  r.actor = "lab-1";
  r.role = "lab";
  r.action = "POST /api/v1/batches";
  r.target = target;
  r.status = 201;
  r.outcome = outcome;
  r.detail = "version 1, accepted";
  r.request_id = "req-" + target;
  return r;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(AuditLogTest, PathIsUnderTheDataDirectory) {
  EXPECT_EQ(AuditLog::PathFor("/srv/wbe"), "/srv/wbe/audit/audit.jsonl");
}

TEST(AuditLogTest, RecordsReadBackInOrder) {
  ScratchDir dir;
  const std::string path = AuditLog::PathFor(dir.Str());
  AuditLog log(path);
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("audit")));  // nothing until the first Append
  const std::vector<AuditRecord> written = {
      Record("batch-1", "created"), Record("batch-2", "rejected"), Record("batch-1", "unchanged")};
  for (const AuditRecord& r : written) log.Append(r);

  const std::vector<AuditRecord> read = AuditLog::ReadAll(path);
  ASSERT_EQ(read.size(), written.size());
  for (std::size_t i = 0; i < read.size(); ++i) EXPECT_EQ(read[i], written[i]) << i;
  EXPECT_EQ(Lines(FileBytes(path)).size(), 3u);
}

TEST(AuditLogTest, EmptyTimeIsFilledWithNowAndCliFieldsStayEmpty) {
  ScratchDir dir;
  const std::string path = dir.Sub("nested/deeper/audit.jsonl");
  AuditLog log(path);
  AuditRecord r;
  r.actor = "cli:alice";
  r.action = "token create";
  r.target = "lab-1";
  r.outcome = "created";
  log.Append(r);
  const std::vector<AuditRecord> read = AuditLog::ReadAll(path);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_TRUE(IsIso8601Utc(read[0].time_utc)) << read[0].time_utc;
  EXPECT_EQ(read[0].actor, "cli:alice");
  EXPECT_EQ(read[0].role, "");
  EXPECT_EQ(read[0].status, 0);
  EXPECT_EQ(read[0].request_id, "");
}

TEST(AuditLogTest, JsonNamesEveryField) {
  const nlohmann::json j = ToJson(Record("batch-1", "created"));
  for (const char* field : {"time_utc", "actor", "role", "action", "target", "status", "outcome",
                            "detail", "request_id"}) {
    EXPECT_TRUE(j.contains(field)) << field;
  }
  EXPECT_EQ(j.size(), 9u);
  EXPECT_EQ(j["status"], 201);
  EXPECT_EQ(j["target"], "batch-1");
}

TEST(AuditLogTest, ConcurrentAppendsAreAllPresentAsValidLines) {
  ScratchDir dir;
  const std::string path = AuditLog::PathFor(dir.Str());
  AuditLog log(path);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < kPerThread; ++i) {
        AuditRecord r = Record(std::to_string(t) + "-" + std::to_string(i), "created");
        r.detail = std::string(200 + i, 'x');  // long enough to make interleaving visible
        log.Append(r);
      }
    });
  }
  for (std::thread& t : threads) t.join();

  const std::vector<std::string> lines = Lines(FileBytes(path));
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kPerThread));
  std::set<std::string> targets;
  for (const std::string& line : lines) {
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    targets.insert(j["target"].get<std::string>());
  }
  EXPECT_EQ(targets.size(), static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(AuditLog::ReadAll(path).size(), static_cast<std::size_t>(kThreads * kPerThread));
}

TEST(AuditLogTest, TornLastLineIsIgnoredAndCutOffByTheNextAppend) {
  ScratchDir dir;
  const std::string path = AuditLog::PathFor(dir.Str());
  AuditLog log(path);
  log.Append(Record("a", "created"));
  log.Append(Record("b", "created"));
  AppendBytes(path, R"({"time_utc":"2026-03-09T08:00:00Z","actor":"la)");
  ASSERT_EQ(AuditLog::ReadAll(path).size(), 2u);

  log.Append(Record("c", "created"));
  const std::vector<AuditRecord> read = AuditLog::ReadAll(path);
  ASSERT_EQ(read.size(), 3u);
  EXPECT_EQ(read[2].target, "c");
  EXPECT_EQ(FileBytes(path).find("\"la\""), std::string::npos);
}

TEST(AuditLogTest, MissingLogReadsAsEmpty) {
  ScratchDir dir;
  EXPECT_TRUE(AuditLog::ReadAll(dir.Sub("audit/audit.jsonl")).empty());
}

TEST(AuditLogTest, MalformedLineThrowsNamingTheLine) {
  ScratchDir dir;
  const std::string path = AuditLog::PathFor(dir.Str());
  AuditLog log(path);
  log.Append(Record("a", "created"));
  AppendBytes(path, R"({"time_utc":"2026-03-09T08:00:00Z","actor":"x","status":"ok"})"
                    "\n");
  const std::string message = MessageOf<InputError>([&] { AuditLog::ReadAll(path); });
  EXPECT_NE(message.find(path + ":2:"), std::string::npos) << message;
}

TEST(AuditLogTest, InvalidUtf8IsRecordedNotRefused) {
  ScratchDir dir;
  const std::string path = AuditLog::PathFor(dir.Str());
  AuditLog log(path);
  AuditRecord r = Record("batch-\xff", "rejected");
  r.detail = "line one\nline two";
  log.Append(r);
  const std::vector<AuditRecord> read = AuditLog::ReadAll(path);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].detail, "line one\nline two");
  EXPECT_EQ(read[0].target.rfind("batch-", 0), 0u) << read[0].target;
  EXPECT_NE(read[0].target, "batch-\xff");
}

}  // namespace
}  // namespace wbe
