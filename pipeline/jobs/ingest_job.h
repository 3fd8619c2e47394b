#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "calibration/qc/batch_quantifier.h"
#include "models/catalogue/drug_catalogue.h"
#include "models/core/observations.h"
#include "pipeline/archive/batch_manifest.h"
#include "pipeline/ingest/parse_options.h"
#include "pipeline/store/hdf5_store.h"

namespace wbe {

// The data directory every writing command shares (wbe ingest, wbe store rebuild, wbe serve):
//   DIR/archive/   raw uploads by SHA-256 and the manifest (data-schemas/raw-archive-layout.md)
//   DIR/wbe-store.h5   the derived HDF5 store (data-schemas/hdf5-store-layout.md)
struct DataDirLayout {
  explicit DataDirLayout(std::string data_dir);
  std::string data_dir;
  std::string archive_root;
  std::string store_path;
};

struct IngestOptions {
  std::string data_dir = "var";
  std::string
      method_path;  // quantitation method JSON (data-schemas/quantitation-method.schema.json)
  BatchFormat format = BatchFormat::kAuto;
  bool dry_run = false;  // parse, calibrate and judge; write nothing
  std::string uploader = "cli";
  std::optional<std::string> idempotency_key;
  std::string batch_id;  // when the file carries none (MassHunter): default the file name's stem
  DayIndex today = TodayUtc();

  bool Check(std::string* why = nullptr) const;
};

struct IngestResult {
  std::string source_name;
  std::string format;
  std::string sha256;
  std::string batch_id;
  int version = 0;                // 0 on a dry run
  bool already_ingested = false;  // the same bytes were archived before: nothing new written
  bool dry_run = false;
  bool store_updated = false;
  BatchQuantification quantification;
  std::vector<Measurement> measurements;  // what the store received (or would receive)
  std::vector<std::string> unmapped_analytes;
  std::vector<std::string> notes;  // warnings for the technician

  BatchVerdict verdict() const { return quantification.report.verdict; }
  bool accepted() const { return verdict() != BatchVerdict::kRejected; }
  nlohmann::json ToJson() const;
  // The QC table, then what happened on disk.
  std::string ToText() const;
};

// Ingests lab batches into a data directory: parse (any format), calibrate and QC with the
// method, archive the raw bytes and the method content-addressed and fsynced, append the
// manifest, then update the derived store (measurements of this batch id replaced by the new
// version when it is accepted). Bad input throws InputError before anything is written.
class BatchIngestor {
 public:
  explicit BatchIngestor(const DrugCatalogue& catalogue) : catalogue_(catalogue) {}

  IngestResult IngestFile(const std::string& path, const IngestOptions& options) const;

 private:
  const DrugCatalogue& catalogue_;
};

// The steps of an ingestion, for callers that hold the data directory themselves (`wbe serve`
// keeps the lock, the manifest and the store in memory for its lifetime).

// A batch parsed, calibrated and judged; nothing written yet. `result` has no version.
struct PreparedBatch {
  IngestResult result;
  std::string method_bytes;
  std::string method_file_name;
};

// Parses `bytes` (named `source_name` in messages), calibrates and judges them with the method.
// Throws InputError (file, row, column) on bad input.
PreparedBatch PrepareBatch(const DrugCatalogue& catalogue, std::string_view bytes,
                           const std::string& source_name, const std::string& method_bytes,
                           const std::string& method_file_name, BatchFormat format,
                           const std::string& batch_id_override, DayIndex today,
                           std::vector<std::string> known_sites);

// The manifest line for a prepared batch whose bytes and method are already in the archive.
ManifestEntry ManifestEntryFor(const PreparedBatch& prepared, const std::string& method_sha256,
                               uint64_t size_bytes, const std::string& uploader,
                               const std::optional<std::string>& idempotency_key);

// Replaces the measurements of every version of `batch_id` with `fresh`.
void ReplaceBatchMeasurements(StoreContents* contents, const std::string& batch_id,
                              const std::vector<Measurement>& fresh);

// Flows from an upload: format "flows_csv" (data-schemas/csv-formats.md) or "flows_json"
// ({"flows": [{"site_id", "date", "flow_m3_per_day", ...}]}).
std::vector<FlowRecord> ParseFlowsUpload(std::string_view bytes, const std::string& format,
                                         const std::string& source_name,
                                         const std::vector<std::string>& known_sites);

// Replaces the site-days of `fresh` in `flows` and adds the new ones.
void MergeFlows(std::vector<FlowRecord>* flows, const std::vector<FlowRecord>& fresh);

// A store attribute holding a manifest sequence number, or -1 when unset or malformed.
int64_t StoreSeqAttribute(const StoreContents& contents, const std::string& name);

// The manifest sequence number a store reflects (attribute manifest_seq), or -1 when unset.
int64_t StoreManifestSeq(const StoreContents& contents);
void SetStoreManifestSeq(StoreContents* contents, int64_t seq);

// Measurements a quantified batch contributes: reportable samples with a site, a day and a
// catalogue biomarker; batch_id "<batch>@v<version>".
std::vector<Measurement> MeasurementsFrom(const BatchQuantification& quantification,
                                          const DrugCatalogue& catalogue,
                                          const std::string& batch_version_id);

// "<batch_id>@v<version>": how measurements name the batch version they came from.
std::string BatchVersionId(const std::string& batch_id, int version);

// A city file (JSON, data-schemas/city.schema.json) or a flows file (CSV,
// data-schemas/csv-formats.md) uploaded into the data directory: archived like a batch, then
// applied to the store (the city replaces the old one; flows replace the same site-days).
struct InputUploadResult {
  std::string sha256;
  bool already_ingested = false;
  size_t records = 0;  // districts + sites, or flow rows
};
// The catalogue is needed only when the store must be rebuilt (it lagged the manifest).
InputUploadResult IngestCityFile(const std::string& path, const std::string& data_dir,
                                 const std::string& uploader, const DrugCatalogue& catalogue);
InputUploadResult IngestFlowsFile(const std::string& path, const std::string& data_dir,
                                  const std::string& uploader, const DrugCatalogue& catalogue);

struct StoreRebuildSummary {
  size_t batches = 0;  // current versions re-quantified
  size_t measurements = 0;
  bool city = false;
  size_t flows = 0;
  std::vector<std::string> problems;  // archive objects that could not be read or parsed
  std::string BriefReport() const;
};

// Rebuilds DIR/wbe-store.h5 from the archive alone: the current version of every upload (the
// city, every flows file, every lab batch re-parsed and re-quantified with its archived method).
// The store records the manifest sequence number it reflects (attribute manifest_seq); writers
// rebuild on their own when they find the store behind the manifest.
// Simulated truth, which is not an upload, is carried over from the old store when readable.
StoreRebuildSummary RebuildStore(const std::string& data_dir, const DrugCatalogue& catalogue);

// The same for a caller that already holds the DataDirLock and the loaded manifest.
StoreRebuildSummary RebuildStoreLocked(const DataDirLayout& layout, const Manifest& manifest,
                                       const DrugCatalogue& catalogue);

}  // namespace wbe
