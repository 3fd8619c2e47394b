#include "pipeline/jobs/simulate_job.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "models/city/city_io.h"
#include "pipeline/export/csv_writer.h"
#include "pipeline/store/hdf5_store.h"

namespace wbe {

bool SimulateJobOptions::Check(std::string* why) const {
  const auto fail = [&](const std::string& message) {
    if (why != nullptr) *why = message;
    return false;
  };
  if (out_dir.empty()) return fail("an output folder is needed");
  if (days < 7 || days > 3660) return fail("days must be between 7 and 3660");
  return true;
}

std::string SimulateJobSummary::BriefReport() const {
  char buffer[512];
  std::snprintf(buffer, sizeof(buffer),
                "Simulated %zu districts, %zu sampling sites, %zu days: %zu flow records, %zu "
                "measurements (%zu below LOQ), %zu lab injection rows, %zu injected events",
                districts, sites, days, flows, measurements, censored, lab_rows, events);
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

SimulateJobSummary RunSimulateJob(const DrugCatalogue& catalogue, const SimulateJobOptions& options,
                                  SimulatedCity* simulated) {
  std::string why;
  if (!options.Check(&why)) throw std::invalid_argument(why);
  SimulationOptions sim_options;
  sim_options.seed = options.seed;
  sim_options.days = options.days;
  if (!options.scenario_path.empty()) sim_options.scenario_path = options.scenario_path;
  SimulatedCity city = SimulateCity(catalogue, sim_options);

  namespace fs = std::filesystem;
  const fs::path out(options.out_dir);
  const fs::path raw = out / "raw";
  fs::create_directories(raw / "lab-batches");
  {
    std::ofstream json(raw / "city.json");
    json << CityToJson(city.city).dump(2) << "\n";
    if (!json) throw std::runtime_error("cannot write " + (raw / "city.json").string());
  }
  WriteFlowsCsv(city.flows, (raw / "flows.csv").string());
  WriteMeasurementsCsv(city.measurements, (raw / "measurements.csv").string());
  WriteLabBatchesCsv(city, (raw / "lab-batches").string());
  const fs::path truth = out / "truth";
  WriteGroundTruth(city, truth.string());

  StoreContents contents;
  contents.attributes = {
      {"generator", "wbe simulate"},
      {"seed", std::to_string(options.seed)},
      {"catalogue_version", catalogue.version()},
      {"scenario", options.scenario_path.empty() ? "built-in demo city" : options.scenario_path}};
  contents.city = city.city;
  contents.flows = city.flows;
  contents.measurements = city.measurements;
  contents.truth = city.truth;
  const fs::path store = out / "wbe-store.h5";
  Hdf5Store::Write(store.string(), contents);

  SimulateJobSummary summary;
  summary.store_path = store.string();
  summary.raw_dir = raw.string();
  summary.truth_dir = truth.string();
  summary.districts = city.city.districts.size();
  summary.sites = city.city.sites.size();
  std::set<DayIndex> days;
  for (const FlowRecord& f : city.flows) days.insert(f.day);
  summary.days = days.size();
  summary.flows = city.flows.size();
  summary.measurements = city.measurements.size();
  for (const Measurement& m : city.measurements) summary.censored += m.censored ? 1 : 0;
  summary.lab_rows = city.lab_rows.size();
  summary.events = city.truth.events.size();
  if (simulated != nullptr) *simulated = std::move(city);
  return summary;
}

}  // namespace wbe
