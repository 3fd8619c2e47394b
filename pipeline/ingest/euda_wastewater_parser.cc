#include "pipeline/ingest/euda_wastewater_parser.h"

#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "models/core/input_error.h"
#include "pipeline/ingest/csv_reader.h"
#include "pipeline/ingest/text_util.h"

namespace wbe {
namespace {

// The release's column order; the parsers check it exactly so a different release or a
// re-saved spreadsheet with moved columns fails loudly instead of shifting days.
const std::vector<std::string>& AllDataColumns() {
  static const std::vector<std::string> columns = {
      "Year",      "Metabolite", "Site ID",      "Country",      "City",
      "Wednesday", "Thursday",   "Friday",       "Saturday",     "Sunday",
      "Monday",    "Tuesday",    "Weekday mean", "Weekend mean", "Daily mean"};
  return columns;
}

constexpr size_t kFirstDayColumn = 5;  // Wednesday
// Monday-based weekday (0 = Monday) of each day column, Wednesday first.
constexpr std::array<int, 7> kWeekdayOfDayColumn = {2, 3, 4, 5, 6, 0, 1};

const std::vector<std::string>& SiteInfoColumns() {
  static const std::vector<std::string> columns = {"SiteID",     "Country",     "City",
                                                   "Location",   "Latitude",    "Longitude",
                                                   "Population", "Institution", "Website"};
  return columns;
}

// ASCII blanks and the no-break spaces (U+00A0) a spreadsheet leaves after some numbers.
std::string_view TrimCell(std::string_view text) {
  constexpr std::string_view kNoBreakSpace = "\xC2\xA0";
  for (;;) {
    const std::string_view before = text;
    text = ingest::Trim(text);
    while (text.size() >= 2 && text.substr(0, 2) == kNoBreakSpace) text.remove_prefix(2);
    while (text.size() >= 2 && text.substr(text.size() - 2) == kNoBreakSpace) {
      text.remove_suffix(2);
    }
    if (text == before) return text;
  }
}

void CheckHeader(const ingest::CsvRecord& record, const std::vector<std::string>& expected,
                 const std::string& source_name, const std::string& what) {
  std::string wanted;
  for (const std::string& name : expected) wanted += (wanted.empty() ? "" : ", ") + name;
  for (size_t i = 0; i < expected.size(); ++i) {
    const std::string found =
        i < record.fields.size() ? std::string(TrimCell(record.fields[i])) : std::string();
    if (found != expected[i]) {
      throw InputError(
          source_name, record.line, "column " + std::to_string(i + 1),
          "expected '" + expected[i] + "', found " +
              (found.empty() ? std::string("nothing") : ingest::QuoteForMessage(found)) +
              "; the header of " + what + " must be: " + wanted);
    }
  }
  if (record.fields.size() > expected.size()) {
    throw InputError(source_name, record.line, "column " + std::to_string(expected.size() + 1),
                     "unexpected extra column " +
                         ingest::QuoteForMessage(record.fields[expected.size()]) +
                         "; the header of " + what + " must be: " + wanted);
  }
}

// Cell access with messages that name the file, line and column label.
class RowReader {
 public:
  RowReader(const ingest::CsvRecord& record, const std::vector<std::string>& columns,
            const std::string& source_name)
      : record_(record), columns_(columns), source_name_(source_name) {
    if (record.fields.size() != columns.size()) {
      throw InputError(source_name, record.line, "",
                       "the row has " + std::to_string(record.fields.size()) +
                           " fields, the header " + std::to_string(columns.size()));
    }
  }

  std::string Text(size_t index) const { return std::string(TrimCell(record_.fields[index])); }

  std::string RequiredText(size_t index) const {
    std::string text = Text(index);
    if (text.empty()) Fail(index, "is empty");
    return text;
  }

  // NaN for an empty cell; refuses text that is not a number and negative values.
  double OptionalNonNegative(size_t index) const {
    const std::string text = Text(index);
    if (text.empty()) return std::nan("");
    const std::optional<double> value = ingest::ParseNumber(text);
    if (!value || !std::isfinite(*value)) {
      Fail(index, ingest::QuoteForMessage(text) + " is not a number");
    }
    if (*value < 0.0) Fail(index, "must not be negative, got " + text);
    return *value;
  }

  double OptionalNumber(size_t index) const {
    const std::string text = Text(index);
    if (text.empty()) return std::nan("");
    const std::optional<double> value = ingest::ParseNumber(text);
    if (!value || !std::isfinite(*value)) {
      Fail(index, ingest::QuoteForMessage(text) + " is not a number");
    }
    return *value;
  }

  [[noreturn]] void Fail(size_t index, const std::string& message) const {
    throw InputError(source_name_, record_.line, columns_[index], message);
  }

