#include "pipeline/service/data_service.h"

#include "pipeline/jobs/estimate_job.h"

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <set>
#include <utility>

#include "models/city/city_io.h"
#include "models/core/input_error.h"
#include "models/core/text_files.h"
#include "pipeline/archive/raw_archive.h"
#include "pipeline/ingest/batch_parser.h"

namespace wbe {
namespace fs = std::filesystem;
namespace {

int64_t LastSeq(const Manifest& manifest) {
  return manifest.Entries().empty() ? 0 : manifest.Entries().back().seq;
}

bool InSet(const SiteDaySet& set, const std::string& site_id, DayIndex day) {
  return set.count({site_id, day}) > 0;
}

}  // namespace

bool DataServiceOptions::Check(std::string* why) const {
  const auto fail = [&](const std::string& message) {
    if (why != nullptr) *why = message;
    return false;
  };
  if (data_dir.empty()) return fail("a data directory is needed");
  if (estimate_draws < 0) return fail("estimate_draws must not be negative");
  if (estimate_threads < 1) return fail("estimate_threads must be at least 1");
  if (store_write_interval_ms < 0) return fail("store_write_interval_ms must not be negative");
  return true;
}

std::unique_ptr<DataService> DataService::Open(const DataServiceOptions& options,
                                               const DrugCatalogue& catalogue, Log log) {
  std::string why;
  if (!options.Check(&why)) throw std::invalid_argument(why);
  const DataDirLayout layout(options.data_dir);
  DataDirLock lock = DataDirLock::Acquire(layout.data_dir);
  Manifest manifest = Manifest::Load(layout.archive_root);
  manifest.MakeDurable();  // lines a killed writer left unsynced are acknowledged from now on
  return std::unique_ptr<DataService>(
      new DataService(options, catalogue, std::move(log), std::move(lock), std::move(manifest)));
}

DataService::DataService(const DataServiceOptions& options, const DrugCatalogue& catalogue, Log log,
                         DataDirLock lock, Manifest manifest)
    : options_(options),
      catalogue_(catalogue),
      log_(std::move(log)),
      layout_(options.data_dir),
      lock_(std::move(lock)),
      methods_(options.data_dir, catalogue),
      manifest_(std::move(manifest)) {
  const auto say = [&](const std::string& line) {
    if (log_) log_(line);
  };
  const RawArchive archive(layout_.archive_root);
  const ArchiveReport report = CheckArchive(archive, manifest_, /*verify_contents=*/false);
  if (!report.unreferenced_objects.empty()) {
    say(std::to_string(report.unreferenced_objects.size()) +
        " archived objects have no manifest line (uploads interrupted before they were "
        "acknowledged); kept");
  }
  if (!report.debris.empty()) {
    say(std::to_string(report.debris.size()) + " temp files left by a crash under " +
        layout_.archive_root + "/raw; kept for inspection");
  }
  if (report.damaged()) {
    say("the archive is damaged: " + std::to_string(report.missing_objects.size()) +
        " objects named by the manifest are missing; restore them from a backup");
  }

  const int64_t last = LastSeq(manifest_);
  StoreContents contents;
  bool current = false;
  if (fs::exists(layout_.store_path)) {
    try {
      contents = Hdf5Store::Read(layout_.store_path);
      current = StoreManifestSeq(contents) == last;
      if (!current) {
        say("the store reflects upload " + std::to_string(StoreManifestSeq(contents)) + " of " +
            std::to_string(last) + "; rebuilding it from the archive");
      }
    } catch (const std::exception& e) {
      say(std::string("the store cannot be read (") + e.what() +
          "); rebuilding it from the archive");
    }
  } else if (last == 0) {
    current = true;
    SetStoreManifestSeq(&contents, 0);
  } else {
    say("no store yet; building it from the archive");
  }
  if (!current) {
    const StoreRebuildSummary summary = RebuildStoreLocked(layout_, manifest_, catalogue_);
    say(summary.BriefReport());
    for (const std::string& problem : summary.problems) say("  " + problem);
    contents = Hdf5Store::Read(layout_.store_path);
  }
  store_seq_on_disk_ = fs::exists(layout_.store_path) ? StoreManifestSeq(contents) : 0;
  // A store from before the network inversion has site estimates but no district ones.
  const auto district_seq = contents.attributes.find("estimated_district_seq");
  const bool districts_behind = district_seq == contents.attributes.end() ||
                                district_seq->second != std::to_string(StoreEstimatedSeq(contents));
  const bool estimates_behind = StoreEstimatedSeq(contents) < last || districts_behind;
  const size_t measured_site_days = SiteDaysOf(contents.measurements).size();
  const bool has_measurements = !contents.measurements.empty();
  view_ = StoreSnapshot::FromContents(std::move(contents));
  entries_ = std::make_shared<const std::vector<ManifestEntry>>(manifest_.Entries());
  if (report.damaged()) {
    archive_problem_ = std::to_string(report.missing_objects.size()) +
                       " archived uploads are missing from the archive";
  }
  worker_ = std::thread([this] { WorkerLoop(); });
  if (estimates_behind && has_measurements) {
    say("estimates lag the uploads; re-estimating every site-day in the background");
    PendingJob job = NewJob("start-up: estimates behind upload " + std::to_string(last),
                            std::nullopt, measured_site_days);
    {
      std::lock_guard<std::mutex> lock(state_mutex_);
      queue_.push_back(std::move(job));
    }
    state_changed_.notify_all();
  }
}

DataService::~DataService() { Shutdown(); }

void DataService::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    if (shut_down_) return;
    stopping_ = true;
  }
  state_changed_.notify_all();
  if (worker_.joinable()) worker_.join();
  PersistIfBehind();
  std::lock_guard<std::mutex> lock(state_mutex_);
  shut_down_ = true;
  lock_.Release();
}

