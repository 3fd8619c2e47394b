// A writer SIGKILLed at each point that matters, then the state a restarted process finds.
//
// Limits: killing a process loses nothing the kernel already has, so these tests check the
// ordering (what names are visible, what a restart makes of them), not what a power cut does
// to unsynced data; for that, the torn-line case below removes by hand what the kernel could
// have lost, and data-schemas/raw-archive-layout.md gives the fsync argument.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/archive/batch_manifest.h"
#include "pipeline/archive/data_dir_lock.h"
#include "pipeline/archive/durable_file.h"
#include "pipeline/archive/raw_archive.h"
#include "tests/pipeline/archive/archive_test_util.h"
#include "tests/pipeline/archive/child_process.h"

namespace wbe {
namespace {

using testing_util::Child;
using testing_util::ChildChannel;
using testing_util::FileBytes;
using testing_util::ScratchDir;
using testing_util::WriteBytes;

const char kMethod[] = "{\"method\": \"LC-MS/MS v3\"}";

// The ingest sequence in the documented order: lock, raw bytes, method file, manifest line.
ManifestAppend ArchiveUpload(const std::string& root, const std::string& bytes,
                             const std::string& batch_id) {
  const DataDirLock lock = DataDirLock::Acquire(root);
  RawArchive archive(root);
  const StoredObject raw = archive.Put(bytes);
  const StoredObject method = archive.Put(kMethod);
  Manifest manifest = Manifest::Load(root);
  ManifestEntry e;
  e.sha256 = raw.sha256;
  e.size_bytes = raw.size_bytes;
  e.source_name = batch_id + ".csv";
  e.kind = UploadKind::kLabBatch;
  e.format = "long_csv";
  e.method = MethodFile{"method-v3.json", method.sha256};
  e.uploader = "lab-tech-1";
  e.batch_id = batch_id;
  e.verdict = Verdict::kAccepted;
  e.qc_summary = "ok";
  return manifest.Append(e);
}

// Child-side state for the crash hook (a plain function pointer cannot capture).
const ChildChannel* g_channel = nullptr;
const char* g_stop_point = nullptr;
int g_stop_occurrence = 0;
int g_seen = 0;

void StopHere(const char* point) {
  if (std::strcmp(point, g_stop_point) == 0 && ++g_seen == g_stop_occurrence) {
    g_channel->SignalAndHang();
  }
}

// Runs `work` in a child and SIGKILLs it at the `occurrence`-th time it reaches `point`.
template <typename Work>
void KillAt(const char* point, int occurrence, Work work) {
  Child child([&](const ChildChannel& channel) {
    g_channel = &channel;
    g_stop_point = point;
    g_stop_occurrence = occurrence;
    SetCrashPointHookForTesting(StopHere);
    work();
    ::_exit(5);  // never reached the point
  });
  ASSERT_TRUE(child.AwaitSignal()) << "the child never reached " << point << " #" << occurrence;
  child.Kill();
}

struct CrashCase {
  const char* label;
  const char* point;
  int occurrence;
  // What a restart must find for the killed upload.
  bool raw_visible;
  bool in_manifest;
  std::size_t debris;
};

class CrashRecoveryTest : public ::testing::TestWithParam<CrashCase> {};

TEST_P(CrashRecoveryTest, RestartFindsAConsistentStateAndTheRetryCompletesOnce) {
  const CrashCase& c = GetParam();
  ScratchDir dir;
  const std::string root = dir.Sub("data");
  // An upload acknowledged before the crash.
  const ManifestEntry acknowledged = ArchiveUpload(root, "batch W09", "B-W09").entry;
  const std::string raw = Sha256Hex("batch W10");
  const std::string method = Sha256Hex(kMethod);

  KillAt(c.point, c.occurrence, [&] { ArchiveUpload(root, "batch W10", "B-W10"); });

  {
    // Restart: the lock is free again, everything acknowledged is there and intact.
    const DataDirLock lock = DataDirLock::Acquire(root);
    const RawArchive archive(root);
    const Manifest manifest = Manifest::Load(root);
    EXPECT_EQ(manifest.torn_bytes(), 0u);
    EXPECT_EQ(manifest.Entries().front(), acknowledged);
    EXPECT_EQ(archive.Get(acknowledged.sha256), "batch W09");

    EXPECT_EQ(archive.Contains(raw), c.raw_visible);
    if (c.raw_visible) {
      EXPECT_EQ(archive.Get(raw), "batch W10");  // never half an object
    }
    EXPECT_EQ(manifest.FindBySha256(raw).has_value(), c.in_manifest);
    EXPECT_EQ(manifest.Latest("B-W10").has_value(), c.in_manifest);

    const ArchiveReport report = CheckArchive(archive, manifest, /*verify_contents=*/true);
    EXPECT_FALSE(report.damaged());
    std::vector<std::string> expected_orphans;
    if (c.raw_visible && !c.in_manifest) expected_orphans.push_back(raw);
    // The method object is shared with the acknowledged upload, so never an orphan.
    EXPECT_EQ(report.unreferenced_objects, expected_orphans);
    EXPECT_EQ(report.debris.size(), c.debris);
  }

  // The client never got its answer and retries: the upload completes exactly once.
  const ManifestAppend retry = ArchiveUpload(root, "batch W10", "B-W10");
  EXPECT_EQ(retry.appended, !c.in_manifest);
  const Manifest after = Manifest::Load(root);
  ASSERT_EQ(after.Entries().size(), 2u);
  EXPECT_EQ(after.Latest("B-W10")->sha256, raw);
  EXPECT_EQ(after.Latest("B-W10")->version, 1);
  const ArchiveReport final_report =
      CheckArchive(RawArchive(root), after, /*verify_contents=*/true);
  EXPECT_TRUE(final_report.unreferenced_objects.empty());
  EXPECT_FALSE(final_report.damaged());
  EXPECT_EQ(final_report.debris.size(), c.debris);  // reported, never removed automatically
  EXPECT_EQ(RawArchive(root).Get(method), kMethod);
}

INSTANTIATE_TEST_SUITE_P(
    Points, CrashRecoveryTest,
    ::testing::Values(
        // Raw object fsynced under its temp name, not renamed: invisible, its temp is debris.
        CrashCase{"RawTempSynced", "temp_synced", 1, false, false, 1},
        // Raw object renamed into place, directory not yet fsynced: an orphan until the retry.
        CrashCase{"RawRenamed", "renamed", 1, true, false, 0},
        // Manifest line written, not yet fsynced: after a process crash the kernel still has
        // it, so the upload is present (the client did not hear so, and its retry is a no-op).
        CrashCase{"LineWritten", "line_written", 1, true, true, 0}),
    [](const ::testing::TestParamInfo<CrashCase>& info) { return info.param.label; });

TEST(CrashRecoveryTest, KilledAfterPutBeforeAppendLeavesAnOrphanTheRetryAdopts) {
  ScratchDir dir;
  const std::string root = dir.Str();
  Child child([&](const ChildChannel& channel) {
    const DataDirLock lock = DataDirLock::Acquire(root);
    RawArchive(root).Put("batch W11");
    channel.SignalAndHang();  // killed here, between Put and Append
  });
  ASSERT_TRUE(child.AwaitSignal());
  child.Kill();

  const RawArchive archive(root);
  const Manifest manifest = Manifest::Load(root);
  EXPECT_TRUE(manifest.Entries().empty());
  const ArchiveReport report = CheckArchive(archive, manifest, true);
  EXPECT_EQ(report.unreferenced_objects, std::vector<std::string>{Sha256Hex("batch W11")});

  const ManifestAppend retry = ArchiveUpload(root, "batch W11", "B-W11");
  EXPECT_TRUE(retry.appended);
  EXPECT_TRUE(CheckArchive(archive, Manifest::Load(root), true).unreferenced_objects.empty());
}

TEST(CrashRecoveryTest, CorrectionKilledBeforeItsLineKeepsTheOldVersionCurrent) {
  ScratchDir dir;
  const std::string root = dir.Str();
  const ManifestEntry v1 = ArchiveUpload(root, "W12 first try", "B-W12").entry;

  KillAt("renamed", 1, [&] { ArchiveUpload(root, "W12 corrected", "B-W12"); });
  EXPECT_EQ(Manifest::Load(root).Latest("B-W12")->sha256, v1.sha256);

  KillAt("line_written", 1, [&] { ArchiveUpload(root, "W12 corrected", "B-W12"); });
  const Manifest manifest = Manifest::Load(root);
  EXPECT_EQ(manifest.Latest("B-W12")->version, 2);
  EXPECT_EQ(manifest.Latest("B-W12")->supersedes, v1.sha256);
  EXPECT_EQ(RawArchive(root).Get(v1.sha256), "W12 first try");  // superseded, not overwritten
}

TEST(CrashRecoveryTest, LineLostHalfwayByAPowerCutIsNotAcknowledgedAndTheRetryWorks) {
  ScratchDir dir;
  const std::string root = dir.Str();
  const ManifestEntry v1 = ArchiveUpload(root, "W13 first try", "B-W13").entry;
  const std::string before = FileBytes(Manifest::PathFor(root));
  KillAt("line_written", 1, [&] { ArchiveUpload(root, "W13 corrected", "B-W13"); });

  // Keep only part of the unsynced line, as a power cut before the fsync may.
  const std::string after = FileBytes(Manifest::PathFor(root));
  ASSERT_GT(after.size(), before.size() + 10);
  ASSERT_EQ(::truncate(Manifest::PathFor(root).c_str(),
                       static_cast<off_t>(before.size() + (after.size() - before.size()) / 2)),
            0);

  Manifest manifest = Manifest::Load(root);
  EXPECT_GT(manifest.torn_bytes(), 0u);
  EXPECT_EQ(manifest.Entries().size(), 1u);
  EXPECT_EQ(manifest.Latest("B-W13")->sha256, v1.sha256);

  const ManifestAppend retry = ArchiveUpload(root, "W13 corrected", "B-W13");
  EXPECT_TRUE(retry.appended);
  EXPECT_EQ(retry.entry.seq, 2);
  EXPECT_EQ(retry.entry.supersedes, v1.sha256);
  const Manifest reloaded = Manifest::Load(root);
  EXPECT_EQ(reloaded.torn_bytes(), 0u);
  EXPECT_EQ(reloaded.Entries().size(), 2u);
}

}  // namespace
}  // namespace wbe
