#include "pipeline/jobs/ingest_job.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "calibration/method/quantitation_method.h"
#include "models/city/city_io.h"
#include "models/core/input_error.h"
#include "models/core/text_files.h"
#include "pipeline/archive/batch_manifest.h"
#include "pipeline/archive/data_dir_lock.h"
#include "pipeline/archive/raw_archive.h"
#include "pipeline/ingest/batch_parser.h"
#include "pipeline/ingest/flows_csv_parser.h"
#include "pipeline/ingest/flows_json_parser.h"
#include "pipeline/store/hdf5_store.h"

namespace wbe {
namespace fs = std::filesystem;

namespace {

Verdict ManifestVerdict(BatchVerdict verdict) {
  switch (verdict) {
    case BatchVerdict::kAccepted:
      return Verdict::kAccepted;
    case BatchVerdict::kAcceptedWithFlags:
      return Verdict::kAcceptedWithFlags;
    case BatchVerdict::kRejected:
      return Verdict::kRejected;
  }
  return Verdict::kRejected;
}

ParseOptions ParseOptionsFor(const QuantitationMethod& method, BatchFormat format, DayIndex today,
                             std::vector<std::string> known_sites) {
  ParseOptions options;
  options.format = format;
  options.today = today;
  options.known_sites = std::move(known_sites);
  for (const AnalyteMethod& analyte : method.analytes) {
    options.method_analytes.push_back(analyte.analyte);
    if (!analyte.internal_standard.empty()) {
      options.method_internal_standards[analyte.analyte] = analyte.internal_standard;
    }
  }
  return options;
}

// Sites the store's city knows; empty (no check) when there is no store yet.
std::vector<std::string> KnownSites(const std::string& store_path) {
  std::vector<std::string> sites;
  if (!fs::exists(store_path)) return sites;
  for (const SamplingSite& site : Hdf5Store::Read(store_path).city.sites) sites.push_back(site.id);
  return sites;
}

std::string BatchIdFor(const LabBatch& batch, const std::string& override_id,
                       const std::string& path) {
  if (!override_id.empty()) return override_id;
  if (!batch.batch_id.empty()) return batch.batch_id;
  return fs::path(path).stem().string();
}

constexpr const char* kManifestSeqAttribute = "manifest_seq";

int64_t LastSeq(const Manifest& manifest) {
  return manifest.Entries().empty() ? 0 : manifest.Entries().back().seq;
}

}  // namespace

void ReplaceBatchMeasurements(StoreContents* contents, const std::string& batch_id,
                              const std::vector<Measurement>& fresh) {
  const std::string prefix = batch_id + "@v";
  contents->measurements.erase(
      std::remove_if(contents->measurements.begin(), contents->measurements.end(),
                     [&](const Measurement& m) { return m.batch_id.rfind(prefix, 0) == 0; }),
      contents->measurements.end());
  contents->measurements.insert(contents->measurements.end(), fresh.begin(), fresh.end());
}

int64_t StoreSeqAttribute(const StoreContents& contents, const std::string& name) {
  const auto seq = contents.attributes.find(name);
  if (seq == contents.attributes.end()) return -1;
  try {
    return std::stoll(seq->second);
  } catch (const std::exception&) {
    return -1;
  }
}

int64_t StoreManifestSeq(const StoreContents& contents) {
  return StoreSeqAttribute(contents, kManifestSeqAttribute);
}

void SetStoreManifestSeq(StoreContents* contents, int64_t seq) {
  contents->attributes[kManifestSeqAttribute] = std::to_string(seq);
}

namespace {

// Applies `change` to the store when the store reflects every manifest entry before the newest
// one; otherwise (a crash between the manifest append and the store write, or a missing or
// damaged store) rebuilds the whole store from the archive, which includes the newest entry.
void UpdateStore(const DataDirLayout& layout, const Manifest& manifest,
                 const DrugCatalogue& catalogue,
                 const std::function<void(StoreContents*)>& change) {
  const int64_t newest = LastSeq(manifest);
  StoreContents contents;
  bool current = false;
  if (fs::exists(layout.store_path)) {
    try {
      contents = Hdf5Store::Read(layout.store_path);
      const auto seq = contents.attributes.find(kManifestSeqAttribute);
      current = seq != contents.attributes.end() && seq->second == std::to_string(newest - 1);
    } catch (const std::exception&) {
      current = false;
    }
  } else {
    current = newest == 1;  // the very first upload starts the store
  }
  if (!current) {
    RebuildStoreLocked(layout, manifest, catalogue);
    return;
  }
  change(&contents);
  contents.attributes[kManifestSeqAttribute] = std::to_string(newest);
  contents.attributes["updated_utc"] = UtcNowIso8601();
  Hdf5Store::Write(layout.store_path, contents);
}

// The store lags the manifest (a crash after an acknowledged upload): bring it up to date.
void RebuildIfBehind(const DataDirLayout& layout, const Manifest& manifest,
                     const DrugCatalogue& catalogue) {
  if (manifest.Entries().empty()) return;
  try {
    if (fs::exists(layout.store_path)) {
      const StoreContents contents = Hdf5Store::Read(layout.store_path);
      const auto seq = contents.attributes.find(kManifestSeqAttribute);
      if (seq != contents.attributes.end() && seq->second == std::to_string(LastSeq(manifest))) {
        return;
      }
    }
  } catch (const std::exception&) {
    // unreadable: rebuild below
  }
  RebuildStoreLocked(layout, manifest, catalogue);
}

}  // namespace

DataDirLayout::DataDirLayout(std::string dir)
    : data_dir(std::move(dir)),
      archive_root((fs::path(data_dir) / "archive").string()),
      store_path((fs::path(data_dir) / "wbe-store.h5").string()) {}

bool IngestOptions::Check(std::string* why) const {
  const auto fail = [&](const std::string& message) {
    if (why != nullptr) *why = message;
    return false;
  };
  if (data_dir.empty()) return fail("a data directory is needed");
  if (method_path.empty()) return fail("a quantitation method file is needed (--method)");
  if (uploader.empty()) return fail("the uploader must be named");
  return true;
}

std::string BatchVersionId(const std::string& batch_id, int version) {
  return batch_id + "@v" + std::to_string(version);
}

std::vector<Measurement> MeasurementsFrom(const BatchQuantification& quantification,
                                          const DrugCatalogue& catalogue,
                                          const std::string& batch_version_id) {
  std::vector<Measurement> measurements;
  for (const QuantifiedSample& s : quantification.samples) {
    if (!s.reportable || s.site_id.empty() || !s.sampling_day) continue;
    if (catalogue.FindBiomarker(s.analyte) == nullptr) continue;
    if (!s.censored && !s.concentration_ng_per_l) continue;
    Measurement m;
    m.site_id = s.site_id;
    m.day = *s.sampling_day;
    m.analyte = catalogue.FindBiomarker(s.analyte)->name;
    m.censored = s.censored;
    m.concentration_ng_per_l = s.censored ? 0.0 : *s.concentration_ng_per_l;
    m.loq_ng_per_l = s.loq_ng_per_l.value_or(0.0);
    m.batch_id = batch_version_id;
    for (const std::string& flag : s.flags) {
      if (flag == "below_loq") continue;  // already said by `censored`
      m.qc_flags += (m.qc_flags.empty() ? "" : ",") + flag;
    }
    measurements.push_back(std::move(m));
  }
  return measurements;
}

IngestResult BatchIngestor::IngestFile(const std::string& path,
                                       const IngestOptions& options) const {
  std::string why;
  if (!options.Check(&why)) throw std::invalid_argument(why);
  if (!fs::is_regular_file(path)) throw InputError(path, 0, "", "no such file");
  const DataDirLayout layout(options.data_dir);

  // Everything that can fail on bad input happens before anything is written.
  const std::string method_bytes = ReadWholeFile(options.method_path, "quantitation method file");
  PreparedBatch prepared =
      PrepareBatch(catalogue_, ReadWholeFile(path, "batch file"),
                   fs::path(path).filename().string(), method_bytes, options.method_path,
                   options.format, options.batch_id, options.today, KnownSites(layout.store_path));
  prepared.method_file_name = fs::path(options.method_path).filename().string();
  IngestResult& result = prepared.result;
  result.dry_run = options.dry_run;

  if (options.dry_run) {
    result.measurements =
        MeasurementsFrom(result.quantification, catalogue_, BatchVersionId(result.batch_id, 0));
    result.notes.push_back("dry run: nothing was written");
    return result;
  }

  const DataDirLock lock = DataDirLock::Acquire(layout.data_dir);
  Manifest manifest = Manifest::Load(layout.archive_root);
  manifest.MakeDurable();  // lines a killed writer left unsynced become acknowledged only now
  if (const auto existing = manifest.FindBySha256(result.sha256)) {
    RebuildIfBehind(layout, manifest, catalogue_);
    result.already_ingested = true;
    result.batch_id = existing->batch_id;
    result.version = existing->version;
    result.notes.push_back("this file was ingested before (" + existing->uploaded_utc + " by " +
                           existing->uploader + ", batch " + existing->batch_id + " version " +
                           std::to_string(existing->version) + "); nothing new was stored");
    return result;
  }
  if (options.idempotency_key) {
    if (const auto existing = manifest.FindByIdempotencyKey(*options.idempotency_key)) {
      throw InputError(
          path, 0, "idempotency key",
          "the key was used before for a different file (" + existing->source_name + ")");
    }
  }

  // Durable order: raw objects, then the manifest line (the acknowledgement), then the store.
  RawArchive archive(layout.archive_root);
  const StoredObject method_object = archive.Put(method_bytes);
  const StoredObject batch_object = archive.PutFile(path);
  if (batch_object.sha256 != result.sha256) {
    throw std::runtime_error(path + ": the file changed while it was being ingested");
  }
  const ManifestAppend appended =
      manifest.Append(ManifestEntryFor(prepared, method_object.sha256, batch_object.size_bytes,
                                       options.uploader, options.idempotency_key));
  result.version = appended.entry.version;

  result.measurements = MeasurementsFrom(result.quantification, catalogue_,
                                         BatchVersionId(result.batch_id, result.version));
  try {
    UpdateStore(layout, manifest, catalogue_, [&](StoreContents* contents) {
      if (result.accepted())
        ReplaceBatchMeasurements(contents, result.batch_id, result.measurements);
    });
    result.store_updated = result.accepted();
  } catch (const std::exception& e) {
    // The batch is safe in the archive; the derived store can be rebuilt from it.
    result.notes.push_back(std::string("the batch is archived but the store was not updated (") +
                           e.what() + "); run `wbe store rebuild --data " + options.data_dir + "`");
  }
  return std::move(prepared.result);
}

PreparedBatch PrepareBatch(const DrugCatalogue& catalogue, std::string_view bytes,
                           const std::string& source_name, const std::string& method_bytes,
                           const std::string& method_file_name, BatchFormat format,
                           const std::string& batch_id_override, DayIndex today,
                           std::vector<std::string> known_sites) {
  const QuantitationMethod method =
      QuantitationMethod::LoadFromString(method_bytes, method_file_name, &catalogue);
  const BatchParser parser(catalogue,
                           ParseOptionsFor(method, format, today, std::move(known_sites)));
  LabBatch batch = parser.ParseBytes(bytes, source_name);

  PreparedBatch prepared;
  prepared.method_bytes = method_bytes;
  prepared.method_file_name = fs::path(method_file_name).filename().string();
  IngestResult& result = prepared.result;
  result.source_name = source_name;
  result.format = batch.format;
  result.batch_id = BatchIdFor(batch, batch_id_override, source_name);
  batch.batch_id = result.batch_id;
  result.unmapped_analytes = batch.unmapped_analytes;
  result.notes = batch.warnings;
  result.quantification = QuantifyBatch(batch, method);
  result.sha256 = Sha256Hex(bytes);
  if (!result.unmapped_analytes.empty()) {
    std::string names;
    for (const std::string& n : result.unmapped_analytes) names += (names.empty() ? "" : ", ") + n;
    result.notes.push_back("analytes not mapped to the catalogue or the method (ignored): " +
                           names);
  }
  return prepared;
}

ManifestEntry ManifestEntryFor(const PreparedBatch& prepared, const std::string& method_sha256,
                               uint64_t size_bytes, const std::string& uploader,
                               const std::optional<std::string>& idempotency_key) {
  const IngestResult& result = prepared.result;
  ManifestEntry entry;
  entry.sha256 = result.sha256;
  entry.size_bytes = size_bytes;
  entry.source_name = result.source_name;
  entry.kind = UploadKind::kLabBatch;
  entry.format = result.format;
  entry.method = MethodFile{prepared.method_file_name, method_sha256};
  entry.uploader = uploader;
  entry.batch_id = result.batch_id;
  entry.verdict = ManifestVerdict(result.verdict());
  entry.qc_summary = result.quantification.report.BriefReport();
  entry.idempotency_key = idempotency_key;
  return entry;
}

nlohmann::json IngestResult::ToJson() const {
  return {{"source_name", source_name},
          {"format", format},
          {"sha256", sha256},
          {"batch_id", batch_id},
          {"version", version},
          {"verdict", BatchVerdictName(verdict())},
          {"already_ingested", already_ingested},
          {"dry_run", dry_run},
          {"store_updated", store_updated},
          {"measurements", measurements.size()},
          {"unmapped_analytes", unmapped_analytes},
          {"notes", notes},
          {"qc_report", quantification.report.ToJson()},
          {"samples", quantification.ToJson()["samples"]}};
}

std::string IngestResult::ToText() const {
  std::string text = quantification.report.ToTable();
  text += "\n";
  if (dry_run) {
    text += "Dry run: " + std::to_string(measurements.size()) +
            " measurements would be stored; nothing was written.\n";
  } else if (already_ingested) {
    text += "Already ingested as " + BatchVersionId(batch_id, version) + ".\n";
  } else {
    text += "Archived as " + BatchVersionId(batch_id, version) + " (sha256 " + sha256 + "); " +
            (store_updated ? std::to_string(measurements.size()) + " measurements stored.\n"
                           : std::string("no measurements stored.\n"));
  }
  for (const std::string& note : notes) text += "note: " + note + "\n";
  return text;
}

std::vector<FlowRecord> ParseFlowsUpload(std::string_view bytes, const std::string& format,
                                         const std::string& source_name,
                                         const std::vector<std::string>& known_sites) {
  if (format == "flows_json") return ParseFlowsJson(bytes, source_name, known_sites);
  if (format == "flows_csv") return ParseFlowsCsv(bytes, source_name, known_sites);
  throw InputError(source_name, 0, "format", "unknown flows format '" + format + "'");
}

void MergeFlows(std::vector<FlowRecord>* flows, const std::vector<FlowRecord>& fresh) {
  std::set<std::pair<std::string, DayIndex>> replaced;
  for (const FlowRecord& f : fresh) replaced.insert({f.site_id, f.day});
  flows->erase(std::remove_if(flows->begin(), flows->end(),
                              [&](const FlowRecord& f) {
                                return replaced.count({f.site_id, f.day}) > 0;
                              }),
               flows->end());
  flows->insert(flows->end(), fresh.begin(), fresh.end());
}

namespace {

City CityFromBytes(const std::string& bytes, const std::string& origin) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(bytes);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(origin, 0, "", std::string("not valid JSON: ") + e.what());
  }
  return CityFromJson(document, origin);
}