std::shared_ptr<const StoreSnapshot> DataService::View() const {
  std::lock_guard<std::mutex> lock(state_mutex_);
  return view_;
}

std::shared_ptr<const StoreContents> DataService::Snapshot() const {
  std::shared_ptr<const StoreSnapshot> view;
  uint64_t revision = 0;
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    view = view_;
    revision = revision_;
  }
  std::lock_guard<std::mutex> lock(flat_mutex_);
  if (!flat_ || flat_revision_ != revision) {
    flat_ = std::make_shared<const StoreContents>(view->ToContents());
    flat_revision_ = revision;
  }
  return flat_;
}

std::shared_ptr<const std::vector<ManifestEntry>> DataService::Entries() const {
  std::lock_guard<std::mutex> lock(state_mutex_);
  return entries_;
}

std::optional<ManifestEntry> DataService::FindBySha256(const std::string& sha256) const {
  for (const ManifestEntry& entry : *Entries()) {
    if (entry.sha256 == sha256) return entry;
  }
  return std::nullopt;
}

std::vector<std::string> DataService::KnownSites() const {
  std::vector<std::string> sites;
  for (const SamplingSite& site : View()->city->sites) sites.push_back(site.id);
  return sites;
}

void DataService::Publish(std::shared_ptr<StoreSnapshot> next, std::optional<PendingJob> job) {
  // The manifest only grows: copy it only when this change appended to it.
  std::shared_ptr<const std::vector<ManifestEntry>> entries = Entries();
  if (entries->size() != manifest_.Entries().size()) {
    entries = std::make_shared<const std::vector<ManifestEntry>>(manifest_.Entries());
  }
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    // An upload that needs no estimates (a rejected batch, flows on unmeasured days) keeps the
    // estimates current when they were, so the next start has nothing to redo.
    if (!job && queue_.empty() && !running_jobs_ && view_->EstimatedSeq() >= view_->ManifestSeq() &&
        next->EstimatedSeq() < next->ManifestSeq()) {
      next->SetEstimatedSeq(next->ManifestSeq());
    }
    view_ = std::move(next);
    entries_ = std::move(entries);
    ++revision_;
    if (job) {
      if (stopping_) {
        jobs_.MarkFinished(job->id, false, 0, "the server is stopping; the next start re-runs it");
      } else {
        queue_.push_back(std::move(*job));
      }
    }
  }
  state_changed_.notify_all();
}

DataService::PendingJob DataService::NewJob(const std::string& cause,
                                            std::optional<SiteDaySet> site_days,
                                            size_t site_day_count) {
  PendingJob job;
  job.id = jobs_.Add(cause, site_days ? site_days->size() : site_day_count);
  job.site_days = std::move(site_days);
  return job;
}

