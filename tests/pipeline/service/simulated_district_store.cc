// Kept apart from the screening's headers: this file needs the inversion's (estimate_job.h).

#include "tests/pipeline/service/simulated_district_store.h"

#include "pipeline/jobs/estimate_job.h"
#include "pipeline/jobs/simulate_job.h"

namespace wbe {

std::shared_ptr<const StoreContents> SimulatedStoreWithDistrictEstimates(
    const DrugCatalogue& catalogue, const std::string& out_dir, uint64_t seed, int days) {
  SimulateJobOptions simulate;
  simulate.out_dir = out_dir;
  simulate.seed = seed;
  simulate.days = days;
  const SimulateJobSummary simulated = RunSimulateJob(catalogue, simulate);
  auto contents = std::make_shared<StoreContents>(Hdf5Store::Read(simulated.store_path));
  EstimateDistricts(catalogue, EstimateJobOptions{}, contents.get());
  return contents;
}

}  // namespace wbe
