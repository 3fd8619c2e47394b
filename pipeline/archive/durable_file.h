#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// Files that survive a crash: whole-file replacement by temp + fsync + rename + directory
// fsync, and an append-only line log. What "survive" means is spelled out in
// data-schemas/raw-archive-layout.md. Every error is a std::runtime_error whose message starts
// with the path concerned and ends with strerror, e.g.
// "/data/store.h5: cannot rename temp file /data/store.1234-0.h5.tmp over it: Is a directory".

namespace wbe {

// A new, empty temp file that becomes `target` on Commit and is removed otherwise.
// The name is "<stem>.<pid>-<n><ext>.tmp" ("store.h5" -> "store.1234-0.h5.tmp"): unique per
// writer, recognisable as debris after a crash, and matched by the *.h5.tmp ignore rule.
// Callers write the file through its path() with whatever they like (HDF5, a stream, write(2))
// and close their own handles before Commit.
class TempFile {
 public:
  // Creates the temp file beside `target` (the same directory, so rename never crosses a
  // filesystem), with the permissions of an existing `target` if there is one.
  explicit TempFile(std::string target);
  // Creates it in `temp_directory` instead, for content whose final name is only known at the
  // end (see Retarget). The directory must be on the same filesystem as the final target.
  TempFile(std::string target, const std::string& temp_directory);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::string& path() const { return path_; }
  const std::string& target() const { return target_; }

  // Changes where Commit puts the file (same filesystem only).
  void Retarget(std::string target);

  // Makes the file read-only (0444) before it gets its final name, so the final name is never
  // seen writable.
  void MakeReadOnly();

  // fsyncs the file, renames it over the target, fsyncs the target's directory (and the temp's,
  // when they differ) so the new name itself survives a crash.
  void Commit();

  // Like Commit, but never replaces an existing target: returns false, and removes the temp
  // file, when the target already exists.
  bool CommitIfAbsent();

 private:
  void Create(const std::string& directory);
  void SyncBeforeRename();
  void SyncDirectoriesAfterRename();

  std::string target_;
  std::string path_;
  bool committed_ = false;
};

// Replaces `path` with `bytes` atomically and durably: afterwards `path` holds either its old
// contents or all of `bytes`, whatever happens. A new file gets mode 0666 less the umask; an
// existing file keeps its mode. On failure no temp file is left behind.
void WriteFileAtomically(const std::string& path, std::string_view bytes);

// Appends `line` plus '\n' to the log at `path` (created if missing) with one write(2) on an
// O_APPEND descriptor, then fsyncs the log and its directory. `line` must not contain
// '\n' (std::invalid_argument). A trailing fragment without '\n' is a line torn by a crash
// mid-append; it was never acknowledged (acknowledgement follows the fsync of a whole line), so
// it is cut off first, otherwise the new line would be glued onto it. Returns the number of
// torn bytes cut off (normally 0). On failure the file is truncated back to its old length
// (best effort) and the error thrown.
// Readers ignore a last line without '\n' (see ReadWholeLines).
std::size_t AppendDurably(const std::string& path, std::string_view line);

// The complete lines of a log written by AppendDurably, without their '\n', and the length of
// a torn trailing fragment (0 if none). A missing file reads as no lines.
struct LogLines {
  std::string text;            // everything up to and including the last '\n'
  std::size_t torn_bytes = 0;  // bytes after the last '\n'
};
LogLines ReadWholeLines(const std::string& path);

// fsyncs the directory itself, so that names created, renamed or removed in it are durable.
void FsyncDirectory(const std::string& directory);

// fsyncs a file's contents (e.g. one a killed process wrote but never synced).
void FsyncFile(const std::string& path);

// Creates `directory` and any missing parents, fsyncing each parent after a new entry appears
// in it, so the chain of names survives a crash. Existing directories are left alone.
void CreateDirectoriesDurably(const std::string& directory);

// Writes all of `bytes` to `fd` (retrying short writes and EINTR); throws naming `path`.
void WriteAll(int fd, std::string_view bytes, const std::string& path);

// Test hook: called with a point name at the moments a crash matters most, so a test can
// SIGKILL a child process exactly there. Points: "temp_synced" (temp file fsynced, not yet
// renamed), "renamed" (renamed, directory not yet fsynced), "line_written" (log line written,
// not yet fsynced). nullptr (the default) disables it. Not for production use.
using CrashPointHook = void (*)(const char* point);
void SetCrashPointHookForTesting(CrashPointHook hook);

}  // namespace wbe
