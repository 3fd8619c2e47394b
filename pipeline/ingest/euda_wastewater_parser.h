#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace wbe {

// Readers for the EUDA (formerly EMCDDA) / SCORE "Wastewater analysis and drugs" source data
// (tests/data/euda/PROVENANCE.md): one sampling week per city, metabolite and year.

// One row of ww2025-all-data.csv: a (year, metabolite, site) week. Loads are the biomarker's
// population-normalised mass load, mg per 1000 inhabitants per day, not corrected for
// excretion.
struct EudaWeekRecord {
  long line = 0;  // line in the file, for messages
  int year = 0;
  std::string metabolite;  // as printed: "cocaine" is benzoylecgonine, "cannabis" THC-COOH
  std::string site_id;     // stable within one EUDA release only
  std::string country;
  std::string city;
  // Monday..Sunday (the file's columns run Wednesday..Tuesday). NaN: no data (empty cell).
  // A printed 0 is below the limit of quantification: the value stays 0 and below_loq is true.
  std::array<double, 7> load_mg_per_day_per_1000_by_weekday{};
  std::array<bool, 7> below_loq{};
  // EUDA's printed means (NaN when empty): weekday = Tue-Thu, weekend = Fri-Mon (2021 differs,
  // see PROVENANCE.md), daily = all observed days.
  double weekday_mean_mg_per_day_per_1000 = 0.0;
  double weekend_mean_mg_per_day_per_1000 = 0.0;
  double daily_mean_mg_per_day_per_1000 = 0.0;
};

// Parses ww2025-all-data.csv. The header must be exactly Year, Metabolite, Site ID, Country,
// City, Wednesday..Tuesday, Weekday mean, Weekend mean, Daily mean. Throws InputError naming
// the file, line and column for a wrong header, a missing or non-integer year, an empty
// metabolite or site, a value that is not a number or is negative, a short row, or a (year,
// metabolite, site) given twice; every bad row is reported at once.
std::vector<EudaWeekRecord> ParseEudaWastewaterCsv(std::string_view bytes,
                                                   const std::string& source_name);

// One row of ww2025-site-info-table.csv.
struct EudaSiteInfo {
  long line = 0;
  std::string site_id;
  std::string country;
  std::string city;
  std::string location;        // plant name(s)
  double population = 0.0;     // estimated population served; NaN when empty
  double latitude_deg = 0.0;   // NaN when empty
  double longitude_deg = 0.0;  // NaN when empty
};

// Parses ww2025-site-info-table.csv (SiteID, Country, City, Location, Latitude, Longitude,
// Population, Institution, Website; populations may be in scientific notation, "3e+05").
// Throws InputError like ParseEudaWastewaterCsv for a wrong header, a bad number, a
// non-positive population or a site listed twice.
std::vector<EudaSiteInfo> ParseEudaSiteInfoCsv(std::string_view bytes,
                                               const std::string& source_name);

}  // namespace wbe
