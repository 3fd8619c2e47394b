// The EUDA/SCORE wastewater source data (tests/data/euda/, see PROVENANCE.md) and bad inputs.
#include "pipeline/ingest/euda_wastewater_parser.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/core/input_error.h"

namespace wbe {
namespace {

using ::testing::HasSubstr;

// Monday-based weekdays, as the parser stores them.
constexpr size_t kMonday = 0, kTuesday = 1, kWednesday = 2, kThursday = 3, kFriday = 4,
                 kSaturday = 5, kSunday = 6;

const std::string kHeader =
    "\"Year\",\"Metabolite\",\"Site ID\",\"Country\",\"City\",\"Wednesday\",\"Thursday\","
    "\"Friday\",\"Saturday\",\"Sunday\",\"Monday\",\"Tuesday\",\"Weekday mean\",\"Weekend "
    "mean\",\"Daily mean\"\n";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string EudaFile(const std::string& name) {
  return std::string(WBE_TEST_DATA_DIR) + "/euda/" + name;
}

const std::vector<EudaWeekRecord>& RealRecords() {
  static const std::vector<EudaWeekRecord> records =
      ParseEudaWastewaterCsv(ReadFile(EudaFile("ww2025-all-data.csv")), "ww2025-all-data.csv");
  return records;
}

const EudaWeekRecord& Find(int year, const std::string& metabolite, const std::string& site) {
  for (const EudaWeekRecord& record : RealRecords()) {
    if (record.year == year && record.metabolite == metabolite && record.site_id == site) {
      return record;
    }
  }
  ADD_FAILURE() << "no row " << year << " " << metabolite << " " << site;
  static const EudaWeekRecord none;
  return none;
}

std::string ErrorOf(const std::string& text) {
  try {
    ParseEudaWastewaterCsv(text, "all.csv");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(EudaWastewaterParserTest, ReadsTheWholeRealFile) {
  const std::vector<EudaWeekRecord>& records = RealRecords();
  EXPECT_EQ(records.size(), 4376u);  // PROVENANCE.md: 4,376 rows
  std::set<std::string> metabolites;
  int first_year = 9999, last_year = 0;
  for (const EudaWeekRecord& record : records) {
    metabolites.insert(record.metabolite);
    first_year = std::min(first_year, record.year);
    last_year = std::max(last_year, record.year);
  }
  EXPECT_EQ(metabolites, (std::set<std::string>{"MDMA", "amphetamine", "cannabis", "cocaine",
                                                "ketamine", "methamphetamine"}));
  EXPECT_EQ(first_year, 2011);
  EXPECT_EQ(last_year, 2024);
}

TEST(EudaWastewaterParserTest, PutsTheDaysInWeekdayOrder) {
  // File order Wed..Tue: 8.82, 12.87, 12.45, 28.11, 26.8, 10.5, 9.13; means 10.27, 19.47, 15.53.
  const EudaWeekRecord& graz = Find(2024, "MDMA", "AT001");
  EXPECT_EQ(graz.line, 2);
  EXPECT_EQ(graz.country, "AT");
  EXPECT_EQ(graz.city, "Graz");
  const auto& load = graz.load_mg_per_day_per_1000_by_weekday;
  EXPECT_DOUBLE_EQ(load[kWednesday], 8.82);
  EXPECT_DOUBLE_EQ(load[kThursday], 12.87);
  EXPECT_DOUBLE_EQ(load[kFriday], 12.45);
  EXPECT_DOUBLE_EQ(load[kSaturday], 28.11);
  EXPECT_DOUBLE_EQ(load[kSunday], 26.8);
  EXPECT_DOUBLE_EQ(load[kMonday], 10.5);
  EXPECT_DOUBLE_EQ(load[kTuesday], 9.13);
  EXPECT_DOUBLE_EQ(graz.weekday_mean_mg_per_day_per_1000, 10.27);
  EXPECT_DOUBLE_EQ(graz.weekend_mean_mg_per_day_per_1000, 19.47);
  EXPECT_DOUBLE_EQ(graz.daily_mean_mg_per_day_per_1000, 15.53);
  for (const bool below : graz.below_loq) EXPECT_FALSE(below);
}

TEST(EudaWastewaterParserTest, KeepsBelowLoqApartFromNoData) {
  // Huittinen 2024 MDMA: Friday empty (no data); Trollhättan: every day 0 (below the LOQ).
  const EudaWeekRecord& huittinen = Find(2024, "MDMA", "FI003");
  EXPECT_TRUE(std::isnan(huittinen.load_mg_per_day_per_1000_by_weekday[kFriday]));
  EXPECT_FALSE(huittinen.below_loq[kFriday]);
  EXPECT_DOUBLE_EQ(huittinen.load_mg_per_day_per_1000_by_weekday[kThursday], 0.7);
  const EudaWeekRecord& trollhattan = Find(2024, "MDMA", "SE009");
  for (size_t d = 0; d < 7; ++d) {
    EXPECT_EQ(trollhattan.load_mg_per_day_per_1000_by_weekday[d], 0.0);
    EXPECT_TRUE(trollhattan.below_loq[d]);
  }
  int below = 0, missing = 0;
  for (const EudaWeekRecord& record : RealRecords()) {
    for (size_t d = 0; d < 7; ++d) {
      below += record.below_loq[d] ? 1 : 0;
      missing += std::isnan(record.load_mg_per_day_per_1000_by_weekday[d]) ? 1 : 0;
    }
  }
  EXPECT_GT(below, 0);
  EXPECT_GT(missing, 0);
}

TEST(EudaWastewaterParserTest, ReadsTheSiteTable) {
  const std::vector<EudaSiteInfo> sites = ParseEudaSiteInfoCsv(
      ReadFile(EudaFile("ww2025-site-info-table.csv")), "ww2025-site-info-table.csv");
  EXPECT_EQ(sites.size(), 217u);
  EXPECT_EQ(sites[0].site_id, "AT001");
  EXPECT_EQ(sites[0].city, "Graz");
  EXPECT_DOUBLE_EQ(sites[0].population, 425000.0);
  EXPECT_DOUBLE_EQ(sites[0].latitude_deg, 47.070713);
  std::set<std::string> ids;
  for (const EudaSiteInfo& site : sites) {
    ids.insert(site.site_id);
    EXPECT_GT(site.population, 0.0) << site.site_id;  // incl. "3e+05" forms
  }
  // PROVENANCE.md: every site of the all-data file is in the table.
  for (const EudaWeekRecord& record : RealRecords()) EXPECT_TRUE(ids.count(record.site_id));
}

TEST(EudaWastewaterParserTest, BadInputNamesFileLineAndColumn) {
  EXPECT_THAT(ErrorOf(""), HasSubstr("all.csv:1: the file is empty"));
  // Days in a different order would silently shift every weekday: refused.
  std::string swapped = kHeader;
  swapped.replace(swapped.find("Wednesday"), 9, "Monday");
  EXPECT_THAT(ErrorOf(swapped), HasSubstr("all.csv:1: column 6: expected 'Wednesday'"));
  EXPECT_THAT(ErrorOf("Year,Metabolite\n2024,MDMA\n"),
              HasSubstr("all.csv:1: column 3: expected 'Site ID', found nothing"));
  const std::string row = "2024,MDMA,AT001,AT,Graz,";
  EXPECT_EQ(ErrorOf(kHeader + row + "8.82,12.87,n.d.,28.11,26.8,10.5,9.13,1,2,3\n"),
            "all.csv:2: Friday: 'n.d.' is not a number");
  EXPECT_EQ(ErrorOf(kHeader + row + "8.82,12.87,-1,28.11,26.8,10.5,9.13,1,2,3\n"),
            "all.csv:2: Friday: must not be negative, got -1");
  EXPECT_EQ(ErrorOf(kHeader + "20x4,MDMA,AT001,AT,Graz,1,1,1,1,1,1,1,1,1,1\n"),
            "all.csv:2: Year: '20x4' is not a year");
  EXPECT_THAT(ErrorOf(kHeader + row + "1,1,1\n"), HasSubstr("all.csv:2: the row has 8 fields"));
  EXPECT_THAT(ErrorOf(kHeader + row + "1,1,1,1,1,1,1,1,1,1\n" + row + "1,1,1,1,1,1,1,1,1,1\n"),
              HasSubstr("all.csv:3: Site ID: MDMA 2024 at AT001 is given twice (first on line 2)"));
  EXPECT_THAT(ErrorOf(kHeader), HasSubstr("no data rows"));
  // Every bad row is reported at once.
  EXPECT_THAT(ErrorOf(kHeader + row + "x,1,1,1,1,1,1,1,1,1\n" + row + "1,1,1,1,1,1,y,1,1,1\n"),
              HasSubstr("(and 1 more problem"));
}

TEST(EudaWastewaterParserTest, ParsesAHandWrittenRow) {
  const std::vector<EudaWeekRecord> records = ParseEudaWastewaterCsv(
      kHeader + "2013,cocaine,XX001,XX,\"Town, (2)\",1,2,,0,5,6,7,,,4\r\n", "all.csv");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].city, "Town, (2)");
  EXPECT_DOUBLE_EQ(records[0].load_mg_per_day_per_1000_by_weekday[kMonday], 6.0);
  EXPECT_TRUE(std::isnan(records[0].load_mg_per_day_per_1000_by_weekday[kFriday]));
  EXPECT_TRUE(records[0].below_loq[kSaturday]);
  EXPECT_TRUE(std::isnan(records[0].weekday_mean_mg_per_day_per_1000));
  EXPECT_DOUBLE_EQ(records[0].daily_mean_mg_per_day_per_1000, 4.0);
}

TEST(EudaWastewaterParserTest, SiteTableErrors) {
  const std::string header =
      "\"SiteID\",\"Country\",\"City\",\"Location\",\"Latitude\",\"Longitude\",\"Population\","
      "\"Institution\",\"Website\"\n";
  const auto error_of = [](const std::string& text) -> std::string {
    try {
      ParseEudaSiteInfoCsv(text, "sites.csv");
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_THAT(error_of("SiteID,Country\n"), HasSubstr("sites.csv:1: column 3: expected 'City'"));
  EXPECT_EQ(error_of(header + "A1,AT,X,P,47.1,15.4,many,I,W\n"),
            "sites.csv:2: Population: 'many' is not a number");
  EXPECT_EQ(error_of(header + "A1,AT,X,P,47.1,15.4,0,I,W\n"),
            "sites.csv:2: Population: must be positive (a population served)");
  EXPECT_THAT(error_of(header + "A1,AT,X,P,1,1,3e+05,I,W\nA1,AT,X,P,1,1,3e+05,I,W\n"),
              HasSubstr("sites.csv:3: SiteID: site A1 is listed twice"));
  const std::vector<EudaSiteInfo> sites =
      ParseEudaSiteInfoCsv(header + "A1,AT,X,P,\"44.8\xC2\xA0\xC2\xA0\",1,3e+05,I,W\n", "s.csv");
  ASSERT_EQ(sites.size(), 1u);
  EXPECT_DOUBLE_EQ(sites[0].latitude_deg, 44.8);  // the real table has no-break spaces there
  EXPECT_DOUBLE_EQ(sites[0].population, 300000.0);
}

}  // namespace
}  // namespace wbe
