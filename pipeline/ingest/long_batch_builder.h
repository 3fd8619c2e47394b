#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "calibration/batch/lab_batch.h"
#include "data-schemas/contracts/long_format_columns.h"
#include "pipeline/ingest/analyte_alias_table.h"
#include "pipeline/ingest/parse_options.h"

namespace wbe::ingest {

// Where a row came from, for messages: CSV names the line and the column; JSON names the
// element ("/rows/17/area") and has no line.
struct RowLocation {
  long row = 0;
  std::string field_prefix;
};

// One long-format row after its cells were read as text, numbers or nothing (empty cell, JSON
// null or missing key). The views must stay valid during AddRow.
struct LongRow {
  std::string_view batch_id;
  std::optional<long> injection;
  std::string_view type;
  std::optional<long> level;
  std::string_view site_id;
  std::string_view sampling_date;
  std::string_view analyte;
  std::optional<double> area;
  std::optional<double> istd_area;
  std::optional<double> retention_time_min;
  std::optional<double> qualifier_ratio;
  std::optional<double> enrichment_factor;
  std::optional<double> expected_concentration_ng_per_l;
};

// The format's rules that do not depend on the syntax, shared by the CSV and the JSON reader:
// required and not-applicable cells per type, ranges, known sites, dates not in the future,
// analyte names, one batch id, rows of one injection agreeing, no (injection, analyte) twice.
// Throws InputError(source, row, column, message).
class LongBatchBuilder {
 public:
  LongBatchBuilder(std::string source_name, const AnalyteAliasTable& aliases,
                   const ParseOptions& options, LabBatch* batch);

  void AddRow(const LongRow& row, const RowLocation& where);
  // Orders injections by run position and adds the warnings; throws when there were no rows.
  void Finish(const RowLocation& end);

 private:
  struct InjectionState {
    size_t index = 0;  // into batch_->injections
    long first_row = 0;
    std::string first_prefix;
    DayIndex date = 0;
  };

  [[noreturn]] void Fail(const RowLocation& where, std::string_view column,
                         const std::string& message) const;
  DayIndex ParseDate(std::string_view text, const RowLocation& where);
  const std::optional<AnalyteMapping>& MapAnalyte(std::string_view name);
  std::string Describe(const InjectionState& state) const;

  std::string source_name_;
  const AnalyteAliasTable& aliases_;
  const ParseOptions& options_;
  LabBatch* batch_;
  std::set<std::string, std::less<>> known_sites_;
  std::map<std::string, std::optional<AnalyteMapping>, std::less<>> analyte_cache_;
  std::map<std::string, size_t> skipped_analytes_;  // lab name -> rows skipped
  std::unordered_map<long, InjectionState> injections_;
  std::string last_date_text_;
  DayIndex last_date_ = 0;
  long rows_ = 0;
  long mapped_rows_ = 0;
};

}  // namespace wbe::ingest
