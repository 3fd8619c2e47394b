#include "pipeline/jobs/reestimate_job.h"

#include "pipeline/jobs/ingest_job.h"

#include <algorithm>
#include <iterator>

namespace wbe {
namespace {

constexpr const char* kEstimatedSeqAttribute = "estimated_seq";

}  // namespace

SiteDaySet SiteDaysOf(const std::vector<Measurement>& measurements) {
  SiteDaySet site_days;
  for (const Measurement& m : measurements) site_days.insert({m.site_id, m.day});
  return site_days;
}

std::vector<SiteDayEstimate> EstimateSiteDays(const DrugCatalogue& catalogue, const City& city,
                                              const std::vector<FlowRecord>& flows,
                                              const std::vector<Measurement>& measurements,
                                              const SiteDaySet* site_days,
                                              const SiteDayBackCalculationOptions& options,
                                              ReestimateSummary* summary) {
  SiteDayBackCalculationResult result;
  if (!measurements.empty() && !city.sites.empty()) {
    result = BackCalculateSiteDays(catalogue, city, flows, measurements, options);
  }
  if (summary != nullptr) {
    summary->site_days = site_days == nullptr ? SiteDaysOf(measurements).size() : site_days->size();
    summary->estimates = result.estimates.size();
    summary->skipped = result.skipped.size();
  }
  return std::move(result.estimates);
}

std::vector<SiteDayEstimate> EstimateSiteDays(const DrugCatalogue& catalogue,
                                              const StoreContents& contents,
                                              const SiteDaySet* site_days,
                                              const SiteDayBackCalculationOptions& options,
                                              ReestimateSummary* summary) {
  std::vector<Measurement> measurements;
  for (const Measurement& m : contents.measurements) {
    if (site_days == nullptr || site_days->count({m.site_id, m.day}) > 0) measurements.push_back(m);
  }
  return EstimateSiteDays(catalogue, contents.city, contents.flows, measurements, site_days,
                          options, summary);
}

ReestimateSummary ReestimateSiteDays(const DrugCatalogue& catalogue, const SiteDaySet* site_days,
                                     const SiteDayBackCalculationOptions& options,
                                     StoreContents* contents) {
  ReestimateSummary summary;
  std::vector<SiteDayEstimate> fresh =
      EstimateSiteDays(catalogue, *contents, site_days, options, &summary);
  std::vector<SiteDayEstimate>& estimates = contents->site_estimates;
  estimates.erase(
      std::remove_if(estimates.begin(), estimates.end(),
                     [&](const SiteDayEstimate& e) {
                       return site_days == nullptr || site_days->count({e.site_id, e.day}) > 0;
                     }),
      estimates.end());
  estimates.insert(estimates.end(), std::make_move_iterator(fresh.begin()),
                   std::make_move_iterator(fresh.end()));
  return summary;
}

int64_t StoreEstimatedSeq(const StoreContents& contents) {
  return StoreSeqAttribute(contents, kEstimatedSeqAttribute);
}

void SetStoreEstimatedSeq(StoreContents* contents, int64_t seq) {
  contents->attributes[kEstimatedSeqAttribute] = std::to_string(seq);
}

}  // namespace wbe
