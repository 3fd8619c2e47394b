// Lab batch rows parsed and quantified per second: one of the demo lab's weekly batches with its
// samples repeated until the batch is large, read and then calibrated, QC-checked and quantified
// by the same code `wbe ingest` runs.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <sstream>
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

// The simulator's first weekly batch as long CSV, with every sample row repeated `copies`
// times under new injection numbers.
std::string LargeBatchCsv(int copies, size_t* rows) {
  wbe::SimulationOptions options;
  options.days = 7;
  const wbe::SimulatedCity sim = wbe::SimulateCity(Catalogue(), options);
  std::string header =
      "batch_id,injection,type,level,site_id,sampling_date,analyte,area,"
      "istd_area,retention_time_min,qualifier_ratio,enrichment_factor,"
      "expected_concentration_ng_per_l\n";
  std::ostringstream csv;
  csv << header;
  *rows = 0;
  int max_injection = 0;
  for (const wbe::LabInjectionRow& r : sim.lab_rows)
    max_injection = std::max(max_injection, r.injection);
  const auto write = [&](const wbe::LabInjectionRow& r, int injection) {
    const auto num = [](double v) { return std::isnan(v) ? std::string() : std::to_string(v); };
    csv << r.batch_id << ',' << injection << ',' << r.type << ','
        << (r.level > 0 ? std::to_string(r.level) : "") << ',' << r.site_id << ','
        << wbe::FormatIsoDate(r.sampling_date) << ',' << r.analyte << ',' << num(r.area) << ','
        << num(r.istd_area) << ',' << num(r.retention_time_min) << ',' << num(r.qualifier_ratio)
        << ',' << num(r.enrichment_factor) << ',' << num(r.expected_concentration_ng_per_l) << '\n';
    ++*rows;
  };
  const std::string first_batch = sim.lab_rows.front().batch_id;
  for (int copy = 0; copy < copies; ++copy) {
    for (const wbe::LabInjectionRow& r : sim.lab_rows) {
      if (r.batch_id != first_batch) continue;
      if (copy > 0 && r.type != "sample") continue;
      write(r, r.injection + copy * max_injection);
    }
  }
  return csv.str();
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
