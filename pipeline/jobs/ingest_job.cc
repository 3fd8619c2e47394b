#include "pipeline/jobs/ingest_job.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "calibration/method/quantitation_method.h"
#include "models/city/city_io.h"
#include "models/core/input_error.h"
#include "pipeline/archive/batch_manifest.h"
#include "pipeline/archive/data_dir_lock.h"
#include "pipeline/archive/raw_archive.h"
#include "pipeline/ingest/batch_parser.h"
#include "pipeline/ingest/flows_csv_parser.h"
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

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "", "cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
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

// Replaces the measurements of one batch (any version) with `fresh` and writes the store.
void ReplaceBatchMeasurements(const std::string& store_path, const std::string& batch_id,
                              const std::vector<Measurement>& fresh) {
  StoreContents contents;
  if (fs::exists(store_path)) contents = Hdf5Store::Read(store_path);
  const std::string prefix = batch_id + "@v";
  contents.measurements.erase(
      std::remove_if(contents.measurements.begin(), contents.measurements.end(),
                     [&](const Measurement& m) { return m.batch_id.rfind(prefix, 0) == 0; }),
      contents.measurements.end());
  contents.measurements.insert(contents.measurements.end(), fresh.begin(), fresh.end());
  contents.attributes["updated_utc"] = UtcNowIso8601();
  Hdf5Store::Write(store_path, contents);
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
  const std::string method_bytes = ReadWholeFile(options.method_path);
  const QuantitationMethod method =
      QuantitationMethod::LoadFromString(method_bytes, options.method_path, &catalogue_);
  const BatchParser parser(catalogue_, ParseOptionsFor(method, options.format, options.today,
                                                       KnownSites(layout.store_path)));
  LabBatch batch = parser.ParseFile(path);

  IngestResult result;
  result.source_name = fs::path(path).filename().string();
  result.format = batch.format;
  result.batch_id = BatchIdFor(batch, options.batch_id, path);
  batch.batch_id = result.batch_id;
  result.unmapped_analytes = batch.unmapped_analytes;
  result.notes = batch.warnings;
  result.dry_run = options.dry_run;
  result.quantification = QuantifyBatch(batch, method);
  result.sha256 = Sha256HexOfFile(path);
  if (!result.unmapped_analytes.empty()) {
    std::string names;
    for (const std::string& n : result.unmapped_analytes) names += (names.empty() ? "" : ", ") + n;
    result.notes.push_back("analytes not mapped to the catalogue or the method (ignored): " +
                           names);
  }

  if (options.dry_run) {
    result.measurements =
        MeasurementsFrom(result.quantification, catalogue_, BatchVersionId(result.batch_id, 0));
    result.notes.push_back("dry run: nothing was written");
    return result;
  }

  const DataDirLock lock = DataDirLock::Acquire(layout.data_dir);
  Manifest manifest = Manifest::Load(layout.archive_root);
  if (const auto existing = manifest.FindBySha256(result.sha256)) {
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
  ManifestEntry entry;
  entry.sha256 = batch_object.sha256;
  entry.size_bytes = batch_object.size_bytes;
  entry.source_name = result.source_name;
  entry.kind = UploadKind::kLabBatch;
  entry.format = batch.format;
  entry.method =
      MethodFile{fs::path(options.method_path).filename().string(), method_object.sha256};
  entry.uploader = options.uploader;
  entry.batch_id = result.batch_id;
  entry.verdict = ManifestVerdict(result.verdict());
  entry.qc_summary = result.quantification.report.BriefReport();
  entry.idempotency_key = options.idempotency_key;
  const ManifestAppend appended = manifest.Append(entry);
  result.version = appended.entry.version;

  result.measurements = MeasurementsFrom(result.quantification, catalogue_,
                                         BatchVersionId(result.batch_id, result.version));
  if (result.accepted()) {
    try {
      ReplaceBatchMeasurements(layout.store_path, result.batch_id, result.measurements);
      result.store_updated = true;
    } catch (const std::exception& e) {
      // The batch is safe in the archive; the derived store can be rebuilt from it.
      result.notes.push_back(std::string("the batch is archived but the store was not updated (") +
                             e.what() + "); run `wbe store rebuild --data " + options.data_dir +
                             "`");
    }
  }
  return result;
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

namespace {

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
  entry.batch_id = ToString(kind);
  entry.verdict = Verdict::kAccepted;
  return manifest->Append(entry);
}

}  // namespace

InputUploadResult IngestCityFile(const std::string& path, const std::string& data_dir,
                                 const std::string& uploader) {
  const DataDirLayout layout(data_dir);
  const City city = CityFromBytes(ReadWholeFile(path), path);
  const DataDirLock lock = DataDirLock::Acquire(layout.data_dir);
  Manifest manifest = Manifest::Load(layout.archive_root);
  const ManifestAppend appended =
      ArchiveInput(layout, &manifest, path, UploadKind::kCity, "city_json", uploader);
  StoreContents contents;
  if (fs::exists(layout.store_path)) contents = Hdf5Store::Read(layout.store_path);
  contents.city = city;
  Hdf5Store::Write(layout.store_path, contents);
  return {appended.entry.sha256, !appended.appended, city.districts.size() + city.sites.size()};
}

InputUploadResult IngestFlowsFile(const std::string& path, const std::string& data_dir,
                                  const std::string& uploader) {
  const DataDirLayout layout(data_dir);
  const std::vector<FlowRecord> flows = ParseFlowsCsv(
      ReadWholeFile(path), fs::path(path).filename().string(), KnownSites(layout.store_path));
  const DataDirLock lock = DataDirLock::Acquire(layout.data_dir);
  Manifest manifest = Manifest::Load(layout.archive_root);
  const ManifestAppend appended =
      ArchiveInput(layout, &manifest, path, UploadKind::kFlows, "flows_csv", uploader);
  StoreContents contents;
  if (fs::exists(layout.store_path)) contents = Hdf5Store::Read(layout.store_path);
  MergeFlows(&contents.flows, flows);
  Hdf5Store::Write(layout.store_path, contents);
  return {appended.entry.sha256, !appended.appended, flows.size()};
}

StoreRebuildSummary RebuildStore(const std::string& data_dir, const DrugCatalogue& catalogue) {
  const DataDirLayout layout(data_dir);
  const DataDirLock lock = DataDirLock::Acquire(layout.data_dir);
  const Manifest manifest = Manifest::Load(layout.archive_root);
  const RawArchive archive(layout.archive_root);
  StoreRebuildSummary summary;
  StoreContents contents;
  contents.attributes["rebuilt_utc"] = UtcNowIso8601();
  // Truth is simulation output, not an upload: keep it when the old store can still be read.
  if (fs::exists(layout.store_path)) {
    try {
      StoreContents old = Hdf5Store::Read(layout.store_path);
      contents.truth = std::move(old.truth);
      for (const auto& [key, value] : old.attributes) {
        if (key == "generator" || key == "seed" || key == "scenario")
          contents.attributes[key] = value;
      }
    } catch (const std::exception& e) {
      summary.problems.push_back(std::string("old store unreadable, truth not kept: ") + e.what());
    }
  }
  std::set<std::string> batch_ids;
  for (const ManifestEntry& entry : manifest.Entries()) {
    const std::string where = entry.source_name + " (" + entry.sha256.substr(0, 12) + ")";
    try {
      if (entry.kind == UploadKind::kCity) {
        contents.city = CityFromBytes(archive.Get(entry.sha256), entry.source_name);
        summary.city = true;
      } else if (entry.kind == UploadKind::kFlows) {
        MergeFlows(&contents.flows, ParseFlowsCsv(archive.Get(entry.sha256), entry.source_name));
      } else {
        batch_ids.insert(entry.batch_id);
      }
    } catch (const std::exception& e) {
      summary.problems.push_back(where + ": " + e.what());
    }
  }
  summary.flows = contents.flows.size();
  std::vector<std::string> sites;
  for (const SamplingSite& site : contents.city.sites) sites.push_back(site.id);
  for (const std::string& batch_id : batch_ids) {
    const std::optional<ManifestEntry> current = manifest.Latest(batch_id);
    if (!current) continue;  // every version rejected
    try {
      if (!current->method) throw std::runtime_error("no method recorded");
      const QuantitationMethod method = QuantitationMethod::LoadFromString(
          archive.Get(current->method->sha256), current->method->file_name, &catalogue);
      const BatchParser parser(
          catalogue, ParseOptionsFor(method, ParseBatchFormat(current->format), TodayUtc(), sites));
      LabBatch batch = parser.ParseBytes(archive.Get(current->sha256), current->source_name);
      batch.batch_id = batch_id;
      const std::vector<Measurement> measurements = MeasurementsFrom(
          QuantifyBatch(batch, method), catalogue, BatchVersionId(batch_id, current->version));
      contents.measurements.insert(contents.measurements.end(), measurements.begin(),
                                   measurements.end());
      summary.batches++;
      summary.measurements += measurements.size();
    } catch (const std::exception& e) {
      summary.problems.push_back(current->source_name + ": " + e.what());
    }
  }
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
