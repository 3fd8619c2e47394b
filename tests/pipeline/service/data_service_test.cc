#include "pipeline/service/data_service.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "models/city/city_io.h"
#include "models/core/data_paths.h"
#include "models/core/input_error.h"
#include "models/simulation/city_simulator.h"
#include "pipeline/archive/batch_manifest.h"
#include "pipeline/archive/raw_archive.h"
#include "pipeline/jobs/simulate_job.h"
#include "pipeline/store/hdf5_store.h"
#include "tests/pipeline/archive/archive_test_util.h"

namespace wbe {
namespace {

namespace fs = std::filesystem;
using testing_util::FileBytes;
using testing_util::ScratchDir;
using testing_util::WriteBytes;

// ---- Helpers -------------------------------------------------------------------------------

// Every field of the measurements in the store's canonical order, doubles bit-exact: equal
// strings mean equal measurements whatever order they were held in.
std::string Dump(const std::vector<Measurement>& measurements) {
  StoreContents sorted;
  sorted.measurements = measurements;
  NormaliseOrder(&sorted);
  std::string out;
  char buffer[128];
  for (const Measurement& m : sorted.measurements) {
    std::snprintf(buffer, sizeof(buffer), "|%d|%a|%d|%a|", static_cast<int>(m.day),
                  m.concentration_ng_per_l, m.censored ? 1 : 0, m.loq_ng_per_l);
    out += m.site_id + buffer + m.analyte + "|" + m.batch_id + "|" + m.qc_flags + "\n";
  }
  return out;
}

// The estimates of one site-day set (or all), each as a line, doubles bit-exact.
std::vector<std::string> DumpEstimates(const std::vector<SiteDayEstimate>& estimates,
                                       const SiteDaySet* only = nullptr, bool inside = true) {
  std::vector<std::string> lines;
  char buffer[64];
  for (const SiteDayEstimate& e : estimates) {
    if (only != nullptr && (only->count({e.site_id, e.day}) > 0) != inside) continue;
    std::string line = e.site_id + "|" + std::to_string(e.day) + "|" + e.drug + "|" + e.biomarker +
                       "|" + e.batch_ids + "|" + std::to_string(e.draws);
    for (const double value :
         {e.population, e.load_mg_per_day.point, e.load_mg_per_day.p05, e.load_mg_per_day.p95,
          e.consumption_mg_per_day_per_1000.median, e.users_per_1000.point}) {
      std::snprintf(buffer, sizeof(buffer), "|%a", value);
      line += buffer;
    }
    lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

SiteDaySet SiteDaysOfEstimates(const std::vector<SiteDayEstimate>& estimates) {
  SiteDaySet site_days;
  for (const SiteDayEstimate& e : estimates) site_days.insert({e.site_id, e.day});
  return site_days;
}

std::vector<Measurement> MeasurementsOfBatch(const StoreContents& contents,
                                             const std::string& batch_id) {
  std::vector<Measurement> out;
  for (const Measurement& m : contents.measurements) {
    if (m.batch_id.rfind(batch_id + "@v", 0) == 0) out.push_back(m);
  }
  return out;
}

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// Rewrites the `area` cell of rows of one injection type in a long-format batch CSV.
std::string ChangeCells(const std::string& csv, const std::string& type,
                        const std::function<std::string(const std::string&)>& change,
                        int max_rows = 1 << 30) {
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  std::string out = line + "\n";
  const auto split = [](const std::string& row) {
    std::vector<std::string> cells;
    std::string cell;
    std::stringstream s(row);
    while (std::getline(s, cell, ',')) cells.push_back(cell);
    if (!row.empty() && row.back() == ',') cells.push_back("");
    return cells;
  };
  const std::vector<std::string> header = split(line);
  const size_t area = std::find(header.begin(), header.end(), "area") - header.begin();
  const size_t type_column = std::find(header.begin(), header.end(), "type") - header.begin();
  int changed = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> cells = split(line);
    if (cells.size() > area && cells[type_column] == type && changed < max_rows &&
        !cells[area].empty() && cells[area] != "0") {
      cells[area] = change(cells[area]);
      ++changed;
    }
    std::string joined;
    for (size_t i = 0; i < cells.size(); ++i) joined += (i ? "," : "") + cells[i];
    out += joined + "\n";
  }
  return out;
}

// Log lines from the service (the worker thread may log too).
class LogSink {
 public:
  DataService::Log Log() {
    return [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mutex_);
      lines_.push_back(line);
    };
  }
  bool Contains(const std::string& text) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const std::string& line : lines_) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.clear();
  }
  std::string All() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string all;
    for (const std::string& line : lines_) all += line + "\n";
    return all;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

// ---- Fixture -------------------------------------------------------------------------------

// A small simulated city (14 days, two weekly lab batches) and, per test, a fresh data
// directory served by a DataService.
class DataServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    catalogue_ = new DrugCatalogue(DrugCatalogue::LoadDefault());
    SimulationOptions options;
    options.seed = 11;
    options.days = 14;
    sim_ = new SimulatedCity(SimulateCity(*catalogue_, options));
    inputs_ = new ScratchDir();
    WriteLabBatchesCsv(*sim_, inputs_->Str());
    WriteFlowsCsv(sim_->flows, inputs_->Sub("flows.csv"));
    method_ =
        new std::string(FileBytes(DataPath("data-schemas/examples/wbe-demo-lab.method.json")));
    flows_csv_ = new std::string(FileBytes(inputs_->Sub("flows.csv")));
    batches_ = new std::vector<std::string>();
    batch_ids_ = new std::vector<std::string>();
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(inputs_->path())) {
      if (entry.path().filename().string().rfind("LAB1-", 0) == 0) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      batches_->push_back(FileBytes(file.string()));
      batch_ids_->push_back(file.stem().string());
    }
  }
  static void TearDownTestSuite() {
    delete batch_ids_;
    delete batches_;
    delete flows_csv_;
    delete method_;
    delete inputs_;
    delete sim_;
    delete catalogue_;
  }

  void SetUp() override {
    ASSERT_GE(batches_->size(), 2u);
    options_.data_dir = data_.Str();
    options_.estimate_draws = 100;
  }

  std::unique_ptr<DataService> Open() {
    return DataService::Open(options_, *catalogue_, log_.Log());
  }

  std::string StorePath() const { return DataDirLayout(data_.Str()).store_path; }
  std::string ArchiveRoot() const { return DataDirLayout(data_.Str()).archive_root; }
  std::string ManifestBytes() const {
    const std::string path = Manifest::PathFor(ArchiveRoot());
    return fs::exists(path) ? FileBytes(path) : std::string();
  }
  std::vector<std::string> ArchiveObjects() const { return RawArchive(ArchiveRoot()).List(); }

  // Writes `bytes` to a new spool file and returns its path.
  std::string Spool(const std::string& bytes) {
    const std::string path = spool_.Sub("upload-" + std::to_string(spooled_++));
    WriteBytes(path, bytes);
    return path;
  }

  BatchUploadRequest Request(const std::string& bytes, const std::string& source_name,
                             std::optional<std::string> key = std::nullopt) {
    BatchUploadRequest request;
    request.body_path = Spool(bytes);
    request.source_name = source_name;
    request.method_bytes = *method_;
    request.method_file_name = "wbe-demo-lab.method.json";
    request.uploader = "technician-1";
    request.idempotency_key = std::move(key);
    return request;
  }

  UploadOutcome Upload(DataService* service, size_t batch,
                       std::optional<std::string> key = std::nullopt) {
    return service->UploadBatch(
        Request((*batches_)[batch], (*batch_ids_)[batch] + ".csv", std::move(key)));
  }

  // The city and the flows, as a new server's first uploads.
  void AddCityAndFlows(DataService* service) {
    const UploadOutcome city = service->ReplaceCity(sim_->city, "admin");
    ASSERT_TRUE(city.created);
    const UploadOutcome flows =
        service->UploadFlows(Spool(*flows_csv_), "flows.csv", "flows_csv", "admin", std::nullopt);
    ASSERT_TRUE(flows.created);
  }

  // Every measured site-day has estimates, and only those; they reflect the newest upload.
  void ExpectFullyEstimated(const DataService& service) {
    const auto snapshot = service.Snapshot();
    ASSERT_FALSE(snapshot->measurements.empty());
    EXPECT_EQ(SiteDaysOfEstimates(snapshot->site_estimates), SiteDaysOf(snapshot->measurements));
    const auto entries = service.Entries();
    ASSERT_FALSE(entries->empty());
    EXPECT_EQ(StoreEstimatedSeq(*snapshot), entries->back().seq);
    EXPECT_EQ(StoreManifestSeq(*snapshot), entries->back().seq);
  }

  // The store file on disk holds what the snapshot holds.
  void ExpectDiskMatchesSnapshot(const DataService& service) {
    const auto snapshot = service.Snapshot();
    const StoreContents disk = Hdf5Store::Read(StorePath());
    EXPECT_EQ(Dump(disk.measurements), Dump(snapshot->measurements));
    EXPECT_EQ(DumpEstimates(disk.site_estimates), DumpEstimates(snapshot->site_estimates));
    EXPECT_EQ(disk.flows.size(), snapshot->flows.size());
    EXPECT_EQ(CityToJson(disk.city), CityToJson(snapshot->city));
    EXPECT_EQ(StoreManifestSeq(disk), StoreManifestSeq(*snapshot));
    EXPECT_EQ(StoreEstimatedSeq(disk), StoreEstimatedSeq(*snapshot));
    const ReadyState ready = service.Ready();
    EXPECT_EQ(ready.store_seq_on_disk, ready.manifest_seq);
  }

  static DrugCatalogue* catalogue_;
  static SimulatedCity* sim_;
  static ScratchDir* inputs_;
  static std::string* method_;
  static std::string* flows_csv_;
  static std::vector<std::string>* batches_;    // LAB1-2026-W32.csv, LAB1-2026-W33.csv
  static std::vector<std::string>* batch_ids_;  // LAB1-2026-W32, LAB1-2026-W33

  ScratchDir data_;
  ScratchDir spool_;
  std::atomic<int> spooled_{0};
  DataServiceOptions options_;
  LogSink log_;
};

