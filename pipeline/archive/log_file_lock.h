#pragma once

#include <sys/types.h>

#include <string>

namespace wbe {

// An exclusive flock(2) on a log file while one writer reads, decides and appends. Two processes
// appending to one log (`wbe serve` and `wbe token`) then never interleave, never both hand out
// the same name, and AppendDurably never mistakes another writer's line in progress for crash
// debris. A missing log is created with exactly `create_mode`, whatever the umask. Errors are
// std::runtime_error naming the path.
class LogFileLock {
 public:
  LogFileLock(const std::string& path, mode_t create_mode);
  ~LogFileLock();  // closing the descriptor releases the lock
  LogFileLock(const LogFileLock&) = delete;
  LogFileLock& operator=(const LogFileLock&) = delete;

 private:
  [[noreturn]] void Fail(const std::string& path, const std::string& what);

  int fd_ = -1;
};

}  // namespace wbe
