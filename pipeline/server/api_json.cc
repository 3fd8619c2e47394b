#include "pipeline/server/api_json.h"

#include <cmath>

#include "models/core/civil_day.h"
#include "models/core/json_number.h"
#include "pipeline/export/csv_writer.h"
#include "pipeline/export/estimate_json.h"

namespace wbe {
namespace {

std::string CellText(const nlohmann::json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) return CsvWriter::Number(value.get<double>());
  if (value.is_array()) {
    std::string joined;
    for (const auto& item : value) joined += (joined.empty() ? "" : ";") + CellText(item);
    return joined;
  }
  return value.dump();
}

nlohmann::json Lookup(const nlohmann::json& row, const std::string& column) {
  if (row.contains(column)) return row[column];
  const size_t dot = column.find('.');
  if (dot == std::string::npos) return nullptr;
  const std::string outer = column.substr(0, dot);
  if (!row.contains(outer) || !row[outer].is_object()) return nullptr;
  return Lookup(row[outer], column.substr(dot + 1));
}

}  // namespace

std::map<std::string, std::string> CurrentVersions(const std::vector<ManifestEntry>& entries) {
  std::map<std::string, std::string> current;
  for (const ManifestEntry& entry : entries) {
    if (entry.verdict != Verdict::kRejected) current[entry.batch_id] = entry.sha256;
  }
  return current;
}

nlohmann::json ManifestEntryJson(const ManifestEntry& entry, bool current) {
  nlohmann::json json = {{"batch_id", entry.batch_id},
                         {"version", entry.version},
                         {"current", current},
                         {"seq", entry.seq},
                         {"sha256", entry.sha256},
                         {"size_bytes", entry.size_bytes},
                         {"source_name", entry.source_name},
                         {"kind", ToString(entry.kind)},
                         {"format", entry.format},
                         {"uploader", entry.uploader},
                         {"uploaded_utc", entry.uploaded_utc},
                         {"verdict", ToString(entry.verdict)},
                         {"qc_summary", entry.qc_summary}};
  json["method"] = entry.method ? nlohmann::json{{"file_name", entry.method->file_name},
                                                 {"sha256", entry.method->sha256}}
                                : nlohmann::json(nullptr);
  json["supersedes"] = entry.supersedes ? nlohmann::json(*entry.supersedes) : nullptr;
  return json;
}

nlohmann::json MeasurementJson(const Measurement& m) {
  return {{"site_id", m.site_id},
          {"date", FormatIsoDate(m.day)},
          {"analyte", m.analyte},
          {"concentration_ng_per_l",
           m.censored ? nlohmann::json(nullptr) : nlohmann::json(m.concentration_ng_per_l)},
          {"censored", m.censored},
          {"loq_ng_per_l", m.loq_ng_per_l},
          {"batch_id", m.batch_id},
          {"qc_flags", m.qc_flags}};
}

nlohmann::json FlowJson(const FlowRecord& f) {
  return {{"site_id", f.site_id},
          {"date", FormatIsoDate(f.day)},
          {"flow_m3_per_day", f.flow_m3_per_day},
          {"rain_mm", NumberOrNull(f.rain_mm)},
          {"cod_mg_per_l", NumberOrNull(f.cod_mg_per_l)},
          {"nh4_n_mg_per_l", NumberOrNull(f.nh4_n_mg_per_l)}};
}

nlohmann::json SiteEstimateJson(const SiteDayEstimate& e,
                                const std::vector<std::string>& districts) {
  nlohmann::json json = SiteDayEstimateToJson(e);
  json["districts"] = districts;
  return json;
}

std::vector<std::string> FlatColumns(const nlohmann::json& row) {
  std::vector<std::string> columns;
  for (const auto& [key, value] : row.items()) {
    if (value.is_object()) {
      for (const std::string& inner : FlatColumns(value)) columns.push_back(key + "." + inner);
    } else {
      columns.push_back(key);
    }
  }
  return columns;
}

std::string JsonRowsToCsv(const std::vector<std::string>& columns, const nlohmann::json& rows) {
  std::string csv;
  for (size_t i = 0; i < columns.size(); ++i) {
    csv += (i ? "," : "") + CsvWriter::Quote(columns[i]);
  }
  csv += "\n";
  for (const auto& row : rows) {
    for (size_t i = 0; i < columns.size(); ++i) {
      csv += (i ? "," : "") + CsvWriter::Quote(CellText(Lookup(row, columns[i])));
    }
    csv += "\n";
  }
  return csv;
}

}  // namespace wbe
