#include "pipeline/archive/batch_manifest.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "models/core/input_error.h"
#include "pipeline/archive/raw_archive.h"
#include "tests/pipeline/archive/archive_test_util.h"

namespace wbe {
namespace {

using testing_util::AppendBytes;
using testing_util::FileBytes;
using testing_util::MessageOf;
using testing_util::ScratchDir;
using testing_util::WriteBytes;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class ManifestTest : public ::testing::Test {
 protected:
  ManifestTest() : archive_(dir_.Str()) {}

  std::string ManifestPath() const { return Manifest::PathFor(dir_.Str()); }

  // Archives `bytes` (and a method file) and describes them as a lab batch upload.
  ManifestEntry Upload(const std::string& bytes, const std::string& batch_id,
                       Verdict verdict = Verdict::kAccepted) {
    const StoredObject raw = archive_.Put(bytes);
    const StoredObject method = archive_.Put("{\"method\": \"LC-MS/MS v3\"}");
    ManifestEntry e;
    e.sha256 = raw.sha256;
    e.size_bytes = raw.size_bytes;
    e.source_name = batch_id + ".csv";
    e.kind = UploadKind::kLabBatch;
    e.format = "long_csv";
    e.method = MethodFile{"method-v3.json", method.sha256};
    e.uploader = "lab-tech-1";
    e.uploaded_utc = "2026-03-09T08:00:00Z";
    e.batch_id = batch_id;
    e.verdict = verdict;
    e.qc_summary = "48 of 48 QCs within 20 %";
    return e;
  }

  ScratchDir dir_;
  RawArchive archive_;
};

TEST_F(ManifestTest, MissingManifestLoadsEmptyAndCreatesNothing) {
  const Manifest manifest = Manifest::Load(dir_.Sub("data"));
  EXPECT_TRUE(manifest.Entries().empty());
  EXPECT_FALSE(manifest.Latest("any"));
  manifest.MakeDurable();
  EXPECT_TRUE(CheckArchive(RawArchive(dir_.Sub("data")), manifest, true).debris.empty());
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("data")));
}

TEST_F(ManifestTest, AppendWritesOneLineWithEveryFieldAndReloadsEqual) {
  Manifest manifest = Manifest::Load(dir_.Str());
  ManifestEntry e = Upload("batch one", "B-2026-W10");
  e.idempotency_key = "req-1";
  e.seq = 99;  // ignored: Append decides
  const ManifestAppend result = manifest.Append(e);
  EXPECT_TRUE(result.appended);
  EXPECT_EQ(result.entry.seq, 1);
  EXPECT_EQ(result.entry.version, 1);
  EXPECT_FALSE(result.entry.supersedes);

  const std::vector<std::string> lines = Lines(FileBytes(ManifestPath()));
  ASSERT_EQ(lines.size(), 1u);
  const nlohmann::ordered_json j = nlohmann::ordered_json::parse(lines[0]);
  std::vector<std::string> keys;
  for (const auto& item : j.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"seq", "sha256", "size_bytes", "source_name", "kind",
                                            "format", "method", "uploader", "uploaded_utc",
                                            "batch_id", "version", "supersedes", "verdict",
                                            "qc_summary", "idempotency_key"}));
  EXPECT_EQ(j["kind"], "lab_batch");
  EXPECT_EQ(j["verdict"], "accepted");
  EXPECT_EQ(j["method"]["file_name"], "method-v3.json");
  EXPECT_TRUE(j["supersedes"].is_null());

  const Manifest reloaded = Manifest::Load(dir_.Str());
  ASSERT_EQ(reloaded.Entries().size(), 1u);
  EXPECT_EQ(reloaded.Entries()[0], result.entry);
  EXPECT_EQ(reloaded.FindBySha256(e.sha256)->seq, 1);
  EXPECT_EQ(reloaded.FindByIdempotencyKey("req-1")->sha256, e.sha256);
  EXPECT_FALSE(reloaded.FindByIdempotencyKey("req-2"));
}

