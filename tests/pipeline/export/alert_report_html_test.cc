#include "pipeline/export/alert_report_html.h"

#include <cctype>
#include <string>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include "tests/pipeline/export/markup_text.h"

namespace wbe {
namespace {

using nlohmann::json;

using wbe::testing::CountOf;
using wbe::testing::HasWord;

json History(int days, double level) {
  json history = json::array();
  for (int d = 0; d < days; ++d) {
    const std::string day = (d < 9 ? "2026-09-0" : "2026-09-") + std::to_string(d + 1);
    history.push_back({{"day", day}, {"value", level}, {"p05", level / 2}, {"p95", level * 2}});
  }
  return history;
}

json Forecast(double level) {
  json weeks = json::array();
  const char* mondays[] = {"2026-10-12", "2026-10-19", "2026-10-26", "2026-11-02"};
  int ahead = 1;
  for (const char* monday : mondays) {
    weeks.push_back({{"weeks_ahead", ahead++},
                     {"monday", monday},
                     {"median", level},
                     {"p25", level * 0.9},
                     {"p75", level * 1.1},
                     {"p10", level * 0.8},
                     {"p90", level * 1.2},
                     {"p025", level * 0.7},
                     {"p975", level * 1.4}});
  }
  return weeks;
}

json Series(const std::string& group, const std::string& drug, bool alerted) {
  return {{"group_id", group},
          {"district_ids", group},
          {"drug", drug},
          {"quantity", "consumption"},
          {"unit", "mg/day"},
          {"reference_level", 40.0},
          {"trend_probability", 0.97},
          {"trend_ratio", 1.6},
          {"trend_ratio_p05", 1.3},
          {"trend_ratio_p95", 2.0},
          {"model", "structural model"},
          {"alerted", alerted},
          {"history", alerted ? History(28, 40.0) : json::array()},
          {"forecast", Forecast(60.0)}};
}

json Alert(const std::string& kind, const std::string& group, const std::string& drug,
           const std::string& day) {
  return {{"kind", kind},
          {"caveat", kind == "dumping_suspected"},
          {"group_id", group},
          {"district_ids", group},
          {"site_id", ""},
          {"drug", drug},
          {"biomarker", ""},
          {"first_day", day},
          {"last_day", day},
          {"severity", 0.75},
          {"raised_this_week", true},
          {"evidence", {{"day", day}, {"value_mg_per_day", 150.0}}},
          {"reason_en", kind + " of " + drug + " in " + group},
          {"reason_zh", group + " " + drug + " 预警原因"}};
}

// Two alerted series (one with a spike) and one quiet series.
json SampleReport(const std::string& group = "C") {
  return {{"week", "2026-W41"},
          {"monday", "2026-10-05"},
          {"sunday", "2026-10-11"},
          {"summary",
           {{"risk_alerts", 3},
            {"raised_this_week", 3},
            {"caveats", 0},
            {"series_screened", 3},
            {"series_skipped", 1}}},
          {"ranking", json::array({{{"rank", 1},
                                    {"group_id", group},
                                    {"district_ids", group},
                                    {"score", 1.43},
                                    {"reasons_zh", {"上升趋势"}},
                                    {"reasons_en", {"rising trend"}},
                                    {"caveats_zh", json::array()},
                                    {"caveats_en", json::array()}}})},
          {"alerts", json::array({Alert("rising_trend", group, "ketamine", "2026-10-01"),
                                  Alert("spike", group, "ketamine", "2026-09-20"),
                                  Alert("rising_trend", "A", "MDMA", "2026-10-01")})},
          {"series", json::array({Series(group, "ketamine", true), Series("A", "MDMA", true),
                                  Series("B", "cocaine", false)})},
          {"skipped", json::array({{{"group_id", "D"}, {"drug", "codeine"}, {"reason", "short"}}})},
          {"provenance",
           {{"catalogue_version", "2026.11.1"},
            {"batch_ids", {"LAB1-2026-W41@v1"}},
            {"options", {{"trend_min_ratio", 1.25}, {"trend_reference_weeks", 4}}}}}};
}

TEST(AlertReportHtml, IsSelfContained) {
  const std::string html = RenderAlertReportHtml(SampleReport());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(html.find("http"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
}

TEST(AlertReportHtml, DrawsOneChartPerAlertedSeries) {
  const std::string html = RenderAlertReportHtml(SampleReport());
  EXPECT_EQ(CountOf(html, "<svg"), 2);
  EXPECT_EQ(CountOf(html, "</svg>"), 2);
  // The spike of C ketamine is marked once; the trend alerts mark nothing.
  EXPECT_EQ(CountOf(html, "<circle class=\"spike\""), 1);
  EXPECT_NE(html.find("class=\"reference\""), std::string::npos);
  EXPECT_NE(html.find("class=\"fan95\""), std::string::npos);
  EXPECT_NE(html.find("mg/day (log scale)"), std::string::npos);
  EXPECT_NE(html.find("毫克/天（对数刻度）"), std::string::npos);
  EXPECT_FALSE(HasWord(html, "nan"));
  EXPECT_FALSE(HasWord(html, "inf"));
}

TEST(AlertReportHtml, EscapesTextFromTheReport) {
  const std::string html = RenderAlertReportHtml(SampleReport("<script>alert(1)</script>"));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(CountOf(html, "<svg"), 2);  // the hostile group still gets its chart
}

TEST(AlertReportHtml, CarriesBothLanguages) {
  const std::string html = RenderAlertReportHtml(SampleReport());
  EXPECT_NE(html.find("<html lang=\"zh-CN\">"), std::string::npos);
  EXPECT_NE(html.find("C ketamine 预警原因"), std::string::npos);
  EXPECT_NE(html.find("rising_trend of ketamine in C"), std::string::npos);
  EXPECT_NE(html.find("上升趋势"), std::string::npos);
  EXPECT_NE(html.find("rising trend"), std::string::npos);
  EXPECT_NE(html.find("Weekly wastewater screening report 2026-W41"), std::string::npos);
  EXPECT_NE(html.find("污水监测每周预警报告 2026-W41"), std::string::npos);
  EXPECT_NE(html.find("id=\"show-en\""), std::string::npos);
}

TEST(AlertReportHtml, IsDeterministic) {
  EXPECT_EQ(RenderAlertReportHtml(SampleReport()), RenderAlertReportHtml(SampleReport()));
}

TEST(AlertReportHtml, SaysSoWhenThereAreNoAlerts) {
  json report = SampleReport();
  report["alerts"] = json::array();
  report["ranking"] = json::array();
  for (json& series : report["series"]) series["alerted"] = false;
  const std::string html = RenderAlertReportHtml(report);
  EXPECT_NE(html.find("本周无预警"), std::string::npos);
  EXPECT_NE(html.find("no alerts this week"), std::string::npos);
  EXPECT_EQ(html.find("<svg"), std::string::npos);
}

TEST(AlertReportHtml, SurvivesMissingAndMistypedFields) {
  for (const json& report :
       {json(), json::object(), json::array(), json("text"),
        json{{"alerts", "none"}, {"series", {{{"alerted", true}}}}, {"summary", 3}},
        json{{"series", {{{"alerted", true}, {"history", {{{"day", "bad"}, {"value", nullptr}}}}}}},
             {"provenance", nullptr}}}) {
    std::string html;
    EXPECT_NO_THROW(html = RenderAlertReportHtml(report)) << report.dump();
    EXPECT_NE(html.find("</html>"), std::string::npos);
    EXPECT_NE(html.find("本周无预警"), std::string::npos);
  }
}

TEST(AlertReportHtml, SkipsValuesALogAxisCannotShow) {
  json report = SampleReport();
  report["series"][0]["history"][3]["value"] = 0.0;
  report["series"][0]["history"][4]["p05"] = -1.0;
  report["series"][0]["history"][5]["value"] = nullptr;
  const std::string html = RenderAlertReportHtml(report);
  EXPECT_EQ(CountOf(html, "<svg"), 2);
  EXPECT_FALSE(HasWord(html, "nan"));
  EXPECT_FALSE(HasWord(html, "inf"));
}

}  // namespace
}  // namespace wbe
