#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

// The manifest: an append-only JSON-lines file, root/manifest.jsonl, one line per distinct
// uploaded file, saying who sent it, when, what it is, how it was judged, and which version of
// its batch it is. The raw bytes live in the RawArchive under the same root; the HDF5 store is
// derived from the two. Format and crash-safety argument: data-schemas/raw-archive-layout.md.

namespace wbe {

enum class UploadKind { kLabBatch, kCity, kFlows };
enum class Verdict { kAccepted, kAcceptedWithFlags, kRejected };

// "lab_batch", "city", "flows" / "accepted", "accepted_with_flags", "rejected".
const char* ToString(UploadKind kind);
const char* ToString(Verdict verdict);
std::optional<UploadKind> ParseUploadKind(const std::string& text);
std::optional<Verdict> ParseVerdict(const std::string& text);

// The quantitation method file a lab batch was evaluated with; archived like the batch itself.
struct MethodFile {
  std::string file_name;  // as uploaded, e.g. "method-2026-03.json"
  std::string sha256;     // its object in the RawArchive
  bool operator==(const MethodFile& other) const {
    return file_name == other.file_name && sha256 == other.sha256;
  }
};

struct ManifestEntry {
  // Assigned by Manifest::Append; whatever the caller puts here is ignored.
  int64_t seq = 0;                        // 1, 2, 3 ... in append order
  int version = 0;                        // 1, 2, 3 ... per batch_id, rejected uploads included
  std::optional<std::string> supersedes;  // sha256 of the version this one replaces for
                                          // estimation, or none (first, or rejected)

  // Given by the caller.
  std::string sha256;  // the uploaded file's object in the RawArchive
  uint64_t size_bytes = 0;
  std::string source_name;  // file name as uploaded, e.g. "batch-2026-W10.csv"
  UploadKind kind = UploadKind::kLabBatch;
  std::string format;                // parser profile, e.g. "long_csv", "city_json"
  std::optional<MethodFile> method;  // lab batches; none for city and flows
  std::string uploader;              // who (user or API token name)
  std::string uploaded_utc;          // ISO 8601, "2026-03-09T08:00:00Z"; empty: Append uses now
  std::string batch_id;              // versions of one batch share it
  Verdict verdict = Verdict::kAccepted;
  std::string qc_summary;                      // one line, e.g. "2 of 48 QCs outside 20 %"
  std::optional<std::string> idempotency_key;  // client-chosen, unique across the manifest

  bool operator==(const ManifestEntry& other) const;
};

// "2026-03-09T08:00:00Z" for now.
std::string UtcNowIso8601();

// True for "YYYY-MM-DDTHH:MM:SS[.fraction]Z" with plausible field ranges.
bool IsIso8601Utc(const std::string& text);

struct ManifestAppend {
  ManifestEntry entry;  // the new entry, or the existing one for the same bytes
  bool appended = false;
};

// The manifest in memory, loaded once; Append writes through to disk before it returns.
//
// Versions and the current version. Every distinct file uploaded under a batch_id gets the next
// version number, rejected ones included, so a technician sees every attempt. Only accepted and
// accepted-with-flags versions count for estimation: Latest(batch_id) is the highest accepted or
// flagged version, and a rejected re-upload does not supersede anything (supersedes = none), so
// a bad correction never knocks out usable data. An accepted or flagged upload supersedes the
// version that was current when it arrived. Nothing is ever rewritten or removed.
//
// Identity is the sha256 of the bytes: the same file again (under any batch_id) is not appended,
// and the caller gets the existing entry with appended = false.
class Manifest {
 public:
  // root_dir/manifest.jsonl.
  static std::string PathFor(const std::string& root_dir);

  // Reads the manifest (a missing file is an empty manifest; nothing is created). A trailing
  // fragment without '\n' is a line torn by a crash during an unacknowledged append: it is
  // ignored here (torn_bytes() says how long it was) and cut off by the next Append. Anything
  // else wrong (bad JSON, missing or malformed field, seq out of order, duplicate sha256 or
  // idempotency key, version or supersedes that do not follow the rules) throws InputError
  // naming the file, the line and the field.
  static Manifest Load(const std::string& root_dir);

  const std::string& root() const { return root_; }
  const std::string& path() const { return path_; }
  std::size_t torn_bytes() const { return torn_bytes_; }

  // Every entry in seq order.
  const std::vector<ManifestEntry>& Entries() const { return entries_; }

  std::optional<ManifestEntry> FindBySha256(const std::string& sha256) const;
  std::optional<ManifestEntry> FindByIdempotencyKey(const std::string& key) const;

  // The version of `batch_id` that counts for estimation, or none (unknown batch, or every
  // version rejected).
  std::optional<ManifestEntry> Latest(const std::string& batch_id) const;

  // Every version of `batch_id`, oldest first.
  std::vector<ManifestEntry> Versions(const std::string& batch_id) const;

  // Latest(b) for every batch_id that has one, in seq order: what the store is built from.
  std::vector<ManifestEntry> Current() const;

  // Makes every line currently in the file durable (fsync of the file, the root and its parent).
  // Lines a killed writer wrote but never fsynced are visible to the next process, yet a power
  // cut could still take them: a writer calls this once after Load, before it acknowledges
  // anything it finds in the manifest. Append does it before returning an existing entry.
  // Does nothing when there is no manifest file.
  void MakeDurable() const;

  // Appends `entry` durably (one line, fsynced) after assigning seq, version and supersedes, and
  // filling an empty uploaded_utc with now. The caller must hold the DataDirLock of root() and
  // must already have Put the file (and the method file) into the RawArchive at root(): a line
  // must never name an object that is not durable (std::logic_error otherwise).
  // - The same sha256 again: nothing is written; returns the existing entry, appended = false.
  // - An idempotency key already used for other bytes, a batch_id already used for another kind,
  //   or a malformed field: InputError (field named), nothing written.
  // - The file changed since Load (another writer): std::runtime_error, nothing written.
  // After an I/O error the Manifest refuses further appends; Load it again.
  ManifestAppend Append(ManifestEntry entry);

 private:
  Manifest(std::string root_dir, std::string path)
      : root_(std::move(root_dir)), path_(std::move(path)) {}
  // Fills seq, version and supersedes as Append would.
  void AssignPlace(ManifestEntry* entry) const;

  std::string root_;
  std::string path_;
  std::vector<ManifestEntry> entries_;
  std::size_t torn_bytes_ = 0;
  uint64_t file_bytes_ = 0;  // size of the file as we last saw or left it, torn tail included
  bool poisoned_ = false;
};

// What a start-up check finds under a data directory. Objects without a manifest line are what
// a crash between RawArchive::Put and Manifest::Append leaves: unacknowledged, harmless, kept
// (a retry of the same upload adopts them). Debris is temp files from a crash mid-Put. Neither
// is ever deleted automatically. Missing or corrupt objects that the manifest names are real
// damage: the store cannot be rebuilt from them.
struct ArchiveReport {
  std::vector<std::string> unreferenced_objects;  // sha256s
  std::vector<std::string> debris;                // paths
  std::vector<std::string> missing_objects;       // sha256s named by the manifest
  std::vector<std::string> corrupt_objects;       // sha256s (only when contents are verified)
  std::size_t torn_manifest_bytes = 0;
  bool damaged() const { return !missing_objects.empty() || !corrupt_objects.empty(); }
};

class RawArchive;
// Compares the archive with the manifest; with verify_contents every named object is re-hashed
// (reads everything once).
ArchiveReport CheckArchive(const RawArchive& archive, const Manifest& manifest,
                           bool verify_contents);

}  // namespace wbe
