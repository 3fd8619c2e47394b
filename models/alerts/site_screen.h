#pragma once

#include <vector>

#include "models/alerts/alert.h"
#include "models/alerts/screening_options.h"
#include "models/catalogue/drug_catalogue.h"
#include "models/city/city.h"
#include "models/core/observations.h"

namespace wbe {

// Site-level screening of one ISO week (starting `monday`) from the lab results and flows:
// - new substance: a biomarker above the LOQ at a site where it had no result above the LOQ in
//   the lookback weeks, while the site was sampled in enough of them;
// - data gaps: days of the week a sampled site has no sample or no flow;
// - QC failures: results with QC flags, and biomarkers the site reported on other days of the
//   week but not on some sampled day (withheld after a failed QC).
// Sites with no result in the lookback weeks nor the week are not expected to report and are
// skipped. Alerts carry the site's upstream districts.
std::vector<Alert> ScreenSites(const City& city, const DrugCatalogue& catalogue,
                               const std::vector<Measurement>& measurements,
                               const std::vector<FlowRecord>& flows, DayIndex monday,
                               const ScreeningOptions& options);

// Flags that say a result is less trustworthy. "no_peak" (below the LOQ), "analyte_flagged"
// (the umbrella over the specific flags) and "lab_quantified" (the lab's own number) do not.
bool IsQcFailureFlag(const std::string& flag);

// The catalogue's Chinese name of a drug or biomarker (its last alias in Chinese script), or
// the name itself when it has none.
std::string ChineseName(const std::string& name, const std::vector<std::string>& aliases);

}  // namespace wbe
