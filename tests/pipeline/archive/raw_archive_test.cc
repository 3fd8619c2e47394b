#include "pipeline/archive/raw_archive.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <set>
#include <string>
#include <vector>

#include "models/core/input_error.h"
#include "tests/pipeline/archive/archive_test_util.h"

namespace wbe {
namespace {

using testing_util::FileBytes;
using testing_util::MessageOf;
using testing_util::ScratchDir;
using testing_util::WriteBytes;

const char kEmptySha[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const char kAbcSha[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

struct StatInfo {
  ino_t inode = 0;
  mode_t mode = 0;
  struct timespec mtime {};
};

StatInfo StatOf(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return {info.st_ino, info.st_mode & 07777, info.st_mtim};
}

// A batch file with what vendor exports contain: BOM, CRLF, a NUL, non-ASCII.
std::string SampleBatch() {
  return std::string("\xEF\xBB\xBFsample,analyte,conc\r\nS01,\xE5\x86\xB0\xE6\xAF\x92,12.5\r\n") +
         std::string(1, '\0') + "tail";
}

// ---------------------------------------------------------------------------------------------
// Hashing

TEST(Sha256Test, KnownVectors) {
  // FIPS 180-2 examples and the empty string.
  EXPECT_EQ(Sha256Hex(""), kEmptySha);
  EXPECT_EQ(Sha256Hex("abc"), kAbcSha);
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, FileHashMatchesInMemoryHash) {
  ScratchDir dir;
  const std::string bytes = SampleBatch() + std::string(3 << 20, 'z');  // spans several blocks
  WriteBytes(dir.Sub("f"), bytes);
  EXPECT_EQ(Sha256HexOfFile(dir.Sub("f")), Sha256Hex(bytes));
  EXPECT_THROW(Sha256HexOfFile(dir.Sub("missing")), std::runtime_error);
}

TEST(Sha256Test, OnlyLowerCaseHexNamesAreAccepted) {
  EXPECT_TRUE(IsSha256Hex(kAbcSha));
  std::string upper = kAbcSha;
  upper[0] = 'B';
  EXPECT_FALSE(IsSha256Hex(upper));
  EXPECT_FALSE(IsSha256Hex(std::string(kAbcSha).substr(1)));
  EXPECT_FALSE(IsSha256Hex(std::string(kAbcSha) + "0"));
  EXPECT_FALSE(IsSha256Hex("../" + std::string(kAbcSha).substr(3)));
}

// ---------------------------------------------------------------------------------------------
// Put and Get

TEST(RawArchiveTest, PutThenGetRoundTripsBytesAtTheContentAddress) {
  ScratchDir dir;
  RawArchive archive(dir.Sub("data"));
  const std::string bytes = SampleBatch();
  const StoredObject stored = archive.Put(bytes);
  EXPECT_FALSE(stored.existed);
  EXPECT_EQ(stored.sha256, Sha256Hex(bytes));
  EXPECT_EQ(stored.size_bytes, bytes.size());
  const std::string expected_path =
      dir.Sub("data/raw/sha256/" + stored.sha256.substr(0, 2) + "/" + stored.sha256.substr(2));
  EXPECT_EQ(stored.path, expected_path);
  EXPECT_EQ(archive.ObjectPath(stored.sha256), expected_path);
  EXPECT_EQ(FileBytes(expected_path), bytes);
  EXPECT_EQ(StatOf(expected_path).mode, 0444u);
  EXPECT_TRUE(archive.Contains(stored.sha256));
  EXPECT_EQ(archive.Get(stored.sha256), bytes);
  EXPECT_EQ(archive.Verify(stored.sha256), bytes.size());
  EXPECT_EQ(archive.List(), std::vector<std::string>{stored.sha256});
  EXPECT_TRUE(archive.Debris().empty());
}

TEST(RawArchiveTest, EmptyFileIsAnObjectToo) {
  ScratchDir dir;
  RawArchive archive(dir.Str());
  EXPECT_EQ(archive.Put("").sha256, kEmptySha);
  EXPECT_EQ(archive.Get(kEmptySha), "");
}

TEST(RawArchiveTest, SecondPutOfTheSameBytesWritesNothing) {
  ScratchDir dir;
  RawArchive archive(dir.Str());
  const StoredObject first = archive.Put("abc");
  const StatInfo before = StatOf(first.path);
  const StoredObject second = archive.Put("abc");
  EXPECT_TRUE(second.existed);
  EXPECT_EQ(second.sha256, first.sha256);
  EXPECT_EQ(second.path, first.path);
  const StatInfo after = StatOf(first.path);
  EXPECT_EQ(after.inode, before.inode);  // not even rewritten with the same bytes
  EXPECT_EQ(after.mtime.tv_sec, before.mtime.tv_sec);
  EXPECT_EQ(after.mtime.tv_nsec, before.mtime.tv_nsec);
  EXPECT_EQ(dir.Files().size(), 1u);
}

TEST(RawArchiveTest, FlippedByteIsCaughtByGetVerifyAndPut) {
  ScratchDir dir;
  RawArchive archive(dir.Str());
  const StoredObject stored = archive.Put(SampleBatch());
  ASSERT_EQ(::chmod(stored.path.c_str(), 0644), 0);
  std::string bytes = FileBytes(stored.path);
  bytes[10] ^= 0x01;
  WriteBytes(stored.path, bytes);

  try {
    archive.Get(stored.sha256);
    FAIL() << "no exception";
  } catch (const ArchiveObjectError& e) {
    EXPECT_EQ(e.problem(), ArchiveObjectError::Problem::kCorrupt);
    EXPECT_EQ(e.sha256(), stored.sha256);
    const std::string message = e.what();
    EXPECT_NE(message.find(stored.sha256), std::string::npos) << message;
    EXPECT_NE(message.find("corrupt"), std::string::npos) << message;
    EXPECT_NE(message.find(Sha256Hex(bytes)), std::string::npos) << message;
  }
  EXPECT_THROW(archive.Verify(stored.sha256), ArchiveObjectError);
  // Re-uploading the good bytes does not quietly paper over the damage: the evidence stays.
  EXPECT_THROW(archive.Put(SampleBatch()), ArchiveObjectError);
  EXPECT_EQ(FileBytes(stored.path), bytes);
}

TEST(RawArchiveTest, MissingObjectIsReportedAsMissing) {
  ScratchDir dir;
  RawArchive archive(dir.Str());
  EXPECT_FALSE(archive.Contains(kAbcSha));
  try {
    archive.Get(kAbcSha);
    FAIL() << "no exception";
  } catch (const ArchiveObjectError& e) {
    EXPECT_EQ(e.problem(), ArchiveObjectError::Problem::kMissing);
    EXPECT_NE(std::string(e.what()).find(kAbcSha), std::string::npos) << e.what();
  }
}

TEST(RawArchiveTest, MalformedNamesAreInputErrors) {
  ScratchDir dir;
  RawArchive archive(dir.Str());
  const std::string message = MessageOf<InputError>([&] { archive.Get("../../etc/passwd"); });
  EXPECT_NE(message.find("../../etc/passwd"), std::string::npos) << message;
  EXPECT_THROW(archive.Contains("ABC"), InputError);
  EXPECT_THROW(archive.ObjectPath(""), InputError);
}

TEST(RawArchiveTest, ReadingAMissingRootCreatesNothing) {
  // What --dry-run relies on.
  ScratchDir dir;
  RawArchive archive(dir.Sub("data"));
  EXPECT_FALSE(archive.Contains(kAbcSha));
  EXPECT_TRUE(archive.List().empty());
  EXPECT_TRUE(archive.Debris().empty());
  EXPECT_THROW(archive.Get(kAbcSha), ArchiveObjectError);
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("data")));
}

TEST(RawArchiveTest, PutIntoAPathUnderAFileFailsAndNamesIt) {
  ScratchDir dir;
  WriteBytes(dir.Sub("file"), "x");
  RawArchive archive(dir.Sub("file/data"));
  const std::string message = MessageOf<std::runtime_error>([&] { archive.Put("abc"); });
  EXPECT_NE(message.find(dir.Sub("file")), std::string::npos) << message;
  EXPECT_EQ(dir.Files(), std::set<std::string>{"file"});
}

// ---------------------------------------------------------------------------------------------
// Streaming put

TEST(RawArchiveTest, PutFileStoresTheSameObjectAsPut) {
  ScratchDir dir;
  RawArchive archive(dir.Sub("data"));
  const std::string bytes = SampleBatch() + std::string((2 << 20) + 17, 'q');
  WriteBytes(dir.Sub("upload.csv"), bytes);

  const StoredObject streamed = archive.PutFile(dir.Sub("upload.csv"));
  EXPECT_FALSE(streamed.existed);
  EXPECT_EQ(streamed.sha256, Sha256Hex(bytes));
  EXPECT_EQ(streamed.size_bytes, bytes.size());
  EXPECT_EQ(StatOf(streamed.path).mode, 0444u);
  EXPECT_EQ(archive.Get(streamed.sha256), bytes);
  EXPECT_TRUE(archive.Debris().empty());  // the staging copy was renamed, not left behind

  EXPECT_TRUE(archive.Put(bytes).existed);
  EXPECT_TRUE(archive.PutFile(dir.Sub("upload.csv")).existed);
  EXPECT_TRUE(archive.Debris().empty());
  EXPECT_EQ(FileBytes(dir.Sub("upload.csv")), bytes);  // the source is left alone
}

TEST(RawArchiveTest, PutFileOfAMissingFileNamesItAndCreatesNothing) {
  ScratchDir dir;
  RawArchive archive(dir.Sub("data"));
  const std::string missing = dir.Sub("no-such.csv");
  const std::string message = MessageOf<std::runtime_error>([&] { archive.PutFile(missing); });
  EXPECT_NE(message.find(missing), std::string::npos) << message;
  EXPECT_TRUE(dir.Files().empty());
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("data")));
}

TEST(RawArchiveTest, DebrisListsStrayFilesButNotObjects) {
  ScratchDir dir;
  RawArchive archive(dir.Str());
  const StoredObject stored = archive.Put("abc");
  const std::string stray_temp = stored.path + ".4242-0.tmp";
  WriteBytes(stray_temp, "half");
  std::filesystem::create_directories(dir.Sub("raw/tmp"));
  WriteBytes(dir.Sub("raw/tmp/upload.4242-1.tmp"), "half");
  EXPECT_EQ(archive.List(), std::vector<std::string>{stored.sha256});
  EXPECT_EQ(archive.Debris(), (std::vector<std::string>{stored.path + ".4242-0.tmp",
                                                        dir.Sub("raw/tmp/upload.4242-1.tmp")}));
  // Reported, not removed.
  EXPECT_EQ(FileBytes(stray_temp), "half");
}

}  // namespace
}  // namespace wbe
