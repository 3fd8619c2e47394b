// Lab batch rows parsed and quantified per second: one of the demo lab's weekly batches with its
// samples repeated until the batch is large, read and then calibrated, QC-checked and quantified
// by the same code `wbe ingest` runs.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "calibration/method/quantitation_method.h"
#include "calibration/qc/batch_quantifier.h"
#include "models/core/data_paths.h"
#include "models/simulation/city_simulator.h"
#include "pipeline/ingest/batch_parser.h"

namespace {

const wbe::DrugCatalogue& Catalogue() {
  static const wbe::DrugCatalogue catalogue = wbe::DrugCatalogue::LoadDefault();
  return catalogue;
}

const wbe::QuantitationMethod& Method() {
  static const wbe::QuantitationMethod method = wbe::QuantitationMethod::LoadFromFile(
      wbe::DataPath("data-schemas/examples/wbe-demo-lab.method.json"), &Catalogue());
  return method;
}

// The simulator's first weekly batch as the lab would send it (WriteLabBatchesCsv), with every
// sample row repeated `copies` times under new injection numbers.
std::string LargeBatchCsv(int copies, size_t* rows) {
  wbe::SimulationOptions options;
  options.days = 7;
  const wbe::SimulatedCity sim = wbe::SimulateCity(Catalogue(), options);
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "wbe_bench_ingest_quantify";
  std::filesystem::remove_all(dir);
  wbe::WriteLabBatchesCsv(sim, dir.string());
  std::ifstream in(dir / (sim.lab_rows.front().batch_id + ".csv"));
  std::string header, line;
  std::getline(in, header);
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  std::filesystem::remove_all(dir);

  int max_injection = 0;
  for (const wbe::LabInjectionRow& r : sim.lab_rows) {
    max_injection = std::max(max_injection, r.injection);
  }
  // Columns: batch_id, injection, type, ... (data-schemas/long-format-batch.md).
  std::string csv = header + "\n";
  *rows = 0;
  for (int copy = 0; copy < copies; ++copy) {
    for (const std::string& row : lines) {
      const size_t first = row.find(',');
      const size_t second = row.find(',', first + 1);
      const size_t third = row.find(',', second + 1);
      if (copy > 0 && row.compare(second + 1, third - second - 1, "sample") != 0) continue;
      const int injection = std::stoi(row.substr(first + 1, second - first - 1));
      csv += row.substr(0, first + 1) + std::to_string(injection + copy * max_injection) +
             row.substr(second) + "\n";
      ++*rows;
    }
  }
  return csv;
}

void BM_ParseAndQuantify(benchmark::State& state) {
  size_t rows = 0;
  const std::string csv = LargeBatchCsv(static_cast<int>(state.range(0)), &rows);
  wbe::ParseOptions options;
  options.today = wbe::DayFromCivil(2030, 1, 1);
  for (const wbe::AnalyteMethod& a : Method().analytes)
    options.method_analytes.push_back(a.analyte);
  const wbe::BatchParser parser(Catalogue(), options);
  for (auto _ : state) {
    const wbe::LabBatch batch = parser.ParseBytes(csv, "large.csv");
    benchmark::DoNotOptimize(wbe::QuantifyBatch(batch, Method()));
  }
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["rows_per_s"] = benchmark::Counter(static_cast<double>(rows) * state.iterations(),
                                                    benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ParseAndQuantify)->Arg(1)->Arg(100)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
