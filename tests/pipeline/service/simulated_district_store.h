#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "models/catalogue/drug_catalogue.h"
#include "pipeline/store/hdf5_store.h"

namespace wbe {

// A simulated demo city's store (written under out_dir) with the network inversion's daily and
// weekly district estimates added in memory: what the weekly screening reads.
std::shared_ptr<const StoreContents> SimulatedStoreWithDistrictEstimates(
    const DrugCatalogue& catalogue, const std::string& out_dir, uint64_t seed, int days);

}  // namespace wbe
