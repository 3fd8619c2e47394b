#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace wbe {

// The weekly report (ScreeningReport::ToJson()) as one self-contained HTML page: no external
// scripts, styles or fonts, charts as inline SVG, so it can be mailed or opened offline.
std::string RenderAlertReportHtml(const nlohmann::json& report);

}  // namespace wbe
