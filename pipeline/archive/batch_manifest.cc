#include "pipeline/archive/batch_manifest.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <system_error>

#include "models/core/input_error.h"
#include "pipeline/archive/durable_file.h"
#include "pipeline/archive/raw_archive.h"

namespace wbe {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

constexpr const char* kFields[] = {"seq",          "sha256",     "size_bytes",     "source_name",
                                   "kind",         "format",     "method",         "uploader",
                                   "uploaded_utc", "batch_id",   "version",        "supersedes",
                                   "verdict",      "qc_summary", "idempotency_key"};

bool Counts(Verdict verdict) { return verdict != Verdict::kRejected; }

// Field checks shared by Load (file, line) and Append (file, line 0).
class FieldChecker {
 public:
  FieldChecker(const std::string& file, long line) : file_(file), line_(line) {}

  [[noreturn]] void Fail(const std::string& field, const std::string& message) const {
    throw InputError(file_, line_, field, message);
  }

  void NonEmpty(const std::string& field, const std::string& value) const {
    if (value.empty()) Fail(field, "must not be empty");
  }
  void Sha256(const std::string& field, const std::string& value) const {
    if (!IsSha256Hex(value)) {
      Fail(field, "not a SHA-256 digest (64 lower-case hex digits): '" + value + "'");
    }
  }
  void CheckEntry(const ManifestEntry& e) const {
    Sha256("sha256", e.sha256);
    NonEmpty("source_name", e.source_name);
    NonEmpty("format", e.format);
    NonEmpty("uploader", e.uploader);
    NonEmpty("batch_id", e.batch_id);
    if (!IsIso8601Utc(e.uploaded_utc)) {
      Fail("uploaded_utc",
           "not an ISO 8601 UTC time like 2026-03-09T08:00:00Z: '" + e.uploaded_utc + "'");
    }
    if (e.method) {
      NonEmpty("method.file_name", e.method->file_name);
      Sha256("method.sha256", e.method->sha256);
    }
    if (e.idempotency_key) NonEmpty("idempotency_key", *e.idempotency_key);
  }

 private:
  const std::string& file_;
  long line_;
};

OrderedJson ToJson(const ManifestEntry& e) {
  OrderedJson j;
  j["seq"] = e.seq;
  j["sha256"] = e.sha256;
  j["size_bytes"] = e.size_bytes;
  j["source_name"] = e.source_name;
  j["kind"] = ToString(e.kind);
  j["format"] = e.format;
  if (e.method) {
    j["method"] = {{"file_name", e.method->file_name}, {"sha256", e.method->sha256}};
  } else {
    j["method"] = nullptr;
  }
  j["uploader"] = e.uploader;
  j["uploaded_utc"] = e.uploaded_utc;
  j["batch_id"] = e.batch_id;
  j["version"] = e.version;
  j["supersedes"] = e.supersedes ? OrderedJson(*e.supersedes) : OrderedJson(nullptr);
  j["verdict"] = ToString(e.verdict);
  j["qc_summary"] = e.qc_summary;
  j["idempotency_key"] = e.idempotency_key ? OrderedJson(*e.idempotency_key) : OrderedJson(nullptr);
  return j;
}

// Typed access to one line's object, naming the line and field on any mismatch.
class LineReader {
 public:
  LineReader(const Json& j, const FieldChecker& check) : j_(j), check_(check) {}

  const Json& Field(const std::string& name) const {
    const auto it = j_.find(name);
    if (it == j_.end()) check_.Fail(name, "missing");
    return *it;
  }
  std::string String(const std::string& name) const {
    const Json& v = Field(name);
    if (!v.is_string()) check_.Fail(name, "must be a string");
    return v.get<std::string>();
  }
  std::optional<std::string> OptionalString(const std::string& name) const {
    const auto it = j_.find(name);
    if (it == j_.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) check_.Fail(name, "must be a string or null");
    return it->get<std::string>();
  }
  int64_t Integer(const std::string& name, int64_t minimum) const {
    const Json& v = Field(name);
    if (!v.is_number_integer()) check_.Fail(name, "must be an integer");
    const int64_t value =
        v.is_number_unsigned()
            ? static_cast<int64_t>(std::min<uint64_t>(v.get<uint64_t>(), uint64_t{INT64_MAX}))
            : v.get<int64_t>();
    if (value < minimum) check_.Fail(name, "must be at least " + std::to_string(minimum));
    return value;
  }

