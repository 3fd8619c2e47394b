#include "pipeline/archive/data_dir_lock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "tests/pipeline/archive/archive_test_util.h"
#include "tests/pipeline/archive/child_process.h"

namespace wbe {
namespace {

using std::chrono::milliseconds;
using testing_util::Child;
using testing_util::ChildChannel;
using testing_util::MessageOf;
using testing_util::ScratchDir;
using testing_util::WriteBytes;

TEST(DataDirLockTest, SecondWriterIsToldWhoHoldsTheDirectory) {
  ScratchDir dir;
  const DataDirLock first = DataDirLock::Acquire(dir.Str());
  const std::string message =
      MessageOf<std::runtime_error>([&] { DataDirLock::Acquire(dir.Str()); });
  EXPECT_NE(message.find("another wbe process is writing to " + dir.Str()), std::string::npos)
      << message;
  EXPECT_NE(message.find("pid " + std::to_string(::getpid())), std::string::npos) << message;
}

TEST(DataDirLockTest, ReleasedByDestructorReleaseAndMove) {
  ScratchDir dir;
  { const DataDirLock lock = DataDirLock::Acquire(dir.Str()); }
  DataDirLock lock = DataDirLock::Acquire(dir.Str());
  lock.Release();
  DataDirLock moved_from = DataDirLock::Acquire(dir.Str());
  DataDirLock moved_to = std::move(moved_from);
  EXPECT_THROW(DataDirLock::Acquire(dir.Str()), std::runtime_error);
  moved_to.Release();
  EXPECT_EQ(DataDirLock::Acquire(dir.Str()).data_dir(), dir.Str());
}

TEST(DataDirLockTest, CreatesAMissingDataDirectory) {
  ScratchDir dir;
  const DataDirLock lock = DataDirLock::Acquire(dir.Sub("new/data"));
  EXPECT_TRUE(std::filesystem::exists(dir.Sub("new/data/.lock")));
}

TEST(DataDirLockTest, DataDirectoryUnderAFileFailsNamingIt) {
  ScratchDir dir;
  WriteBytes(dir.Sub("file"), "x");
  const std::string message =
      MessageOf<std::runtime_error>([&] { DataDirLock::Acquire(dir.Sub("file/data")); });
  EXPECT_NE(message.find(dir.Sub("file")), std::string::npos) << message;
}

TEST(DataDirLockTest, WaitingGivesUpAfterTheTimeout) {
  ScratchDir dir;
  const DataDirLock holder = DataDirLock::Acquire(dir.Str());
  const auto start = std::chrono::steady_clock::now();
  const std::string message = MessageOf<std::runtime_error>(
      [&] { DataDirLock::AcquireWithin(dir.Str(), milliseconds(50)); });
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(50));
  EXPECT_NE(message.find("another wbe process is writing to"), std::string::npos) << message;
}

TEST(DataDirLockTest, OtherProcessHoldsThenReleases) {
  ScratchDir dir;
  Child child([&](const ChildChannel& channel) {
    DataDirLock lock = DataDirLock::Acquire(dir.Str());
    channel.Signal();       // holding
    channel.AwaitParent();  // until told to let go
    lock.Release();
  });
  ASSERT_TRUE(child.AwaitSignal());
  const std::string message =
      MessageOf<std::runtime_error>([&] { DataDirLock::Acquire(dir.Str()); });
  EXPECT_NE(message.find("another wbe process is writing to " + dir.Str()), std::string::npos)
      << message;
  child.Tell();
  // Whether the child has let go yet or not, a waiting writer gets the lock.
  const DataDirLock lock = DataDirLock::AcquireWithin(dir.Str(), milliseconds(10000));
  EXPECT_EQ(child.Join(), 0);
}

TEST(DataDirLockTest, KilledHolderLeavesNoStaleLock) {
  ScratchDir dir;
  Child child([&](const ChildChannel& channel) {
    const DataDirLock lock = DataDirLock::Acquire(dir.Str());
    channel.SignalAndHang();
  });
  ASSERT_TRUE(child.AwaitSignal());
  EXPECT_THROW(DataDirLock::Acquire(dir.Str()), std::runtime_error);
  child.Kill();
  const DataDirLock lock = DataDirLock::Acquire(dir.Str());  // the kernel dropped it
}

}  // namespace
}  // namespace wbe
