#include "pipeline/service/store_snapshot.h"

#include "pipeline/jobs/ingest_job.h"

namespace wbe {

std::string BatchOfMeasurement(const std::string& batch_version_id) {
  const size_t at = batch_version_id.rfind("@v");
  return at == std::string::npos ? batch_version_id : batch_version_id.substr(0, at);
}

std::shared_ptr<StoreSnapshot> StoreSnapshot::FromContents(StoreContents contents) {
  auto snapshot = std::make_shared<StoreSnapshot>();
  snapshot->attributes = std::move(contents.attributes);
  snapshot->city = std::make_shared<const City>(std::move(contents.city));
  snapshot->flows = std::make_shared<const std::vector<FlowRecord>>(std::move(contents.flows));
  std::map<std::string, std::vector<Measurement>> by_batch;
  for (Measurement& m : contents.measurements) {
    by_batch[BatchOfMeasurement(m.batch_id)].push_back(std::move(m));
  }
  for (auto& [batch, rows] : by_batch) {
    snapshot->measurements_by_batch[batch] =
        std::make_shared<const std::vector<Measurement>>(std::move(rows));
  }
  std::map<std::string, std::vector<SiteDayEstimate>> by_site;
  for (SiteDayEstimate& e : contents.site_estimates) by_site[e.site_id].push_back(std::move(e));
  for (auto& [site, rows] : by_site) {
    snapshot->estimates_by_site[site] =
        std::make_shared<const std::vector<SiteDayEstimate>>(std::move(rows));
  }
  auto districts = std::make_shared<DistrictEstimateTables>();
  districts->daily = std::move(contents.district_estimates);
  districts->weekly = std::move(contents.district_week_estimates);
  districts->groups = std::move(contents.district_groups);
  districts->flags = std::move(contents.estimate_flags);
  snapshot->districts = std::move(districts);
  snapshot->truth = std::make_shared<const std::optional<GroundTruth>>(std::move(contents.truth));
  return snapshot;
}

StoreContents StoreSnapshot::ToContents() const {
  StoreContents contents;
  contents.attributes = attributes;
  if (city) contents.city = *city;
  if (flows) contents.flows = *flows;
  ForEachMeasurement([&](const Measurement& m) { contents.measurements.push_back(m); });
  ForEachEstimate([&](const SiteDayEstimate& e) { contents.site_estimates.push_back(e); });
  if (districts) {
    contents.district_estimates = districts->daily;
    contents.district_week_estimates = districts->weekly;
    contents.district_groups = districts->groups;
    contents.estimate_flags = districts->flags;
  }
  if (truth) contents.truth = *truth;
  NormaliseOrder(&contents);
  return contents;
}

void StoreSnapshot::ForEachMeasurement(const std::function<void(const Measurement&)>& visit) const {
  for (const auto& [batch, rows] : measurements_by_batch) {
    for (const Measurement& m : *rows) visit(m);
  }
}

void StoreSnapshot::ForEachEstimate(
    const std::function<void(const SiteDayEstimate&)>& visit) const {
  for (const auto& [site, rows] : estimates_by_site) {
    for (const SiteDayEstimate& e : *rows) visit(e);
  }
}

std::vector<Measurement> StoreSnapshot::MeasurementsOf(const SiteDaySet* site_days) const {
  std::vector<Measurement> selected;
  ForEachMeasurement([&](const Measurement& m) {
    if (site_days == nullptr || site_days->count({m.site_id, m.day}) > 0) selected.push_back(m);
  });
  return selected;
}

SiteDaySet StoreSnapshot::MeasuredSiteDays() const {
  SiteDaySet site_days;
  ForEachMeasurement([&](const Measurement& m) { site_days.insert({m.site_id, m.day}); });
  return site_days;
}

bool StoreSnapshot::HasMeasurements() const {
  for (const auto& [batch, rows] : measurements_by_batch) {
    if (!rows->empty()) return true;
  }
  return false;
}

namespace {

StoreContents WithAttributes(const std::map<std::string, std::string>& attributes) {
  StoreContents contents;
  contents.attributes = attributes;
  return contents;
}

}  // namespace

int64_t StoreSnapshot::ManifestSeq() const { return StoreManifestSeq(WithAttributes(attributes)); }

int64_t StoreSnapshot::EstimatedSeq() const {
  return StoreEstimatedSeq(WithAttributes(attributes));
}

void StoreSnapshot::SetManifestSeq(int64_t seq) {
  StoreContents contents = WithAttributes(attributes);
  SetStoreManifestSeq(&contents, seq);
  attributes = std::move(contents.attributes);
}

void StoreSnapshot::SetEstimatedSeq(int64_t seq) {
  StoreContents contents = WithAttributes(attributes);
  SetStoreEstimatedSeq(&contents, seq);
  attributes = std::move(contents.attributes);
}

}  // namespace wbe
