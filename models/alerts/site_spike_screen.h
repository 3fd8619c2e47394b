#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "models/alerts/alert.h"
#include "models/alerts/screening_options.h"
#include "models/catalogue/drug_catalogue.h"
#include "models/city/city.h"
#include "models/core/observations.h"
#include "models/forecast/district_series.h"
#include "models/forecast/forecaster.h"
#include "models/inversion/district_estimate.h"

namespace wbe {

// Spikes are looked for in the lab's own observations, not in the district estimates: the
// estimator is built to be robust (a Huber loss and a smooth day-to-day prior), so it absorbs
// a one-day jump rather than follow it. A site-day load above its forecast's simultaneous bound
// is a spike at that site; the districts behind it are the site's catchment less the
// catchments of sites inside it that saw no spike that day.

// One site x biomarker as a daily log-load series (mg/day): concentration x flow; results below
// the LOQ, and days without a result or a flow, are missing.
struct SiteLoadHistory {
  std::string site_id;
  std::string biomarker;
  DayIndex first_day = 0;
  std::vector<double> log_loads;
  // 1 where a result of the day carries a QC failure flag (blank contamination, failed QC
  // samples, ion ratio ...): such a day cannot carry a spike alert on its own.
  std::vector<uint8_t> qc_flagged;
  // The day's concentration over its LOQ (the lowest, when there are several results).
  std::vector<double> min_concentration_ratio_to_loq;
};

std::vector<SiteLoadHistory> BuildSiteLoadHistories(const std::vector<Measurement>& measurements,
                                                    const std::vector<FlowRecord>& flows);

// models: fitted hyper-parameters per (site, biomarker), reused instead of refitting when
// `refit` is false and filled with new fits otherwise (may be null: always fit).
// groups: the district groups of the estimates (id and members), for the attribution.
// drug_titles_zh: Chinese names for the reasons.
std::vector<Alert> ScreenSiteSpikes(
    const City& city, const DrugCatalogue& catalogue, const std::vector<SiteLoadHistory>& series,
    const std::vector<EstimateFlag>& flags,
    const std::vector<std::pair<std::string, std::string>>& groups, DayIndex monday,
    const ScreeningOptions& options, const std::map<std::string, std::string>& drug_titles_zh,
    std::map<std::pair<std::string, std::string>, FittedModel>* models, bool refit);

}  // namespace wbe