 private:
  const ingest::CsvRecord& record_;
  const std::vector<std::string>& columns_;
  const std::string& source_name_;
};

}  // namespace

std::vector<EudaWeekRecord> ParseEudaWastewaterCsv(std::string_view bytes,
                                                   const std::string& source_name) {
  const std::vector<std::string>& columns = AllDataColumns();
  ingest::CsvReader reader(bytes, source_name);
  reader.SetColumnLabels(columns);
  ingest::CsvRecord record;
  if (!reader.Next(&record)) {
    throw InputError(source_name, 1, "", "the file is empty; expected the EUDA all-data header");
  }
  CheckHeader(record, columns, source_name, "EUDA's ww2025-all-data.csv");
  std::map<std::tuple<int, std::string, std::string>, long> first_line;
  std::vector<EudaWeekRecord> weeks;
  InputErrorCollector problems;  // every bad row in one report
  while (reader.Next(&record)) {
    if (record.AllFieldsBlank()) continue;
    try {
      const RowReader row(record, columns, source_name);
      EudaWeekRecord week;
      week.line = record.line;
      const std::string year_text = row.RequiredText(0);
      const std::optional<long> year = ingest::ParseWholeNumber(year_text);
      if (!year || *year < 1 || *year > 9999) {
        row.Fail(0, ingest::QuoteForMessage(year_text) + " is not a year");
      }
      week.year = static_cast<int>(*year);
      week.metabolite = row.RequiredText(1);
      week.site_id = row.RequiredText(2);
      week.country = row.Text(3);
      week.city = row.Text(4);
      for (size_t i = 0; i < kWeekdayOfDayColumn.size(); ++i) {
        const size_t weekday = static_cast<size_t>(kWeekdayOfDayColumn[i]);
        const double load = row.OptionalNonNegative(kFirstDayColumn + i);
        week.load_mg_per_day_per_1000_by_weekday[weekday] = load;
        week.below_loq[weekday] = load == 0.0;
      }
      week.weekday_mean_mg_per_day_per_1000 = row.OptionalNonNegative(12);
      week.weekend_mean_mg_per_day_per_1000 = row.OptionalNonNegative(13);
      week.daily_mean_mg_per_day_per_1000 = row.OptionalNonNegative(14);
      const auto [first, inserted] =
          first_line.emplace(std::make_tuple(week.year, week.metabolite, week.site_id), week.line);
      if (!inserted) {
        row.Fail(2, week.metabolite + " " + std::to_string(week.year) + " at " + week.site_id +
                        " is given twice (first on line " + std::to_string(first->second) + ")");
      }
      weeks.push_back(std::move(week));
    } catch (const InputError& e) {
      if (!problems.Add(e)) break;
    }
  }
  problems.ThrowIfAny();
  if (weeks.empty()) {
    throw InputError(source_name, record.line, "", "the file has a header but no data rows");
  }
  return weeks;
}

std::vector<EudaSiteInfo> ParseEudaSiteInfoCsv(std::string_view bytes,
                                               const std::string& source_name) {
  const std::vector<std::string>& columns = SiteInfoColumns();
  ingest::CsvReader reader(bytes, source_name);
  reader.SetColumnLabels(columns);
  ingest::CsvRecord record;
  if (!reader.Next(&record)) {
    throw InputError(source_name, 1, "", "the file is empty; expected the EUDA site-info header");
  }
  CheckHeader(record, columns, source_name, "EUDA's ww2025-site-info-table.csv");
  std::map<std::string, long> first_line;
  std::vector<EudaSiteInfo> sites;
  InputErrorCollector problems;
  while (reader.Next(&record)) {
    if (record.AllFieldsBlank()) continue;
    try {
      const RowReader row(record, columns, source_name);
      EudaSiteInfo site;
      site.line = record.line;
      site.site_id = row.RequiredText(0);
      site.country = row.Text(1);
      site.city = row.Text(2);
      site.location = row.Text(3);
      site.latitude_deg = row.OptionalNumber(4);
      site.longitude_deg = row.OptionalNumber(5);
      site.population = row.OptionalNonNegative(6);
      if (site.population == 0.0) row.Fail(6, "must be positive (a population served)");
      const auto [first, inserted] = first_line.emplace(site.site_id, site.line);
      if (!inserted) {
        row.Fail(0, "site " + site.site_id + " is listed twice (first on line " +
                        std::to_string(first->second) + ")");
      }
      sites.push_back(std::move(site));
    } catch (const InputError& e) {
      if (!problems.Add(e)) break;
    }
  }
  problems.ThrowIfAny();
  return sites;
}

}  // namespace wbe