DrugCatalogue* DataServiceTest::catalogue_ = nullptr;
SimulatedCity* DataServiceTest::sim_ = nullptr;
ScratchDir* DataServiceTest::inputs_ = nullptr;
std::string* DataServiceTest::method_ = nullptr;
std::string* DataServiceTest::flows_csv_ = nullptr;
std::vector<std::string>* DataServiceTest::batches_ = nullptr;
std::vector<std::string>* DataServiceTest::batch_ids_ = nullptr;

// ---- Uploads -------------------------------------------------------------------------------

TEST_F(DataServiceTest, OpensAnEmptyDirectory) {
  const auto service = Open();
  EXPECT_TRUE(service->Snapshot()->measurements.empty());
  EXPECT_TRUE(service->Entries()->empty());
  const ReadyState ready = service->Ready();
  EXPECT_TRUE(ready.ready) << ready.reason;
  EXPECT_EQ(ready.manifest_seq, 0);
  EXPECT_EQ(ready.store_seq_on_disk, 0);
  EXPECT_EQ(ready.pending_jobs, 0u);
  service->WaitUntilIdle();  // nothing to do: returns
  service->Shutdown();
  EXPECT_FALSE(service->Ready().ready);
  EXPECT_NE(service->Ready().reason.find("stopping"), std::string::npos);
  service->Shutdown();  // idempotent
}

TEST_F(DataServiceTest, OptionsAreChecked) {
  options_.estimate_threads = 0;
  EXPECT_THROW(Open(), std::invalid_argument);
  options_.estimate_threads = 1;
  options_.estimate_draws = -1;
  EXPECT_THROW(Open(), std::invalid_argument);
  options_.estimate_draws = 100;
  options_.data_dir.clear();
  EXPECT_THROW(Open(), std::invalid_argument);
}

