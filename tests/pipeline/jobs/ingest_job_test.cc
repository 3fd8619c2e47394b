#include "pipeline/jobs/ingest_job.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "models/city/city_io.h"
#include "models/core/data_paths.h"
#include "models/core/input_error.h"
#include "models/simulation/city_simulator.h"
#include "pipeline/archive/batch_manifest.h"
#include "pipeline/archive/raw_archive.h"
#include "pipeline/ingest/batch_parser.h"
#include "pipeline/jobs/simulate_job.h"
#include "pipeline/store/hdf5_store.h"

namespace wbe {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

// Every file under `dir` with its content hash: "exactly as they were" means equal snapshots.
std::map<std::string, std::string> Snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  if (!fs::exists(dir)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) {
      files[fs::relative(entry.path(), dir).string()] = Sha256Hex(ReadFile(entry.path()));
    }
  }
  return files;
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
        !cells[area].empty()) {
      cells[area] = change(cells[area]);
      ++changed;
    }
    std::string joined;
    for (size_t i = 0; i < cells.size(); ++i) joined += (i ? "," : "") + cells[i];
    out += joined + "\n";
  }
  return out;
}

std::string MethodPath() { return DataPath("data-schemas/examples/wbe-demo-lab.method.json"); }

// A fresh data directory with a small simulated city's city and flows imported, and its
// weekly lab batches written as files beside it.
class IngestJobTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    catalogue_ = new DrugCatalogue(DrugCatalogue::LoadDefault());
    root_ = fs::path(WBE_BINARY_DIR) / "test-output" / "ingest-job";
    fs::remove_all(root_);
    fs::create_directories(root_ / "inputs");
    SimulationOptions options;
    options.seed = 11;
    options.days = 14;
    const SimulatedCity sim = SimulateCity(*catalogue_, options);
    WriteLabBatchesCsv(sim, (root_ / "inputs").string());
    std::ofstream city(root_ / "inputs" / "city.json");
    city << CityToJson(sim.city).dump(2);
    city.close();
    WriteFlowsCsv(sim.flows, (root_ / "inputs" / "flows.csv").string());
    for (const auto& entry : fs::directory_iterator(root_ / "inputs")) {
      if (entry.path().filename().string().rfind("LAB1-", 0) == 0) {
        batches_.push_back(entry.path());
      }
    }
    std::sort(batches_.begin(), batches_.end());
    // The simulation defines "now": the last analysis date of its batches.
    for (const LabInjectionRow& row : sim.lab_rows) today_ = std::max(today_, row.sampling_date);
  }
  static void TearDownTestSuite() { delete catalogue_; }

  void SetUp() override {
    data_dir_ = root_ / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(data_dir_);
    IngestCityFile((root_ / "inputs" / "city.json").string(), data_dir_.string(), "test",
                   *catalogue_);
    IngestFlowsFile((root_ / "inputs" / "flows.csv").string(), data_dir_.string(), "test",
                    *catalogue_);
  }

  IngestOptions Options() const {
    IngestOptions options;
    options.data_dir = data_dir_.string();
    options.method_path = MethodPath();
    options.uploader = "technician-1";
    options.today = today_;
    return options;
  }

  StoreContents Store() const {
    return Hdf5Store::Read(DataDirLayout(data_dir_.string()).store_path);
  }

  static DrugCatalogue* catalogue_;
  static fs::path root_;
  static std::vector<fs::path> batches_;
  static DayIndex today_;
  fs::path data_dir_;
};

DrugCatalogue* IngestJobTest::catalogue_ = nullptr;
fs::path IngestJobTest::root_;
std::vector<fs::path> IngestJobTest::batches_;
DayIndex IngestJobTest::today_ = 0;