 private:
  const Json& j_;
  const FieldChecker& check_;
};

ManifestEntry FromJson(const Json& j, const FieldChecker& check) {
  if (!j.is_object()) check.Fail("", "a manifest line must be a JSON object");
  for (const auto& item : j.items()) {
    if (std::find_if(std::begin(kFields), std::end(kFields),
                     [&](const char* f) { return item.key() == f; }) == std::end(kFields)) {
      // Refuse rather than drop: a rebuild must not silently lose what a newer wbe recorded.
      check.Fail(item.key(), "unknown field");
    }
  }
  const LineReader r(j, check);
  ManifestEntry e;
  e.seq = r.Integer("seq", 1);
  e.sha256 = r.String("sha256");
  e.size_bytes = static_cast<uint64_t>(r.Integer("size_bytes", 0));
  e.source_name = r.String("source_name");
  const std::string kind = r.String("kind");
  const auto parsed_kind = ParseUploadKind(kind);
  if (!parsed_kind) check.Fail("kind", "must be lab_batch, city or flows, got '" + kind + "'");
  e.kind = *parsed_kind;
  e.format = r.String("format");
  const Json& method = r.Field("method");
  if (!method.is_null()) {
    if (!method.is_object()) check.Fail("method", "must be an object or null");
    const LineReader m(method, check);
    e.method = MethodFile{m.String("file_name"), m.String("sha256")};
  }
  e.uploader = r.String("uploader");
  e.uploaded_utc = r.String("uploaded_utc");
  e.batch_id = r.String("batch_id");
  const int64_t version = r.Integer("version", 1);
  if (version > INT32_MAX) check.Fail("version", "too large");
  e.version = static_cast<int>(version);
  e.supersedes = r.OptionalString("supersedes");
  if (e.supersedes) check.Sha256("supersedes", *e.supersedes);
  const std::string verdict = r.String("verdict");
  const auto parsed_verdict = ParseVerdict(verdict);
  if (!parsed_verdict) {
    check.Fail("verdict",
               "must be accepted, accepted_with_flags or rejected, got '" + verdict + "'");
  }
  e.verdict = *parsed_verdict;
  e.qc_summary = r.String("qc_summary");
  e.idempotency_key = r.OptionalString("idempotency_key");
  check.CheckEntry(e);
  return e;
}

uint64_t FileSize(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return 0;
    throw std::runtime_error(path + ": cannot stat manifest: " + std::strerror(errno));
  }
  return static_cast<uint64_t>(info.st_size);
}

