#pragma once

#include <chrono>
#include <string>
#include <utility>

namespace wbe {

// The single-writer lock of a data directory: an flock(2) on DIR/.lock, held for the lifetime of
// the object. Every process that writes the archive, the manifest or the store (`wbe ingest`,
// `wbe store rebuild`, `wbe serve`) takes it first; readers do not. The kernel drops the lock
// when the process dies, so a crash never leaves a stale lock behind. The file itself is left in
// place (removing it would race with the next locker) and holds the holder's pid, for messages
// only.
//
// flock locks belong to the open file description: a second DataDirLock in the same process
// conflicts like one in another process, and a child created by fork() without exec shares the
// parent's lock (the descriptor is O_CLOEXEC, so exec drops it).
class DataDirLock {
 public:
  // Takes the lock or fails at once with std::runtime_error
  // "another wbe process is writing to DIR (pid N)". Creates DIR (durably) if it is missing.
  static DataDirLock Acquire(const std::string& data_dir);

  // Waits up to `timeout` for the lock, then fails with the same message.
  static DataDirLock AcquireWithin(const std::string& data_dir, std::chrono::milliseconds timeout);

  DataDirLock(DataDirLock&& other) noexcept;
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();

  const std::string& data_dir() const { return data_dir_; }

  // Releases early (also done by the destructor).
  void Release();

 private:
  DataDirLock(std::string data_dir, int fd) : data_dir_(std::move(data_dir)), fd_(fd) {}

  std::string data_dir_;
  int fd_ = -1;
};

}  // namespace wbe