// Archives an input file and records it in the manifest under `batch_id`.
ManifestAppend ArchiveInput(const DataDirLayout& layout, Manifest* manifest,
                            const std::string& path, UploadKind kind, const std::string& format,
                            const std::string& uploader) {
  RawArchive archive(layout.archive_root);
  const StoredObject object = archive.PutFile(path);
  ManifestEntry entry;
  entry.sha256 = object.sha256;
  entry.size_bytes = object.size_bytes;
  entry.source_name = fs::path(path).filename().string();
  entry.kind = kind;
  entry.format = format;
  entry.uploader = uploader;
  // One batch id for the city; one per flows file name, so a corrected file supersedes it.
  entry.batch_id = kind == UploadKind::kCity ? "city" : "flows:" + entry.source_name;
  entry.verdict = Verdict::kAccepted;
  return manifest->Append(entry);
}

}  // namespace

InputUploadResult IngestCityFile(const std::string& path, const std::string& data_dir,
                                 const std::string& uploader, const DrugCatalogue& catalogue) {
  const DataDirLayout layout(data_dir);
  const City city = CityFromBytes(ReadWholeFile(path, "city file"), path);
  const DataDirLock lock = DataDirLock::Acquire(layout.data_dir);
  Manifest manifest = Manifest::Load(layout.archive_root);
  manifest.MakeDurable();
  const ManifestAppend appended =
      ArchiveInput(layout, &manifest, path, UploadKind::kCity, "city_json", uploader);
  if (appended.appended) {
    UpdateStore(layout, manifest, catalogue,
                [&](StoreContents* contents) { contents->city = city; });
  } else {
    RebuildIfBehind(layout, manifest, catalogue);
  }
  return {appended.entry.sha256, !appended.appended, city.districts.size() + city.sites.size()};
}