namespace {

void CheckIdempotencyKey(const Manifest& manifest, const std::optional<std::string>& key,
                         const std::string& sha256) {
  if (!key) return;
  const auto used = manifest.FindByIdempotencyKey(*key);
  if (used && used->sha256 != sha256) {
    throw IdempotencyConflict("the Idempotency-Key was used on " + used->uploaded_utc +
                              " for a different file (" + used->source_name +
                              "); use a new key for new content");
  }
}

void CheckOwnership(const Manifest& manifest, const BatchUploadRequest& request,
                    const std::string& sha256, const std::string& batch_id) {
  if (!request.restrict_to_own_batches) return;
  for (const ManifestEntry& entry : manifest.Entries()) {
    if (entry.uploader == request.uploader) continue;
    if (entry.sha256 == sha256) {
      throw OwnershipConflict(
          "this file was uploaded before by another lab; ask them or an "
          "admin for its results");
    }
    if (!batch_id.empty() && entry.kind == UploadKind::kLabBatch && entry.batch_id == batch_id) {
      throw OwnershipConflict("batch '" + batch_id +
                              "' belongs to another lab; only its own lab (or an admin) can "
                              "upload new versions of it");
    }
  }
}

}  // namespace

UploadOutcome DataService::ExistingUpload(const ManifestEntry& entry) const {
  UploadOutcome outcome;
  outcome.created = false;
  outcome.entry = entry;
  if (entry.kind == UploadKind::kLabBatch) {
    outcome.result = Requantify(entry);
    outcome.result.already_ingested = true;
  }
  return outcome;
}

IngestResult DataService::Requantify(const ManifestEntry& entry) const {
  if (entry.kind != UploadKind::kLabBatch || !entry.method) {
    throw std::logic_error("Requantify needs a lab batch with a method");
  }
  const RawArchive archive(layout_.archive_root);
  PreparedBatch prepared = PrepareBatch(
      catalogue_, archive.Get(entry.sha256), entry.source_name, archive.Get(entry.method->sha256),
      entry.method->file_name, ParseBatchFormat(entry.format), entry.batch_id, TodayUtc(), {});
  IngestResult& result = prepared.result;
  result.batch_id = entry.batch_id;
  result.version = entry.version;
  result.measurements = MeasurementsFrom(result.quantification, catalogue_,
                                         BatchVersionId(entry.batch_id, entry.version));
  result.store_updated = entry.verdict != Verdict::kRejected;
  return std::move(prepared.result);
}

UploadOutcome DataService::UploadBatch(const BatchUploadRequest& request) {
  const std::string sha256 = Sha256HexOfFile(request.body_path);
  {
    std::lock_guard<std::mutex> write(write_mutex_);
    CheckOwnership(manifest_, request, sha256, "");
    if (const auto existing = manifest_.FindBySha256(sha256)) return ExistingUpload(*existing);
    CheckIdempotencyKey(manifest_, request.idempotency_key, sha256);
  }
  // Parsing and QC, the slow part, run outside the write lock.
  const std::string bytes = ReadWholeFile(request.body_path, "upload");
  PreparedBatch prepared = PrepareBatch(catalogue_, bytes, request.source_name,
                                        request.method_bytes, request.method_file_name,
                                        request.format, request.batch_id, TodayUtc(), KnownSites());
  if (prepared.result.sha256 != sha256) {
    throw std::runtime_error("the spooled upload changed while it was being read");
  }

  std::unique_lock<std::mutex> write(write_mutex_);
  CheckOwnership(manifest_, request, sha256, prepared.result.batch_id);
  if (const auto existing = manifest_.FindBySha256(sha256)) {
    write.unlock();  // a concurrent upload of the same bytes won the race
    return ExistingUpload(*existing);
  }
  CheckIdempotencyKey(manifest_, request.idempotency_key, sha256);
  RawArchive archive(layout_.archive_root);
  const StoredObject method_object = archive.Put(prepared.method_bytes);
  const StoredObject batch_object = archive.Put(bytes);
  const ManifestAppend appended =
      manifest_.Append(ManifestEntryFor(prepared, method_object.sha256, batch_object.size_bytes,
                                        request.uploader, request.idempotency_key));

  UploadOutcome outcome;
  outcome.created = true;
  outcome.entry = appended.entry;
  outcome.result = std::move(prepared.result);
  IngestResult& result = outcome.result;
  result.version = appended.entry.version;
  result.measurements = MeasurementsFrom(result.quantification, catalogue_,
                                         BatchVersionId(result.batch_id, result.version));
  const std::shared_ptr<const StoreSnapshot> current = View();
  auto next = std::make_shared<StoreSnapshot>(*current);  // shares every part it does not change
  SiteDaySet touched;
  if (result.accepted()) {
    const auto previous = current->measurements_by_batch.find(result.batch_id);
    if (previous != current->measurements_by_batch.end()) touched = SiteDaysOf(*previous->second);
    next->measurements_by_batch[result.batch_id] =
        std::make_shared<const std::vector<Measurement>>(result.measurements);
    const SiteDaySet fresh = SiteDaysOf(result.measurements);
    touched.insert(fresh.begin(), fresh.end());
    result.store_updated = true;
  }
  next->SetManifestSeq(appended.entry.seq);
  next->attributes["updated_utc"] = UtcNowIso8601();
  std::optional<PendingJob> job;
  if (!touched.empty()) {
    job = NewJob("batch " + BatchVersionId(result.batch_id, result.version), std::move(touched), 0);
    outcome.job_id = job->id;
  }
  Publish(std::move(next), std::move(job));
  return outcome;
}