TEST_F(IngestJobTest, AcceptedBatchIsArchivedAndStored) {
  ASSERT_FALSE(batches_.empty());
  const IngestResult r = BatchIngestor(*catalogue_).IngestFile(batches_[0].string(), Options());
  EXPECT_TRUE(r.accepted());
  EXPECT_EQ(r.version, 1);
  EXPECT_TRUE(r.store_updated);
  EXPECT_FALSE(r.measurements.empty());
  // The raw bytes are archived byte for byte under their SHA-256.
  const RawArchive archive(DataDirLayout(data_dir_.string()).archive_root);
  EXPECT_EQ(archive.Get(r.sha256), ReadFile(batches_[0]));
  const Manifest manifest = Manifest::Load(DataDirLayout(data_dir_.string()).archive_root);
  const auto entry = manifest.FindBySha256(r.sha256);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->uploader, "technician-1");
  ASSERT_TRUE(entry->method.has_value());
  EXPECT_EQ(archive.Get(entry->method->sha256), ReadFile(MethodPath()));
  // The store holds exactly this batch's measurements, named by version.
  const StoreContents store = Store();
  EXPECT_EQ(store.measurements.size(), r.measurements.size());
  for (const Measurement& m : store.measurements) {
    EXPECT_EQ(m.batch_id, r.batch_id + "@v1");
    if (m.censored) {
      EXPECT_GT(m.loq_ng_per_l, 0.0);
    } else {
      EXPECT_GT(m.concentration_ng_per_l, 0.0);
    }
  }
}

TEST_F(IngestJobTest, TheSameFileTwiceIsStoredOnce) {
  const BatchIngestor ingestor(*catalogue_);
  ingestor.IngestFile(batches_[0].string(), Options());
  const auto before = Snapshot(data_dir_);
  const IngestResult again = ingestor.IngestFile(batches_[0].string(), Options());
  EXPECT_TRUE(again.already_ingested);
  EXPECT_EQ(again.version, 1);
  EXPECT_EQ(Snapshot(data_dir_), before);
}

TEST_F(IngestJobTest, CorrectedReuploadSupersedesWithoutOverwriting) {
  const BatchIngestor ingestor(*catalogue_);
  const IngestResult first = ingestor.IngestFile(batches_[0].string(), Options());
  // The technician fixes a sample's peak area: same batch id, different bytes.
  const std::string text = ChangeCells(
      ReadFile(batches_[0]), "sample",
      [](const std::string& area) { return std::to_string(std::stod(area) * 1.01); },
      /*max_rows=*/1);
  const fs::path corrected = root_ / "corrected" / batches_[0].filename();
  fs::create_directories(corrected.parent_path());
  WriteFile(corrected, text);

  const IngestResult second = ingestor.IngestFile(corrected.string(), Options());
  EXPECT_EQ(second.batch_id, first.batch_id);
  EXPECT_EQ(second.version, 2);
  const StoreContents store = Store();
  for (const Measurement& m : store.measurements) EXPECT_EQ(m.batch_id, first.batch_id + "@v2");
  // Nothing is overwritten: version 1's bytes are still in the archive.
  const RawArchive archive(DataDirLayout(data_dir_.string()).archive_root);
  EXPECT_EQ(archive.Get(first.sha256), ReadFile(batches_[0]));
  const Manifest manifest = Manifest::Load(DataDirLayout(data_dir_.string()).archive_root);
  EXPECT_EQ(manifest.Versions(first.batch_id).size(), 2u);
  EXPECT_EQ(manifest.Latest(first.batch_id)->sha256, second.sha256);
}

TEST_F(IngestJobTest, DryRunChangesNothingOnDisk) {
  const auto before = Snapshot(data_dir_);
  IngestOptions options = Options();
  options.dry_run = true;
  const IngestResult r = BatchIngestor(*catalogue_).IngestFile(batches_[0].string(), options);
  EXPECT_TRUE(r.dry_run);
  EXPECT_FALSE(r.measurements.empty());
  EXPECT_EQ(Snapshot(data_dir_), before);
}

TEST_F(IngestJobTest, BadInputLeavesArchiveAndStoreExactlyAsTheyWere) {
  const BatchIngestor ingestor(*catalogue_);
  ingestor.IngestFile(batches_[0].string(), Options());
  const auto before = Snapshot(data_dir_);
  const std::string text = ReadFile(batches_[1]);
  const fs::path truncated = root_ / "bad" / "truncated.csv";
  fs::create_directories(truncated.parent_path());
  // Cut inside a quoted cell: a truncated upload.
  WriteFile(truncated, text.substr(0, text.size() / 2) + ",\"unterminated");
  EXPECT_THROW(ingestor.IngestFile(truncated.string(), Options()), InputError);
  EXPECT_EQ(Snapshot(data_dir_), before);
}

