// Monte Carlo draws per second for one site-day-drug back-calculation (the README quotes it).
#include <benchmark/benchmark.h>

#include "models/backcalc/back_calculator.h"

namespace {

void BM_BackCalculationMonteCarlo(benchmark::State& state) {
  const wbe::DrugCatalogue catalogue = wbe::DrugCatalogue::LoadDefault();
  wbe::UncertaintyOptions options;
  options.draws = static_cast<int>(state.range(0));
  const wbe::BackCalculator calculator(catalogue, options);
  wbe::BackCalculationInput input;
  input.drug = "heroin";  // the longest chain: stability, a non-target correction, doses, users
  input.biomarker = "morphine";
  input.concentration_ng_per_l = 120;
  input.flow_m3_per_day = 150000;
  input.population = 600000;
  input.residence_gravity_h = 4;
  for (auto _ : state) {
    input.stream_id++;
    benchmark::DoNotOptimize(calculator.Estimate(input));
  }
  state.counters["draws_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * options.draws, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BackCalculationMonteCarlo)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