TEST_F(DataServiceTest, UploadsAreVisibleAtOnceAndEstimatedInTheBackground) {
  const auto service = Open();
  const UploadOutcome city = service->ReplaceCity(sim_->city, "admin");
  EXPECT_TRUE(city.created);
  EXPECT_EQ(city.entry.seq, 1);
  EXPECT_EQ(city.entry.kind, UploadKind::kCity);
  EXPECT_FALSE(city.job_id.has_value());  // nothing measured yet: nothing to estimate
  EXPECT_EQ(city.records, sim_->city.districts.size() + sim_->city.sites.size());
  EXPECT_EQ(CityToJson(service->Snapshot()->city), CityToJson(sim_->city));

  const UploadOutcome flows =
      service->UploadFlows(Spool(*flows_csv_), "flows.csv", "flows_csv", "admin", std::nullopt);
  EXPECT_TRUE(flows.created);
  EXPECT_EQ(flows.entry.seq, 2);
  EXPECT_EQ(flows.entry.kind, UploadKind::kFlows);
  EXPECT_EQ(flows.records, sim_->flows.size());
  EXPECT_FALSE(flows.job_id.has_value());
  EXPECT_EQ(service->Snapshot()->flows.size(), sim_->flows.size());

  const UploadOutcome first = Upload(service.get(), 0);
  EXPECT_TRUE(first.created);
  EXPECT_EQ(first.entry.seq, 3);
  EXPECT_EQ(first.entry.version, 1);
  EXPECT_EQ(first.entry.batch_id, (*batch_ids_)[0]);
  EXPECT_EQ(first.entry.uploader, "technician-1");
  EXPECT_TRUE(first.result.accepted()) << first.result.quantification.report.ToTable();
  EXPECT_TRUE(first.result.store_updated);
  ASSERT_FALSE(first.result.measurements.empty());
  ASSERT_TRUE(first.job_id.has_value());
  // The measurements are in the snapshot at once, before any estimation.
  EXPECT_EQ(Dump(service->Snapshot()->measurements), Dump(first.result.measurements));
  EXPECT_EQ(StoreManifestSeq(*service->Snapshot()), 3);
  EXPECT_EQ(service->Entries()->size(), 3u);
  ASSERT_TRUE(service->jobs().Find(*first.job_id).has_value());
  // Acknowledged means durable: the manifest line and the raw bytes are on disk.
  EXPECT_EQ(Manifest::Load(ArchiveRoot()).Entries().size(), 3u);
  EXPECT_EQ(service->ArchivedBytes(first.entry.sha256), (*batches_)[0]);

  service->WaitUntilIdle();
  {
    const auto snapshot = service->Snapshot();
    EXPECT_EQ(SiteDaysOfEstimates(snapshot->site_estimates), SiteDaysOf(first.result.measurements));
    EXPECT_EQ(StoreEstimatedSeq(*snapshot), 3);
    for (const SiteDayEstimate& e : snapshot->site_estimates) EXPECT_EQ(e.draws, 100);
    const auto job = service->jobs().Find(*first.job_id);
    ASSERT_TRUE(job.has_value());
    EXPECT_EQ(job->state, JobState::kDone) << job->message;
    EXPECT_EQ(job->site_days, SiteDaysOf(first.result.measurements).size());
    EXPECT_EQ(job->estimates, snapshot->site_estimates.size());
  }
  ExpectDiskMatchesSnapshot(*service);
  const std::vector<SiteDayEstimate> estimates_before = service->Snapshot()->site_estimates;

  // The second week: only its site-days are estimated; the others stay exactly as they were.
  const UploadOutcome second = Upload(service.get(), 1);
  ASSERT_TRUE(second.created);
  ASSERT_TRUE(second.job_id.has_value());
  EXPECT_EQ(second.entry.seq, 4);
  const SiteDaySet touched = SiteDaysOf(second.result.measurements);
  ASSERT_FALSE(touched.empty());
  service->WaitUntilIdle();
  const auto snapshot = service->Snapshot();
  std::vector<Measurement> both = first.result.measurements;
  both.insert(both.end(), second.result.measurements.begin(), second.result.measurements.end());
  EXPECT_EQ(Dump(snapshot->measurements), Dump(both));
  SiteDaySet untouched = SiteDaysOf(first.result.measurements);
  for (const SiteDay& site_day : touched) untouched.erase(site_day);
  ASSERT_FALSE(untouched.empty());
  EXPECT_EQ(DumpEstimates(snapshot->site_estimates, &untouched),
            DumpEstimates(estimates_before, &untouched));
  const SiteDaySet estimated = SiteDaysOfEstimates(snapshot->site_estimates);
  for (const SiteDay& site_day : touched) {
    EXPECT_EQ(estimated.count(site_day), 1u) << site_day.first << " " << site_day.second;
  }
  // The job estimated the touched site-days and no others.
  const auto job = service->jobs().Find(*second.job_id);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->state, JobState::kDone) << job->message;
  EXPECT_EQ(job->site_days, touched.size());
  EXPECT_EQ(job->estimates, DumpEstimates(snapshot->site_estimates, &touched).size());
  EXPECT_LT(job->estimates, snapshot->site_estimates.size());
  EXPECT_EQ(StoreEstimatedSeq(*snapshot), 4);
  ExpectFullyEstimated(*service);
  ExpectDiskMatchesSnapshot(*service);

  const ReadyState ready = service->Ready();
  EXPECT_TRUE(ready.ready) << ready.reason;
  EXPECT_EQ(ready.manifest_seq, 4);
  EXPECT_EQ(ready.store_seq_on_disk, 4);
  EXPECT_EQ(ready.pending_jobs, 0u);
  const auto entries = service->Entries();
  for (size_t i = 0; i < entries->size(); ++i) {
    EXPECT_EQ((*entries)[i].seq, static_cast<int64_t>(i) + 1);
  }
}