TEST_F(ManifestTest, CorrectionsBecomeVersionsAndRejectedOnesDoNotSupersede) {
  Manifest manifest = Manifest::Load(dir_.Str());
  const ManifestEntry v1 = manifest.Append(Upload("v1 bytes", "B1")).entry;
  const ManifestEntry other = manifest.Append(Upload("another batch", "B2")).entry;
  const ManifestEntry v2 = manifest.Append(Upload("v2 bytes", "B1")).entry;
  const ManifestEntry v3 = manifest.Append(Upload("v3 bytes", "B1", Verdict::kRejected)).entry;

  EXPECT_EQ(v2.version, 2);
  EXPECT_EQ(v2.supersedes, v1.sha256);
  EXPECT_EQ(manifest.Latest("B1")->sha256, v2.sha256);
  // A rejected correction is kept and numbered, but replaces nothing.
  EXPECT_EQ(v3.version, 3);
  EXPECT_FALSE(v3.supersedes);
  EXPECT_EQ(manifest.Latest("B1")->sha256, v2.sha256);

  const ManifestEntry v4 =
      manifest.Append(Upload("v4 bytes", "B1", Verdict::kAcceptedWithFlags)).entry;
  EXPECT_EQ(v4.version, 4);
  EXPECT_EQ(v4.supersedes, v2.sha256);  // the current one, not the rejected v3
  EXPECT_EQ(manifest.Latest("B1")->sha256, v4.sha256);

  std::vector<int> versions;
  for (const ManifestEntry& e : manifest.Versions("B1")) versions.push_back(e.version);
  EXPECT_EQ(versions, (std::vector<int>{1, 2, 3, 4}));
  std::vector<std::string> current;
  for (const ManifestEntry& e : manifest.Current()) current.push_back(e.sha256);
  EXPECT_EQ(current, (std::vector<std::string>{other.sha256, v4.sha256}));

  // Nothing was overwritten: every version's line and bytes are still there.
  const Manifest reloaded = Manifest::Load(dir_.Str());
  EXPECT_EQ(reloaded.Entries(), manifest.Entries());
  EXPECT_EQ(archive_.Get(v1.sha256), "v1 bytes");
}

TEST_F(ManifestTest, BatchWhoseOnlyVersionWasRejectedHasNoCurrentVersion) {
  Manifest manifest = Manifest::Load(dir_.Str());
  const ManifestEntry rejected = manifest.Append(Upload("bad", "B9", Verdict::kRejected)).entry;
  EXPECT_EQ(rejected.version, 1);
  EXPECT_FALSE(manifest.Latest("B9"));
  EXPECT_TRUE(manifest.Current().empty());
  EXPECT_TRUE(manifest.FindBySha256(rejected.sha256));  // but the technician can see it
  const ManifestEntry fixed = manifest.Append(Upload("good", "B9")).entry;
  EXPECT_EQ(fixed.version, 2);
  EXPECT_FALSE(fixed.supersedes);
  EXPECT_EQ(manifest.Latest("B9")->sha256, fixed.sha256);
}

TEST_F(ManifestTest, SameBytesTwiceGiveOneEntry) {
  Manifest manifest = Manifest::Load(dir_.Str());
  const ManifestEntry first = manifest.Append(Upload("same bytes", "B1")).entry;
  const std::string before = FileBytes(ManifestPath());
  ManifestEntry again = Upload("same bytes", "B1-renamed");  // even under another batch id
  again.uploader = "someone-else";
  const ManifestAppend result = manifest.Append(again);
  EXPECT_FALSE(result.appended);
  EXPECT_EQ(result.entry, first);
  EXPECT_EQ(FileBytes(ManifestPath()), before);
  EXPECT_EQ(manifest.Entries().size(), 1u);
}

TEST_F(ManifestTest, IdempotencyKeyReusedForOtherBytesIsRefused) {
  Manifest manifest = Manifest::Load(dir_.Str());
  ManifestEntry first = Upload("one", "B1");
  first.idempotency_key = "key-1";
  manifest.Append(first);
  ManifestEntry second = Upload("two", "B1");
  second.idempotency_key = "key-1";
  const std::string before = FileBytes(ManifestPath());
  try {
    manifest.Append(second);
    FAIL() << "no exception";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "idempotency_key");
    EXPECT_NE(std::string(e.what()).find(first.sha256), std::string::npos) << e.what();
  }
  EXPECT_EQ(FileBytes(ManifestPath()), before);
}

TEST_F(ManifestTest, ABatchIdKeepsItsKind) {
  Manifest manifest = Manifest::Load(dir_.Str());
  manifest.Append(Upload("lab", "B1"));
  ManifestEntry flows = Upload("flows", "B1");
  flows.kind = UploadKind::kFlows;
  flows.method.reset();
  const std::string message = MessageOf<InputError>([&] { manifest.Append(flows); });
  EXPECT_NE(message.find("kind"), std::string::npos) << message;
  EXPECT_EQ(manifest.Entries().size(), 1u);
}