TEST_F(IngestJobTest, RejectedBatchIsArchivedButNotStored) {
  const BatchIngestor ingestor(*catalogue_);
  // Every calibrator with the same area: no curve can be fitted, every analyte fails.
  const std::string out = ChangeCells(ReadFile(batches_[0]), "cal",
                                      [](const std::string&) { return std::string("1000"); });
  const fs::path wrecked = root_ / "wrecked" / batches_[0].filename();
  fs::create_directories(wrecked.parent_path());
  WriteFile(wrecked, out);
  const IngestResult r = ingestor.IngestFile(wrecked.string(), Options());
  EXPECT_FALSE(r.accepted()) << r.quantification.report.ToTable();
  EXPECT_FALSE(r.store_updated);
  const Manifest manifest = Manifest::Load(DataDirLayout(data_dir_.string()).archive_root);
  ASSERT_TRUE(manifest.FindBySha256(r.sha256).has_value());
  EXPECT_EQ(manifest.FindBySha256(r.sha256)->verdict, Verdict::kRejected);
  EXPECT_TRUE(Store().measurements.empty());
}

TEST_F(IngestJobTest, StoreRebuildsFromTheArchiveAlone) {
  const BatchIngestor ingestor(*catalogue_);
  for (const fs::path& batch : batches_) ingestor.IngestFile(batch.string(), Options());
  const StoreContents before = Store();
  ASSERT_FALSE(before.measurements.empty());
  fs::remove(DataDirLayout(data_dir_.string()).store_path);
  const StoreRebuildSummary summary = RebuildStore(data_dir_.string(), *catalogue_);
  EXPECT_TRUE(summary.problems.empty()) << summary.problems.front();
  EXPECT_EQ(summary.batches, batches_.size());
  const StoreContents after = Store();
  EXPECT_EQ(after.city.sites.size(), before.city.sites.size());
  EXPECT_EQ(after.flows.size(), before.flows.size());
  ASSERT_EQ(after.measurements.size(), before.measurements.size());
  for (size_t i = 0; i < after.measurements.size(); ++i) {
    EXPECT_EQ(after.measurements[i].batch_id, before.measurements[i].batch_id);
    EXPECT_EQ(after.measurements[i].censored, before.measurements[i].censored);
    EXPECT_DOUBLE_EQ(after.measurements[i].concentration_ng_per_l,
                     before.measurements[i].concentration_ng_per_l);
  }
}

TEST_F(IngestJobTest, StoreBehindTheManifestCatchesUpOnTheNextWrite) {
  const BatchIngestor ingestor(*catalogue_);
  const IngestResult first = ingestor.IngestFile(batches_[0].string(), Options());
  // A crash after the manifest line but before the store write: the store lacks the batch.
  const std::string store_path = DataDirLayout(data_dir_.string()).store_path;
  StoreContents stale = Hdf5Store::Read(store_path);
  stale.measurements.clear();
  stale.attributes["manifest_seq"] =
      std::to_string(std::stoll(stale.attributes["manifest_seq"]) - 1);
  Hdf5Store::Write(store_path, stale);

  const IngestResult second = ingestor.IngestFile(batches_[1].string(), Options());
  size_t from_first = 0, from_second = 0;
  for (const Measurement& m : Store().measurements) {
    from_first += m.batch_id == first.batch_id + "@v1";
    from_second += m.batch_id == second.batch_id + "@v1";
  }
  EXPECT_EQ(from_first, first.measurements.size());
  EXPECT_EQ(from_second, second.measurements.size());
}