UploadOutcome DataService::UploadFlows(const std::string& body_path, const std::string& source_name,
                                       const std::string& format, const std::string& uploader,
                                       const std::optional<std::string>& idempotency_key) {
  const std::string sha256 = Sha256HexOfFile(body_path);
  {
    std::lock_guard<std::mutex> write(write_mutex_);
    if (const auto existing = manifest_.FindBySha256(sha256)) return ExistingUpload(*existing);
    CheckIdempotencyKey(manifest_, idempotency_key, sha256);
  }
  const std::string bytes = ReadWholeFile(body_path, "upload");
  const std::vector<FlowRecord> flows = ParseFlowsUpload(bytes, format, source_name, KnownSites());

  std::unique_lock<std::mutex> write(write_mutex_);
  if (const auto existing = manifest_.FindBySha256(sha256)) {
    write.unlock();
    return ExistingUpload(*existing);
  }
  CheckIdempotencyKey(manifest_, idempotency_key, sha256);
  RawArchive archive(layout_.archive_root);
  const StoredObject object = archive.Put(bytes);
  ManifestEntry entry;
  entry.sha256 = object.sha256;
  entry.size_bytes = object.size_bytes;
  entry.source_name = source_name;
  entry.kind = UploadKind::kFlows;
  entry.format = format;
  entry.uploader = uploader;
  entry.batch_id = "flows:" + source_name;  // a corrected file of the same name supersedes it
  entry.verdict = Verdict::kAccepted;
  entry.idempotency_key = idempotency_key;
  const ManifestAppend appended = manifest_.Append(entry);

  const std::shared_ptr<const StoreSnapshot> current = View();
  auto next = std::make_shared<StoreSnapshot>(*current);
  auto merged = std::make_shared<std::vector<FlowRecord>>(*current->flows);
  MergeFlows(merged.get(), flows);
  next->flows = std::move(merged);
  next->SetManifestSeq(appended.entry.seq);
  next->attributes["updated_utc"] = UtcNowIso8601();
  SiteDaySet touched;
  const SiteDaySet measured = current->MeasuredSiteDays();
  for (const FlowRecord& flow : flows) {
    if (InSet(measured, flow.site_id, flow.day)) touched.insert({flow.site_id, flow.day});
  }
  UploadOutcome outcome;
  outcome.created = true;
  outcome.entry = appended.entry;
  outcome.records = flows.size();
  std::optional<PendingJob> job;
  if (!touched.empty()) {
    job = NewJob("flows " + source_name, std::move(touched), 0);
    outcome.job_id = job->id;
  }
  Publish(std::move(next), std::move(job));
  return outcome;
}

