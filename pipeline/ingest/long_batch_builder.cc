#include "pipeline/ingest/long_batch_builder.h"

#include <algorithm>
#include <cmath>

#include "models/core/input_error.h"
#include "pipeline/ingest/text_util.h"

namespace wbe::ingest {
namespace {

std::string Number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", value);
  return buffer;
}

bool IsBatchIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

std::optional<InjectionType> ParseType(std::string_view text) {
  if (EqualsIgnoreCase(text, "blank")) return InjectionType::kBlank;
  if (EqualsIgnoreCase(text, "cal")) return InjectionType::kCalibrator;
  if (EqualsIgnoreCase(text, "qc")) return InjectionType::kQc;
  if (EqualsIgnoreCase(text, "sample")) return InjectionType::kSample;
  return std::nullopt;
}

std::string JoinSome(const std::vector<std::string>& names, size_t max_count) {
  std::string text;
  for (size_t i = 0; i < names.size() && i < max_count; ++i) {
    if (i > 0) text += ", ";
    text += names[i];
  }
  if (names.size() > max_count) text += ", ...";
  return text;
}

}  // namespace

LongBatchBuilder::LongBatchBuilder(std::string source_name, const AnalyteAliasTable& aliases,
                                   const ParseOptions& options, LabBatch* batch)
    : source_name_(std::move(source_name)),
      aliases_(aliases),
      options_(options),
      batch_(batch),
      known_sites_(options.known_sites.begin(), options.known_sites.end()) {}

void LongBatchBuilder::Fail(const RowLocation& where, std::string_view column,
                            const std::string& message) const {
  throw InputError(source_name_, where.row, where.field_prefix + std::string(column), message);
}

std::string LongBatchBuilder::Describe(const InjectionState& state) const {
  if (state.first_row > 0) return "line " + std::to_string(state.first_row);
  return state.first_prefix.substr(0, state.first_prefix.size() - 1);  // "/rows/3"
}

DayIndex LongBatchBuilder::ParseDate(std::string_view text, const RowLocation& where) {
  if (text == last_date_text_ && !text.empty()) return last_date_;
  DayIndex day = 0;
  try {
    day = ParseIsoDate(text);
  } catch (const std::invalid_argument&) {
    Fail(where, "sampling_date",
         QuoteForMessage(text) + " is not a date in YYYY-MM-DD form (e.g. 2026-08-03)");
  }
  if (day > options_.today) {
    Fail(where, "sampling_date",
         std::string(text) + " is in the future (today is " + FormatIsoDate(options_.today) + ")");
  }
  last_date_text_.assign(text);
  last_date_ = day;
  return day;
}

const std::optional<AnalyteMapping>& LongBatchBuilder::MapAnalyte(std::string_view name) {
  auto it = analyte_cache_.find(name);
  if (it == analyte_cache_.end()) {
    it = analyte_cache_.emplace(std::string(name), aliases_.Find(name)).first;
  }
  return it->second;
}

