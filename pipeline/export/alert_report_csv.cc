#include "pipeline/export/alert_report_csv.h"

#include "models/core/string_lists.h"
#include "pipeline/export/csv_writer.h"

namespace wbe {
namespace {

std::string Row(const std::vector<std::string>& cells) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) line += ',';
    line += CsvWriter::Quote(cells[i]);
  }
  return line + "\n";
}

}  // namespace

std::string AlertsCsv(const ScreeningReport& report) {
  std::string csv = Row({"week", "kind", "caveat", "group_id", "district_ids", "site_id", "drug",
                         "biomarker", "first_day", "last_day", "severity", "raised_this_week",
                         "reason_en", "reason_zh", "evidence_json"});
  const std::string week = report.week.ToString();
  for (const Alert& a : report.alerts) {
    csv +=
        Row({week, AlertKindName(a.kind), IsCaveat(a.kind) ? "true" : "false", a.group_id,
             a.district_ids, a.site_id, a.drug, a.biomarker, FormatIsoDate(a.first_day),
             FormatIsoDate(a.last_day), CsvWriter::Number(a.severity),
             a.raised_this_week ? "true" : "false", a.reason_en, a.reason_zh, a.evidence.dump()});
  }
  return csv;
}

std::string RankingCsv(const ScreeningReport& report) {
  std::string csv = Row({"week", "rank", "group_id", "district_ids", "score", "alerts", "caveats",
                         "summary_en", "summary_zh", "reasons_en", "reasons_zh"});
  const std::string week = report.week.ToString();
  for (const DistrictRisk& r : report.ranking) {
    csv +=
        Row({week, std::to_string(r.rank), r.group_id, r.district_ids, CsvWriter::Number(r.score),
             std::to_string(r.reasons_en.size()), std::to_string(r.caveats_en.size()), r.summary_en,
             r.summary_zh, JoinStrings(r.reasons_en, " | "), JoinStrings(r.reasons_zh, " | ")});
  }
  return csv;
}

}  // namespace wbe
