#include "pipeline/archive/raw_archive.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>

#include "models/core/input_error.h"
#include "pipeline/archive/durable_file.h"

namespace wbe {
namespace {

namespace fs = std::filesystem;

// Large enough for full-speed sequential I/O, small enough that a 50 MB upload costs nothing.
constexpr std::size_t kCopyBlockBytes = std::size_t{1} << 20;

[[noreturn]] void ThrowErrno(const std::string& path, const std::string& what, int error) {
  throw std::runtime_error(path + ": " + what + ": " + std::strerror(error));
}

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

 private:
  int fd_;
};

// Reads all of `fd` in blocks, handing each to `sink`; returns the byte count.
template <typename Sink>
uint64_t ReadBlocks(int fd, const std::string& path, Sink sink) {
  const std::unique_ptr<char[]> block(new char[kCopyBlockBytes]);
  uint64_t total_bytes = 0;
  for (;;) {
    const ssize_t n = ::read(fd, block.get(), kCopyBlockBytes);
    if (n < 0) {
      if (errno == EINTR) continue;
      ThrowErrno(path, "read failed", errno);
    }
    if (n == 0) return total_bytes;
    sink(std::string_view(block.get(), static_cast<std::size_t>(n)));
    total_bytes += static_cast<uint64_t>(n);
  }
}

std::string HexDigest(Poco::SHA2Engine* engine) {
  return Poco::DigestEngine::digestToHex(engine->digest());
}

std::string RawDirectory(const std::string& root) { return (fs::path(root) / "raw").string(); }
std::string ObjectsDirectory(const std::string& root) {
  return (fs::path(root) / "raw" / "sha256").string();
}
std::string StagingDirectory(const std::string& root) {
  return (fs::path(root) / "raw" / "tmp").string();
}

void CheckName(const std::string& sha256) {
  if (!IsSha256Hex(sha256)) {
    throw InputError("", 0, "sha256",
                     "not a SHA-256 digest (64 lower-case hex digits): '" + sha256 + "'");
  }
}

// An object found in place may be the leftover of a writer killed before its directory fsync,
// or under directories whose creation was never fsynced; a manifest line must not come to
// depend on it until the whole chain is durable. Cheap when everything is already clean.
void SyncObjectChain(const std::string& root, const std::string& object_path) {
  {
    Fd fd(::open(object_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) ThrowErrno(object_path, "cannot open archived object", errno);
    if (::fsync(fd.get()) != 0) ThrowErrno(object_path, "fsync of archived object failed", errno);
  }
  const fs::path prefix = fs::path(object_path).parent_path();
  FsyncDirectory(prefix.string());
  FsyncDirectory(ObjectsDirectory(root));
  FsyncDirectory(RawDirectory(root));
  FsyncDirectory(root);
  const fs::path above = fs::path(root).lexically_normal().parent_path();
  FsyncDirectory(above.empty() ? "." : above.string());
}

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(bytes.data(), bytes.size());
  return HexDigest(&engine);
}

std::string Sha256HexOfFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) ThrowErrno(path, "cannot open", errno);
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  ReadBlocks(fd.get(), path,
             [&](std::string_view block) { engine.update(block.data(), block.size()); });
  return HexDigest(&engine);
}

bool IsSha256Hex(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

ArchiveObjectError::ArchiveObjectError(Problem problem, std::string sha256,
                                       const std::string& message)
    : std::runtime_error(message), problem_(problem), sha256_(std::move(sha256)) {}

RawArchive::RawArchive(std::string root_dir) : root_(std::move(root_dir)) {}

std::string RawArchive::ObjectPath(const std::string& sha256) const {
  CheckName(sha256);
  return (fs::path(ObjectsDirectory(root_)) / sha256.substr(0, 2) / sha256.substr(2)).string();
}

bool RawArchive::Contains(const std::string& sha256) const {
  struct stat info {};
  return ::stat(ObjectPath(sha256).c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

uint64_t RawArchive::Verify(const std::string& sha256) const {
  const std::string path = ObjectPath(sha256);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      throw ArchiveObjectError(
          ArchiveObjectError::Problem::kMissing, sha256,
          "raw archive " + root_ + ": object " + sha256 + " is missing (" + path + ")");
    }
    ThrowErrno(path, "cannot open archived object", errno);
  }
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  const uint64_t size_bytes = ReadBlocks(
      fd.get(), path, [&](std::string_view block) { engine.update(block.data(), block.size()); });
  const std::string actual = HexDigest(&engine);
  if (actual != sha256) {
    throw ArchiveObjectError(ArchiveObjectError::Problem::kCorrupt, sha256,
                             "raw archive " + root_ + ": object " + sha256 + " is corrupt (" +
                                 path + " now hashes to " + actual + ")");
  }
  return size_bytes;
}

std::string RawArchive::Get(const std::string& sha256) const {
  const std::string path = ObjectPath(sha256);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      throw ArchiveObjectError(
          ArchiveObjectError::Problem::kMissing, sha256,
          "raw archive " + root_ + ": object " + sha256 + " is missing (" + path + ")");
    }
    ThrowErrno(path, "cannot open archived object", errno);
  }
  std::string bytes;
  struct stat info {};
  if (::fstat(fd.get(), &info) == 0) bytes.reserve(static_cast<std::size_t>(info.st_size));
  ReadBlocks(fd.get(), path, [&](std::string_view block) { bytes.append(block); });
  const std::string actual = Sha256Hex(bytes);
  if (actual != sha256) {
    throw ArchiveObjectError(ArchiveObjectError::Problem::kCorrupt, sha256,
                             "raw archive " + root_ + ": object " + sha256 + " is corrupt (" +
                                 path + " now hashes to " + actual + ")");
  }
  return bytes;
}