UploadOutcome DataService::ReplaceCity(const City& city, const std::string& uploader) {
  city.Validate();
  std::lock_guard<std::mutex> write(write_mutex_);
  UploadOutcome outcome;
  outcome.records = city.districts.size() + city.sites.size();
  const std::shared_ptr<const StoreSnapshot> current = View();
  if (CityToJson(*current->city) == CityToJson(city)) {
    for (const ManifestEntry& entry : manifest_.Entries()) {
      if (entry.kind == UploadKind::kCity) outcome.entry = entry;  // the newest city line
    }
    return outcome;
  }
  // Stamped, so that returning to an older city is a new version rather than a duplicate; the
  // upload number makes the stamp unique within a second too.
  nlohmann::json document = CityToJson(city);
  const std::string when = UtcNowIso8601();
  document["description"] = "set through the API by " + uploader + " at " + when + " (upload " +
                            std::to_string(LastSeq(manifest_) + 1) + ")";
  const std::string bytes = document.dump(2) + "\n";
  RawArchive archive(layout_.archive_root);
  const StoredObject object = archive.Put(bytes);
  ManifestEntry entry;
  entry.sha256 = object.sha256;
  entry.size_bytes = object.size_bytes;
  entry.source_name = "city-" + when + ".json";
  entry.kind = UploadKind::kCity;
  entry.format = "city_json";
  entry.uploader = uploader;
  entry.uploaded_utc = when;
  entry.batch_id = "city";
  entry.verdict = Verdict::kAccepted;
  const ManifestAppend appended = manifest_.Append(entry);
  auto next = std::make_shared<StoreSnapshot>(*current);
  next->city = std::make_shared<const City>(city);
  next->SetManifestSeq(appended.entry.seq);
  next->attributes["updated_utc"] = when;
  outcome.created = appended.appended;
  outcome.entry = appended.entry;
  std::optional<PendingJob> job;
  if (next->HasMeasurements()) {
    // Populations and travel times changed: every estimate may change.
    job = NewJob("city " + entry.source_name, std::nullopt, next->MeasuredSiteDays().size());
    outcome.job_id = job->id;
  }
  Publish(std::move(next), std::move(job));
  return outcome;
}

std::string DataService::ArchivedBytes(const std::string& sha256) const {
  return RawArchive(layout_.archive_root).Get(sha256);
}

ReadyState DataService::Ready() const {
  ReadyState state;
  const auto entries = Entries();
  state.manifest_seq = entries->empty() ? 0 : entries->back().seq;
  state.pending_jobs = jobs_.Pending();
  std::lock_guard<std::mutex> lock(state_mutex_);
  state.store_seq_on_disk = store_seq_on_disk_;
  if (shut_down_ || stopping_) {
    state.reason = "the server is stopping";
  } else if (!archive_problem_.empty()) {
    state.reason = archive_problem_;
  } else if (!store_error_.empty()) {
    state.reason = "the store file cannot be written: " + store_error_;
  }
  state.ready = state.reason.empty();
  return state;
}

std::optional<uint64_t> DataService::WaitForSnapshotAfter(uint64_t seen,
                                                          std::chrono::milliseconds timeout,
                                                          bool* busy) {
  std::unique_lock<std::mutex> lock(state_mutex_);
  state_changed_.wait_for(lock, timeout,
                          [&] { return revision_ != seen || stopping_ || shut_down_; });
  if (stopping_ || shut_down_) return std::nullopt;
  *busy = !queue_.empty() || busy_;
  return revision_;
}

void DataService::WaitUntilIdle() {
  std::unique_lock<std::mutex> lock(state_mutex_);
  ++flush_waiters_;
  state_changed_.notify_all();
  state_changed_.wait(lock, [&] {
    return shut_down_ || (queue_.empty() && !busy_ && persisted_revision_ >= revision_);
  });
  --flush_waiters_;
}

void DataService::WorkerLoop() {
  const auto interval = std::chrono::milliseconds(options_.store_write_interval_ms);
  for (;;) {
    std::vector<PendingJob> jobs;
    int64_t through_seq = 0;
    bool write_store = false;
    {
      std::unique_lock<std::mutex> lock(state_mutex_);
      for (;;) {
        if (stopping_) break;
        const bool store_behind = persisted_revision_ < revision_;
        const auto due = last_store_write_ + interval;
        write_store =
            store_behind && (flush_waiters_ > 0 || std::chrono::steady_clock::now() >= due);
        if (write_store || !queue_.empty()) break;
        if (store_behind) {
          state_changed_.wait_until(lock, due);
        } else {
          state_changed_.wait(lock);
        }
      }
      if (stopping_) {
        for (const PendingJob& job : queue_) {
          jobs_.MarkFinished(job.id, false, 0,
                             "the server stopped first; the next start re-runs it");
        }
        queue_.clear();
        break;
      }
      if (!write_store) {
        jobs.swap(queue_);
        // Every upload up to the newest line queued its job with its snapshot (Publish).
        through_seq = view_->ManifestSeq();
        running_jobs_ = true;
      }
      busy_ = true;
    }
    if (write_store) {
      PersistIfBehind();
    } else {
      RunJobs(std::move(jobs), through_seq);
    }
    {
      std::lock_guard<std::mutex> lock(state_mutex_);
      if (write_store) last_store_write_ = std::chrono::steady_clock::now();
      running_jobs_ = false;
      busy_ = false;
    }
    state_changed_.notify_all();
  }
  state_changed_.notify_all();
}

