#pragma once

#include <map>
#include <string>
#include <vector>

#include "models/alerts/alert.h"
#include "models/alerts/screening_options.h"
#include "models/city/city.h"
#include "models/inversion/district_estimate.h"

namespace wbe {

// Under-registration ("最大限度发现隐性吸毒人员"): for each district group whose members all
// have a registered-user count, the week's estimated users of each drug (from consumption,
// typical dose and doses per user) against the group's registered users of all drugs. One
// drug's lower 5 % bound above the registered count x the minimum ratio means users the
// registers do not know of, whatever the overlap between drugs. week_rows: ISO-week rows
// (days == 7) of the week starting `monday`. drug_titles_zh: Chinese drug names for reasons.
std::vector<Alert> ScreenRegistration(const City& city,
                                      const std::vector<DistrictEstimate>& week_rows,
                                      DayIndex monday, const ScreeningOptions& options,
                                      const std::map<std::string, std::string>& drug_titles_zh);

}  // namespace wbe