// After the site-days, the network inversion: district rows for the uploaded weeks, written to
// the store, and redone at start for a store that has none (one from before the inversion).
TEST_F(DataServiceTest, DistrictsAreEstimatedAfterUploadsAndAtStartWhenMissing) {
  std::set<std::string> batches;
  {
    const auto service = Open();
    service->ReplaceCity(sim_->city, "admin");
    service->UploadFlows(Spool(*flows_csv_), "flows.csv", "flows_csv", "admin", std::nullopt);
    batches.insert(Upload(service.get(), 0).entry.batch_id);
    batches.insert(Upload(service.get(), 1).entry.batch_id);
    service->WaitUntilIdle();
    const auto snapshot = service->Snapshot();
    ASSERT_FALSE(snapshot->district_estimates.empty());
    EXPECT_EQ(snapshot->district_groups.size(), 5u);
    EXPECT_EQ(snapshot->attributes.at("estimated_district_seq"), "4");
    std::set<DayIndex> measured_days;
    for (const Measurement& m : snapshot->measurements) measured_days.insert(m.day);
    std::set<DayIndex> estimated_days;
    for (const DistrictEstimate& e : snapshot->district_estimates) {
      estimated_days.insert(e.start_day);
      EXPECT_EQ(e.draws, 100);
      std::stringstream ids(e.batch_ids);
      for (std::string id; std::getline(ids, id, ',');) {
        EXPECT_TRUE(batches.count(BatchOfMeasurement(id))) << id;
      }
    }
    EXPECT_EQ(estimated_days, measured_days);
    const StoreContents disk = Hdf5Store::Read(StorePath());
    EXPECT_EQ(disk.district_estimates.size(), snapshot->district_estimates.size());
    EXPECT_EQ(disk.district_week_estimates.size(), snapshot->district_week_estimates.size());
  }
  // A store without district rows, as an older wbe wrote it.
  StoreContents old = Hdf5Store::Read(StorePath());
  const size_t rows = old.district_estimates.size();
  old.district_estimates.clear();
  old.district_week_estimates.clear();
  old.district_groups.clear();
  old.estimate_flags.clear();
  old.attributes.erase("estimated_district_seq");
  Hdf5Store::Write(StorePath(), old);
  const auto reopened = Open();
  reopened->WaitUntilIdle();
  EXPECT_EQ(reopened->Snapshot()->district_estimates.size(), rows);
  EXPECT_EQ(reopened->Snapshot()->attributes.at("estimated_district_seq"), "4");
}

TEST_F(DataServiceTest, TheSameBytesTwiceAreOneUpload) {
  const auto service = Open();
  AddCityAndFlows(service.get());
  const UploadOutcome first = Upload(service.get(), 0, "key-1");
  ASSERT_TRUE(first.created);
  service->WaitUntilIdle();
  const std::string manifest = ManifestBytes();
  const std::vector<std::string> objects = ArchiveObjects();
  const auto snapshot = service->Snapshot();

  // A retry with the same key, and the same file under another name without a key.
  for (const UploadOutcome& again :
       {Upload(service.get(), 0, "key-1"),
        service->UploadBatch(Request((*batches_)[0], "renamed.csv"))}) {
    EXPECT_FALSE(again.created);
    EXPECT_EQ(again.entry, first.entry);
    EXPECT_FALSE(again.job_id.has_value());
    EXPECT_TRUE(again.result.already_ingested);
    EXPECT_EQ(again.result.version, 1);
    EXPECT_EQ(again.result.batch_id, first.result.batch_id);
    EXPECT_EQ(Dump(again.result.measurements), Dump(first.result.measurements));
  }
  EXPECT_EQ(ManifestBytes(), manifest);
  EXPECT_EQ(ArchiveObjects(), objects);
  EXPECT_EQ(service->Entries()->size(), 3u);
  EXPECT_EQ(service->Snapshot(), snapshot);  // nothing was published

  // The same for flows.
  const UploadOutcome flows =
      service->UploadFlows(Spool(*flows_csv_), "flows.csv", "flows_csv", "admin", std::nullopt);
  EXPECT_FALSE(flows.created);
  EXPECT_EQ(flows.entry.seq, 2);
  // And the same city: nothing new, the newest city line is returned.
  const UploadOutcome city = service->ReplaceCity(sim_->city, "admin");
  EXPECT_FALSE(city.created);
  EXPECT_EQ(city.entry.seq, 1);
  EXPECT_FALSE(city.job_id.has_value());
  EXPECT_EQ(ManifestBytes(), manifest);
  EXPECT_EQ(service->FindBySha256(first.entry.sha256), first.entry);
  EXPECT_FALSE(service->FindBySha256(std::string(64, '0')).has_value());
}