TEST_F(IngestJobTest, UnknownSiteIsRefusedNamingRowAndColumn) {
  std::string text = ReadFile(batches_[0]);
  const size_t site = text.find("WWTP-IN");
  ASSERT_NE(site, std::string::npos);
  text.replace(site, 7, "WWTP-XX");
  const fs::path bad = root_ / "bad" / "unknown-site.csv";
  fs::create_directories(bad.parent_path());
  WriteFile(bad, text);
  try {
    BatchIngestor(*catalogue_).IngestFile(bad.string(), Options());
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(e.file().find("unknown-site.csv"), std::string::npos);
    EXPECT_GT(e.row(), 1);
    EXPECT_NE(std::string(e.what()).find("WWTP-XX"), std::string::npos) << e.what();
  }
}

// The real MassHunter export, through the same path a lab upload takes: the QC injections'
// concentrations reproduce MassHunter's own Final Conc.
TEST(IngestMassHunterTest, ReproducesMassHunterFinalConcentrationsForQcs) {
  const DrugCatalogue catalogue = DrugCatalogue::LoadDefault();
  const std::string file = DataPath("tests/data/masshunter/MH_ext_cal_quant_assay.csv");
  IngestOptions options;
  options.data_dir = (fs::path(WBE_BINARY_DIR) / "test-output" / "mh-ext").string();
  options.method_path = DataPath("data-schemas/examples/MH_ext_cal_quant_assay.method.json");
  options.dry_run = true;
  const IngestResult r = BatchIngestor(catalogue).IngestFile(file, options);
  EXPECT_TRUE(r.accepted()) << r.quantification.report.ToTable();
  EXPECT_FALSE(fs::exists(options.data_dir));  // a dry run writes nothing

  // MassHunter's values, read by the parser from the export itself.
  ParseOptions parse;
  parse.method_analytes = {"Corticosterone", "Cortisol", "Cortisone"};
  const LabBatch batch = ParseBatchFile(file, catalogue, parse);
  const auto lower = [](std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
  };
  std::map<std::pair<std::string, std::string>, double> vendor;
  for (const Injection& injection : batch.injections) {
    for (const AnalyteResponse& response : injection.responses) {
      if (response.vendor_concentration) {
        vendor[{injection.name, lower(response.analyte)}] = *response.vendor_concentration;
      }
    }
  }
  ASSERT_EQ(r.quantification.report.analytes.size(), 3u);
  for (const AnalyteQc& analyte : r.quantification.report.analytes) {
    std::vector<double> errors;
    for (const QcInjectionCheck& qc : analyte.qcs) {
      ASSERT_TRUE(qc.measured.has_value()) << qc.injection;
      const auto it = vendor.find({qc.injection, lower(analyte.analyte)});
      ASSERT_NE(it, vendor.end()) << qc.injection << " " << analyte.analyte;
      errors.push_back(std::fabs(*qc.measured - it->second) / it->second);
    }
    ASSERT_EQ(errors.size(), 10u) << analyte.analyte;
    std::sort(errors.begin(), errors.end());
    const double median = (errors[4] + errors[5]) / 2;
    EXPECT_LE(median, 0.01) << analyte.analyte;
    EXPECT_LE(errors.back(), 0.02) << analyte.analyte;
  }
}

TEST(IngestMassHunterTest, WideExampleIngestsEndToEndWithVerdicts) {
  const DrugCatalogue catalogue = DrugCatalogue::LoadDefault();
  IngestOptions options;
  options.data_dir = (fs::path(WBE_BINARY_DIR) / "test-output" / "mh-wide").string();
  fs::remove_all(options.data_dir);
  options.method_path = DataPath("data-schemas/examples/QuantLCMS_Example_MassHunter.method.json");
  const IngestResult r = BatchIngestor(catalogue).IngestFile(
      DataPath("tests/data/masshunter/QuantLCMS_Example_MassHunter.csv"), options);
  EXPECT_EQ(r.version, 1);
  EXPECT_EQ(r.quantification.report.analytes.size(), 4u);
  for (const AnalyteQc& analyte : r.quantification.report.analytes) {
    EXPECT_FALSE(analyte.qcs.empty()) << analyte.analyte;
  }
  // Corticosteroids are not catalogue biomarkers: judged, archived, never stored as drug data.
  EXPECT_TRUE(r.measurements.empty());
  EXPECT_FALSE(r.quantification.report.ToTable().empty());
}

}  // namespace
}  // namespace wbe
