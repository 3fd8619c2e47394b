#include "pipeline/ingest/masshunter_parser.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "models/core/input_error.h"
#include "pipeline/ingest/csv_reader.h"
#include "pipeline/ingest/text_util.h"

namespace wbe {
namespace {

using ingest::CsvReader;
using ingest::CsvRecord;
using ingest::EndsWithIgnoreCase;
using ingest::QuoteForMessage;
using ingest::StartsWithIgnoreCase;
using ingest::Trim;

constexpr size_t kNone = SIZE_MAX;

// Field names compared without case, dots and repeated blanks: "Acq. Date-Time" and
// "Acq Date-Time" are the same field.
std::string FieldKey(std::string_view name) {
  std::string key;
  for (const char c : Trim(name)) {
    if (c == '.') continue;
    if (c == ' ' && (key.empty() || key.back() == ' ')) continue;
    key += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  while (!key.empty() && key.back() == ' ') key.pop_back();
  return key;
}

// The first `max_count` names, quoted for a message, then "...".
std::string JoinSome(const std::vector<std::string>& names, size_t max_count) {
  std::string text;
  for (size_t i = 0; i < names.size() && i < max_count; ++i) {
    text += (i > 0 ? ", " : "") + QuoteForMessage(names[i]);
  }
  if (names.size() > max_count) text += ", ... (" + std::to_string(names.size()) + " in all)";
  return text;
}

// "1 sample", "3 samples".
std::string Count(size_t count, const std::string& noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

bool IsOneOf(const std::string& key, std::initializer_list<const char*> names) {
  return std::any_of(names.begin(), names.end(), [&](const char* name) { return key == name; });
}

// The columns of one compound (its Method and Results groups together) and of its first
// qualifier.
struct Compound {
  std::string name;
  size_t first_column = 0;
  size_t rt = kNone;
  size_t area = kNone;
  size_t response = kNone;  // "Resp.", used when there is no "Area"
  size_t istd_area = kNone;
  size_t response_ratio = kNone;
  size_t final_concentration = kNone;
  size_t expected_concentration = kNone;
  std::string first_qualifier;  // its transition, e.g. "(347.3 -> 329.3)"
  size_t qualifier_ratio = kNone;
  size_t qualifier_area = kNone;
  std::vector<size_t> other_columns;  // cells whose '!' flags this compound
  std::optional<AnalyteMapping> mapping;
  const Compound* istd = nullptr;  // internal-standard compound of an analyte
};

void SetOnce(size_t* slot, size_t column) {
  if (*slot == kNone) *slot = column;
}

std::optional<InjectionType> ParseType(std::string_view text) {
  std::string key;
  for (const char c : text) {
    if (c == ' ' || c == '_' || c == '-' || c == '.') continue;
    key += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  static const std::map<std::string, InjectionType> kTypes = {
      {"sample", InjectionType::kSample},
      {"unknown", InjectionType::kSample},
      {"blank", InjectionType::kBlank},
      {"matrixblank", InjectionType::kBlank},
      {"methodblank", InjectionType::kBlank},
      {"procedureblank", InjectionType::kBlank},
      {"reagentblank", InjectionType::kBlank},
      {"solventblank", InjectionType::kBlank},
      {"solvent", InjectionType::kBlank},
      {"doubleblank", InjectionType::kDoubleBlank},
      {"cal", InjectionType::kCalibrator},
      {"calibration", InjectionType::kCalibrator},
      {"calibrator", InjectionType::kCalibrator},
      {"calstd", InjectionType::kCalibrator},
      {"standard", InjectionType::kCalibrator},
      {"std", InjectionType::kCalibrator},
      {"qc", InjectionType::kQc},
      {"qcstd", InjectionType::kQc},
      {"qualitycontrol", InjectionType::kQc},
      {"cc", InjectionType::kQc},
      {"ccv", InjectionType::kQc},
      {"responsecheck", InjectionType::kResponseCheck},
      {"tunecheck", InjectionType::kResponseCheck},
      {"systemsuitability", InjectionType::kResponseCheck},
      {"matrix", InjectionType::kOther},
      {"matrixdup", InjectionType::kOther},
      {"matrixspike", InjectionType::kOther},
      {"other", InjectionType::kOther},
  };
  const auto it = kTypes.find(key);
  if (it == kTypes.end()) return std::nullopt;
  return it->second;
}

// Cell texts MassHunter and spreadsheets use for "no value".
bool IsMissingToken(std::string_view text) {
  for (const char* token : {"N/F", "NF", "N/A", "NA", "n.a.", "-", "--", "No Peak", "Not Found",
                            "ND", "n.d.", "NaN", "< 0", "<0"}) {
    if (ingest::EqualsIgnoreCase(text, token)) return true;
  }
  return false;
}

bool IsDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A sample name following "<site>_<YYYY-MM-DD>[_...]" or "<site>_<YYYYMMDD>[_...]" ('_' or a
// blank between the parts): the site and the date as ISO text. The shortest site wins.
bool SplitSampleName(std::string_view name, std::string_view* site, std::string* iso_date) {
  for (size_t p = 1; p + 1 < name.size(); ++p) {
    if (name[p] != '_' && name[p] != ' ') continue;
    const std::string_view rest = name.substr(p + 1);
    size_t length = 0;
    if (rest.size() >= 10 && IsDigits(rest.substr(0, 4)) && rest[4] == '-' &&
        IsDigits(rest.substr(5, 2)) && rest[7] == '-' && IsDigits(rest.substr(8, 2))) {
      length = 10;
      iso_date->assign(rest.substr(0, 10));
    } else if (rest.size() >= 8 && IsDigits(rest.substr(0, 8))) {
      length = 8;
      *iso_date = std::string(rest.substr(0, 4)) + "-" + std::string(rest.substr(4, 2)) + "-" +
                  std::string(rest.substr(6, 2));
    } else {
      continue;
    }
    if (rest.size() > length) {
      const char after = rest[length];
      if (after != '_' && after != ' ' && after != '-' && after != '.') continue;
    }
    *site = Trim(name.substr(0, p));
    if (site->empty()) continue;
    return true;
  }
  return false;
}

// "1/20/25 17:00", "26/11/2024 3:05 pm", "2024/11/26 15:05", "2024-11-26 15:05",
// "26.11.2024 15:05": the date's three numbers in written order, and whether the order is
// already known (year first, or dots = day first).
struct WrittenDate {
  int first = 0;
  int second = 0;
  int year = 0;
  bool year_first = false;  // Y/M/D or ISO
  bool day_first = false;   // D.M.Y
};

std::optional<WrittenDate> SplitWrittenDate(std::string_view text) {
  text = Trim(text);
  const size_t blank = text.find(' ');
  const std::string_view date = text.substr(0, blank);
  char separator = 0;
  for (const char c : {'/', '-', '.'}) {
    if (date.find(c) != std::string_view::npos) separator = c;
  }
  if (separator == 0) return std::nullopt;
  std::string_view parts[3];
  size_t start = 0;
  for (int i = 0; i < 3; ++i) {
    const size_t end = i < 2 ? date.find(separator, start) : date.size();
    if (end == std::string_view::npos) return std::nullopt;
    parts[i] = date.substr(start, end - start);
    start = end + 1;
    if (!IsDigits(parts[i]) || parts[i].size() > 4) return std::nullopt;
  }
  WrittenDate written;
  const auto value = [](std::string_view digits) { return std::stoi(std::string(digits)); };
  if (parts[0].size() == 4) {
    written.year_first = true;
    written.year = value(parts[0]);
    written.first = value(parts[1]);   // month
    written.second = value(parts[2]);  // day
  } else {
    if (parts[2].size() != 2 && parts[2].size() != 4) return std::nullopt;
    written.first = value(parts[0]);
    written.second = value(parts[1]);
    written.year = value(parts[2]) + (parts[2].size() == 2 ? 2000 : 0);
    written.day_first = separator == '.';
  }
  return written;
}

std::optional<DayIndex> ToDay(int year, int month, int day) {
  if (month < 1 || month > 12 || day < 1 || year < 1900 || year > 9999) return std::nullopt;
  try {
    char text[32];
    std::snprintf(text, sizeof(text), "%04d-%02d-%02d", year, month, day);
    return ParseIsoDate(text);  // rejects 31 April and friends
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
}

class MassHunterReader {
 public:
  MassHunterReader(std::string_view bytes, const std::string& source_name,
                   const AnalyteAliasTable& aliases, const ParseOptions& options)
      : reader_(bytes, source_name),
        source_(source_name),
        aliases_(aliases),
        options_(options),
        known_sites_(options.known_sites.begin(), options.known_sites.end()) {}

  LabBatch Read() {
    batch_.format = "masshunter";
    batch_.source_name = source_;
    batch_.batch_id = BatchIdFromName(source_);
    ReadHeader();
    while (reader_.Next(&record_)) {
      if (record_.AllFieldsBlank()) continue;
      ReadInjection();
    }
    if (batch_.injections.empty()) {
      throw InputError(source_, 3, "", "no injection rows after the two header rows");
    }
    FinishDates();
    FinishWarnings();
    return std::move(batch_);
  }

 private:
  static std::string BatchIdFromName(const std::string& source) {
    std::string name = source.substr(source.find_last_of("/\\") + 1);
    const size_t dot = name.find_last_of('.');
    if (dot != std::string::npos && dot > 0) name.resize(dot);
    return name;
  }

  [[noreturn]] void Fail(size_t column, const std::string& message) const {
    throw InputError(source_, record_.line, column == kNone ? "" : reader_.ColumnLabel(column),
                     message);
  }

  void ReadHeader() {
    if (!reader_.Next(&record_)) {
      throw InputError(source_, 1, "header",
                       "the file is empty; expected MassHunter's two header rows");
    }
    std::vector<std::string> groups(record_.fields.begin(), record_.fields.end());
    const long group_line = record_.line;
    if (!reader_.Next(&record_)) {
      throw InputError(source_, group_line + 1, "header",
                       "the field-name row (Data File, Type, ...) is missing: the file seems "
                       "truncated");
    }
    const size_t count = record_.fields.size();
    for (size_t i = count; i < groups.size(); ++i) {
      if (!Trim(groups[i]).empty()) {
        throw InputError(
            source_, group_line, "column " + std::to_string(i + 1),
            "group header " + QuoteForMessage(groups[i]) + " has no field name under it in row 2");
      }
    }
    groups.resize(count);
    field_count_ = count;

    std::vector<std::string> labels(count);
    std::string group;
    Compound* compound = nullptr;
    bool qualifier = false;
    bool results = false;
    std::string qualifier_transition;
    for (size_t i = 0; i < count; ++i) {
      if (const std::string_view cell = Trim(groups[i]); !cell.empty()) {
        group.assign(cell);
        results = EndsWithIgnoreCase(cell, "Results");
        const bool grouped = results || EndsWithIgnoreCase(cell, "Method");
        const std::string_view stem =
            grouped ? Trim(cell.substr(0, cell.size() - (results ? 7 : 6))) : cell;
        qualifier = grouped && StartsWithIgnoreCase(stem, "Qualifier");
        if (!grouped) {
          compound = nullptr;
        } else if (qualifier) {
          qualifier_transition.assign(Trim(stem.substr(9)));
          if (compound != nullptr && compound->first_qualifier.empty()) {
            compound->first_qualifier = qualifier_transition;
          }
        } else if (stem.empty()) {
          compound = nullptr;
        } else {
          compound = &FindOrAddCompound(stem, i);
        }
      }
      const std::string_view field = Trim(record_.fields[i]);
      const std::string key = FieldKey(field);
      labels[i] = group.empty() || compound == nullptr ? std::string(field)
                                                       : group + "/" + std::string(field);
      if (compound == nullptr) {
        if (group.empty() || !qualifier) ClassifyInjectionField(key, i);
        continue;
      }
      if (qualifier) {
        if (qualifier_transition != compound->first_qualifier) continue;
        if (IsOneOf(key, {"ratio", "qualifier ratio", "qual ratio"})) {
          SetOnce(&compound->qualifier_ratio, i);
        } else if (key == "area" && results) {
          SetOnce(&compound->qualifier_area, i);
        }
        continue;
      }
      if (key == "rt" || key == "ret time") {
        if (results) SetOnce(&compound->rt, i);
      } else if (key == "area") {
        SetOnce(&compound->area, i);
      } else if (IsOneOf(key, {"resp", "response"})) {
        SetOnce(&compound->response, i);
      } else if (IsOneOf(key, {"istd resp", "istd area", "is area", "is resp", "istd response"})) {
        SetOnce(&compound->istd_area, i);
      } else if (IsOneOf(key, {"istd resp ratio", "resp ratio", "response ratio", "area ratio"})) {
        SetOnce(&compound->response_ratio, i);
      } else if (IsOneOf(key, {"final conc", "calc conc", "calculated conc", "conc"})) {
        SetOnce(&compound->final_concentration, i);
      } else if (IsOneOf(key, {"exp conc", "expected conc", "nominal conc"})) {
        SetOnce(&compound->expected_concentration, i);
      } else {
        compound->other_columns.push_back(i);
      }
    }
    reader_.SetColumnLabels(labels);

    if (data_file_column_ == kNone && name_column_ == kNone) {
      throw InputError(source_, record_.line, "header",
                       "no 'Data File' or 'Name' column in the field-name row; is this a "
                       "MassHunter Quant export with its two header rows?");
    }
    if (type_column_ == kNone) {
      throw InputError(source_, record_.line, "header",
                       "no 'Type' column in the field-name row (Sample, Blank, Cal, QC ...)");
    }
    if (compounds_.empty()) {
      throw InputError(source_, group_line, "header",
                       "no '<Compound> Results' group headers in the first row");
    }
    MapCompounds(group_line);
  }

  Compound& FindOrAddCompound(std::string_view name, size_t column) {
    const auto it = compound_by_name_.find(name);
    if (it != compound_by_name_.end()) return *it->second;
    Compound compound;
    compound.name.assign(name);
    compound.first_column = column;
    compounds_.push_back(std::move(compound));
    compound_by_name_.emplace(compounds_.back().name, &compounds_.back());
    return compounds_.back();
  }

  void ClassifyInjectionField(const std::string& key, size_t column) {
    if (key.empty()) {
      marker_columns_.push_back(column);  // MassHunter's leading outlier-marker cells
    } else if (key == "data file") {
      SetOnce(&data_file_column_, column);
    } else if (key == "name" || key == "sample name") {
      SetOnce(&name_column_, column);
    } else if (key == "type" || key == "sample type") {
      SetOnce(&type_column_, column);
    } else if (key == "level") {
      SetOnce(&level_column_, column);
    } else if (IsOneOf(key, {"acq date-time", "acq date", "acquisition date",
                             "acquisition date-time", "acq time"})) {
      SetOnce(&acquired_column_, column);
    } else if (IsOneOf(key, {"dil", "dilution", "dil factor", "dilution factor"})) {
      SetOnce(&dilution_column_, column);
    }
  }

  void MapCompounds(long group_line) {
    std::map<std::string, const Compound*> by_analyte;
    for (Compound& compound : compounds_) {
      compound.mapping = aliases_.Find(compound.name);
      if (!compound.mapping) {
        batch_.unmapped_analytes.push_back(compound.name);
        continue;
      }
      if (compound.mapping->internal_standard) continue;
      const auto [it, inserted] = by_analyte.emplace(compound.mapping->analyte, &compound);
      if (!inserted) {
        throw InputError(
            source_, group_line,
            compound.name + " Results (column " + std::to_string(compound.first_column + 1) + ")",
            QuoteForMessage(compound.name) + " and " + QuoteForMessage(it->second->name) +
                " both map to " + compound.mapping->analyte);
      }
      analytes_.push_back(&compound);
    }
    if (analytes_.empty()) {
      std::vector<std::string> names;
      for (const Compound& compound : compounds_) names.push_back(compound.name);
      throw InputError(source_, group_line, "header",
                       "none of the compounds (" + JoinSome(names, 12) +
                           ") is a known biomarker or method analyte; add them to the alias "
                           "table or pass the method's analytes");
    }
    for (Compound* analyte : analytes_) {
      const std::string method_istd = aliases_.MethodInternalStandardOf(analyte->mapping->analyte);
      for (const Compound& candidate : compounds_) {
        if (!candidate.mapping || !candidate.mapping->internal_standard) continue;
        const bool named = !method_istd.empty() && AnalyteAliasTable::Key(candidate.name) ==
                                                       AnalyteAliasTable::Key(method_istd);
        if (named ||
            (method_istd.empty() && candidate.mapping->analyte == analyte->mapping->analyte)) {
          analyte->istd = &candidate;
          break;
        }
      }
    }
  }

  // The cell's text without MassHunter's '!' outlier marker, and whether it had one.
  std::string_view Cell(size_t column, bool* flagged = nullptr) const {
    if (column == kNone) return {};
    std::string_view text = Trim(record_.fields[column]);
    if (!text.empty() && text.front() == '!') {
      text = Trim(text.substr(1));
      if (flagged != nullptr) *flagged = true;
    }
    return text;
  }

  // A number or nothing; `min_zero` refuses negatives (areas, times, nominal values).
  std::optional<double> Number(size_t column, bool* flagged, bool min_zero = true) const {
    const std::string_view text = Cell(column, flagged);
    if (text.empty() || IsMissingToken(text)) return std::nullopt;
    const std::optional<double> value = ingest::ParseNumber(text);
    if (!value) Fail(column, QuoteForMessage(text) + " is not a number");
    if (min_zero && *value < 0) Fail(column, "must be zero or positive, got " + std::string(text));
    return value;
  }

  void ReadInjection() {
    if (record_.fields.size() < field_count_) {
      Fail(record_.fields.size(), "row has " + std::to_string(record_.fields.size()) +
                                      " fields, the header has " + std::to_string(field_count_) +
                                      (reader_.at_end() ? ": the file seems truncated" : ""));
    }
    for (size_t i = field_count_; i < record_.fields.size(); ++i) {
      if (!Trim(record_.fields[i]).empty()) {
        Fail(i, "row has " + std::to_string(record_.fields.size()) + " fields, the header has " +
                    std::to_string(field_count_));
      }
    }
    bool row_flagged = false;
    for (const size_t column : marker_columns_) {
      if (!Trim(record_.fields[column]).empty() && Trim(record_.fields[column]).front() == '!') {
        row_flagged = true;
      }
    }
    Injection injection;
    injection.source_row = record_.line;
    const size_t name_column = data_file_column_ != kNone ? data_file_column_ : name_column_;
    injection.name.assign(Cell(name_column, &row_flagged));
    if (injection.name.empty()) Fail(name_column, "is empty; every injection needs a name");
    const auto [previous, inserted] = names_.emplace(injection.name, record_.line);
    if (!inserted) {
      Fail(name_column, QuoteForMessage(injection.name) + " appears twice (first at line " +
                            std::to_string(previous->second) + "): duplicated injection");
    }
    const std::string_view type_text = Cell(type_column_, &row_flagged);
    if (type_text.empty()) Fail(type_column_, "is empty; expected Sample, Blank, Cal, QC ...");
    const std::optional<InjectionType> type = ParseType(type_text);
    if (!type) {
      Fail(type_column_, QuoteForMessage(type_text) +
                             " is not a MassHunter sample type (Sample, Blank, DoubleBlank, Cal, "
                             "QC, CC, ResponseCheck, TuneCheck, Matrix ...)");
    }
    injection.type = *type;
    injection.level.assign(Cell(level_column_, &row_flagged));
    if (dilution_column_ != kNone) {
      if (const std::optional<double> dilution = Number(dilution_column_, &row_flagged)) {
        if (*dilution <= 0) Fail(dilution_column_, "dilution must be positive");
        injection.enrichment_factor = 1.0 / *dilution;
      }
    }
    if (acquired_column_ != kNone) {
      acquired_.push_back(std::string(Cell(acquired_column_)));
    }
    if (injection.type == InjectionType::kSample) {
      SampleSiteAndDay(&injection, name_column_ != kNone ? name_column_ : data_file_column_);
    }
    row_flagged_count_ += row_flagged ? 1 : 0;

    for (const Compound* compound : analytes_) {
      AnalyteResponse response;
      response.analyte = compound->mapping->analyte;
      response.lab_name = compound->name;
      response.source_row = record_.line;
      bool flagged = row_flagged;
      response.area = Number(compound->area, &flagged);
      if (!response.area) response.area = Number(compound->response, &flagged);
      response.istd_area = Number(compound->istd_area, &flagged);
      if (!response.istd_area && compound->istd != nullptr) {
        bool istd_flagged = false;  // the ISTD's own outliers do not flag the analyte
        response.istd_area = Number(compound->istd->area, &istd_flagged);
        if (!response.istd_area)
          response.istd_area = Number(compound->istd->response, &istd_flagged);
      }
      response.response_ratio = Number(compound->response_ratio, &flagged);
      response.retention_time_min = Number(compound->rt, &flagged);
      response.expected_concentration = Number(compound->expected_concentration, &flagged);
      response.vendor_concentration =
          Number(compound->final_concentration, &flagged, /*min_zero=*/false);
      response.qualifier_ratio = Number(compound->qualifier_ratio, &flagged);
      if (!response.qualifier_ratio && compound->qualifier_area != kNone) {
        // Only areas exported: the ratio as MassHunter computes it, qualifier/quantifier in %.
        const std::optional<double> qualifier_area = Number(compound->qualifier_area, &flagged);
        if (qualifier_area && response.area && *response.area > 0) {
          response.qualifier_ratio = 100.0 * *qualifier_area / *response.area;
        }
      }
      for (const size_t column : compound->other_columns) Cell(column, &flagged);
      response.outlier_flagged = flagged;
      injection.responses.push_back(std::move(response));
    }
    batch_.injections.push_back(std::move(injection));
  }

  void SampleSiteAndDay(Injection* injection, size_t column) {
    std::string_view name = Cell(column);
    if (EndsWithIgnoreCase(name, ".d")) name.remove_suffix(2);
    std::string_view site;
    std::string iso_date;
    if (!SplitSampleName(name, &site, &iso_date)) {
      unnamed_samples_.emplace_back(name);
      return;
    }
    DayIndex day = 0;
    try {
      day = ParseIsoDate(iso_date);
    } catch (const std::invalid_argument&) {
      Fail(column, "the sample name " + QuoteForMessage(name) + " holds '" + iso_date +
                       "', which is not a valid sampling date");
    }
    if (day > options_.today) {
      Fail(column, "the sampling date " + iso_date + " in " + QuoteForMessage(name) +
                       " is in the future (today is " + FormatIsoDate(options_.today) + ")");
    }
    if (!known_sites_.empty() && known_sites_.count(site) == 0) {
      std::string known;
      for (size_t i = 0; i < options_.known_sites.size() && i < 12; ++i) {
        known += (i > 0 ? ", " : "") + options_.known_sites[i];
      }
      Fail(column, "the site " + QuoteForMessage(site) + " in the sample name " +
                       QuoteForMessage(name) + " is not a known site (known: " + known + ")");
    }
    injection->site_id.assign(site);
    injection->sampling_day = day;
  }

  // Acquisition dates: MassHunter writes them in the PC's locale, so month/day order is read
  // off the column as a whole (a value above 12 settles it).
  void FinishDates() {
    std::vector<WrittenDate> dates;
    bool month_first_seen = false;
    bool day_first_seen = false;
    size_t unreadable = 0;
    for (const std::string& text : acquired_) {
      const std::optional<WrittenDate> written = SplitWrittenDate(text);
      if (!written) {
        unreadable += text.empty() ? 0 : 1;
        continue;
      }
      if (!written->year_first && !written->day_first) {
        if (written->first > 12) day_first_seen = true;
        if (written->second > 12) month_first_seen = true;
      }
      dates.push_back(*written);
    }
    if (month_first_seen && day_first_seen) {
      batch_.warnings.push_back(
          "Acq. Date-Time mixes month/day and day/month dates; analysis "
          "day left empty");
      return;
    }
    bool ambiguous = false;
    for (const WrittenDate& written : dates) {
      std::optional<DayIndex> day;
      if (written.year_first) {
        day = ToDay(written.year, written.first, written.second);
      } else if (written.day_first || day_first_seen) {
        day = ToDay(written.year, written.second, written.first);
      } else {
        day = ToDay(written.year, written.first, written.second);
        ambiguous = ambiguous || written.first != written.second;
      }
      if (!day) {
        ++unreadable;
        continue;
      }
      if (!batch_.analysis_day || *day < *batch_.analysis_day) batch_.analysis_day = day;
    }
    if (ambiguous && !month_first_seen) {
      batch_.warnings.push_back(
          "Acq. Date-Time dates read as month/day/year (no day above 12 "
          "tells the order)");
    }
    if (unreadable > 0) {
      batch_.warnings.push_back(Count(unreadable, "Acq. Date-Time value") +
                                " not readable as a date");
    }
  }

  void FinishWarnings() {
    if (!batch_.unmapped_analytes.empty()) {
      batch_.warnings.push_back("compounds not in the alias table, skipped: " +
                                JoinSome(batch_.unmapped_analytes, 20));
    }
    for (const Compound* analyte : analytes_) {
      if (analyte->istd == nullptr && analyte->istd_area == kNone &&
          analyte->response_ratio == kNone) {
        batch_.warnings.push_back("no internal standard found for " + analyte->name);
      }
    }
    if (row_flagged_count_ > 0) {
      batch_.warnings.push_back(
          Count(row_flagged_count_, "injection") +
          " carrying MassHunter's row outlier marker '!': all their results are flagged");
    }
    if (!unnamed_samples_.empty()) {
      const std::string names = JoinSome(unnamed_samples_, 8);
      batch_.warnings.push_back(Count(unnamed_samples_.size(), "sample") +
                                " not named <site>_<YYYY-MM-DD>, so without site and sampling "
                                "day: " +
                                names);
    }
  }

  CsvReader reader_;
  CsvRecord record_;
  std::string source_;
  const AnalyteAliasTable& aliases_;
  const ParseOptions& options_;
  std::set<std::string, std::less<>> known_sites_;
  LabBatch batch_;
  size_t field_count_ = 0;
  std::deque<Compound> compounds_;  // a deque, so pointers to compounds stay valid
  std::map<std::string, Compound*, std::less<>> compound_by_name_;
  std::vector<Compound*> analytes_;
  size_t data_file_column_ = kNone;
  size_t name_column_ = kNone;
  size_t type_column_ = kNone;
  size_t level_column_ = kNone;
  size_t acquired_column_ = kNone;
  size_t dilution_column_ = kNone;
  std::vector<size_t> marker_columns_;
  std::map<std::string, long> names_;  // injection name -> line
  std::vector<std::string> acquired_;  // Acq. Date-Time texts
  std::vector<std::string> unnamed_samples_;
  size_t row_flagged_count_ = 0;
};

}  // namespace

LabBatch ParseMassHunterCsv(std::string_view bytes, const std::string& source_name,
                            const AnalyteAliasTable& aliases, const ParseOptions& options) {
  return MassHunterReader(bytes, source_name, aliases, options).Read();
}

}  // namespace wbe
