#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

// The raw archive: every uploaded file kept byte for byte, named by its SHA-256.
// Layout and crash-safety argument: data-schemas/raw-archive-layout.md.

namespace wbe {

// Lower-case hex SHA-256 of `bytes` (64 characters).
std::string Sha256Hex(std::string_view bytes);

// Lower-case hex SHA-256 of a file's contents, read in blocks (constant memory).
// Throws std::runtime_error naming `path` when it cannot be read.
std::string Sha256HexOfFile(const std::string& path);

// True for exactly 64 lower-case hex digits: the only form the archive accepts as a name.
bool IsSha256Hex(std::string_view text);

// An object the archive should hold is missing, or its bytes no longer hash to its name.
// Not an InputError: nothing the uploader did can fix it; an operator must restore the file.
class ArchiveObjectError : public std::runtime_error {
 public:
  enum class Problem { kMissing, kCorrupt };
  ArchiveObjectError(Problem problem, std::string sha256, const std::string& message);
  Problem problem() const { return problem_; }
  const std::string& sha256() const { return sha256_; }

 private:
  Problem problem_;
  std::string sha256_;
};

struct StoredObject {
  std::string sha256;       // 64 lower-case hex digits
  uint64_t size_bytes = 0;  // of the stored bytes
  std::string path;         // root/raw/sha256/<2 hex>/<62 hex>
  bool existed = false;     // the archive already held these bytes; nothing was written
};

// Content-addressed, write-once file store under root_dir/raw/sha256/. Objects are written
// durably (temp file, fsync, rename, directory fsync), made read-only (0444), and never
// replaced or deleted by this class. Constructing a RawArchive and reading from it change
// nothing on disk (so --dry-run can use it); directories are created by the first Put.
// Writers must hold the DataDirLock of root_dir; readers need no lock, because an object's
// name only ever appears with its complete, fsynced contents behind it.
class RawArchive {
 public:
  explicit RawArchive(std::string root_dir);

  const std::string& root() const { return root_; }

  // root/raw/sha256/<first 2 hex>/<other 62 hex>. Throws InputError unless IsSha256Hex.
  std::string ObjectPath(const std::string& sha256) const;

  // Stores `bytes` unless an object with their hash exists. An existing object is re-hashed
  // first: on a match nothing is written and existed = true; on a mismatch the stored object is
  // corrupt and ArchiveObjectError (kCorrupt) is thrown, leaving it as evidence.
  StoredObject Put(std::string_view bytes);

  // The same for a file of any size, in constant memory: the file is hashed while it is copied
  // to a temp file under root/raw/tmp/, which is then renamed into place.
  StoredObject PutFile(const std::string& source_path);

  // The object's bytes, re-hashed on every read. Throws ArchiveObjectError naming the object
  // when it is missing (kMissing) or does not hash to its name (kCorrupt); InputError for a
  // malformed name.
  std::string Get(const std::string& sha256) const;

  // Re-hashes a stored object in constant memory; throws like Get. Returns its size.
  uint64_t Verify(const std::string& sha256) const;

  // Whether an object with this name exists (its contents are not checked: see Verify).
  bool Contains(const std::string& sha256) const;

  // Every object name under root/raw/sha256/, sorted. Files there that are not well-formed
  // object names (e.g. temp files left by a crash) are listed by Debris instead.
  std::vector<std::string> List() const;

  // Paths of files under root/raw/ that are not objects: temp files left by a crash mid-Put,
  // or strangers. Reported, never deleted automatically.
  std::vector<std::string> Debris() const;

 private:
  std::string root_;
};

}  // namespace wbe
