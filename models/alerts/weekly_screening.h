#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/alerts/alert.h"
#include "models/alerts/risk_ranking.h"
#include "models/alerts/screening_options.h"
#include "models/alerts/series_screen.h"
#include "models/alerts/site_spike_screen.h"
#include "models/catalogue/drug_catalogue.h"
#include "models/city/city.h"
#include "models/core/observations.h"
#include "models/forecast/district_series.h"
#include "models/inversion/district_estimate.h"

namespace wbe {

// What the screening reads: the estimates and the lab data a store holds. Pointers are not
// owned and must outlive the call.
struct ScreeningInputs {
  const City* city = nullptr;
  const DrugCatalogue* catalogue = nullptr;
  const std::vector<DistrictEstimate>* daily_estimates = nullptr;  // days == 1
  const std::vector<DistrictEstimate>* week_estimates = nullptr;   // days == 7
  const std::vector<EstimateFlag>* estimate_flags = nullptr;
  const std::vector<Measurement>* measurements = nullptr;
  const std::vector<FlowRecord>* flows = nullptr;
  // The daily series of daily_estimates (BuildDistrictSeries(..., 1)); built when null. Pass
  // them when screening many weeks of the same estimates.
  const std::vector<DistrictSeries>* daily_series = nullptr;
  // The site-day loads (BuildSiteLoadHistories(measurements, flows)); built when null.
  const std::vector<SiteLoadHistory>* site_series = nullptr;
};

// Fitted models kept between weeks when replaying many weeks: with refit false, a series
// whose model is cached only re-runs the Kalman filter.
struct ScreeningCache {
  bool refit = true;
  std::map<std::pair<std::string, std::string>, FittedModel> models;  // (group, drug) ->
};

struct SkippedSeries {
  std::string group_id;
  std::string drug;
  std::string reason;
};

// The weekly screening report: alerts with evidence and reasons, the ranking, the chart data.
struct ScreeningReport {
  IsoWeek week;
  DayIndex monday = 0;
  std::vector<Alert> alerts;  // AlertBefore order
  std::vector<DistrictRisk> ranking;
  std::vector<SeriesOutlook> outlooks;  // every screened series, (group, drug) order
  std::vector<SkippedSeries> skipped;
  std::string catalogue_version;
  std::vector<std::string> batch_ids;  // lab batches behind the week's estimates
  nlohmann::json options;

  // Deterministic: the same inputs and week give the same JSON (no clock in it).
  nlohmann::json ToJson() const;
  std::string BriefReport() const;
};

// Screens the ISO week starting `monday` (a Monday). Throws std::invalid_argument for bad
// options, a day that is not a Monday or missing inputs. Series are screened in parallel on
// `threads` threads (0: all cores). progress(done, total), when given, is called as series
// finish, from the calling thread.
ScreeningReport ScreenWeek(const ScreeningInputs& inputs, DayIndex monday,
                           const ScreeningOptions& options, ScreeningCache* cache = nullptr,
                           int threads = 0,
                           const std::function<void(int, int)>& progress = nullptr);

}  // namespace wbe