TEST_F(DataServiceTest, ConcurrentUploadsOfTheSameBytesAreStoredOnce) {
  const auto service = Open();
  AddCityAndFlows(service.get());
  std::vector<BatchUploadRequest> requests;
  for (int i = 0; i < 4; ++i) requests.push_back(Request((*batches_)[0], "same.csv"));
  std::vector<UploadOutcome> outcomes(requests.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < requests.size(); ++i) {
    threads.emplace_back([&, i] { outcomes[i] = service->UploadBatch(requests[i]); });
  }
  for (std::thread& thread : threads) thread.join();
  int created = 0;
  for (const UploadOutcome& outcome : outcomes) {
    created += outcome.created ? 1 : 0;
    EXPECT_EQ(outcome.entry, outcomes[0].entry);
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(service->Entries()->size(), 3u);
  service->WaitUntilIdle();
  EXPECT_EQ(Dump(service->Snapshot()->measurements), Dump(outcomes[0].result.measurements));
}

TEST_F(DataServiceTest, IdempotencyKeyReusedForOtherBytesConflicts) {
  const auto service = Open();
  AddCityAndFlows(service.get());
  ASSERT_TRUE(Upload(service.get(), 0, "key-1").created);
  service->WaitUntilIdle();
  const std::string manifest = ManifestBytes();
  const std::vector<std::string> objects = ArchiveObjects();
  const auto snapshot = service->Snapshot();

  try {
    Upload(service.get(), 1, "key-1");
    FAIL() << "expected IdempotencyConflict";
  } catch (const IdempotencyConflict& e) {
    EXPECT_NE(std::string(e.what()).find("Idempotency-Key"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find((*batch_ids_)[0]), std::string::npos) << e.what();
  }
  // Flows with the same key conflict too.
  EXPECT_THROW(service->UploadFlows(Spool("site_id,date,flow_m3_per_day\n"), "empty.csv",
                                    "flows_csv", "admin", std::string("key-1")),
               IdempotencyConflict);
  EXPECT_EQ(ManifestBytes(), manifest);
  EXPECT_EQ(ArchiveObjects(), objects);
  EXPECT_FALSE(RawArchive(ArchiveRoot()).Contains(Sha256Hex((*batches_)[1])));
  EXPECT_EQ(service->Entries()->size(), 3u);
  EXPECT_EQ(service->Snapshot(), snapshot);
  // The key still works for its own bytes, and a new key for the other file.
  EXPECT_FALSE(Upload(service.get(), 0, "key-1").created);
  EXPECT_TRUE(Upload(service.get(), 1, "key-2").created);
}

TEST_F(DataServiceTest, BadInputWritesNothing) {
  const auto service = Open();
  AddCityAndFlows(service.get());
  ASSERT_TRUE(Upload(service.get(), 0).created);
  service->WaitUntilIdle();
  const std::string manifest = ManifestBytes();
  const std::vector<std::string> objects = ArchiveObjects();
  const std::string store = FileBytes(StorePath());
  const auto snapshot = service->Snapshot();

  const std::string& text = (*batches_)[1];
  const std::string truncated = text.substr(0, text.size() / 2) + ",\"unterminated";
  EXPECT_THROW(service->UploadBatch(Request(truncated, "truncated.csv")), InputError);
  // A site the city does not have.
  std::string unknown_site = text;
  const size_t site = unknown_site.find("WWTP-IN");
  ASSERT_NE(site, std::string::npos);
  unknown_site.replace(site, 7, "WWTP-XX");
  try {
    service->UploadBatch(Request(unknown_site, "unknown-site.csv"));
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), "unknown-site.csv");
    EXPECT_GT(e.row(), 1);
    EXPECT_NE(std::string(e.what()).find("WWTP-XX"), std::string::npos) << e.what();
  }
  // A broken method.
  BatchUploadRequest bad_method = Request(text, "bad-method.csv");
  bad_method.method_bytes = "{\"name\": 1}";
  EXPECT_THROW(service->UploadBatch(bad_method), InputError);
  // Bad flows.
  EXPECT_THROW(service->UploadFlows(Spool("site_id,date,flow_m3_per_day\nWWTP-IN,2026-08-03,-1\n"),
                                    "bad.csv", "flows_csv", "admin", std::nullopt),
               InputError);
  EXPECT_THROW(service->UploadFlows(Spool(*flows_csv_ + "\n"), "flows.csv", "flows_xml", "admin",
                                    std::nullopt),
               InputError);

  EXPECT_EQ(ManifestBytes(), manifest);
  EXPECT_EQ(ArchiveObjects(), objects);
  for (const std::string& bytes : {truncated, unknown_site}) {
    EXPECT_FALSE(RawArchive(ArchiveRoot()).Contains(Sha256Hex(bytes)));
  }
  EXPECT_TRUE(RawArchive(ArchiveRoot()).Debris().empty());
  EXPECT_EQ(service->Entries()->size(), 3u);
  EXPECT_EQ(service->Snapshot(), snapshot);
  service->WaitUntilIdle();
  EXPECT_EQ(FileBytes(StorePath()), store);
  EXPECT_TRUE(service->Ready().ready);
}

TEST_F(DataServiceTest, CorrectedVersionSupersedesAndRejectedOneDoesNot) {
  const auto service = Open();
  AddCityAndFlows(service.get());
  const std::string& batch_id = (*batch_ids_)[0];
  const UploadOutcome v1 = Upload(service.get(), 0);
  ASSERT_TRUE(v1.created);
  const UploadOutcome other = Upload(service.get(), 1);  // another batch, untouched below
  ASSERT_TRUE(other.created);

  // The technician fixes a peak area: same batch id, different bytes.
  const std::string corrected =
      ChangeCells((*batches_)[0], "sample",
                  [](const std::string& area) { return std::to_string(std::stod(area) * 1.5); }, 3);
  ASSERT_NE(corrected, (*batches_)[0]);
  const UploadOutcome v2 = service->UploadBatch(Request(corrected, batch_id + ".csv"));
  ASSERT_TRUE(v2.created);
  EXPECT_EQ(v2.entry.version, 2);
  EXPECT_EQ(v2.entry.supersedes, v1.entry.sha256);
  EXPECT_TRUE(v2.result.accepted());
  ASSERT_TRUE(v2.job_id.has_value());
  {
    const auto snapshot = service->Snapshot();
    EXPECT_EQ(Dump(MeasurementsOfBatch(*snapshot, batch_id)), Dump(v2.result.measurements));
    EXPECT_NE(Dump(v2.result.measurements), Dump(v1.result.measurements));
    for (const Measurement& m : MeasurementsOfBatch(*snapshot, batch_id)) {
      EXPECT_EQ(m.batch_id, batch_id + "@v2");
    }
    EXPECT_EQ(Dump(MeasurementsOfBatch(*snapshot, (*batch_ids_)[1])),
              Dump(other.result.measurements));
  }

  // Every calibrator with the same area: no curve, the batch is rejected.
  const std::string wrecked =
      ChangeCells((*batches_)[0], "cal", [](const std::string&) { return std::string("1000"); });
  const UploadOutcome v3 = service->UploadBatch(Request(wrecked, batch_id + ".csv"));
  ASSERT_TRUE(v3.created);
  EXPECT_FALSE(v3.result.accepted()) << v3.result.quantification.report.ToTable();
  EXPECT_EQ(v3.entry.version, 3);
  EXPECT_EQ(v3.entry.verdict, Verdict::kRejected);
  EXPECT_FALSE(v3.entry.supersedes.has_value());
  EXPECT_FALSE(v3.result.store_updated);
  EXPECT_FALSE(v3.job_id.has_value());
  service->WaitUntilIdle();
  const auto snapshot = service->Snapshot();
  EXPECT_EQ(Dump(MeasurementsOfBatch(*snapshot, batch_id)), Dump(v2.result.measurements));
  EXPECT_EQ(StoreManifestSeq(*snapshot), v3.entry.seq);
  // The estimates come from version 2 only.
  EXPECT_EQ(SiteDaysOfEstimates(snapshot->site_estimates), SiteDaysOf(snapshot->measurements));
  for (const SiteDayEstimate& e : snapshot->site_estimates) {
    EXPECT_EQ(e.batch_ids.find(batch_id + "@v1"), std::string::npos) << e.batch_ids;
    EXPECT_EQ(e.batch_ids.find(batch_id + "@v3"), std::string::npos) << e.batch_ids;
  }
  ExpectDiskMatchesSnapshot(*service);

  // Requantify recomputes each version's judgement from the archive.
  const IngestResult again = service->Requantify(v2.entry);
  EXPECT_EQ(again.version, 2);
  EXPECT_EQ(Dump(again.measurements), Dump(v2.result.measurements));
  EXPECT_TRUE(again.store_updated);
  const IngestResult rejected = service->Requantify(v3.entry);
  EXPECT_FALSE(rejected.accepted());
  EXPECT_FALSE(rejected.store_updated);

  // After a restart (store rebuilt from nothing) the current version is still version 2.
  service->Shutdown();
  fs::remove(StorePath());
  const auto reopened = Open();
  EXPECT_EQ(Dump(MeasurementsOfBatch(*reopened->Snapshot(), batch_id)),
            Dump(v2.result.measurements));
}

