#include "pipeline/archive/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <utility>

#include "pipeline/archive/durable_file.h"

namespace wbe {
namespace {

std::string LockPath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / ".lock").string();
}

// The pid the current holder wrote, or "" when unreadable (it may be mid-write).
std::string HolderPid(int fd) {
  char buffer[32] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof(buffer) - 1, 0);
  if (n <= 0) return "";
  std::string text(buffer, static_cast<std::size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; });
  return digits ? text : "";
}

[[noreturn]] void ThrowBusy(const std::string& data_dir, int fd) {
  const std::string pid = HolderPid(fd);
  ::close(fd);
  throw std::runtime_error("another wbe process is writing to " + data_dir +
                           (pid.empty() ? "" : " (pid " + pid + ")"));
}

int OpenLockFile(const std::string& data_dir) {
  CreateDirectoriesDurably(data_dir);
  const std::string path = LockPath(data_dir);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) {
    throw std::runtime_error(path + ": cannot open lock file: " + std::strerror(errno));
  }
  return fd;
}

// Returns true when locked, false when another holder has it; throws on other errors.
bool TryLock(int fd, const std::string& data_dir) {
  for (;;) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return true;
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return false;
    const int error = errno;
    ::close(fd);
    throw std::runtime_error(LockPath(data_dir) + ": cannot lock: " + std::strerror(error));
  }
}

// Records who holds the lock, for the next process's error message. Not durable on purpose:
// the pid means nothing after a reboot.
void WritePid(int fd) {
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) (void)::pwrite(fd, pid.data(), pid.size(), 0);
}

}  // namespace

DataDirLock DataDirLock::Acquire(const std::string& data_dir) {
  const int fd = OpenLockFile(data_dir);
  if (!TryLock(fd, data_dir)) ThrowBusy(data_dir, fd);
  WritePid(fd);
  return DataDirLock(data_dir, fd);
}

DataDirLock DataDirLock::AcquireWithin(const std::string& data_dir,
                                       std::chrono::milliseconds timeout) {
  const int fd = OpenLockFile(data_dir);
  // flock has no timeout; polling with a growing pause is simple and costs nothing here
  // (a writer waits behind another writer's batch, seconds at most).
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (!TryLock(fd, data_dir)) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) ThrowBusy(data_dir, fd);
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
  WritePid(fd);
  return DataDirLock(data_dir, fd);
}

DataDirLock::DataDirLock(DataDirLock&& other) noexcept
    : data_dir_(std::move(other.data_dir_)), fd_(std::exchange(other.fd_, -1)) {}

DataDirLock& DataDirLock::operator=(DataDirLock&& other) noexcept {
  if (this != &other) {
    Release();
    data_dir_ = std::move(other.data_dir_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

DataDirLock::~DataDirLock() { Release(); }

void DataDirLock::Release() {
  // Closing the last descriptor of the open file description drops the flock.
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
}

}  // namespace wbe