StoredObject RawArchive::Put(std::string_view bytes) {
  StoredObject stored;
  stored.sha256 = Sha256Hex(bytes);
  stored.size_bytes = bytes.size();
  stored.path = ObjectPath(stored.sha256);
  if (Contains(stored.sha256)) {
    Verify(stored.sha256);
    SyncObjectChain(root_, stored.path);
    stored.existed = true;
    return stored;
  }
  CreateDirectoriesDurably(fs::path(stored.path).parent_path().string());
  TempFile temp(stored.path);
  {
    Fd fd(::open(temp.path().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
    if (fd.get() < 0) ThrowErrno(stored.path, "cannot open temp file " + temp.path(), errno);
    WriteAll(fd.get(), bytes, temp.path());
    if (::close(fd.Release()) != 0) {
      ThrowErrno(stored.path, "close of temp file " + temp.path(), errno);
    }
  }
  temp.MakeReadOnly();
  if (!temp.CommitIfAbsent()) {
    // Another writer got there first (only possible without the DataDirLock).
    Verify(stored.sha256);
    stored.existed = true;
  }
  SyncObjectChain(root_, stored.path);
  return stored;
}

StoredObject RawArchive::PutFile(const std::string& source_path) {
  Fd source(::open(source_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (source.get() < 0) ThrowErrno(source_path, "cannot open upload", errno);
  struct stat info {};
  if (::fstat(source.get(), &info) != 0) ThrowErrno(source_path, "cannot stat upload", errno);
  if (!S_ISREG(info.st_mode)) ThrowErrno(source_path, "cannot archive upload", EINVAL);

  // The name is only known once every byte is hashed, so stage the copy in raw/tmp/ (same
  // filesystem as the objects) and rename it into place afterwards.
  const std::string staging = StagingDirectory(root_);
  CreateDirectoriesDurably(staging);
  TempFile temp((fs::path(staging) / "upload").string(), staging);
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  StoredObject stored;
  {
    Fd out(::open(temp.path().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
    if (out.get() < 0) ThrowErrno(temp.path(), "cannot open temp file", errno);
    stored.size_bytes = ReadBlocks(source.get(), source_path, [&](std::string_view block) {
      engine.update(block.data(), block.size());
      WriteAll(out.get(), block, temp.path());
    });
    if (::close(out.Release()) != 0) ThrowErrno(temp.path(), "close of temp file", errno);
  }
  stored.sha256 = HexDigest(&engine);
  stored.path = ObjectPath(stored.sha256);
  if (Contains(stored.sha256)) {
    Verify(stored.sha256);
    SyncObjectChain(root_, stored.path);
    stored.existed = true;
    return stored;  // the temp file goes with `temp`
  }
  CreateDirectoriesDurably(fs::path(stored.path).parent_path().string());
  temp.Retarget(stored.path);
  temp.MakeReadOnly();
  if (!temp.CommitIfAbsent()) {
    Verify(stored.sha256);
    stored.existed = true;
  }
  SyncObjectChain(root_, stored.path);
  return stored;
}

std::vector<std::string> RawArchive::List() const {
  std::vector<std::string> names;
  std::error_code error;
  const fs::path objects = ObjectsDirectory(root_);
  if (!fs::is_directory(objects, error)) return names;
  for (const auto& prefix : fs::directory_iterator(objects)) {
    if (!prefix.is_directory()) continue;
    const std::string head = prefix.path().filename().string();
    for (const auto& entry : fs::directory_iterator(prefix.path())) {
      const std::string name = head + entry.path().filename().string();
      if (entry.is_regular_file() && IsSha256Hex(name)) names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> RawArchive::Debris() const {
  std::vector<std::string> paths;
  std::error_code error;
  const fs::path raw = RawDirectory(root_);
  if (!fs::is_directory(raw, error)) return paths;
  const fs::path objects = ObjectsDirectory(root_);
  for (const auto& entry : fs::recursive_directory_iterator(raw)) {
    if (entry.is_directory()) continue;
    const fs::path& path = entry.path();
    const fs::path prefix = path.parent_path();
    const bool is_object = prefix.parent_path() == objects && entry.is_regular_file() &&
                           prefix.filename().string().size() == 2 &&
                           IsSha256Hex(prefix.filename().string() + path.filename().string());
    if (!is_object) paths.push_back(path.string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

}  // namespace wbe