TEST_F(ManifestTest, MalformedFieldsAreRefusedBeforeAnythingIsWritten) {
  Manifest manifest = Manifest::Load(dir_.Str());
  const auto field_of = [&](ManifestEntry e) {
    try {
      manifest.Append(e);
    } catch (const InputError& error) {
      return error.field();
    }
    return std::string("(accepted)");
  };
  ManifestEntry e = Upload("x", "B1");
  e.uploaded_utc = "09/03/2026 08:00";
  EXPECT_EQ(field_of(e), "uploaded_utc");
  e = Upload("x", "B1");
  e.batch_id = "";
  EXPECT_EQ(field_of(e), "batch_id");
  e = Upload("x", "B1");
  e.uploader = "";
  EXPECT_EQ(field_of(e), "uploader");
  e = Upload("x", "B1");
  e.method->sha256 = "not-a-hash";
  EXPECT_EQ(field_of(e), "method.sha256");
  e = Upload("x", "B1");
  e.source_name = "\xFF\xFE.csv";  // not UTF-8: JSON cannot carry it
  EXPECT_EQ(field_of(e), "");
  EXPECT_FALSE(std::filesystem::exists(ManifestPath()));
}

TEST_F(ManifestTest, EmptyUploadTimeMeansNow) {
  Manifest manifest = Manifest::Load(dir_.Str());
  ManifestEntry e = Upload("x", "B1");
  e.uploaded_utc.clear();
  const ManifestEntry stored = manifest.Append(e).entry;
  EXPECT_TRUE(IsIso8601Utc(stored.uploaded_utc)) << stored.uploaded_utc;
  EXPECT_TRUE(IsIso8601Utc("2026-03-09T08:00:00.125Z"));
  EXPECT_FALSE(IsIso8601Utc("2026-13-09T08:00:00Z"));
  EXPECT_FALSE(IsIso8601Utc("2026-03-09T08:00:00+08:00"));
}

TEST_F(ManifestTest, AppendBeforePutIsAProgrammingError) {
  Manifest manifest = Manifest::Load(dir_.Str());
  ManifestEntry e = Upload("x", "B1");
  e.sha256 = Sha256Hex("never archived");
  EXPECT_THROW(manifest.Append(e), std::logic_error);
  e = Upload("x", "B1");
  e.size_bytes = 12345;
  EXPECT_THROW(manifest.Append(e), std::logic_error);
  e = Upload("x", "B1");
  e.method->sha256 = Sha256Hex("method never archived");
  EXPECT_THROW(manifest.Append(e), std::logic_error);
  EXPECT_FALSE(std::filesystem::exists(ManifestPath()));
}

// ---------------------------------------------------------------------------------------------
// Damage on disk

TEST_F(ManifestTest, TornLastLineIsIgnoredThenCutOffByTheNextAppend) {
  Manifest manifest = Manifest::Load(dir_.Str());
  manifest.Append(Upload("one", "B1"));
  manifest.Append(Upload("two", "B2"));
  const std::string whole = FileBytes(ManifestPath());
  const std::string second_line = Lines(whole)[1];
  // What a power cut in the middle of a third append can leave behind.
  AppendBytes(ManifestPath(), second_line.substr(0, second_line.size() / 2));

  Manifest reloaded = Manifest::Load(dir_.Str());
  EXPECT_EQ(reloaded.Entries(), manifest.Entries());
  EXPECT_EQ(reloaded.torn_bytes(), second_line.size() / 2);

  const ManifestEntry third = reloaded.Append(Upload("three", "B3")).entry;
  EXPECT_EQ(third.seq, 3);
  const Manifest after = Manifest::Load(dir_.Str());
  EXPECT_EQ(after.torn_bytes(), 0u);
  ASSERT_EQ(after.Entries().size(), 3u);
  EXPECT_EQ(FileBytes(ManifestPath()).substr(0, whole.size()), whole);
}

TEST_F(ManifestTest, CorruptLineInTheMiddleIsReportedWithItsLineNumber) {
  Manifest manifest = Manifest::Load(dir_.Str());
  manifest.Append(Upload("one", "B1"));
  manifest.Append(Upload("two", "B2"));
  manifest.Append(Upload("three", "B3"));
  std::vector<std::string> lines = Lines(FileBytes(ManifestPath()));
  lines[1] = lines[1].substr(0, 20);
  WriteBytes(ManifestPath(), lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\n");
  try {
    Manifest::Load(dir_.Str());
    FAIL() << "no exception";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), ManifestPath());
    EXPECT_EQ(e.row(), 2);
    EXPECT_NE(std::string(e.what()).find("corrupt"), std::string::npos) << e.what();
  }
}