void DataService::RunJobs(std::vector<PendingJob> jobs, int64_t through_seq) {
  // Pending jobs run as one: the union of their site-days, estimated once.
  bool all = false;
  SiteDaySet site_days;
  for (const PendingJob& job : jobs) {
    jobs_.MarkRunning(job.id);
    if (!job.site_days) {
      all = true;
    } else {
      site_days.insert(job.site_days->begin(), job.site_days->end());
    }
  }
  SiteDayBackCalculationOptions options;
  options.uncertainty.draws = options_.estimate_draws;
  options.uncertainty.seed = options_.estimate_seed;
  options.threads = options_.estimate_threads;
  ReestimateSummary summary;
  std::vector<SiteDayEstimate> fresh;
  try {
    const std::shared_ptr<const StoreSnapshot> base = View();
    if (all) site_days = base->MeasuredSiteDays();
    // In slices, so that a stopping server waits for one slice, not for the whole backlog.
    constexpr size_t kSliceSiteDays = 16;
    auto next_site_day = site_days.begin();
    while (next_site_day != site_days.end()) {
      {
        std::lock_guard<std::mutex> lock(state_mutex_);
        if (stopping_) {
          for (const PendingJob& job : jobs) {
            jobs_.MarkFinished(job.id, false, 0,
                               "the server stopped first; the next start re-runs it");
          }
          return;
        }
      }
      // A long backlog must not keep the store file from following the uploads.
      bool write_store = false;
      {
        std::lock_guard<std::mutex> lock(state_mutex_);
        write_store =
            persisted_revision_ < revision_ &&
            (flush_waiters_ > 0 ||
             std::chrono::steady_clock::now() >=
                 last_store_write_ + std::chrono::milliseconds(options_.store_write_interval_ms));
      }
      if (write_store) {
        PersistIfBehind();
        std::lock_guard<std::mutex> lock(state_mutex_);
        last_store_write_ = std::chrono::steady_clock::now();
      }
      SiteDaySet slice;
      while (next_site_day != site_days.end() && slice.size() < kSliceSiteDays) {
        slice.insert(*next_site_day++);
      }
      ReestimateSummary part;
      std::vector<SiteDayEstimate> estimates =
          EstimateSiteDays(catalogue_, *base->city, *base->flows, base->MeasurementsOf(&slice),
                           &slice, options, &part);
      summary.estimates += part.estimates;
      summary.skipped += part.skipped;
      fresh.insert(fresh.end(), std::make_move_iterator(estimates.begin()),
                   std::make_move_iterator(estimates.end()));
    }
    summary.site_days = site_days.size();
  } catch (const std::exception& e) {
    for (const PendingJob& job : jobs) jobs_.MarkFinished(job.id, false, 0, e.what());
    if (log_) log_(std::string("re-estimation failed: ") + e.what());
    return;
  }
  {
    // Merge into the newest snapshot: uploads that arrived meanwhile queued their own jobs.
    std::lock_guard<std::mutex> write(write_mutex_);
    const std::shared_ptr<const StoreSnapshot> current = View();
    auto next = std::make_shared<StoreSnapshot>(*current);
    // Each site's estimates: the old ones outside the re-estimated site-days, then the new.
    std::map<std::string, std::vector<SiteDayEstimate>> by_site;
    std::set<std::string> touched_sites;
    for (const SiteDay& site_day : site_days) touched_sites.insert(site_day.first);
    for (const auto& [site, rows] : current->estimates_by_site) {
      if (!all && touched_sites.count(site) == 0) continue;
      std::vector<SiteDayEstimate>& kept = by_site[site];
      for (const SiteDayEstimate& e : *rows) {
        if (!all && !InSet(site_days, e.site_id, e.day)) kept.push_back(e);
      }
    }
    for (SiteDayEstimate& e : fresh) by_site[e.site_id].push_back(std::move(e));
    for (auto& [site, rows] : by_site) {
      next->estimates_by_site[site] =
          std::make_shared<const std::vector<SiteDayEstimate>>(std::move(rows));
    }
    next->SetEstimatedSeq(through_seq);
    next->attributes["estimate_draws"] = std::to_string(options_.estimate_draws);
    next->attributes["catalogue_version"] = catalogue_.version();
    Publish(std::move(next));
  }
  EstimateDistrictsAfter(all ? nullptr : &site_days, through_seq);
  const std::string message = summary.skipped == 0
                                  ? std::string()
                                  : std::to_string(summary.skipped) +
                                        " measurements could not be used (e.g. no flow that day)";
  for (const PendingJob& job : jobs) jobs_.MarkFinished(job.id, true, summary.estimates, message);
}