void RequireArchived(const RawArchive& archive, const std::string& sha256,
                     std::optional<uint64_t> size_bytes, const std::string& what) {
  if (!archive.Contains(sha256)) {
    throw std::logic_error("manifest " + Manifest::PathFor(archive.root()) + ": " + what + " " +
                           sha256 +
                           " is not in the raw archive; RawArchive::Put must come before "
                           "Manifest::Append (data-schemas/raw-archive-layout.md)");
  }
  if (size_bytes) {
    struct stat info {};
    if (::stat(archive.ObjectPath(sha256).c_str(), &info) == 0 &&
        static_cast<uint64_t>(info.st_size) != *size_bytes) {
      throw std::logic_error("manifest " + Manifest::PathFor(archive.root()) + ": " + what + " " +
                             sha256 + " has " + std::to_string(info.st_size) +
                             " bytes in the archive, the entry says " +
                             std::to_string(*size_bytes));
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Small helpers

const char* ToString(UploadKind kind) {
  switch (kind) {
    case UploadKind::kLabBatch:
      return "lab_batch";
    case UploadKind::kCity:
      return "city";
    case UploadKind::kFlows:
      return "flows";
  }
  return "?";
}

const char* ToString(Verdict verdict) {
  switch (verdict) {
    case Verdict::kAccepted:
      return "accepted";
    case Verdict::kAcceptedWithFlags:
      return "accepted_with_flags";
    case Verdict::kRejected:
      return "rejected";
  }
  return "?";
}

std::optional<UploadKind> ParseUploadKind(const std::string& text) {
  for (UploadKind k : {UploadKind::kLabBatch, UploadKind::kCity, UploadKind::kFlows}) {
    if (text == ToString(k)) return k;
  }
  return std::nullopt;
}

std::optional<Verdict> ParseVerdict(const std::string& text) {
  for (Verdict v : {Verdict::kAccepted, Verdict::kAcceptedWithFlags, Verdict::kRejected}) {
    if (text == ToString(v)) return v;
  }
  return std::nullopt;
}

bool ManifestEntry::operator==(const ManifestEntry& o) const {
  return seq == o.seq && version == o.version && supersedes == o.supersedes && sha256 == o.sha256 &&
         size_bytes == o.size_bytes && source_name == o.source_name && kind == o.kind &&
         format == o.format && method == o.method && uploader == o.uploader &&
         uploaded_utc == o.uploaded_utc && batch_id == o.batch_id && verdict == o.verdict &&
         qc_summary == o.qc_summary && idempotency_key == o.idempotency_key;
}

std::string UtcNowIso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

bool IsIso8601Utc(const std::string& text) {
  // YYYY-MM-DDTHH:MM:SS, then an optional .fraction, then Z.
  static const char kPattern[] = "dddd-dd-ddTdd:dd:dd";
  const std::size_t n = sizeof(kPattern) - 1;
  if (text.size() < n + 1 || text.back() != 'Z') return false;
  for (std::size_t i = 0; i < n; ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (kPattern[i] == 'd' ? !digit : text[i] != kPattern[i]) return false;
  }
  const std::string fraction = text.substr(n, text.size() - n - 1);
  if (!fraction.empty()) {
    if (fraction.size() < 2 || fraction[0] != '.') return false;
    if (!std::all_of(fraction.begin() + 1, fraction.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
  }
  const auto field = [&](std::size_t at, std::size_t len) {
    return std::stoi(text.substr(at, len));
  };
  const int month = field(5, 2), day = field(8, 2), hour = field(11, 2), minute = field(14, 2),
            second = field(17, 2);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 &&
         second <= 60;
}

// ---------------------------------------------------------------------------------------------
// Manifest

std::string Manifest::PathFor(const std::string& root_dir) {
  return (std::filesystem::path(root_dir) / "manifest.jsonl").string();
}

Manifest Manifest::Load(const std::string& root_dir) {
  Manifest manifest(root_dir, PathFor(root_dir));
  const LogLines log = ReadWholeLines(manifest.path_);
  manifest.torn_bytes_ = log.torn_bytes;
  manifest.file_bytes_ = log.text.size() + log.torn_bytes;

  std::set<std::string> keys;
  long line_number = 0;
  std::size_t start = 0;
  while (start < log.text.size()) {
    const std::size_t end = log.text.find('\n', start);
    const std::string line = log.text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    const FieldChecker check(manifest.path_, line_number);
    Json j;
    try {
      j = Json::parse(line);
    } catch (const Json::exception& e) {
      check.Fail("", std::string("not a JSON object (corrupt line): ") + e.what());
    }
    ManifestEntry entry = FromJson(j, check);
    if (entry.seq != line_number) {
      check.Fail("seq",
                 "expected " + std::to_string(line_number) + ", got " + std::to_string(entry.seq));
    }
    if (const auto earlier = manifest.FindBySha256(entry.sha256)) {
      check.Fail("sha256", "same file as seq " + std::to_string(earlier->seq));
    }
    if (entry.idempotency_key && !keys.insert(*entry.idempotency_key).second) {
      check.Fail("idempotency_key", "'" + *entry.idempotency_key + "' used twice");
    }
    // Replaying the rules must give what the line says, or Latest() would disagree with it.
    ManifestEntry replay = entry;
    manifest.AssignPlace(&replay);
    if (replay.version != entry.version) {
      check.Fail("version", "expected " + std::to_string(replay.version) + " for batch '" +
                                entry.batch_id + "', got " + std::to_string(entry.version));
    }
    if (replay.supersedes != entry.supersedes) {
      check.Fail("supersedes", "expected " + replay.supersedes.value_or("null") + ", got " +
                                   entry.supersedes.value_or("null"));
    }
    const auto versions = manifest.Versions(entry.batch_id);
    if (!versions.empty() && versions.front().kind != entry.kind) {
      check.Fail("kind", std::string("batch '") + entry.batch_id + "' is a " +
                             ToString(versions.front().kind) + ", not a " + ToString(entry.kind));
    }
    manifest.entries_.push_back(std::move(entry));
  }
  return manifest;
}

std::optional<ManifestEntry> Manifest::FindBySha256(const std::string& sha256) const {
  for (const ManifestEntry& e : entries_) {
    if (e.sha256 == sha256) return e;
  }
  return std::nullopt;
}

std::optional<ManifestEntry> Manifest::FindByIdempotencyKey(const std::string& key) const {
  for (const ManifestEntry& e : entries_) {
    if (e.idempotency_key && *e.idempotency_key == key) return e;
  }
  return std::nullopt;
}

std::optional<ManifestEntry> Manifest::Latest(const std::string& batch_id) const {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->batch_id == batch_id && Counts(it->verdict)) return *it;
  }
  return std::nullopt;
}

std::vector<ManifestEntry> Manifest::Versions(const std::string& batch_id) const {
  std::vector<ManifestEntry> versions;
  for (const ManifestEntry& e : entries_) {
    if (e.batch_id == batch_id) versions.push_back(e);
  }
  return versions;
}

std::vector<ManifestEntry> Manifest::Current() const {
  std::map<std::string, const ManifestEntry*> latest;
  for (const ManifestEntry& e : entries_) {
    if (Counts(e.verdict)) latest[e.batch_id] = &e;
  }
  std::vector<ManifestEntry> current;
  for (const auto& item : latest) current.push_back(*item.second);
  std::sort(current.begin(), current.end(),
            [](const ManifestEntry& a, const ManifestEntry& b) { return a.seq < b.seq; });
  return current;
}

void Manifest::AssignPlace(ManifestEntry* entry) const {
  entry->seq = static_cast<int64_t>(entries_.size()) + 1;
  int versions = 0;
  for (const ManifestEntry& e : entries_) versions += e.batch_id == entry->batch_id ? 1 : 0;
  entry->version = versions + 1;
  entry->supersedes.reset();
  if (Counts(entry->verdict)) {
    if (const auto current = Latest(entry->batch_id)) entry->supersedes = current->sha256;
  }
}

void Manifest::MakeDurable() const {
  std::error_code error;
  if (!std::filesystem::exists(path_, error)) return;
  FsyncFile(path_);
  FsyncDirectory(root_.empty() ? "." : root_);
  // The root's own name too: a killed writer may have created it without syncing its parent.
  const std::filesystem::path above = std::filesystem::path(root_).lexically_normal().parent_path();
  FsyncDirectory(above.empty() ? "." : above.string());
}

ManifestAppend Manifest::Append(ManifestEntry entry) {
  if (poisoned_) {
    throw std::logic_error(path_ + ": an earlier append failed; load the manifest again");
  }
  if (entry.uploaded_utc.empty()) entry.uploaded_utc = UtcNowIso8601();
  const FieldChecker check(path_, 0);
  check.CheckEntry(entry);

  if (const auto existing = FindBySha256(entry.sha256)) {
    MakeDurable();  // the caller is about to acknowledge it
    return {*existing, false};
  }
  if (entry.idempotency_key) {
    if (const auto used = FindByIdempotencyKey(*entry.idempotency_key)) {
      check.Fail("idempotency_key", "'" + *entry.idempotency_key +
                                        "' was already used for another file (sha256 " +
                                        used->sha256 + ", seq " + std::to_string(used->seq) + ")");
    }
  }
  const auto versions = Versions(entry.batch_id);
  if (!versions.empty() && versions.front().kind != entry.kind) {
    check.Fail("kind", std::string("batch '") + entry.batch_id + "' is a " +
                           ToString(versions.front().kind) + ", not a " + ToString(entry.kind));
  }

  const RawArchive archive(root_);
  RequireArchived(archive, entry.sha256, entry.size_bytes, "file");
  if (entry.method) RequireArchived(archive, entry.method->sha256, std::nullopt, "method file");

  AssignPlace(&entry);
  std::string line;
  try {
    line = ToJson(entry).dump();
  } catch (const Json::type_error& e) {
    check.Fail("", std::string("cannot encode entry (text must be UTF-8): ") + e.what());
  }

  // Guards against a second writer that ignored the DataDirLock.
  const uint64_t on_disk_bytes = FileSize(path_);
  if (on_disk_bytes != file_bytes_) {
    throw std::runtime_error(path_ + ": changed since it was loaded (" +
                             std::to_string(file_bytes_) + " bytes then, " +
                             std::to_string(on_disk_bytes) +
                             " now): another writer? Hold the DataDirLock and load it again");
  }
  try {
    AppendDurably(path_, line);
  } catch (...) {
    poisoned_ = true;
    throw;
  }
  file_bytes_ = file_bytes_ - torn_bytes_ + line.size() + 1;
  torn_bytes_ = 0;
  entries_.push_back(entry);
  return {entry, true};
}

// ---------------------------------------------------------------------------------------------
// Start-up check

ArchiveReport CheckArchive(const RawArchive& archive, const Manifest& manifest,
                           bool verify_contents) {
  ArchiveReport report;
  report.torn_manifest_bytes = manifest.torn_bytes();
  report.debris = archive.Debris();

  std::set<std::string> named;
  for (const ManifestEntry& e : manifest.Entries()) {
    named.insert(e.sha256);
    if (e.method) named.insert(e.method->sha256);
  }
  const std::vector<std::string> stored = archive.List();
  const std::set<std::string> stored_set(stored.begin(), stored.end());
  for (const std::string& sha256 : stored) {
    if (named.count(sha256) == 0) report.unreferenced_objects.push_back(sha256);
  }
  for (const std::string& sha256 : named) {
    if (stored_set.count(sha256) == 0) {
      report.missing_objects.push_back(sha256);
    } else if (verify_contents) {
      try {
        archive.Verify(sha256);
      } catch (const ArchiveObjectError& e) {
        report.corrupt_objects.push_back(sha256);
      }
    }
  }
  return report;
}

}  // namespace wbe
