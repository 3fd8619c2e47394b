#include "pipeline/ingest/long_csv_parser.h"

#include <array>

#include "models/core/input_error.h"
#include "pipeline/ingest/csv_reader.h"
#include "pipeline/ingest/long_batch_builder.h"
#include "pipeline/ingest/text_util.h"

namespace wbe {
namespace {

using ingest::CsvReader;
using ingest::CsvRecord;
using ingest::LongRow;
using ingest::QuoteForMessage;
using ingest::RowLocation;
using ingest::Trim;

enum Column : size_t {
  kBatchId,
  kInjection,
  kType,
  kLevel,
  kSiteId,
  kSamplingDate,
  kAnalyte,
  kArea,
  kIstdArea,
  kRetentionTime,
  kQualifierRatio,
  kEnrichmentFactor,
  kExpectedConcentration,
  kColumnCount,
};

// A known column whose name starts like the unknown one ("retention_time"), for a hint.
std::string Suggest(std::string_view unknown) {
  const std::string lower = ingest::LowerAscii(unknown);
  if (lower.size() < 3) return "";
  for (const std::string& known : LongFormatColumns()) {
    if (known.compare(0, lower.size(), lower) == 0 || lower.compare(0, known.size(), known) == 0) {
      return " (did you mean " + known + "?)";
    }
  }
  return "";
}

}  // namespace

LabBatch ParseLongCsv(std::string_view bytes, const std::string& source_name,
                      const AnalyteAliasTable& aliases, const ParseOptions& options) {
  CsvReader reader(bytes, source_name);
  CsvRecord record;
  if (!reader.Next(&record)) {
    throw InputError(source_name, 1, "header",
                     "the file is empty; expected the header row batch_id,injection,...");
  }

  // Header: columns by name, in any order.
  const std::vector<std::string>& names = LongFormatColumns();
  std::array<size_t, kColumnCount> position;
  position.fill(SIZE_MAX);
  std::vector<std::string> labels;
  for (size_t i = 0; i < record.fields.size(); ++i) {
    const std::string_view name = Trim(record.fields[i]);
    labels.emplace_back(name);
    size_t column = 0;
    while (column < kColumnCount && !ingest::EqualsIgnoreCase(name, names[column])) ++column;
    if (column == kColumnCount) {
      reader.SetColumnLabels(labels);
      throw InputError(source_name, record.line, reader.ColumnLabel(i),
                       name.empty() ? std::string("header cell is empty")
                                    : "unknown column " + QuoteForMessage(name) + Suggest(name) +
                                          " in a long-format batch");
    }
    if (position[column] != SIZE_MAX) {
      throw InputError(source_name, record.line, names[column],
                       "column appears twice (columns " + std::to_string(position[column] + 1) +
                           " and " + std::to_string(i + 1) + ")");
    }
    position[column] = i;
  }
  std::string missing;
  for (size_t column = 0; column < kColumnCount; ++column) {
    if (position[column] == SIZE_MAX) missing += (missing.empty() ? "" : ", ") + names[column];
  }
  if (!missing.empty()) {
    throw InputError(source_name, record.line, "header",
                     "missing column(s) " + missing +
                         " (a long-format batch has the 13 columns of long-format-batch.md)");
  }
  for (size_t column = 0; column < kColumnCount; ++column) labels[position[column]] = names[column];
  reader.SetColumnLabels(labels);
  const size_t field_count = labels.size();

  LabBatch batch;
  batch.format = "long-csv";
  batch.source_name = source_name;
  ingest::LongBatchBuilder builder(source_name, aliases, options, &batch);
  RowLocation where;
  LongRow row;
  std::string_view cell_text;
  // Cells as text, numbers or whole numbers; one that does not parse names its column.
  const auto text = [&](Column column) { return Trim(record.fields[position[column]]); };
  const auto number = [&](Column column) -> std::optional<double> {
    cell_text = text(column);
    if (cell_text.empty()) return std::nullopt;
    if (std::optional<double> value = ingest::ParseNumber(cell_text)) return value;
    throw InputError(source_name, record.line, names[column],
                     QuoteForMessage(cell_text) + " is not a number");
  };
  const auto whole = [&](Column column) -> std::optional<long> {
    cell_text = text(column);
    if (cell_text.empty()) return std::nullopt;
    if (std::optional<long> value = ingest::ParseWholeNumber(cell_text)) return value;
    throw InputError(source_name, record.line, names[column],
                     QuoteForMessage(cell_text) + " is not a whole number");
  };

  // Row problems are collected so that one reply lists them all; file-level ones still stop.
  InputErrorCollector problems;
  while (reader.Next(&record)) {
    if (record.AllFieldsBlank()) continue;
    try {
      if (record.fields.size() != field_count) {
        const bool fewer = record.fields.size() < field_count;
        const size_t first_off = fewer ? record.fields.size() : field_count;
        throw InputError(source_name, record.line, reader.ColumnLabel(first_off),
                         "row has " + std::to_string(record.fields.size()) +
                             " fields, the header has " + std::to_string(field_count) +
                             (fewer && reader.at_end() ? ": the file seems truncated" : ""));
      }
      where.row = record.line;
      row.batch_id = text(kBatchId);
      row.injection = whole(kInjection);
      row.type = text(kType);
      row.level = whole(kLevel);
      row.site_id = text(kSiteId);
      row.sampling_date = text(kSamplingDate);
      row.analyte = text(kAnalyte);
      row.area = number(kArea);
      row.istd_area = number(kIstdArea);
      row.retention_time_min = number(kRetentionTime);
      row.qualifier_ratio = number(kQualifierRatio);
      row.enrichment_factor = number(kEnrichmentFactor);
      row.expected_concentration_ng_per_l = number(kExpectedConcentration);
      builder.AddRow(row, where);
    } catch (const InputError& e) {
      if (!problems.Add(e)) break;
    }
  }
  problems.ThrowIfAny();
  builder.Finish(RowLocation{record.line > 0 ? record.line : 1, ""});
  return batch;
}

}  // namespace wbe
