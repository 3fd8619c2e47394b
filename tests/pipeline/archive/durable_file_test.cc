#include "pipeline/archive/durable_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <set>
#include <stdexcept>
#include <string>

#include "tests/pipeline/archive/archive_test_util.h"

namespace wbe {
namespace {

using testing_util::AppendBytes;
using testing_util::FileBytes;
using testing_util::MessageOf;
using testing_util::ScratchDir;
using testing_util::WriteBytes;

mode_t ModeOf(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

// ---------------------------------------------------------------------------------------------
// WriteFileAtomically

TEST(WriteFileAtomicallyTest, CreatesThenReplacesWithoutLeavingTempFiles) {
  ScratchDir dir;
  const std::string path = dir.Sub("settings.json");
  WriteFileAtomically(path, "first");
  EXPECT_EQ(FileBytes(path), "first");
  WriteFileAtomically(path, std::string("sec\0ond", 7));
  EXPECT_EQ(FileBytes(path), std::string("sec\0ond", 7));
  WriteFileAtomically(path, "");
  EXPECT_EQ(FileBytes(path), "");
  EXPECT_EQ(dir.Files(), std::set<std::string>{"settings.json"});
}

TEST(WriteFileAtomicallyTest, KeepsTheModeOfTheFileItReplaces) {
  ScratchDir dir;
  const std::string path = dir.Sub("secret.txt");
  WriteFileAtomically(path, "a");
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  WriteFileAtomically(path, "b");
  EXPECT_EQ(ModeOf(path), 0600u);
}

TEST(WriteFileAtomicallyTest, ParentIsAFileFailsNamingThePathAndLeavesNothing) {
  // Works as root too, unlike a read-only directory.
  ScratchDir dir;
  WriteBytes(dir.Sub("plain-file"), "keep");
  const std::string path = dir.Sub("plain-file/out.txt");
  const std::string message =
      MessageOf<std::runtime_error>([&] { WriteFileAtomically(path, "bytes"); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("Not a directory"), std::string::npos) << message;
  EXPECT_EQ(dir.Files(), std::set<std::string>{"plain-file"});
  EXPECT_EQ(FileBytes(dir.Sub("plain-file")), "keep");
}

TEST(WriteFileAtomicallyTest, FailedRenameRemovesTheTempFile) {
  // A non-empty directory where the file should go: everything succeeds until rename().
  ScratchDir dir;
  const std::string path = dir.Sub("target");
  std::filesystem::create_directory(path);
  WriteBytes(dir.Sub("target/keep.txt"), "keep");
  const std::string message =
      MessageOf<std::runtime_error>([&] { WriteFileAtomically(path, "bytes"); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("rename"), std::string::npos) << message;
  EXPECT_EQ(dir.Files(), std::set<std::string>{"target/keep.txt"});
}

// ---------------------------------------------------------------------------------------------
// TempFile

TEST(TempFileTest, NameSitsBesideTheTargetAndVanishesWithoutCommit) {
  ScratchDir dir;
  std::string temp_path;
  {
    TempFile temp(dir.Sub("store.h5"));
    temp_path = temp.path();
    EXPECT_EQ(std::filesystem::path(temp_path).parent_path(), dir.path());
    // "store.<pid>-<n>.h5.tmp": matched by the repository's *.h5.tmp ignore rule.
    EXPECT_EQ(temp_path.substr(temp_path.size() - 7), ".h5.tmp") << temp_path;
    EXPECT_TRUE(std::filesystem::exists(temp_path));
  }
  EXPECT_FALSE(std::filesystem::exists(temp_path));
  EXPECT_TRUE(dir.Files().empty());
}

TEST(TempFileTest, CommitIfAbsentNeverReplaces) {
  ScratchDir dir;
  const std::string target = dir.Sub("object");
  WriteBytes(target, "original");
  {
    TempFile temp(target);
    WriteBytes(temp.path(), "intruder");
    EXPECT_FALSE(temp.CommitIfAbsent());
  }
  EXPECT_EQ(FileBytes(target), "original");
  EXPECT_EQ(dir.Files(), std::set<std::string>{"object"});

  TempFile fresh(dir.Sub("other"));
  WriteBytes(fresh.path(), "new");
  fresh.MakeReadOnly();
  EXPECT_TRUE(fresh.CommitIfAbsent());
  EXPECT_EQ(FileBytes(dir.Sub("other")), "new");
  EXPECT_EQ(ModeOf(dir.Sub("other")), 0444u);
}

TEST(TempFileTest, RetargetMovesAcrossDirectoriesOfOneFilesystem) {
  ScratchDir dir;
  CreateDirectoriesDurably(dir.Sub("staging"));
  CreateDirectoriesDurably(dir.Sub("final"));
  TempFile temp(dir.Sub("staging/upload"), dir.Sub("staging"));
  WriteBytes(temp.path(), "payload");
  temp.Retarget(dir.Sub("final/named"));
  temp.Commit();
  EXPECT_EQ(dir.Files(), std::set<std::string>{"final/named"});
  EXPECT_EQ(FileBytes(dir.Sub("final/named")), "payload");
}

// ---------------------------------------------------------------------------------------------
// Directories

TEST(CreateDirectoriesDurablyTest, CreatesTheWholeChainAndAcceptsExisting) {
  ScratchDir dir;
  CreateDirectoriesDurably(dir.Sub("a/b/c/"));
  EXPECT_TRUE(std::filesystem::is_directory(dir.Sub("a/b/c")));
  CreateDirectoriesDurably(dir.Sub("a/b/c"));  // again: nothing to do
  CreateDirectoriesDurably(dir.Str());
}

TEST(CreateDirectoriesDurablyTest, UnderAFileFailsNamingIt) {
  ScratchDir dir;
  WriteBytes(dir.Sub("file"), "x");
  const std::string message =
      MessageOf<std::runtime_error>([&] { CreateDirectoriesDurably(dir.Sub("file/sub/dir")); });
  EXPECT_NE(message.find(dir.Sub("file")), std::string::npos) << message;
  EXPECT_NE(message.find("Not a directory"), std::string::npos) << message;
}

TEST(FsyncDirectoryTest, MissingDirectoryNamesPathAndReason) {
  ScratchDir dir;
  const std::string missing = dir.Sub("nope");
  const std::string message = MessageOf<std::runtime_error>([&] { FsyncDirectory(missing); });
  EXPECT_NE(message.find(missing), std::string::npos) << message;
  EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
  FsyncDirectory(dir.Str());
}

// ---------------------------------------------------------------------------------------------
// Append-only log

TEST(AppendDurablyTest, CreatesAndAppendsWholeLines) {
  ScratchDir dir;
  const std::string log = dir.Sub("log.jsonl");
  EXPECT_EQ(AppendDurably(log, "{\"a\":1}"), 0u);
  EXPECT_EQ(AppendDurably(log, "{\"b\":2}"), 0u);
  EXPECT_EQ(FileBytes(log), "{\"a\":1}\n{\"b\":2}\n");
  const LogLines lines = ReadWholeLines(log);
  EXPECT_EQ(lines.text, "{\"a\":1}\n{\"b\":2}\n");
  EXPECT_EQ(lines.torn_bytes, 0u);
}

TEST(AppendDurablyTest, RefusesEmbeddedNewlineAndWritesNothing) {
  ScratchDir dir;
  const std::string log = dir.Sub("log.jsonl");
  AppendDurably(log, "one");
  EXPECT_THROW(AppendDurably(log, "two\nthree"), std::invalid_argument);
  EXPECT_EQ(FileBytes(log), "one\n");
}

TEST(AppendDurablyTest, TornTailIsIgnoredByReadersAndCutOffByTheNextAppend) {
  ScratchDir dir;
  const std::string log = dir.Sub("log.jsonl");
  AppendDurably(log, "whole");
  AppendBytes(log, "{\"par");  // what a crash mid-append can leave
  const LogLines before = ReadWholeLines(log);
  EXPECT_EQ(before.text, "whole\n");
  EXPECT_EQ(before.torn_bytes, 5u);

  EXPECT_EQ(AppendDurably(log, "next"), 5u);
  EXPECT_EQ(FileBytes(log), "whole\nnext\n");
}

TEST(AppendDurablyTest, LogThatIsOnlyATornFragment) {
  ScratchDir dir;
  const std::string log = dir.Sub("log.jsonl");
  WriteBytes(log, std::string(5000, 'x'));  // longer than one backwards-read block
  EXPECT_EQ(ReadWholeLines(log).torn_bytes, 5000u);
  EXPECT_EQ(AppendDurably(log, "first"), 5000u);
  EXPECT_EQ(FileBytes(log), "first\n");
}

TEST(AppendDurablyTest, MissingDirectoryFailsNamingThePath) {
  ScratchDir dir;
  const std::string log = dir.Sub("missing/log.jsonl");
  const std::string message = MessageOf<std::runtime_error>([&] { AppendDurably(log, "x"); });
  EXPECT_NE(message.find(log), std::string::npos) << message;
  EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
  EXPECT_TRUE(dir.Files().empty());
}

TEST(ReadWholeLinesTest, MissingFileIsEmpty) {
  ScratchDir dir;
  const LogLines lines = ReadWholeLines(dir.Sub("none.jsonl"));
  EXPECT_EQ(lines.text, "");
  EXPECT_EQ(lines.torn_bytes, 0u);
  EXPECT_TRUE(dir.Files().empty());
}

}  // namespace
}  // namespace wbe