TEST_F(DataServiceTest, ANewCityReestimatesEverything) {
  const auto service = Open();
  AddCityAndFlows(service.get());
  ASSERT_TRUE(Upload(service.get(), 0).created);
  service->WaitUntilIdle();
  const std::vector<std::string> before = DumpEstimates(service->Snapshot()->site_estimates);
  City city = sim_->city;
  for (District& district : city.districts) district.population *= 2;
  const UploadOutcome outcome = service->ReplaceCity(city, "admin");
  ASSERT_TRUE(outcome.created);
  ASSERT_TRUE(outcome.job_id.has_value());
  EXPECT_EQ(service->jobs().Find(*outcome.job_id)->site_days,
            SiteDaysOf(service->Snapshot()->measurements).size());
  service->WaitUntilIdle();
  EXPECT_NE(DumpEstimates(service->Snapshot()->site_estimates), before);
  ExpectFullyEstimated(*service);
  ExpectDiskMatchesSnapshot(*service);
  // Going back to the first city is a new version, not a duplicate of the first line.
  const UploadOutcome back = service->ReplaceCity(sim_->city, "admin");
  EXPECT_TRUE(back.created);
  EXPECT_GT(back.entry.seq, outcome.entry.seq);
  service->WaitUntilIdle();
  EXPECT_EQ(DumpEstimates(service->Snapshot()->site_estimates), before);
}

TEST_F(DataServiceTest, ReturningToAnEarlierCityAtOnceIsANewVersion) {
  const auto service = Open();
  City bigger = sim_->city;
  for (District& district : bigger.districts) district.population *= 2;
  // Three changes in quick succession (well within one second).
  const UploadOutcome a = service->ReplaceCity(sim_->city, "admin");
  const UploadOutcome b = service->ReplaceCity(bigger, "admin");
  const UploadOutcome back = service->ReplaceCity(sim_->city, "admin");
  EXPECT_TRUE(a.created);
  EXPECT_TRUE(b.created);
  EXPECT_TRUE(back.created);
  EXPECT_EQ(back.entry.seq, 3);
  EXPECT_EQ(back.entry.version, 3);
  EXPECT_EQ(service->Entries()->size(), 3u);
  EXPECT_EQ(CityToJson(service->Snapshot()->city), CityToJson(sim_->city));
  // The manifest agrees with the snapshot: the current city is the last one sent.
  const auto current = Manifest::Load(ArchiveRoot()).Latest("city");
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->sha256, back.entry.sha256);
  service->Shutdown();
  fs::remove(StorePath());
  const auto reopened = Open();
  EXPECT_EQ(CityToJson(reopened->Snapshot()->city), CityToJson(sim_->city));
}

// ---- Flows as JSON -------------------------------------------------------------------------

TEST_F(DataServiceTest, FlowsJsonReplacesSiteDaysAndReestimatesThem) {
  const auto service = Open();
  AddCityAndFlows(service.get());
  const UploadOutcome batch = Upload(service.get(), 0);
  service->WaitUntilIdle();
  const auto before = service->Snapshot();
  const Measurement& m = batch.result.measurements.front();
  const SiteDaySet target = {{m.site_id, m.day}};
  double old_flow = 0;
  for (const FlowRecord& f : before->flows) {
    if (f.site_id == m.site_id && f.day == m.day) old_flow = f.flow_m3_per_day;
  }
  ASSERT_GT(old_flow, 0.0);
  nlohmann::json entry = nlohmann::json::object();
  entry["site_id"] = m.site_id;
  entry["date"] = FormatIsoDate(m.day);
  entry["flow_m3_per_day"] = old_flow * 2;
  entry["rain_mm"] = nullptr;
  nlohmann::json document = nlohmann::json::object();
  document["flows"] = nlohmann::json::array({entry});
  const UploadOutcome flows =
      service->UploadFlows(Spool(document.dump()), "fix.json", "flows_json", "admin", std::nullopt);
  ASSERT_TRUE(flows.created);
  EXPECT_EQ(flows.entry.format, "flows_json");
  EXPECT_EQ(flows.records, 1u);
  ASSERT_TRUE(flows.job_id.has_value());
  EXPECT_EQ(service->jobs().Find(*flows.job_id)->site_days, 1u);
  EXPECT_EQ(service->Snapshot()->flows.size(), before->flows.size());
  service->WaitUntilIdle();
  const auto after = service->Snapshot();
  EXPECT_EQ(DumpEstimates(after->site_estimates, &target, false),
            DumpEstimates(before->site_estimates, &target, false));
  EXPECT_NE(DumpEstimates(after->site_estimates, &target),
            DumpEstimates(before->site_estimates, &target));
  ExpectFullyEstimated(*service);
  ExpectDiskMatchesSnapshot(*service);
  // Rebuilt from the archive, the JSON flows are applied again.
  service->Shutdown();
  WriteBytes(StorePath(), "garbage");
  const auto reopened = Open();
  int found = 0;
  for (const FlowRecord& f : reopened->Snapshot()->flows) {
    if (f.site_id == m.site_id && f.day == m.day) {
      EXPECT_DOUBLE_EQ(f.flow_m3_per_day, old_flow * 2);
      ++found;
    }
  }
  EXPECT_EQ(found, 1);
}

