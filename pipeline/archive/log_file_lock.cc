#include "pipeline/archive/log_file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace wbe {

LogFileLock::LogFileLock(const std::string& path, mode_t create_mode) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd_ < 0 && errno == ENOENT) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, create_mode);
    if (fd_ >= 0) {
      if (::fchmod(fd_, create_mode) != 0) Fail(path, "cannot set the mode of the new log");
    } else if (errno == EEXIST) {
      fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC);  // another writer created it first
    }
  }
  if (fd_ < 0) Fail(path, "cannot open the log for writing");
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno != EINTR) Fail(path, "cannot lock the log");
  }
}

LogFileLock::~LogFileLock() {
  if (fd_ >= 0) ::close(fd_);
}

void LogFileLock::Fail(const std::string& path, const std::string& what) {
  const int error = errno;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  throw std::runtime_error(path + ": " + what + ": " + std::strerror(error));
}

}  // namespace wbe
