#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "models/catalogue/drug_catalogue.h"
#include "pipeline/archive/batch_manifest.h"
#include "pipeline/archive/data_dir_lock.h"
#include "pipeline/jobs/ingest_job.h"
#include "pipeline/jobs/reestimate_job.h"
#include "pipeline/service/job_board.h"
#include "pipeline/service/method_registry.h"
#include "pipeline/service/store_snapshot.h"

namespace wbe {

struct DataServiceOptions {
  std::string data_dir = "var";
  // Monte Carlo draws of the background re-estimation (each site-day-drug).
  int estimate_draws = 2000;
  int estimate_threads = 1;  // leave the other cores to requests
  uint64_t estimate_seed = 20261129;
  // The store file is rewritten whole, so it is written at most this often while uploads
  // stream in (the manifest is the durable record; the file may lag, never lead).
  int store_write_interval_ms = 1000;

  bool Check(std::string* why = nullptr) const;
};

// A lab batch as the service receives it: the body already spooled to a file.
struct BatchUploadRequest {
  std::string body_path;
  std::string source_name;  // the file name the lab gave it
  std::string method_bytes;
  std::string method_file_name;
  BatchFormat format = BatchFormat::kAuto;
  std::string batch_id;  // when the file carries none
  std::string uploader;
  std::optional<std::string> idempotency_key;
  // Labs own their batches: a batch id with versions from another uploader is refused, and so
  // are bytes another uploader sent (the reply would show that lab's QC report).
  bool restrict_to_own_batches = false;
};

struct UploadOutcome {
  bool created = false;  // false: the same bytes were archived before; nothing was written
  ManifestEntry entry;   // the manifest line (new or existing)
  std::optional<std::string> job_id;  // the background re-estimation it started
  IngestResult result;  // lab batches: the QC judgement (recomputed for an existing upload)
  size_t records = 0;   // flows: rows; city: districts + sites
};

// The upload touches another uploader's batch (BatchUploadRequest::restrict_to_own_batches).
class OwnershipConflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The Idempotency-Key was used before for different bytes.
class IdempotencyConflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ReadyState {
  bool ready = false;
  int64_t manifest_seq = 0;       // uploads acknowledged
  int64_t store_seq_on_disk = 0;  // what the HDF5 file on disk reflects (may lag; never leads)
  size_t pending_jobs = 0;
  std::string reason;  // why not ready
};

// The data directory of a running server: the only writer (it holds the DataDirLock for its
// lifetime), with the manifest and the derived store in memory.
//
// Writes (uploads) are serialised: parse and QC happen outside the write lock; the archive
// objects and the manifest line are fsynced before the call returns, so a returned outcome is
// an acknowledgement that survives a crash. The store in memory is an immutable snapshot
// replaced as a whole, so readers always see one consistent state. A background worker
// re-estimates the site-days an upload touched and writes the store file (whole, atomically);
// the file may lag the manifest, never lead it, and Open catches it up (rebuilding it from the
// archive when it is behind or damaged, then re-estimating).
class DataService {
 public:
  using Log = std::function<void(const std::string&)>;

  // Takes the lock (std::runtime_error when another process writes DIR), loads and checks.
  static std::unique_ptr<DataService> Open(const DataServiceOptions& options,
                                           const DrugCatalogue& catalogue, Log log = {});
  ~DataService();
  DataService(const DataService&) = delete;
  DataService& operator=(const DataService&) = delete;

  // Stops the worker after the job it is running (queued jobs are redone at the next start),
  // writes the store if it lags the memory, releases the lock. Idempotent.
  void Shutdown();

  const std::string& data_dir() const { return options_.data_dir; }
  const DrugCatalogue& catalogue() const { return catalogue_; }
  // The current state, shared by parts: what request handlers read (cheap to take).
  std::shared_ptr<const StoreSnapshot> View() const;
  // The same as one StoreContents (flattened on first use after each change; for the store
  // file and for tests).
  std::shared_ptr<const StoreContents> Snapshot() const;
  // Every manifest line, in seq order (an immutable copy, replaced after each append).
  std::shared_ptr<const std::vector<ManifestEntry>> Entries() const;
  std::optional<ManifestEntry> FindBySha256(const std::string& sha256) const;