TEST_F(DataServiceTest, FlowsJsonWithABadEntryNamesRowAndPointer) {
  const auto service = Open();
  AddCityAndFlows(service.get());
  const std::string manifest = ManifestBytes();
  const std::vector<std::string> objects = ArchiveObjects();
  const std::string site = sim_->city.sites.front().id;
  const std::string good =
      R"({"site_id": ")" + site + R"(", "date": "2026-08-03", "flow_m3_per_day": 100})";
  const auto expect_error = [&](const std::string& body, long row, const std::string& pointer,
                                const std::string& text) {
    try {
      service->UploadFlows(Spool(body), "flows.json", "flows_json", "admin", std::nullopt);
      ADD_FAILURE() << "no InputError for " << body;
    } catch (const InputError& e) {
      EXPECT_EQ(e.file(), "flows.json") << e.what();
      EXPECT_EQ(e.row(), row) << e.what();
      EXPECT_EQ(e.field(), pointer) << e.what();
      EXPECT_NE(e.message().find(text), std::string::npos) << e.what();
    }
  };
  expect_error(R"({"flows": [)" + good + R"(, {"site_id": ")" + site +
                   R"(", "date": "2026-08-04", "flow_m3_per_day": 0}]})",
               2, "/flows/1/flow_m3_per_day", "positive");
  // The city has no such site.
  expect_error(R"({"flows": [{"site_id": "NOWHERE", "date": "2026-08-03", "flow_m3_per_day": 1}]})",
               1, "/flows/0/site_id", "unknown site");
  expect_error("{", 0, "", "not valid JSON");
  EXPECT_EQ(ManifestBytes(), manifest);
  EXPECT_EQ(ArchiveObjects(), objects);
}

// ---- The lock ------------------------------------------------------------------------------

TEST_F(DataServiceTest, ASecondOpenOfTheSameDirectoryFails) {
  auto service = Open();
  AddCityAndFlows(service.get());
  try {
    Open();
    FAIL() << "a second DataService opened the same directory";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("another wbe process is writing"), std::string::npos) << what;
    EXPECT_NE(what.find(data_.Str()), std::string::npos) << what;
  }
  // The first one is unharmed.
  EXPECT_TRUE(Upload(service.get(), 0).created);
  service->Shutdown();
  // After Shutdown the lock is free, even before the object goes.
  auto next = Open();
  EXPECT_EQ(next->Entries()->size(), 3u);
}

// ---- Recovery ------------------------------------------------------------------------------

TEST_F(DataServiceTest, UnreadableStoreIsRebuiltFromTheArchive) {
  std::string measurements;
  std::string city;
  size_t flows = 0;
  int64_t last = 0;
  {
    const auto service = Open();
    AddCityAndFlows(service.get());
    Upload(service.get(), 0);
    Upload(service.get(), 1);
    service->WaitUntilIdle();
    measurements = Dump(service->Snapshot()->measurements);
    city = CityToJson(service->Snapshot()->city).dump();
    flows = service->Snapshot()->flows.size();
    last = service->Entries()->back().seq;
  }
  WriteBytes(StorePath(), "this is not an HDF5 file");
  const auto service = Open();
  EXPECT_TRUE(log_.Contains("cannot be read")) << log_.All();
  EXPECT_TRUE(log_.Contains("Rebuilt the store")) << log_.All();
  EXPECT_EQ(Dump(service->Snapshot()->measurements), measurements);
  EXPECT_EQ(CityToJson(service->Snapshot()->city).dump(), city);
  EXPECT_EQ(service->Snapshot()->flows.size(), flows);
  EXPECT_EQ(StoreManifestSeq(*service->Snapshot()), last);
  EXPECT_EQ(service->Ready().store_seq_on_disk, last);  // the rebuilt file is written at once
  service->WaitUntilIdle();
  ExpectFullyEstimated(*service);
  ExpectDiskMatchesSnapshot(*service);
}

TEST_F(DataServiceTest, MissingStoreIsBuiltFromTheArchive) {
  std::string measurements;
  {
    const auto service = Open();
    AddCityAndFlows(service.get());
    Upload(service.get(), 0);
    service->WaitUntilIdle();
    measurements = Dump(service->Snapshot()->measurements);
  }
  fs::remove(StorePath());
  const auto service = Open();
  EXPECT_TRUE(log_.Contains("no store yet")) << log_.All();
  EXPECT_EQ(Dump(service->Snapshot()->measurements), measurements);
  service->WaitUntilIdle();
  ExpectFullyEstimated(*service);
  ExpectDiskMatchesSnapshot(*service);
}

TEST_F(DataServiceTest, StoreBehindTheManifestIsRebuiltWithTheLastUpload) {
  const std::string old_copy = spool_.Sub("old-store.h5");
  std::string measurements;
  {
    const auto service = Open();
    AddCityAndFlows(service.get());
    Upload(service.get(), 0);
    service->WaitUntilIdle();
    fs::copy_file(StorePath(), old_copy);
    const UploadOutcome last = Upload(service.get(), 1);
    ASSERT_TRUE(last.created);
    service->WaitUntilIdle();
    measurements = Dump(service->Snapshot()->measurements);
    ASSERT_FALSE(MeasurementsOfBatch(*service->Snapshot(), (*batch_ids_)[1]).empty());
  }
  // As if the last store write never happened.
  fs::copy_file(old_copy, StorePath(), fs::copy_options::overwrite_existing);
  ASSERT_EQ(StoreManifestSeq(Hdf5Store::Read(StorePath())), 3);
  const auto service = Open();
  EXPECT_TRUE(log_.Contains("the store reflects upload 3 of 4")) << log_.All();
  EXPECT_EQ(Dump(service->Snapshot()->measurements), measurements);
  EXPECT_FALSE(MeasurementsOfBatch(*service->Snapshot(), (*batch_ids_)[1]).empty());
  service->WaitUntilIdle();
  ExpectFullyEstimated(*service);
  ExpectDiskMatchesSnapshot(*service);
}