InputUploadResult IngestFlowsFile(const std::string& path, const std::string& data_dir,
                                  const std::string& uploader, const DrugCatalogue& catalogue) {
  const DataDirLayout layout(data_dir);
  const std::vector<FlowRecord> flows =
      ParseFlowsCsv(ReadWholeFile(path, "flows file"), fs::path(path).filename().string(),
                    KnownSites(layout.store_path));
  const DataDirLock lock = DataDirLock::Acquire(layout.data_dir);
  Manifest manifest = Manifest::Load(layout.archive_root);
  manifest.MakeDurable();
  const ManifestAppend appended =
      ArchiveInput(layout, &manifest, path, UploadKind::kFlows, "flows_csv", uploader);
  if (appended.appended) {
    UpdateStore(layout, manifest, catalogue,
                [&](StoreContents* contents) { MergeFlows(&contents->flows, flows); });
  } else {
    RebuildIfBehind(layout, manifest, catalogue);
  }
  return {appended.entry.sha256, !appended.appended, flows.size()};
}

StoreRebuildSummary RebuildStore(const std::string& data_dir, const DrugCatalogue& catalogue) {
  const DataDirLayout layout(data_dir);
  const DataDirLock lock = DataDirLock::Acquire(layout.data_dir);
  Manifest manifest = Manifest::Load(layout.archive_root);
  manifest.MakeDurable();
  return RebuildStoreLocked(layout, manifest, catalogue);
}