  // A lab batch: InputError (422) for bad input, IdempotencyConflict (409).
  UploadOutcome UploadBatch(const BatchUploadRequest& request);
  // Flows ("flows_csv" or "flows_json"), spooled in `body_path`.
  UploadOutcome UploadFlows(const std::string& body_path, const std::string& source_name,
                            const std::string& format, const std::string& uploader,
                            const std::optional<std::string>& idempotency_key);
  // A new city (validated by the caller's City::Validate; validated again here).
  UploadOutcome ReplaceCity(const City& city, const std::string& uploader);

  // An archived object's bytes (ArchiveObjectError when missing or corrupt).
  std::string ArchivedBytes(const std::string& sha256) const;
  // The QC judgement of an archived batch version, recomputed from its bytes and method.
  IngestResult Requantify(const ManifestEntry& entry) const;

  JobBoard& jobs() { return jobs_; }
  const JobBoard& jobs() const { return jobs_; }
  MethodRegistry& methods() { return methods_; }
  ReadyState Ready() const;

  // Blocks until a snapshot newer than revision `seen` is published, the service stops, or
  // `timeout` passes; returns the current revision and whether a job is queued or running,
  // or nothing once the service is stopping. For work that follows the data, like the server
  // warming the weekly report.
  std::optional<uint64_t> WaitForSnapshotAfter(uint64_t seen, std::chrono::milliseconds timeout,
                                               bool* busy);

  // Blocks until no job is queued or running and the store file reflects the memory.
  // For tests and for graceful shutdown; never needed for correctness.
  void WaitUntilIdle();

 private:
  struct PendingJob {
    std::string id;
    std::optional<SiteDaySet> site_days;  // none: every site-day
  };

  DataService(const DataServiceOptions& options, const DrugCatalogue& catalogue, Log log,
              DataDirLock lock, Manifest manifest);
  // Replaces the snapshot and the manifest copy; the caller holds write_mutex_.
  // Replaces the snapshot and the manifest copy and queues `job` with it, atomically, so the
  // worker never sees an upload without its job. The caller holds write_mutex_.
  void Publish(std::shared_ptr<StoreSnapshot> next, std::optional<PendingJob> job = std::nullopt);
  PendingJob NewJob(const std::string& cause, std::optional<SiteDaySet> site_days,
                    size_t site_day_count);
  void WorkerLoop();
  // Runs queued jobs as one; `through_seq` is the manifest line the estimates then reflect.
  void RunJobs(std::vector<PendingJob> jobs, int64_t through_seq);
  // After site-days were re-estimated (all when null): the network inversion over them and
  // two weeks either side, published as a new snapshot.
  void EstimateDistrictsAfter(const SiteDaySet* site_days, int64_t through_seq);
  void PersistIfBehind();
  std::vector<std::string> KnownSites() const;
  UploadOutcome ExistingUpload(const ManifestEntry& entry) const;

  DataServiceOptions options_;
  const DrugCatalogue& catalogue_;
  Log log_;
  DataDirLayout layout_;
  DataDirLock lock_;
  MethodRegistry methods_;
  JobBoard jobs_;

  std::mutex write_mutex_;  // serialises archive + manifest + snapshot changes
  Manifest manifest_;       // guarded by write_mutex_ (and state_mutex_ for readers)

  mutable std::mutex state_mutex_;  // guards everything below
  std::condition_variable state_changed_;
  mutable std::mutex flat_mutex_;  // guards the flattened copy below
  mutable std::shared_ptr<const StoreContents> flat_;
  mutable uint64_t flat_revision_ = ~0ull;
  std::shared_ptr<const StoreSnapshot> view_;
  std::shared_ptr<const std::vector<ManifestEntry>> entries_;
  uint64_t revision_ = 0;            // bumped by every Publish
  uint64_t persisted_revision_ = 0;  // what the store file holds
  int64_t store_seq_on_disk_ = 0;
  std::vector<PendingJob> queue_;
  std::string archive_problem_;  // objects the manifest names are missing
  std::string store_error_;      // the last store write failed
  bool running_jobs_ = false;
  int flush_waiters_ = 0;  // WaitUntilIdle callers: write the store now, not at the interval
  std::chrono::steady_clock::time_point last_store_write_;
  bool busy_ = false;  // the worker is running jobs or writing the store
  bool stopping_ = false;
  bool shut_down_ = false;
  std::thread worker_;
};

}  // namespace wbe