TEST_F(DataServiceTest, LaggingEstimatesAreRedoneAtStart) {
  std::vector<std::string> estimates;
  {
    const auto service = Open();
    AddCityAndFlows(service.get());
    Upload(service.get(), 0);
    service->WaitUntilIdle();
    estimates = DumpEstimates(service->Snapshot()->site_estimates);
  }
  ASSERT_FALSE(estimates.empty());
  for (const bool keep_estimates : {false, true}) {
    SCOPED_TRACE(keep_estimates ? "estimated_seq behind" : "no estimated_seq, no estimates");
    StoreContents contents = Hdf5Store::Read(StorePath());
    if (keep_estimates) {
      SetStoreEstimatedSeq(&contents, StoreManifestSeq(contents) - 1);
    } else {
      contents.attributes.erase("estimated_seq");
      contents.site_estimates.clear();
    }
    Hdf5Store::Write(StorePath(), contents);
    log_.Clear();
    const auto service = Open();
    EXPECT_FALSE(log_.Contains("rebuilding")) << log_.All();
    EXPECT_TRUE(log_.Contains("estimates lag the uploads")) << log_.All();
    service->WaitUntilIdle();
    EXPECT_EQ(service->Ready().pending_jobs, 0u);
    ExpectFullyEstimated(*service);
    ExpectDiskMatchesSnapshot(*service);
    // The same seed and draws: the same estimates as before.
    EXPECT_EQ(DumpEstimates(service->Snapshot()->site_estimates), estimates);
  }
}

TEST_F(DataServiceTest, JobsCutShortByShutdownAreRedoneAtTheNextStart) {
  {
    const auto service = Open();
    AddCityAndFlows(service.get());
    Upload(service.get(), 0);
    Upload(service.get(), 1);
    service->Shutdown();  // whether or not the jobs ran
    const auto disk = Hdf5Store::Read(StorePath());
    EXPECT_EQ(StoreManifestSeq(disk), 4);  // the store file caught up with the memory
  }
  const auto service = Open();
  EXPECT_FALSE(service->Snapshot()->measurements.empty());
  service->WaitUntilIdle();
  ExpectFullyEstimated(*service);
  ExpectDiskMatchesSnapshot(*service);
}

// ---- Concurrency ---------------------------------------------------------------------------

TEST_F(DataServiceTest, ConcurrentUploadsAndReadersSeeConsistentStates) {
  const auto service = Open();
  AddCityAndFlows(service.get());
  constexpr int kUploaders = 8;
  std::vector<BatchUploadRequest> requests;
  std::vector<std::string> ids;
  for (int i = 0; i < kUploaders; ++i) {
    const size_t base = static_cast<size_t>(i) % batches_->size();
    const std::string id = (*batch_ids_)[base] + "-T" + std::to_string(i);
    ids.push_back(id);
    requests.push_back(
        Request(ReplaceAll((*batches_)[base], (*batch_ids_)[base], id), id + ".csv"));
  }

  std::atomic<int> uploading{kUploaders};
  std::atomic<long> checks{0};
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  const auto fail = [&](const std::string& what) {
    std::lock_guard<std::mutex> lock(failures_mutex);
    if (failures.size() < 10) failures.push_back(what);
  };
  const auto reader = [&] {
    do {
      // The snapshot first: the manifest copy read after it is at least as new.
      const auto snapshot = service->Snapshot();
      const auto entries = service->Entries();
      std::set<std::string> versions;
      for (size_t i = 0; i < entries->size(); ++i) {
        const ManifestEntry& entry = (*entries)[i];
        if (entry.seq != static_cast<int64_t>(i) + 1) {
          fail("manifest seq " + std::to_string(entry.seq) + " at " + std::to_string(i));
        }
        versions.insert(BatchVersionId(entry.batch_id, entry.version));
      }
      for (const Measurement& m : snapshot->measurements) {
        if (!versions.count(m.batch_id)) fail("measurement of " + m.batch_id + " not in manifest");
      }
      if (StoreManifestSeq(*snapshot) > static_cast<int64_t>(entries->size())) {
        fail("snapshot ahead of the manifest");
      }
      if (StoreEstimatedSeq(*snapshot) > StoreManifestSeq(*snapshot)) {
        fail("estimates ahead of the uploads");
      }
      ++checks;
      std::this_thread::yield();
    } while (uploading.load() > 0);
  };

  std::vector<UploadOutcome> outcomes(kUploaders);
  std::vector<std::string> errors(kUploaders);
  std::vector<std::thread> threads;
  threads.emplace_back(reader);
  threads.emplace_back(reader);
  for (int i = 0; i < kUploaders; ++i) {
    threads.emplace_back([&, i] {
      try {
        outcomes[i] = service->UploadBatch(requests[i]);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
      --uploading;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_GT(checks.load(), 0);
  for (const std::string& failure : failures) ADD_FAILURE() << failure;
  for (int i = 0; i < kUploaders; ++i) EXPECT_EQ(errors[i], "") << i;

  std::set<int64_t> seqs;
  for (int i = 0; i < kUploaders; ++i) {
    EXPECT_TRUE(outcomes[i].created) << i;
    EXPECT_EQ(outcomes[i].entry.batch_id, ids[i]);
    EXPECT_EQ(outcomes[i].entry.version, 1);
    EXPECT_TRUE(outcomes[i].job_id.has_value());
    seqs.insert(outcomes[i].entry.seq);
  }
  EXPECT_EQ(seqs.size(), static_cast<size_t>(kUploaders));
  EXPECT_EQ(*seqs.begin(), 3);
  EXPECT_EQ(*seqs.rbegin(), 2 + kUploaders);

  service->WaitUntilIdle();
  const auto snapshot = service->Snapshot();
  for (int i = 0; i < kUploaders; ++i) {
    EXPECT_EQ(Dump(MeasurementsOfBatch(*snapshot, ids[i])), Dump(outcomes[i].result.measurements))
        << ids[i];
  }
  EXPECT_EQ(service->Entries()->size(), static_cast<size_t>(2 + kUploaders));
  EXPECT_EQ(Manifest::Load(ArchiveRoot()).Entries().size(), static_cast<size_t>(2 + kUploaders));
  for (int i = 0; i < kUploaders; ++i) {
    const auto job = service->jobs().Find(*outcomes[i].job_id);
    ASSERT_TRUE(job.has_value());
    EXPECT_EQ(job->state, JobState::kDone) << job->message;
  }
  ExpectFullyEstimated(*service);
  ExpectDiskMatchesSnapshot(*service);
}

}  // namespace
}  // namespace wbe