void LongBatchBuilder::AddRow(const LongRow& row, const RowLocation& where) {
  ++rows_;
  // batch_id: one per file.
  if (row.batch_id.empty()) Fail(where, "batch_id", "is empty; every row names its batch");
  if (batch_->batch_id.empty()) {
    if (!std::all_of(row.batch_id.begin(), row.batch_id.end(), IsBatchIdChar)) {
      Fail(where, "batch_id",
           QuoteForMessage(row.batch_id) + " may hold only letters, digits, '_', '.' and '-'");
    }
    batch_->batch_id.assign(row.batch_id);
  } else if (row.batch_id != batch_->batch_id) {
    Fail(where, "batch_id",
         QuoteForMessage(row.batch_id) + " differs from '" + batch_->batch_id +
             "' of the rows before; one file holds one batch");
  }

  if (!row.injection) Fail(where, "injection", "is empty; every row names its injection");
  if (*row.injection < 1) {
    Fail(where, "injection",
         "must be 1 or more (run position), got " + std::to_string(*row.injection));
  }
  if (row.type.empty()) Fail(where, "type", "is empty; expected blank, cal, qc or sample");
  const std::optional<InjectionType> type = ParseType(row.type);
  if (!type) {
    Fail(where, "type", QuoteForMessage(row.type) + " is not one of blank, cal, qc, sample");
  }
  const bool sample = *type == InjectionType::kSample;
  const bool leveled = *type == InjectionType::kCalibrator || *type == InjectionType::kQc;
  const char* type_name = InjectionTypeName(*type);

  if (leveled && !row.level) {
    Fail(where, "level", std::string("is empty; a ") + type_name + " needs its level (1, 2, ...)");
  }
  if (!leveled && row.level) {
    Fail(where, "level", std::string("must be empty for a ") + type_name);
  }
  if (row.level && *row.level < 1) {
    Fail(where, "level", "must be 1 or more, got " + std::to_string(*row.level));
  }

  if (sample && row.site_id.empty()) Fail(where, "site_id", "is empty; a sample needs its site");
  if (!sample && !row.site_id.empty()) {
    Fail(where, "site_id", std::string("must be empty for a ") + type_name);
  }
  if (sample && !known_sites_.empty() && known_sites_.count(row.site_id) == 0) {
    Fail(where, "site_id",
         QuoteForMessage(row.site_id) +
             " is not a known site (known: " + JoinSome(options_.known_sites, 12) + ")");
  }

  if (row.sampling_date.empty()) {
    Fail(where, "sampling_date",
         sample ? "is empty; a sample needs the day of its composite"
                : "is empty; blanks, standards and QCs carry the analysis date");
  }
  const DayIndex date = ParseDate(row.sampling_date, where);

  if (row.analyte.empty()) Fail(where, "analyte", "is empty");
  const std::optional<AnalyteMapping>& mapping = MapAnalyte(row.analyte);
  if (mapping && mapping->internal_standard) {
    Fail(where, "analyte",
         QuoteForMessage(row.analyte) + " is the internal standard of " + mapping->analyte +
             "; its area belongs in istd_area of the " + mapping->analyte + " row");
  }

  if (!row.area) Fail(where, "area", "is empty; write 0 when no peak was integrated");
  if (*row.area < 0) Fail(where, "area", "must be zero or positive, got " + Number(*row.area));
  if (!row.istd_area) Fail(where, "istd_area", "is empty; the internal standard's area is needed");
  if (*row.istd_area <= 0) {
    Fail(where, "istd_area", "must be positive, got " + Number(*row.istd_area));
  }
  const bool peak = *row.area > 0;
  const std::pair<const char*, const std::optional<double>&> peak_fields[] = {
      {"retention_time_min", row.retention_time_min}, {"qualifier_ratio", row.qualifier_ratio}};
  for (const auto& [column, value] : peak_fields) {
    if (peak && !value) Fail(where, column, "is empty but area is not 0");
    if (!peak && value) Fail(where, column, "must be empty when area is 0 (no peak)");
    if (value && *value <= 0) Fail(where, column, "must be positive, got " + Number(*value));
  }
  if (!row.enrichment_factor) {
    Fail(where, "enrichment_factor", "is empty; write 1 for injections used as prepared");
  }
  if (*row.enrichment_factor <= 0) {
    Fail(where, "enrichment_factor", "must be positive, got " + Number(*row.enrichment_factor));
  }
  const std::optional<double>& expected = row.expected_concentration_ng_per_l;
  constexpr const char* kExpected = "expected_concentration_ng_per_l";
  if (sample && expected) Fail(where, kExpected, "must be empty for a sample");
  if (!sample && !expected) {
    Fail(where, kExpected, std::string("is empty; a ") + type_name + " needs its nominal value");
  }
  if (expected && *expected < 0) {
    Fail(where, kExpected, "must be zero or positive, got " + Number(*expected));
  }
  if (*type == InjectionType::kBlank && *expected != 0) {
    Fail(where, kExpected, "must be 0 for a blank, got " + Number(*expected));
  }

  if (!mapping) {
    if (!options_.skip_unknown_analytes) {
      Fail(where, "analyte",
           QuoteForMessage(row.analyte) +
               " is not a catalogue biomarker, alias or method analyte (e.g. " +
               JoinSome(aliases_.AnalyteNames(), 6) +
               "); fix the name or add it to the alias table");
    }
    const std::string lab_name(row.analyte);
    if (skipped_analytes_[lab_name]++ == 0) batch_->unmapped_analytes.push_back(lab_name);
  }

  // The injection: created by its first row, which all later rows must agree with.
  const std::string level = row.level ? std::to_string(*row.level) : std::string();
  auto [it, created] = injections_.try_emplace(*row.injection);
  InjectionState& state = it->second;
  if (created) {
    state.index = batch_->injections.size();
    state.first_row = where.row;
    state.first_prefix = where.field_prefix;
    state.date = date;
    Injection injection;
    injection.name = std::to_string(*row.injection);
    injection.type = *type;
    injection.level = level;
    injection.site_id.assign(row.site_id);
    if (sample) injection.sampling_day = date;
    injection.enrichment_factor = row.enrichment_factor;
    injection.source_row = where.row;
    batch_->injections.push_back(std::move(injection));
  }
  Injection& injection = batch_->injections[state.index];
  if (!created) {
    const std::string first =
        " from " + Describe(state) + " (injection " + std::to_string(*row.injection) + ")";
    if (injection.type != *type) Fail(where, "type", "differs" + first);
    if (injection.level != level) Fail(where, "level", "differs" + first);
    if (injection.site_id != row.site_id) Fail(where, "site_id", "differs" + first);
    if (state.date != date) Fail(where, "sampling_date", "differs" + first);
    if (*injection.enrichment_factor != *row.enrichment_factor) {
      Fail(where, "enrichment_factor", "differs" + first);
    }
  }
  if (!mapping) return;
  for (const AnalyteResponse& previous : injection.responses) {
    if (previous.analyte == mapping->analyte) {
      Fail(where, "analyte",
           QuoteForMessage(row.analyte) + " appears twice in injection " +
               std::to_string(*row.injection) + " (first at " +
               (where.row > 0 ? "line " + std::to_string(previous.source_row)
                              : "/rows/" + std::to_string(previous.source_row - 1)) +
               "): duplicated injection?");
    }
  }
  AnalyteResponse response;
  response.analyte = mapping->analyte;
  response.lab_name.assign(row.analyte);
  response.area = row.area;
  response.istd_area = row.istd_area;
  response.retention_time_min = row.retention_time_min;
  response.qualifier_ratio = row.qualifier_ratio;
  response.expected_concentration = expected;
  response.source_row = where.row > 0 ? where.row : rows_;  // JSON: index in rows, 1-based
  injection.responses.push_back(std::move(response));
  ++mapped_rows_;
}

