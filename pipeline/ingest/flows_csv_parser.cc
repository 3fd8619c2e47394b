#include "pipeline/ingest/flows_csv_parser.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "models/core/input_error.h"
#include "pipeline/ingest/csv_reader.h"

namespace wbe {
namespace {

std::string Trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return "";
  const size_t end = text.find_last_not_of(" \t");
  return std::string(text.substr(begin, end - begin + 1));
}

}  // namespace

std::vector<FlowRecord> ParseFlowsCsv(std::string_view bytes, const std::string& source_name,
                                      const std::vector<std::string>& known_sites) {
  ingest::CsvReader reader(bytes, source_name);
  ingest::CsvRecord record;
  if (!reader.Next(&record)) throw InputError(source_name, 1, "", "the file is empty");
  std::map<std::string, size_t> column;
  std::vector<std::string> labels;
  for (size_t i = 0; i < record.fields.size(); ++i) {
    labels.push_back(Trim(record.fields[i]));
    column[labels.back()] = i;
  }
  reader.SetColumnLabels(labels);
  for (const char* required : {"site_id", "date", "flow_m3_per_day"}) {
    if (!column.count(required)) {
      throw InputError(source_name, record.line, required, "required column is missing");
    }
  }
  const std::set<std::string> sites(known_sites.begin(), known_sites.end());
  std::set<std::pair<std::string, DayIndex>> seen;
  std::vector<FlowRecord> flows;
  InputErrorCollector problems;  // every bad row in one report
  while (reader.Next(&record)) {
    if (record.AllFieldsBlank()) continue;
    try {
      const auto cell = [&](const std::string& name) -> std::string {
        const auto it = column.find(name);
        if (it == column.end() || it->second >= record.fields.size()) return "";
        return Trim(record.fields[it->second]);
      };
      const auto number = [&](const std::string& name, bool required) {
        const std::string text = cell(name);
        if (text.empty()) {
          if (required) throw InputError(source_name, record.line, name, "a value is required");
          return FlowRecord::kMissing;
        }
        size_t used = 0;
        double value = 0.0;
        try {
          value = std::stod(text, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used != text.size() || !std::isfinite(value)) {
          throw InputError(source_name, record.line, name, "'" + text + "' is not a number");
        }
        if (value < 0.0) {
          throw InputError(source_name, record.line, name, "must not be negative, got " + text);
        }
        return value;
      };
      FlowRecord flow;
      flow.site_id = cell("site_id");
      if (flow.site_id.empty()) throw InputError(source_name, record.line, "site_id", "is empty");
      if (!sites.empty() && !sites.count(flow.site_id)) {
        throw InputError(source_name, record.line, "site_id",
                         "unknown site '" + flow.site_id + "'; the city has no such sampling site");
      }
      try {
        flow.day = ParseIsoDate(cell("date"));
      } catch (const std::invalid_argument& e) {
        throw InputError(source_name, record.line, "date", e.what());
      }
      flow.flow_m3_per_day = number("flow_m3_per_day", true);
      if (!(flow.flow_m3_per_day > 0.0)) {
        throw InputError(source_name, record.line, "flow_m3_per_day", "must be positive");
      }
      const double rain = number("rain_mm", false);
      flow.rain_mm = std::isnan(rain) ? 0.0 : rain;
      flow.cod_mg_per_l = number("cod_mg_per_l", false);
      flow.nh4_n_mg_per_l = number("nh4_n_mg_per_l", false);
      if (!seen.insert({flow.site_id, flow.day}).second) {
        throw InputError(source_name, record.line, "date",
                         "site " + flow.site_id + " has two flows for " + FormatIsoDate(flow.day));
      }
      flows.push_back(std::move(flow));
    } catch (const InputError& e) {
      if (!problems.Add(e)) break;
    }
  }
  problems.ThrowIfAny();
  return flows;
}

}  // namespace wbe
