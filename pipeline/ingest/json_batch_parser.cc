#include "pipeline/ingest/json_batch_parser.h"

#include <nlohmann/json.hpp>

#include "data-schemas/validation/json_schema_validator.h"
#include "models/core/input_error.h"
#include "models/core/schema_check.h"
#include "pipeline/ingest/csv_reader.h"
#include "pipeline/ingest/long_batch_builder.h"
#include "pipeline/ingest/text_util.h"

namespace wbe {
namespace {

using nlohmann::json;

const JsonSchemaValidator& BatchSchema() {
  return SchemaValidator("long-format-batch.schema.json");
}

std::string_view Text(const json& row, const char* key) {
  const auto it = row.find(key);
  if (it == row.end() || !it->is_string()) return {};
  return it->get_ref<const std::string&>();
}

template <typename T>
std::optional<T> Value(const json& row, const char* key) {
  const auto it = row.find(key);
  if (it == row.end() || !it->is_number()) return std::nullopt;
  return it->get<T>();
}

}  // namespace

LabBatch ParseJsonBatch(std::string_view bytes, const std::string& source_name,
                        const AnalyteAliasTable& aliases, const ParseOptions& options) {
  if (bytes.size() > options.max_json_bytes) {
    throw InputError(source_name, 0, "",
                     "JSON batch is " + ingest::FormatByteSize(bytes.size()) +
                         ", more than the limit of " +
                         ingest::FormatByteSize(options.max_json_bytes) +
                         " for JSON (ParseOptions::max_json_bytes); send large batches as CSV");
  }
  const std::string_view text = ingest::CheckTextAndStripBom(bytes, source_name);
  if (ingest::Trim(text).find_first_not_of("\r\n") == std::string_view::npos) {
    throw InputError(source_name, 1, "/", "the file is empty; expected a JSON object");
  }
  json document;
  try {
    document = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    throw InputError(source_name, ingest::LineOfOffset(text, e.byte > 0 ? e.byte - 1 : 0), "",
                     "not valid JSON (" + ingest::SafeText(e.what()) + ")");
  } catch (const json::exception& e) {
    throw InputError(source_name, 0, "", "not valid JSON (" + ingest::SafeText(e.what()) + ")");
  }
  const std::vector<SchemaViolation> violations = BatchSchema().Validate(document);
  if (!violations.empty()) {
    const SchemaViolation& first = violations.front();
    throw InputError(source_name, 0, first.instance_path.empty() ? "/" : first.instance_path,
                     first.message + " (data-schemas/long-format-batch.schema.json)");
  }

  LabBatch batch;
  batch.format = "json";
  batch.source_name = source_name;
  ingest::LongBatchBuilder builder(source_name, aliases, options, &batch);
  const std::string& batch_id = document.at("batch_id").get_ref<const std::string&>();
  const json& rows = document.at("rows");
  ingest::RowLocation where;
  ingest::LongRow row;
  for (size_t i = 0; i < rows.size(); ++i) {
    const json& item = rows[i];
    where.field_prefix = "/rows/" + std::to_string(i) + "/";
    row.batch_id = batch_id;
    row.injection = Value<long>(item, "injection");
    row.type = Text(item, "type");
    row.level = Value<long>(item, "level");
    row.site_id = Text(item, "site_id");
    row.sampling_date = Text(item, "sampling_date");
    row.analyte = Text(item, "analyte");
    row.area = Value<double>(item, "area");
    row.istd_area = Value<double>(item, "istd_area");
    row.retention_time_min = Value<double>(item, "retention_time_min");
    row.qualifier_ratio = Value<double>(item, "qualifier_ratio");
    row.enrichment_factor = Value<double>(item, "enrichment_factor");
    row.expected_concentration_ng_per_l = Value<double>(item, "expected_concentration_ng_per_l");
    builder.AddRow(row, where);
  }
  builder.Finish(ingest::RowLocation{0, ""});
  return batch;
}

}  // namespace wbe
