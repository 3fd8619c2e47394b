#include "pipeline/jobs/reestimate_job.h"

#include <algorithm>

namespace wbe {
namespace {

constexpr const char* kEstimatedSeqAttribute = "estimated_seq";

}  // namespace

SiteDaySet SiteDaysOf(const std::vector<Measurement>& measurements) {
  SiteDaySet site_days;
  for (const Measurement& m : measurements) site_days.insert({m.site_id, m.day});
  return site_days;
}

ReestimateSummary ReestimateSiteDays(const DrugCatalogue& catalogue, const SiteDaySet* site_days,
                                     const SiteDayBackCalculationOptions& options,
                                     StoreContents* contents) {
  const auto selected = [&](const std::string& site_id, DayIndex day) {
    return site_days == nullptr || site_days->count({site_id, day}) > 0;
  };
  std::vector<Measurement> measurements;
  for (const Measurement& m : contents->measurements) {
    if (selected(m.site_id, m.day)) measurements.push_back(m);
  }
  SiteDayBackCalculationResult result;
  if (!measurements.empty() && !contents->city.sites.empty()) {
    result =
        BackCalculateSiteDays(catalogue, contents->city, contents->flows, measurements, options);
  }
  std::vector<SiteDayEstimate>& estimates = contents->site_estimates;
  estimates.erase(
      std::remove_if(estimates.begin(), estimates.end(),
                     [&](const SiteDayEstimate& e) { return selected(e.site_id, e.day); }),
      estimates.end());
  estimates.insert(estimates.end(), result.estimates.begin(), result.estimates.end());

  ReestimateSummary summary;
  summary.site_days =
      site_days == nullptr ? SiteDaysOf(contents->measurements).size() : site_days->size();
  summary.estimates = result.estimates.size();
  summary.skipped = result.skipped.size();
  return summary;
}

int64_t StoreEstimatedSeq(const StoreContents& contents) {
  const auto seq = contents.attributes.find(kEstimatedSeqAttribute);
  if (seq == contents.attributes.end()) return -1;
  try {
    return std::stoll(seq->second);
  } catch (const std::exception&) {
    return -1;
  }
}

void SetStoreEstimatedSeq(StoreContents* contents, int64_t seq) {
  contents->attributes[kEstimatedSeqAttribute] = std::to_string(seq);
}

}  // namespace wbe