TEST_F(ManifestTest, BrokenLastLineWithItsNewlineIsCorruptionNotATornWrite) {
  Manifest manifest = Manifest::Load(dir_.Str());
  manifest.Append(Upload("one", "B1"));
  AppendBytes(ManifestPath(), "{\"seq\": 2, \"sha\n");
  EXPECT_THROW(Manifest::Load(dir_.Str()), InputError);
}

TEST_F(ManifestTest, EditedVersionSupersedesSeqOrUnknownFieldIsCaught) {
  Manifest manifest = Manifest::Load(dir_.Str());
  manifest.Append(Upload("one", "B1"));
  manifest.Append(Upload("two", "B1"));
  const std::string good = FileBytes(ManifestPath());
  const auto field_after_edit = [&](const std::string& key, const nlohmann::json& value) {
    std::vector<std::string> lines = Lines(good);
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(lines[1]);
    j[key] = value;
    WriteBytes(ManifestPath(), lines[0] + "\n" + j.dump() + "\n");
    try {
      Manifest::Load(dir_.Str());
    } catch (const InputError& e) {
      EXPECT_EQ(e.row(), 2);
      return e.field();
    }
    return std::string("(loaded)");
  };
  EXPECT_EQ(field_after_edit("version", 1), "version");
  EXPECT_EQ(field_after_edit("supersedes", nullptr), "supersedes");
  EXPECT_EQ(field_after_edit("seq", 5), "seq");
  EXPECT_EQ(field_after_edit("verdict", "maybe"), "verdict");
  EXPECT_EQ(field_after_edit("colour", "blue"), "colour");
  EXPECT_EQ(field_after_edit("sha256", Sha256Hex("one")), "sha256");  // line 1's file
}

TEST_F(ManifestTest, SecondWriterIgnoringTheLockIsDetected) {
  Manifest first = Manifest::Load(dir_.Str());
  Manifest second = Manifest::Load(dir_.Str());
  first.Append(Upload("one", "B1"));
  const std::string message =
      MessageOf<std::runtime_error>([&] { second.Append(Upload("two", "B2")); });
  EXPECT_NE(message.find("changed since it was loaded"), std::string::npos) << message;
  EXPECT_EQ(Manifest::Load(dir_.Str()).Entries().size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// Start-up check

TEST_F(ManifestTest, CheckArchiveSortsObjectsIntoAcknowledgedGarbageAndDamage) {
  Manifest manifest = Manifest::Load(dir_.Str());
  const ManifestEntry kept = manifest.Append(Upload("kept", "B1")).entry;
  const StoredObject orphan = archive_.Put("put but never appended");
  WriteBytes(orphan.path + ".77-0.tmp", "half a put");

  ArchiveReport report = CheckArchive(archive_, manifest, /*verify_contents=*/true);
  EXPECT_EQ(report.unreferenced_objects, std::vector<std::string>{orphan.sha256});
  EXPECT_EQ(report.debris, std::vector<std::string>{orphan.path + ".77-0.tmp"});
  EXPECT_TRUE(report.missing_objects.empty());
  EXPECT_TRUE(report.corrupt_objects.empty());
  EXPECT_FALSE(report.damaged());

  const std::string path = archive_.ObjectPath(kept.sha256);
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  WriteBytes(path, "tampered");
  report = CheckArchive(archive_, manifest, /*verify_contents=*/false);
  EXPECT_TRUE(report.corrupt_objects.empty());  // not looked at without verification
  report = CheckArchive(archive_, manifest, /*verify_contents=*/true);
  EXPECT_EQ(report.corrupt_objects, std::vector<std::string>{kept.sha256});
  EXPECT_TRUE(report.damaged());

  std::filesystem::remove(path);
  report = CheckArchive(archive_, manifest, /*verify_contents=*/true);
  EXPECT_EQ(report.missing_objects, std::vector<std::string>{kept.sha256});
  // Garbage is reported, never removed.
  EXPECT_TRUE(archive_.Contains(orphan.sha256));
}

}  // namespace
}  // namespace wbe
