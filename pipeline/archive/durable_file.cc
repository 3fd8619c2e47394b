#include "pipeline/archive/durable_file.h"

#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_NOREPLACE (glibc >= 2.28)
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <utility>
#include <vector>

namespace wbe {
namespace {

namespace fs = std::filesystem;

std::atomic<CrashPointHook> g_crash_point_hook{nullptr};

void CrashPoint(const char* point) {
  if (const CrashPointHook hook = g_crash_point_hook.load()) hook(point);
}

[[noreturn]] void ThrowErrno(const std::string& path, const std::string& what, int error) {
  throw std::runtime_error(path + ": " + what + ": " + std::strerror(error));
}

std::string DirectoryOf(const std::string& path) {
  std::string directory = fs::path(path).parent_path().string();
  return directory.empty() ? "." : directory;
}

// Closes on scope exit unless released; close errors after a successful fsync cannot lose data.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }
  void Reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

void FsyncPath(const std::string& path, const std::string& name_in_errors, const char* what) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) ThrowErrno(name_in_errors, std::string("cannot open ") + what, errno);
  if (::fsync(fd.get()) != 0) {
    ThrowErrno(name_in_errors, std::string("fsync of ") + what + " failed", errno);
  }
}

}  // namespace

void SetCrashPointHookForTesting(CrashPointHook hook) { g_crash_point_hook.store(hook); }

// ---------------------------------------------------------------------------------------------
// TempFile

TempFile::TempFile(std::string target) : target_(std::move(target)) {
  Create(DirectoryOf(target_));
}

TempFile::TempFile(std::string target, const std::string& temp_directory)
    : target_(std::move(target)) {
  Create(temp_directory);
}

void TempFile::Create(const std::string& directory) {
  static std::atomic<unsigned> counter{0};
  const fs::path name = fs::path(target_).filename();
  for (int attempt = 0;; ++attempt) {
    path_ = (fs::path(directory) / name.stem()).string() + "." + std::to_string(::getpid()) + "-" +
            std::to_string(counter++) + name.extension().string() + ".tmp";
    // O_EXCL reserves the name; mode 0666 lets the umask decide, as for any new file.
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      struct stat existing {};
      // Keep the permissions of the file we replace (best effort).
      if (::stat(target_.c_str(), &existing) == 0 && S_ISREG(existing.st_mode)) {
        (void)::fchmod(fd, existing.st_mode & 07777);
      }
      ::close(fd);
      return;
    }
    if (errno != EEXIST || attempt >= 100) {
      const int error = errno;
      path_.clear();
      ThrowErrno(target_, "cannot create temp file beside it", error);
    }
  }
}

TempFile::~TempFile() {
  if (!path_.empty() && !committed_) ::unlink(path_.c_str());
}

void TempFile::Retarget(std::string target) { target_ = std::move(target); }

void TempFile::MakeReadOnly() {
  if (::chmod(path_.c_str(), 0444) != 0) {
    ThrowErrno(target_, "cannot make temp file " + path_ + " read-only", errno);
  }
}

void TempFile::SyncBeforeRename() {
  // Content before name: without this fsync a crash can leave the new name on an empty file.
  FsyncPath(path_, target_, ("temp file " + path_).c_str());
  CrashPoint("temp_synced");
}

void TempFile::SyncDirectoriesAfterRename() {
  CrashPoint("renamed");
  const std::string target_directory = DirectoryOf(target_);
  const std::string temp_directory = DirectoryOf(path_);
  try {
    FsyncDirectory(target_directory);
    if (fs::path(temp_directory) != fs::path(target_directory)) FsyncDirectory(temp_directory);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(target_ + ": written, but " + e.what());
  }
}

void TempFile::Commit() {
  SyncBeforeRename();
  if (::rename(path_.c_str(), target_.c_str()) != 0) {
    ThrowErrno(target_, "cannot rename temp file " + path_ + " over it", errno);
  }
  committed_ = true;
  SyncDirectoriesAfterRename();
}

bool TempFile::CommitIfAbsent() {
  SyncBeforeRename();
  if (::renameat2(AT_FDCWD, path_.c_str(), AT_FDCWD, target_.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) return false;  // the destructor removes the temp file
    if (errno != EINVAL && errno != ENOSYS) {
      ThrowErrno(target_, "cannot rename temp file " + path_ + " to it", errno);
    }
    // The filesystem cannot rename without replacing: a hard link cannot replace either.
    if (::link(path_.c_str(), target_.c_str()) != 0) {
      if (errno == EEXIST) return false;
      ThrowErrno(target_, "cannot link temp file " + path_ + " to it", errno);
    }
    ::unlink(path_.c_str());
  }
  committed_ = true;
  SyncDirectoriesAfterRename();
  return true;
}

// ---------------------------------------------------------------------------------------------
// Whole files and directories

void WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      ThrowErrno(path, "write failed", errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

void WriteFileAtomically(const std::string& path, std::string_view bytes) {
  TempFile temp(path);
  {
    Fd fd(::open(temp.path().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
    if (fd.get() < 0) ThrowErrno(path, "cannot open temp file " + temp.path(), errno);
    WriteAll(fd.get(), bytes, temp.path());
    if (::close(fd.Release()) != 0) ThrowErrno(path, "close of temp file " + temp.path(), errno);
  }
  temp.Commit();
}

void FsyncDirectory(const std::string& directory) {
  Fd fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) ThrowErrno(directory, "cannot open directory to fsync", errno);
  if (::fsync(fd.get()) != 0) ThrowErrno(directory, "fsync of directory failed", errno);
}

void FsyncFile(const std::string& path) { FsyncPath(path, path, "file"); }

void CreateDirectoriesDurably(const std::string& directory) {
  fs::path target = fs::path(directory).lexically_normal();
  if (!target.has_filename() && target.has_relative_path()) target = target.parent_path();
  // Walk up to the first existing ancestor, then create downwards.
  std::vector<fs::path> missing;
  for (fs::path p = target; !p.empty(); p = p.parent_path()) {
    struct stat info {};
    if (::stat(p.c_str(), &info) == 0) {
      if (!S_ISDIR(info.st_mode)) ThrowErrno(p.string(), "cannot create directory", ENOTDIR);
      break;
    }
    if (errno != ENOENT) ThrowErrno(p.string(), "cannot create directory", errno);
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0777) != 0 && errno != EEXIST) {
      ThrowErrno(it->string(), "cannot create directory", errno);
    }
    const fs::path parent = it->parent_path();
    FsyncDirectory(parent.empty() ? "." : parent.string());
  }
}

// ---------------------------------------------------------------------------------------------
// Append-only log

std::size_t AppendDurably(const std::string& path, std::string_view line) {
  if (line.find('\n') != std::string_view::npos) {
    throw std::invalid_argument(path + ": a log line must not contain a newline");
  }
  bool created = false;
  Fd fd(::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC));
  if (fd.get() < 0 && errno == ENOENT) {
    fd.Reset(::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0666));
    created = true;
  }
  if (fd.get() < 0) ThrowErrno(path, "cannot open log for appending", errno);

  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) ThrowErrno(path, "cannot stat log", errno);
  off_t size_bytes = info.st_size;

  // Cut off a torn tail: find the last '\n' by reading backwards in blocks.
  std::size_t torn_bytes = 0;
  if (size_bytes > 0) {
    char block[4096];
    off_t end = size_bytes;
    off_t keep = 0;
    bool found = false;
    while (end > 0 && !found) {
      const off_t start = end > static_cast<off_t>(sizeof(block)) ? end - sizeof(block) : 0;
      const ssize_t n = ::pread(fd.get(), block, static_cast<std::size_t>(end - start), start);
      if (n != end - start) ThrowErrno(path, "cannot read log tail", n < 0 ? errno : EIO);
      for (ssize_t i = n - 1; i >= 0; --i) {
        if (block[i] == '\n') {
          keep = start + i + 1;
          found = true;
          break;
        }
      }
      end = start;
    }
    if (keep < size_bytes) {
      if (::ftruncate(fd.get(), keep) != 0) ThrowErrno(path, "cannot cut torn last line", errno);
      torn_bytes = static_cast<std::size_t>(size_bytes - keep);
      size_bytes = keep;
    }
  }

  std::string record;
  record.reserve(line.size() + 1);
  record.append(line);
  record.push_back('\n');
  try {
    // One write(2) per line: a crash leaves the line whole or as a torn tail, never interleaved.
    const ssize_t written = ::write(fd.get(), record.data(), record.size());
    if (written < 0) ThrowErrno(path, "append failed", errno);
    if (static_cast<std::size_t>(written) != record.size()) {
      ThrowErrno(path, "append was cut short", ENOSPC);
    }
    CrashPoint("line_written");
    if (::fsync(fd.get()) != 0) ThrowErrno(path, "fsync of log failed", errno);
    // Always, not only when we created the log: a writer killed after creating it may never
    // have made its name durable. Cheap when the directory is clean.
    FsyncDirectory(DirectoryOf(path));
  } catch (...) {
    // Leave no partial or unacknowledged line behind for the next append to build on.
    if (created) {
      ::unlink(path.c_str());
    } else {
      (void)::ftruncate(fd.get(), size_bytes);
      (void)::fsync(fd.get());
    }
    throw;
  }
  return torn_bytes;
}

LogLines ReadWholeLines(const std::string& path) {
  LogLines result;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return result;
    ThrowErrno(path, "cannot open log", errno);
  }
  std::string text;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      ThrowErrno(path, "cannot read log", errno);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  const std::size_t last_newline = text.rfind('\n');
  const std::size_t keep = last_newline == std::string::npos ? 0 : last_newline + 1;
  result.torn_bytes = text.size() - keep;
  text.resize(keep);
  result.text = std::move(text);
  return result;
}

}  // namespace wbe
