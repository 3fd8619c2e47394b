// Lab batch rows parsed per second: a large generated long-format CSV and a large generated
// MassHunter wide export, read from memory by the same BatchParser the service uses.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "models/catalogue/drug_catalogue.h"
#include "pipeline/ingest/batch_parser.h"

namespace {

const wbe::DrugCatalogue& Catalogue() {
  static const wbe::DrugCatalogue catalogue = wbe::DrugCatalogue::LoadDefault();
  return catalogue;
}

std::vector<std::string> Analytes() {
  std::vector<std::string> names;
  for (const wbe::Biomarker& biomarker : Catalogue().biomarkers()) names.push_back(biomarker.name);
  return names;
}

wbe::ParseOptions Options() {
  wbe::ParseOptions options;
  options.today = wbe::DayFromCivil(2026, 11, 29);
  options.known_sites = {"WWTP-IN", "MH-N", "MH-AB", "MH-A", "MH-DE"};
  return options;
}

// A long-format batch like the demo lab's, with `injections` injections x every biomarker.
std::string LongCsv(int injections, size_t* rows) {
  const std::vector<std::string> analytes = Analytes();
  const char* sites[] = {"WWTP-IN", "MH-N", "MH-AB", "MH-A", "MH-DE"};
  std::string text =
      "batch_id,injection,type,level,site_id,sampling_date,analyte,area,istd_area,"
      "retention_time_min,qualifier_ratio,enrichment_factor,expected_concentration_ng_per_l\n";
  char line[256];
  *rows = 0;
  for (int injection = 1; injection <= injections; ++injection) {
    const bool cal = injection % 20 < 8;
    for (size_t a = 0; a < analytes.size(); ++a) {
      const double area = 1000.0 + 37.25 * injection + 11.5 * static_cast<double>(a);
      if (cal) {
        std::snprintf(line, sizeof(line),
                      "BENCH-2026-W32,%d,cal,%d,,2026-08-11,%s,%.2f,%.2f,3.41,0.52,1,%d\n",
                      injection, injection % 20 + 1, analytes[a].c_str(), area,
                      150000.0 + static_cast<double>(a), 200 * (injection % 20 + 1));
      } else {
        std::snprintf(line, sizeof(line),
                      "BENCH-2026-W32,%d,sample,,%s,2026-08-%02d,%s,%.2f,%.2f,3.41,0.52,200,\n",
                      injection, sites[injection % 5], 3 + injection % 7, analytes[a].c_str(), area,
                      140000.0 + static_cast<double>(a));
      }
      text += line;
      ++*rows;
    }
  }
  return text;
}

// A MassHunter wide export: per biomarker a Results group (RT, Area, Exp. Conc., Final Conc.,
// Accuracy, MI), its first qualifier's Ratio and a "-D5" ISTD group with RT and Area.
std::string MassHunterCsv(int injections) {
  const std::vector<std::string> analytes = Analytes();
  std::string groups = "Sample,,,,,";
  std::string fields = ",Name,Data File,Type,Level,Acq. Date-Time";
  for (const std::string& analyte : analytes) {
    groups += "," + analyte + " Results,,,,,,Qualifier (150.1 -> 91.1) Results," + analyte +
              "-D5 Results,";
    fields += ",RT,Area,Exp. Conc.,Final Conc.,Accuracy,MI,Ratio,RT,Area";
  }
  std::string text = groups + "\n" + fields + "\n";
  char cell[160];
  for (int injection = 1; injection <= injections; ++injection) {
    const bool cal = injection % 20 < 8;
    std::snprintf(cell, sizeof(cell), "%s,%s%d,S%d.d,%s,%s,8/11/2026 9:%02d",
                  injection % 11 == 0 ? "!" : "", cal ? "Cal " : "MH-N_2026-08-0",
                  cal ? injection : 3 + injection % 7, injection, cal ? "Cal" : "Sample",
                  cal ? "A" : "", injection % 60);
    text += cell;
    for (size_t a = 0; a < analytes.size(); ++a) {
      std::snprintf(cell, sizeof(cell), ",3.%02zu,%.1f,%s,%.3f,%s,FALSE,%.1f,3.%02zu,%.0f", a + 10,
                    1000.0 + 37.25 * injection, cal ? "5" : "", 4.9 + 0.001 * a, cal ? "98.2" : "",
                    30.0 + static_cast<double>(a), a + 10, 150000.0 + static_cast<double>(a));
      text += cell;
    }
    text += "\n";
  }
  return text;
}

void BM_ParseLongCsv(benchmark::State& state) {
  size_t rows = 0;
  const std::string text = LongCsv(static_cast<int>(state.range(0)), &rows);
  const wbe::BatchParser parser(Catalogue(), Options());
  for (auto _ : state) benchmark::DoNotOptimize(parser.ParseBytes(text, "bench.csv"));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["rows"] = static_cast<double>(rows);
}
BENCHMARK(BM_ParseLongCsv)->Arg(20000)->Unit(benchmark::kMillisecond);

void BM_ParseMassHunter(benchmark::State& state) {
  const int injections = static_cast<int>(state.range(0));
  const std::string text = MassHunterCsv(injections);
  const wbe::BatchParser parser(Catalogue(), Options());
  size_t responses = 0;
  for (auto _ : state) {
    const wbe::LabBatch batch = parser.ParseBytes(text, "bench-masshunter.csv");
    responses = batch.injections.size() * batch.injections.front().responses.size();
    benchmark::DoNotOptimize(batch);
  }
  // A MassHunter row is one injection; it holds one result per analyte.
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * injections);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["rows"] = injections;
  state.counters["analyte_results_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * responses), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ParseMassHunter)->Arg(20000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
