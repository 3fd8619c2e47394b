#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/jobs/reestimate_job.h"
#include "pipeline/store/hdf5_store.h"

namespace wbe {

// The network inversion's tables (replaced whole when districts are re-estimated).
struct DistrictEstimateTables {
  std::vector<DistrictEstimate> daily;
  std::vector<DistrictEstimate> weekly;
  std::vector<DistrictGroup> groups;
  std::vector<EstimateFlag> flags;
};

// The store as a running server holds it: StoreContents cut into immutable shared parts, so that
// a new version after an upload copies only what the upload changes (one batch's measurements),
// not the whole store. Readers hold a shared_ptr to one version and never see another.
struct StoreSnapshot {
  std::map<std::string, std::string> attributes;
  std::shared_ptr<const City> city;
  std::shared_ptr<const std::vector<FlowRecord>> flows;
  // The current version's measurements of each batch, by batch id ("W10" for "W10@v2").
  std::map<std::string, std::shared_ptr<const std::vector<Measurement>>> measurements_by_batch;
  // Site estimates, by site id.
  std::map<std::string, std::shared_ptr<const std::vector<SiteDayEstimate>>> estimates_by_site;
  std::shared_ptr<const DistrictEstimateTables> districts;
  std::shared_ptr<const std::optional<GroundTruth>> truth;

  static std::shared_ptr<StoreSnapshot> FromContents(StoreContents contents);
  // The whole store, rows in NormaliseOrder (for the HDF5 file and for tests).
  StoreContents ToContents() const;

  void ForEachMeasurement(const std::function<void(const Measurement&)>& visit) const;
  void ForEachEstimate(const std::function<void(const SiteDayEstimate&)>& visit) const;
  // The measurements of the given site-days (every one when null).
  std::vector<Measurement> MeasurementsOf(const SiteDaySet* site_days) const;
  SiteDaySet MeasuredSiteDays() const;
  bool HasMeasurements() const;

  int64_t ManifestSeq() const;   // attribute manifest_seq, -1 when unset
  int64_t EstimatedSeq() const;  // attribute estimated_seq, -1 when unset
  void SetManifestSeq(int64_t seq);
  void SetEstimatedSeq(int64_t seq);
};

// "W10@v2" -> "W10": the batch a measurement's provenance names.
std::string BatchOfMeasurement(const std::string& batch_version_id);

}  // namespace wbe
