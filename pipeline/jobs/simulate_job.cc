#include "pipeline/jobs/simulate_job.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "models/city/city_io.h"
#include "models/core/data_paths.h"
#include "models/core/input_error.h"
#include "pipeline/export/csv_writer.h"
#include "pipeline/jobs/ingest_job.h"
#include "pipeline/store/hdf5_store.h"

namespace wbe {

bool SimulateJobOptions::Check(std::string* why) const {
  const auto fail = [&](const std::string& message) {
    if (why != nullptr) *why = message;
    return false;
  };
  if (out_dir.empty()) return fail("an output folder is needed");
  if (days < 7 || days > 3660) return fail("days must be between 7 and 3660");
  if (lab_uploader.empty()) return fail("the lab uploader must be named");
  return random_events.Check(why);
}

std::string SimulateJobSummary::BriefReport() const {
  char buffer[512];
  std::snprintf(buffer, sizeof(buffer),
                "Simulated %zu districts, %zu sampling sites, %zu days: %zu flow records, %zu lab "
                "injection rows in %zu weekly batches (%zu accepted with flags, %zu rejected), "
                "%zu calibrated measurements (%zu below LOQ), %zu injected events",
                districts, sites, days, flows, lab_rows, batches, batches_flagged, batches_rejected,
                measurements, censored, events);
  return buffer;
}

void WriteFlowsCsv(const std::vector<FlowRecord>& flows, const std::string& path) {
  CsvWriter csv(path);
  csv.WriteRow({"site_id", "date", "flow_m3_per_day", "rain_mm", "cod_mg_per_l", "nh4_n_mg_per_l"});
  for (const FlowRecord& f : flows) {
    csv.WriteRow({f.site_id, FormatIsoDate(f.day), CsvWriter::Number(f.flow_m3_per_day),
                  CsvWriter::Number(f.rain_mm), CsvWriter::Number(f.cod_mg_per_l),
                  CsvWriter::Number(f.nh4_n_mg_per_l)});
  }
  csv.Close();
}

void WriteMeasurementsCsv(const std::vector<Measurement>& measurements, const std::string& path) {
  CsvWriter csv(path);
  csv.WriteRow({"site_id", "date", "analyte", "concentration_ng_per_l", "below_loq", "loq_ng_per_l",
                "batch_id", "qc_flags"});
  for (const Measurement& m : measurements) {
    csv.WriteRow({m.site_id, FormatIsoDate(m.day), m.analyte,
                  m.censored ? "" : CsvWriter::Number(m.concentration_ng_per_l),
                  m.censored ? "1" : "0", CsvWriter::Number(m.loq_ng_per_l), m.batch_id,
                  m.qc_flags});
  }
  csv.Close();
}

namespace {

constexpr const char* kSimulationMarker = "SIMULATED.txt";

// A folder a previous simulation wrote is cleared (everything in it is derived from a seed); any
// other folder with content is refused, so a real data directory is never touched.
void PrepareOutputFolder(const std::filesystem::path& out) {
  namespace fs = std::filesystem;
  if (fs::exists(out) && !fs::is_empty(out)) {
    if (!fs::exists(out / kSimulationMarker)) {
      throw InputError(out.string(), 0, "--out",
                       "the folder is not empty and was not written by `wbe simulate`; choose a "
                       "new or empty folder");
    }
    for (const char* part : {"inputs", "truth", "archive", "wbe-store.h5", "site-estimates.csv",
                             "summary.txt", ".lock"}) {
      fs::remove_all(out / part);
    }
  }
  fs::create_directories(out);
  std::ofstream marker(out / kSimulationMarker);
  marker << "Written by `wbe simulate` / `wbe demo`: every file here is derived from the seed and "
            "is replaced by the next run into this folder.\n";
}

}  // namespace

SimulateJobSummary RunSimulateJob(const DrugCatalogue& catalogue, const SimulateJobOptions& options,
                                  SimulatedCity* simulated,
                                  const std::function<void(const std::string&)>& progress) {
  std::string why;
  if (!options.Check(&why)) throw std::invalid_argument(why);
  SimulationOptions sim_options;
  sim_options.seed = options.seed;
  sim_options.days = options.days;
  sim_options.random_events = options.random_events;
  if (!options.scenario_path.empty()) sim_options.scenario_path = options.scenario_path;
  SimulatedCity city = SimulateCity(catalogue, sim_options);

  namespace fs = std::filesystem;
  const fs::path out(options.out_dir);
  PrepareOutputFolder(out);
  const fs::path inputs = out / "inputs";
  fs::create_directories(inputs / "lab-batches");
  {
    std::ofstream json(inputs / "city.json");
    json << CityToJson(city.city).dump(2) << "\n";
    if (!json) throw std::runtime_error("cannot write " + (inputs / "city.json").string());
  }
  WriteFlowsCsv(city.flows, (inputs / "flows.csv").string());
  WriteLabBatchesCsv(city, (inputs / "lab-batches").string());
  const fs::path truth = out / "truth";
  WriteGroundTruth(city, truth.string());
  // What the lab would report from its own instrument software: kept for comparison only.
  WriteMeasurementsCsv(city.measurements, (truth / "simulated_lab_results.csv").string());

  // The inputs enter the data directory the way real ones do: archived, then calibrated and
  // QC-checked batch by batch; the store's measurements come from that path.
  const std::string data_dir = out.string();
  const std::string uploader = "wbe simulate";
  IngestCityFile((inputs / "city.json").string(), data_dir, uploader, catalogue);
  IngestFlowsFile((inputs / "flows.csv").string(), data_dir, uploader, catalogue);
  std::vector<fs::path> batch_files;
  for (const auto& entry : fs::directory_iterator(inputs / "lab-batches")) {
    if (entry.path().extension() == ".csv") batch_files.push_back(entry.path());
  }
  std::sort(batch_files.begin(), batch_files.end());
  IngestOptions ingest;
  ingest.data_dir = data_dir;
  ingest.method_path = options.method_path.empty()
                           ? DataPath("data-schemas/examples/wbe-demo-lab.method.json")
                           : options.method_path;
  ingest.uploader = options.lab_uploader;
  // Simulated days may lie ahead of today's date: the simulation's last analysis day is "now".
  ingest.today = TodayUtc();
  for (const LabInjectionRow& row : city.lab_rows) {
    ingest.today = std::max(ingest.today, row.sampling_date);
  }
  const BatchIngestor ingestor(catalogue);
  SimulateJobSummary summary;
  for (const fs::path& file : batch_files) {
    const IngestResult result = ingestor.IngestFile(file.string(), ingest);
    summary.batches++;
    summary.batches_rejected += result.accepted() ? 0 : 1;
    summary.batches_flagged += result.verdict() == BatchVerdict::kAcceptedWithFlags ? 1 : 0;
    if (progress)
      progress("ingested " + file.filename().string() + ": " +
               result.quantification.report.BriefReport());
  }

  const fs::path store = DataDirLayout(data_dir).store_path;
  StoreContents contents = Hdf5Store::Read(store.string());
  contents.attributes["generator"] = "wbe simulate";
  contents.attributes["seed"] = std::to_string(options.seed);
  contents.attributes["catalogue_version"] = catalogue.version();
  contents.attributes["scenario"] =
      options.scenario_path.empty() ? "built-in demo city" : options.scenario_path;
  contents.truth = city.truth;
  Hdf5Store::Write(store.string(), contents);
  for (const Measurement& m : contents.measurements) {
    summary.measurements++;
    summary.censored += m.censored ? 1 : 0;
  }

  summary.store_path = store.string();
  summary.inputs_dir = inputs.string();
  summary.archive_dir = DataDirLayout(data_dir).archive_root;
  summary.truth_dir = truth.string();
  summary.districts = city.city.districts.size();
  summary.sites = city.city.sites.size();
  std::set<DayIndex> days;
  for (const FlowRecord& f : city.flows) days.insert(f.day);
  summary.days = days.size();
  summary.flows = city.flows.size();
  summary.lab_rows = city.lab_rows.size();
  summary.events = city.truth.events.size();
  if (simulated != nullptr) *simulated = std::move(city);
  return summary;
}

}  // namespace wbe