StoreRebuildSummary RebuildStoreLocked(const DataDirLayout& layout, const Manifest& manifest,
                                       const DrugCatalogue& catalogue) {
  const RawArchive archive(layout.archive_root);
  StoreRebuildSummary summary;
  StoreContents contents;
  contents.attributes["rebuilt_utc"] = UtcNowIso8601();
  contents.attributes[kManifestSeqAttribute] = std::to_string(LastSeq(manifest));
  // Truth is simulation output, not an upload: keep it when the old store can still be read.
  if (fs::exists(layout.store_path)) {
    try {
      StoreContents old = Hdf5Store::Read(layout.store_path);
      contents.truth = std::move(old.truth);
      for (const auto& [key, value] : old.attributes) {
        if (key == "generator" || key == "seed" || key == "scenario" ||
            key == "catalogue_version") {
          contents.attributes[key] = value;
        }
      }
    } catch (const std::exception& e) {
      summary.problems.push_back(std::string("old store unreadable, truth not kept: ") + e.what());
    }
  }
  // The current version of every upload, in upload order: city first where it came first,
  // flows merged in order, batches re-quantified with their archived method.
  const std::vector<ManifestEntry> current = manifest.Current();
  for (const ManifestEntry& entry : current) {
    if (entry.kind != UploadKind::kCity) continue;
    try {
      contents.city = CityFromBytes(archive.Get(entry.sha256), entry.source_name);
      summary.city = true;
    } catch (const std::exception& e) {
      summary.problems.push_back(entry.source_name + ": " + e.what());
    }
  }
  std::vector<std::string> sites;
  for (const SamplingSite& site : contents.city.sites) sites.push_back(site.id);
  for (const ManifestEntry& entry : current) {
    try {
      if (entry.kind == UploadKind::kFlows) {
        MergeFlows(&contents.flows, ParseFlowsUpload(archive.Get(entry.sha256), entry.format,
                                                     entry.source_name, {}));
      } else if (entry.kind == UploadKind::kLabBatch) {
        if (!entry.method) throw std::runtime_error("no method recorded");
        const QuantitationMethod method = QuantitationMethod::LoadFromString(
            archive.Get(entry.method->sha256), entry.method->file_name, &catalogue);
        const BatchParser parser(
            catalogue, ParseOptionsFor(method, ParseBatchFormat(entry.format), TodayUtc(), sites));
        LabBatch batch = parser.ParseBytes(archive.Get(entry.sha256), entry.source_name);
        batch.batch_id = entry.batch_id;
        const std::vector<Measurement> measurements = MeasurementsFrom(
            QuantifyBatch(batch, method), catalogue, BatchVersionId(entry.batch_id, entry.version));
        contents.measurements.insert(contents.measurements.end(), measurements.begin(),
                                     measurements.end());
        summary.batches++;
        summary.measurements += measurements.size();
      }
    } catch (const std::exception& e) {
      summary.problems.push_back(entry.source_name + ": " + e.what());
    }
  }
  summary.flows = contents.flows.size();
  Hdf5Store::Write(layout.store_path, contents);
  return summary;
}

std::string StoreRebuildSummary::BriefReport() const {
  char line[256];
  std::snprintf(line, sizeof(line),
                "Rebuilt the store from the archive: %zu current batch versions, %zu measurements, "
                "%s, %zu flow records, %zu problems",
                batches, measurements, city ? "city" : "no city", flows, problems.size());
  return line;
}

}  // namespace wbe
