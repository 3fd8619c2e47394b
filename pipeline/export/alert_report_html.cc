#include "pipeline/export/alert_report_html.h"

namespace wbe {

// Replaced by the full page (charts) in the next commit.
std::string RenderAlertReportHtml(const nlohmann::json& report) {
  return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>wbe " +
         report.value("week", std::string()) + "</title></head><body><pre>" + report.dump(2) +
         "</pre></body></html>\n";
}

}  // namespace wbe