void DataService::EstimateDistrictsAfter(const SiteDaySet* site_days, int64_t through_seq) {
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    if (stopping_) return;  // the next start re-runs it (estimated_district_seq lags)
  }
  const std::shared_ptr<const StoreSnapshot> base = View();
  StoreContents inputs;
  inputs.city = *base->city;
  inputs.flows = *base->flows;
  inputs.measurements = base->MeasurementsOf(nullptr);
  if (inputs.measurements.empty()) return;
  if (base->districts) {
    inputs.district_estimates = base->districts->daily;
    inputs.district_week_estimates = base->districts->weekly;
    inputs.estimate_flags = base->districts->flags;
  }
  EstimateJobOptions options;
  options.estimator.draws = std::min(options_.estimate_draws, 2000);
  options.estimator.seed = options_.estimate_seed;
  options.threads = options_.estimate_threads;
  if (site_days != nullptr && !site_days->empty()) {
    // The changed days and two weeks either side: the random walk carries a change that far
    // at most noticeably; whole ISO weeks so weekly rows are redone together.
    DayIndex first = site_days->begin()->second;
    DayIndex last = first;
    for (const SiteDay& site_day : *site_days) {
      first = std::min(first, site_day.second);
      last = std::max(last, site_day.second);
    }
    first -= 14 + IsoWeekday(first - 14);
    last += 14 + (6 - IsoWeekday(last + 14));
    DayIndex data_first = inputs.measurements.front().day;
    DayIndex data_last = data_first;
    for (const Measurement& m : inputs.measurements) {
      data_first = std::min(data_first, m.day);
      data_last = std::max(data_last, m.day);
    }
    options.from = std::max(first, data_first);
    options.to = std::min(last, data_last);
  }
  try {
    EstimateDistricts(catalogue_, options, &inputs);
  } catch (const std::exception& e) {
    if (log_) log_(std::string("district estimation failed: ") + e.what());
    return;
  }
  std::lock_guard<std::mutex> write(write_mutex_);
  auto next = std::make_shared<StoreSnapshot>(*View());
  auto districts = std::make_shared<DistrictEstimateTables>();
  districts->daily = std::move(inputs.district_estimates);
  districts->weekly = std::move(inputs.district_week_estimates);
  districts->groups = std::move(inputs.district_groups);
  districts->flags = std::move(inputs.estimate_flags);
  next->districts = std::move(districts);
  next->attributes["estimate_options"] = inputs.attributes["estimate_options"];
  next->attributes["estimated_district_seq"] = std::to_string(through_seq);
  Publish(std::move(next));
}

void DataService::PersistIfBehind() {
  uint64_t revision = 0;
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    if (persisted_revision_ >= revision_) return;
    revision = revision_;
  }
  const std::shared_ptr<const StoreContents> snapshot = Snapshot();
  std::string error;
  try {
    Hdf5Store::Write(layout_.store_path, *snapshot);
  } catch (const std::exception& e) {
    error = e.what();
    if (log_)
      log_("cannot write the store (the archive is safe; the next start rebuilds): " + error);
  }
  std::lock_guard<std::mutex> lock(state_mutex_);
  persisted_revision_ = revision;  // on failure too: retried with the next change, not in a loop
  store_error_ = error;
  if (error.empty()) store_seq_on_disk_ = StoreManifestSeq(*snapshot);
}

}  // namespace wbe