void LongBatchBuilder::Finish(const RowLocation& end) {
  if (rows_ == 0) Fail(end, "", "holds no rows, only the header");
  if (mapped_rows_ == 0) Fail(end, "analyte", "no row names a known analyte");
  std::stable_sort(
      batch_->injections.begin(), batch_->injections.end(),
      [](const Injection& a, const Injection& b) { return std::stol(a.name) < std::stol(b.name); });
  // Non-sample rows carry the analysis date; the batch ran from the earliest of them.
  std::optional<DayIndex> analysis_day;
  for (const Injection& injection : batch_->injections) {
    if (injection.type == InjectionType::kSample) continue;
    const DayIndex day = injections_.at(std::stol(injection.name)).date;
    if (!analysis_day || day < *analysis_day) analysis_day = day;
  }
  batch_->analysis_day = analysis_day;
  if (!skipped_analytes_.empty()) {
    std::string text;
    size_t shown = 0;
    for (const auto& [name, count] : skipped_analytes_) {
      if (shown++ == 20) {
        text += ", ...";
        break;
      }
      if (!text.empty()) text += ", ";
      text += QuoteForMessage(name) + " (" + std::to_string(count) + " rows)";
    }
    batch_->warnings.push_back("skipped rows of analytes the alias table does not know: " + text);
  }
}

}  // namespace wbe::ingest
