#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "models/backcalc/site_day_back_calculation.h"
#include "models/catalogue/drug_catalogue.h"
#include "pipeline/store/hdf5_store.h"

namespace wbe {

// (site_id, day): the unit a lab result and a site estimate belong to.
using SiteDay = std::pair<std::string, DayIndex>;
using SiteDaySet = std::set<SiteDay>;

SiteDaySet SiteDaysOf(const std::vector<Measurement>& measurements);

struct ReestimateSummary {
  size_t site_days = 0;  // site-days whose estimates were replaced
  size_t estimates = 0;  // estimates written for them
  size_t skipped = 0;    // measurements that could not be used (e.g. no flow that day)
};

// The estimates of `site_days` (every site-day when null) computed from `contents`, which is
// not changed. `summary` (optional) receives the counts.
std::vector<SiteDayEstimate> EstimateSiteDays(const DrugCatalogue& catalogue,
                                              const StoreContents& contents,
                                              const SiteDaySet* site_days,
                                              const SiteDayBackCalculationOptions& options,
                                              ReestimateSummary* summary = nullptr);

// The same from the parts: `measurements` are those of `site_days` already selected.
std::vector<SiteDayEstimate> EstimateSiteDays(const DrugCatalogue& catalogue, const City& city,
                                              const std::vector<FlowRecord>& flows,
                                              const std::vector<Measurement>& measurements,
                                              const SiteDaySet* site_days,
                                              const SiteDayBackCalculationOptions& options,
                                              ReestimateSummary* summary = nullptr);

// Back-calculates the measurements of `site_days` again (every site-day when `site_days` is
// null) and replaces the estimates of exactly those site-days in `contents`: a site-day that
// lost its measurements (a superseded batch) loses its estimates too. The store attribute
// "estimated_seq" is not touched; the caller says what the estimates now reflect.
ReestimateSummary ReestimateSiteDays(const DrugCatalogue& catalogue, const SiteDaySet* site_days,
                                     const SiteDayBackCalculationOptions& options,
                                     StoreContents* contents);

// The manifest sequence number the store's estimates reflect (attribute estimated_seq), or -1.
int64_t StoreEstimatedSeq(const StoreContents& contents);
void SetStoreEstimatedSeq(StoreContents* contents, int64_t seq);

}  // namespace wbe
