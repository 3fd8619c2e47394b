#include "pipeline/export/alert_report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <vector>

#include "models/alerts/alert.h"
#include "models/core/civil_day.h"
#include "pipeline/export/svg_chart.h"

namespace wbe {

namespace {

using nlohmann::json;

// ---- Reading the report defensively: a missing or mistyped field reads as empty. ----

const json& Field(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

const json& List(const json& object, const char* key) {
  static const json kEmpty = json::array();
  const json& value = Field(object, key);
  return value.is_array() ? value : kEmpty;
}

std::optional<double> NumberOf(const json& value) {
  if (!value.is_number()) return std::nullopt;
  return value.get<double>();
}

// Compact JSON; bad UTF-8 in user data is replaced rather than thrown on.
std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Any scalar as display text; objects and arrays as compact JSON.
std::string TextOf(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  if (value.is_number_float()) return FormatShortNumber(value.get<double>());
  return Dump(value);
}

std::string Text(const json& object, const char* key) { return TextOf(Field(object, key)); }

std::optional<DayIndex> DayOf(const json& value) {
  if (!value.is_string()) return std::nullopt;
  try {
    return ParseIsoDate(value.get<std::string>());
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
}

// ---- Markup helpers. ----

std::string Escaped(const std::string& text) { return EscapeMarkup(text); }

// Both languages side by side; the page's CSS shows the chosen one.
std::string Both(const std::string& zh, const std::string& en) {
  return "<span lang=\"zh-CN\">" + Escaped(zh) + "</span><span lang=\"en\">" + Escaped(en) +
         "</span>";
}

std::string Heading(int level, const std::string& zh, const std::string& en) {
  const std::string tag = "h" + std::to_string(level);
  return "<" + tag + ">" + Both(zh, en) + "</" + tag + ">\n";
}

std::string Cell(const std::string& html, const char* css_class = nullptr) {
  if (css_class == nullptr) return "<td>" + html + "</td>";
  return std::string("<td class=\"") + css_class + "\">" + html + "</td>";
}

std::string HeaderRow(const std::vector<BilingualLabel>& columns) {
  std::string row = "<tr>";
  for (const BilingualLabel& column : columns) row += "<th>" + Both(column.zh, column.en) + "</th>";
  return row + "</tr>\n";
}

// A list of texts from two parallel arrays; a language missing an entry falls back to the other.
std::string BilingualList(const json& zh_list, const json& en_list) {
  const size_t count =
      std::max(zh_list.is_array() ? zh_list.size() : 0, en_list.is_array() ? en_list.size() : 0);
  if (count == 0) return "–";
  std::string html = "<ul>";
  for (size_t i = 0; i < count; ++i) {
    std::string zh = zh_list.is_array() && i < zh_list.size() ? TextOf(zh_list[i]) : "";
    std::string en = en_list.is_array() && i < en_list.size() ? TextOf(en_list[i]) : "";
    html += "<li>" + Both(zh.empty() ? en : zh, en.empty() ? zh : en) + "</li>";
  }
  return html + "</ul>";
}

std::string NoneNote(const std::string& zh, const std::string& en) {
  return "<p class=\"none\">" + Both(zh, en) + "</p>\n";
}

std::string FormatFixed(double value, int decimals) {
  if (!std::isfinite(value)) return "–";
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string Percent(double probability) {
  return FormatFixed(std::clamp(probability, 0.0, 1.0) * 100.0, 0) + " %";
}

// ---- Page frame. ----

// Language switch without script: a checkbox before the page toggles which [lang] spans show.
constexpr const char* kStyle = R"css(
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif;
margin:0;color:#1d2433;background:#fff;font-size:14px;line-height:1.45}
.page{max-width:1180px;margin:0 auto;padding:16px 24px 40px}
#show-en{position:absolute;opacity:0}
#show-en:not(:checked)~.page [lang="en"]{display:none}
#show-en:checked~.page [lang="zh-CN"]{display:none}
.lang-button{float:right;border:1px solid #8a94a6;border-radius:4px;padding:3px 10px;cursor:pointer;
font-size:13px;user-select:none}
h1{font-size:22px;margin:4px 0 2px}h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #d5dae3}
h3{font-size:15px;margin:20px 0 4px}
.dates{color:#4b5568;margin:0 0 12px}
.counts{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}
.count{border:1px solid #d5dae3;border-radius:6px;padding:6px 14px;min-width:120px}
.count b{display:block;font-size:22px}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{border:1px solid #d5dae3;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eef1f6;white-space:nowrap}td.num{text-align:right;white-space:nowrap}td.nowrap{white-space:nowrap}
td ul{margin:0;padding-left:18px}
tr.caveat td{color:#5b6474;background:#fafbfc}
.tag{display:inline-block;border-radius:3px;padding:0 5px;font-size:12px;white-space:nowrap}
.tag.new{background:#fde2e1;color:#9b1c1c}.tag.continuing{background:#e8ecf3;color:#3a4456}
.tag.caveat{background:#fff3d6;color:#7a5300}
.none{color:#4b5568;font-style:italic}
.series{break-inside:avoid;page-break-inside:avoid;margin-bottom:18px}
.facts{margin:2px 0 6px;color:#3a4456}
.model{font-size:12px;color:#6b7384}
svg.chart{width:100%;max-width:1000px;height:auto;display:block}
svg.chart text{font-size:12px;fill:#3a4456}
svg.chart .grid{stroke:#e3e7ee;stroke-width:1}
svg.chart .frame{fill:none;stroke:#8a94a6}
svg.chart .this-week{fill:#fff6d5}
svg.chart .estimate-band{fill:#9fc3e8;opacity:.55}
svg.chart .estimate-line{fill:none;stroke:#2f6db3;stroke-width:1}
svg.chart .estimate-dot{fill:#2f6db3}
svg.chart .reference{stroke:#333;stroke-width:1.5;stroke-dasharray:6 4}
svg.chart .threshold{stroke:#b45309;stroke-width:1;stroke-dasharray:2 3}
svg.chart .fan95{fill:#f6c9a8}svg.chart .fan80{fill:#f0a572}svg.chart .fan50{fill:#e07b39}
svg.chart .forecast-median{fill:none;stroke:#8a3b06;stroke-width:2}
svg.chart .spike{fill:#c81e1e;stroke:#fff;stroke-width:1.5}
svg.chart .dumping{fill:none;stroke:#7c3aed;stroke-width:2}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;color:#3a4456;margin:2px 0 0 72px}
.swatch{display:inline-block;width:16px;height:10px;margin-right:4px;vertical-align:middle}
.provenance td:first-child{white-space:nowrap;width:30%}
@media print{.lang-button{display:none}body{print-color-adjust:exact;-webkit-print-color-adjust:exact}.page{max-width:none;padding:0}h2{break-after:avoid}
body{font-size:11px}}
)css";

std::string PageStart(const json& report) {
  const std::string week = Text(report, "week");
  return "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         Escaped(week) + " 污水监测每周预警 / weekly wastewater screening</title>\n<style>" +
         kStyle +
         "</style>\n</head>\n<body>\n<input type=\"checkbox\" id=\"show-en\" "
         "aria-label=\"English\">\n<div class=\"page\">\n<label class=\"lang-button\" "
         "for=\"show-en\">中文 / English</label>\n";
}

std::string PageEnd() { return "</div>\n</body>\n</html>\n"; }

std::string TitleSection(const json& report) {
  const std::string week = Text(report, "week");
  const std::string monday = Text(report, "monday");
  const std::string sunday = Text(report, "sunday");
  std::string html =
      "<h1>" + Both("污水监测每周预警报告 " + week, "Weekly wastewater screening report " + week) +
      "</h1>\n";
  if (monday.empty() || sunday.empty()) return html;
  return html + "<p class=\"dates\">" +
         Both(monday + " 至 " + sunday + "（周一至周日）",
              monday + " to " + sunday + " (Monday to Sunday)") +
         "</p>\n";
}

std::string CountBox(const json& summary, const char* key, const std::string& zh,
                     const std::string& en) {
  const std::optional<double> value = NumberOf(Field(summary, key));
  const std::string shown = value ? FormatFixed(*value, 0) : "–";
  return "<div class=\"count\"><b>" + shown + "</b>" + Both(zh, en) + "</div>";
}

std::string SummarySection(const json& report) {
  const json& summary = Field(report, "summary");
  return Heading(2, "概况", "Summary") + "<div class=\"counts\">" +
         CountBox(summary, "risk_alerts", "风险预警", "risk alerts") +
         CountBox(summary, "raised_this_week", "本周新增", "raised this week") +
         CountBox(summary, "caveats", "数据提示", "caveats") +
         CountBox(summary, "series_screened", "已筛查序列", "series screened") +
         CountBox(summary, "series_skipped", "未筛查序列", "series skipped") + "</div>\n";
}

// ---- Ranking and alerts. ----

std::string RankingRow(const json& risk) {
  const std::optional<double> score = NumberOf(Field(risk, "score"));
  return "<tr>" + Cell(Escaped(Text(risk, "rank")), "num") +
         Cell(Escaped(Text(risk, "group_id")), "nowrap") +
         Cell(Escaped(Text(risk, "district_ids"))) +
         Cell(score ? FormatFixed(*score, 2) : "–", "num") +
         Cell(BilingualList(Field(risk, "reasons_zh"), Field(risk, "reasons_en"))) +
         Cell(BilingualList(Field(risk, "caveats_zh"), Field(risk, "caveats_en"))) + "</tr>\n";
}

std::string RankingSection(const json& report) {
  std::string html = Heading(2, "街道风险排名", "Risk ranking of district groups");
  const json& ranking = List(report, "ranking");
  if (ranking.empty()) return html + NoneNote("本周无排名", "no ranking this week");
  html += "<table>\n" + HeaderRow({{"排名", "rank"},
                                   {"街道组", "group"},
                                   {"街道", "districts"},
                                   {"得分", "score"},
                                   {"原因", "reasons"},
                                   {"数据提示", "caveats"}});
  for (const json& risk : ranking) html += RankingRow(risk);
  return html + "</table>\n";
}

// The model's own titles for an alert kind ("rising_trend" -> 上升趋势 / rising trend).
BilingualLabel KindTitle(const std::string& name) {
  for (AlertKind kind : {AlertKind::kRisingTrend, AlertKind::kSpike, AlertKind::kDumpingSuspected,
                         AlertKind::kNewSubstance, AlertKind::kUnderRegistration,
                         AlertKind::kDataGap, AlertKind::kQcFailure}) {
    if (name == AlertKindName(kind))
      return {AlertKindTitle(kind, true), AlertKindTitle(kind, false)};
  }
  return {name, name};
}

std::string AlertWhere(const json& alert) {
  const std::string group = Text(alert, "group_id");
  const std::string site = Text(alert, "site_id");
  std::string html;
  if (!group.empty()) html += Both("街道组 ", "group ") + Escaped(group);
  if (!site.empty())
    html += (html.empty() ? "" : "<br>") + Both("采样点 ", "site ") + Escaped(site);
  return html;
}

// The drug in the page's language: the catalogue's Chinese name when the report has one.
std::string DrugName(const json& item) {
  const std::string drug = Text(item, "drug");
  const std::string drug_zh = Text(item, "drug_zh");
  return Both(drug_zh.empty() ? drug : drug_zh, drug);
}

std::string AlertWhat(const json& alert) {
  const std::string drug = Text(alert, "drug");
  const std::string biomarker = Text(alert, "biomarker");
  if (biomarker.empty() || biomarker == drug) return DrugName(alert);
  if (drug.empty()) return Escaped(biomarker);
  return DrugName(alert) + " (" + Escaped(biomarker) + ")";
}

std::string AlertDays(const json& alert) {
  const std::string first = Text(alert, "first_day");
  const std::string last = Text(alert, "last_day");
  if (first == last || last.empty()) return Escaped(first);
  return Escaped(first) + " –<br>" + Escaped(last);
}

std::string AlertStatus(const json& alert) {
  const json& raised = Field(alert, "raised_this_week");
  if (!raised.is_boolean()) return "";
  return raised.get<bool>()
             ? "<span class=\"tag new\">" + Both("新", "new") + "</span>"
             : "<span class=\"tag continuing\">" + Both("持续", "continuing") + "</span>";
}

std::string AlertRow(const json& alert) {
  const bool caveat = Field(alert, "caveat").is_boolean() && Field(alert, "caveat").get<bool>();
  const BilingualLabel kind = KindTitle(Text(alert, "kind"));
  std::string kind_html = Both(kind.zh, kind.en);
  if (caveat)
    kind_html += "<br><span class=\"tag caveat\">" + Both("数据提示", "caveat") + "</span>";
  const std::optional<double> severity = NumberOf(Field(alert, "severity"));
  const std::string reason_zh = Text(alert, "reason_zh");
  const std::string reason_en = Text(alert, "reason_en");
  return std::string(caveat ? "<tr class=\"caveat\">" : "<tr>") + Cell(kind_html, "nowrap") +
         Cell(AlertWhere(alert), "nowrap") + Cell(AlertWhat(alert)) +
         Cell(AlertDays(alert), "nowrap") +
         Cell(severity ? FormatFixed(*severity, 2) : "–", "num") + Cell(AlertStatus(alert)) +
         Cell(Both(reason_zh.empty() ? reason_en : reason_zh,
                   reason_en.empty() ? reason_zh : reason_en)) +
         "</tr>\n";
}

std::string AlertsSection(const json& report) {
  std::string html = Heading(2, "预警", "Alerts");
  const json& alerts = List(report, "alerts");
  if (alerts.empty()) return html + NoneNote("本周无预警", "no alerts this week");
  html += "<table>\n" + HeaderRow({{"类型", "kind"},
                                   {"街道组/采样点", "group / site"},
                                   {"药物/标志物", "drug / biomarker"},
                                   {"日期", "days"},
                                   {"严重度", "severity"},
                                   {"新/持续", "new / continuing"},
                                   {"原因", "reason"}});
  for (const json& alert : alerts) html += AlertRow(alert);
  return html + "</table>\n";
}

// ---- Charts of the alerted series. ----

// The days an alert of `kind` points at in one series, with the value it reported.
std::vector<ChartPoint> MarkedDays(const json& report, const json& series,
                                   const std::string& kind) {
  std::vector<ChartPoint> marks;
  for (const json& alert : List(report, "alerts")) {
    if (Text(alert, "kind") != kind || Text(alert, "group_id") != Text(series, "group_id") ||
        Text(alert, "drug") != Text(series, "drug")) {
      continue;
    }
    const json& evidence = Field(alert, "evidence");
    std::optional<DayIndex> day = DayOf(Field(evidence, "day"));
    if (!day) day = DayOf(Field(alert, "first_day"));
    const std::optional<double> value = NumberOf(Field(evidence, "value_mg_per_day"));
    if (day && value) marks.push_back({static_cast<double>(*day), *value});
  }
  return marks;
}

struct OutlookData {
  std::vector<ChartPoint> estimates;
  std::vector<BandPoint> estimate_band;
  std::vector<ChartPoint> forecast_median;
  std::vector<BandPoint> fan95, fan80, fan50;
  std::vector<ChartPoint> spikes;
  std::vector<ChartPoint> dumping;
  std::optional<double> reference;
  std::optional<double> threshold;
};

double NumberOr(const json& object, const char* key, double fallback) {
  return NumberOf(Field(object, key)).value_or(fallback);
}

OutlookData ReadOutlook(const json& report, const json& series) {
  const double nan = std::nan("");
  OutlookData data;
  std::optional<DayIndex> previous;
  for (const json& day : List(series, "history")) {
    const std::optional<DayIndex> x = DayOf(Field(day, "day"));
    if (!x) continue;
    if (previous && *x > *previous + 1) {
      // Days without an estimate are left out of the report: break the line there.
      data.estimates.push_back({*previous + 1.0, nan});
      data.estimate_band.push_back({*previous + 1.0, nan, nan});
    }
    previous = x;
    data.estimates.push_back({static_cast<double>(*x), NumberOr(day, "value", nan)});
    data.estimate_band.push_back(
        {static_cast<double>(*x), NumberOr(day, "p05", nan), NumberOr(day, "p95", nan)});
  }
  for (const json& week : List(series, "forecast")) {
    const std::optional<DayIndex> monday = DayOf(Field(week, "monday"));
    if (!monday) continue;
    // A forecast is of a week's level, so it is drawn as a step over the whole week.
    for (const double x : {static_cast<double>(*monday), *monday + 7.0}) {
      data.forecast_median.push_back({x, NumberOr(week, "median", nan)});
      data.fan95.push_back({x, NumberOr(week, "p025", nan), NumberOr(week, "p975", nan)});
      data.fan80.push_back({x, NumberOr(week, "p10", nan), NumberOr(week, "p90", nan)});
      data.fan50.push_back({x, NumberOr(week, "p25", nan), NumberOr(week, "p75", nan)});
    }
  }
  data.spikes = MarkedDays(report, series, "spike");
  data.dumping = MarkedDays(report, series, "dumping_suspected");
  data.reference = NumberOf(Field(series, "reference_level"));
  const std::optional<double> min_ratio =
      NumberOf(Field(Field(Field(report, "provenance"), "options"), "trend_min_ratio"));
  if (data.reference && min_ratio) data.threshold = *data.reference * *min_ratio;
  return data;
}

// The smallest and largest positive values the chart must show.
bool ValueRange(const OutlookData& data, double* low, double* high) {
  *low = INFINITY;
  *high = 0.0;
  auto take = [&](double v) {
    if (!(v > 0.0) || !std::isfinite(v)) return;
    *low = std::min(*low, v);
    *high = std::max(*high, v);
  };
  for (const ChartPoint& p : data.estimates) take(p.y);
  for (const std::vector<BandPoint>* band : {&data.estimate_band, &data.fan95}) {
    for (const BandPoint& p : *band) {
      take(p.lower);
      take(p.upper);
    }
  }
  for (const ChartPoint& p : data.forecast_median) take(p.y);
  for (const ChartPoint& p : data.spikes) take(p.y);
  for (const ChartPoint& p : data.dumping) take(p.y);
  if (data.reference) take(*data.reference);
  if (data.threshold) take(*data.threshold);
  return *high > 0.0;
}

// Days on the x axis: the reference weeks (as configured, so missing days show as gaps)
// through the last forecast week's Sunday.
bool DayRange(const json& report, const OutlookData& data, double* first, double* last) {
  *first = INFINITY;
  *last = -INFINITY;
  for (const ChartPoint& p : data.estimates) {
    *first = std::min(*first, p.x);
    *last = std::max(*last, p.x);
  }
  for (const ChartPoint& p : data.forecast_median) {
    *first = std::min(*first, p.x);
    *last = std::max(*last, p.x);
  }
  const std::optional<DayIndex> sunday = DayOf(Field(report, "sunday"));
  const std::optional<double> weeks =
      NumberOf(Field(Field(Field(report, "provenance"), "options"), "trend_reference_weeks"));
  if (sunday && weeks && *weeks >= 1 && *weeks <= 520) {
    *first = std::min(*first, *sunday + 1 - 7 * *weeks);
    *last = std::max(*last, *sunday + 1.0);
  }
  return *last > *first;
}

// Mondays, every week or every few weeks, labelled month-day (the title carries the year).
std::vector<ChartTick> MondayTicks(double first, double last) {
  std::vector<ChartTick> ticks;
  const DayIndex start = static_cast<DayIndex>(std::ceil(first));
  DayIndex monday = start + (7 - IsoWeekday(start)) % 7;
  const int weeks = static_cast<int>((last - first) / 7.0);
  const int step = weeks <= 12 ? 7 : weeks <= 30 ? 14 : 28;
  for (; monday <= last; monday += step) {
    ticks.push_back({static_cast<double>(monday), FormatIsoDate(monday).substr(5)});
  }
  return ticks;
}

BilingualLabel SeriesName(const json& series) {
  const std::string group = Text(series, "group_id");
  const std::string drug = Text(series, "drug");
  const std::string drug_zh = Text(series, "drug_zh");
  return {group + " · " + (drug_zh.empty() ? drug : drug_zh), group + " · " + drug};
}

std::string OutlookSvg(const json& report, const json& series, const OutlookData& data) {
  double low = 0, high = 0, first = 0, last = 0;
  if (!ValueRange(data, &low, &high) || !DayRange(report, data, &first, &last)) return "";
  SvgLogChart chart(1000, 320, first, last, low / 1.25, high * 1.25);
  const std::optional<DayIndex> monday = DayOf(Field(report, "monday"));
  if (monday) chart.AddXSpan(*monday, *monday + 7.0, "this-week");
  chart.AddBand(data.estimate_band, "estimate-band");
  chart.AddBand(data.fan95, "fan95");
  chart.AddBand(data.fan80, "fan80");
  chart.AddBand(data.fan50, "fan50");
  if (data.reference) chart.AddHorizontalRule(*data.reference, "reference");
  if (data.threshold) chart.AddHorizontalRule(*data.threshold, "threshold");
  chart.AddLine(data.estimates, "estimate-line");
  chart.AddDots(data.estimates, 2.2, "estimate-dot");
  chart.AddLine(data.forecast_median, "forecast-median");
  chart.AddDots(data.dumping, 6.0, "dumping");
  chart.AddDots(data.spikes, 5.0, "spike");
  chart.SetXTicks(MondayTicks(first, last));
  chart.SetYLabel({"毫克/天（对数刻度）", "mg/day (log scale)"});
  const BilingualLabel name = SeriesName(series);
  chart.SetTitle({name.zh + " 估计值与预测", name.en + " estimates and forecast"});
  return chart.Render();
}

std::string Swatch(const std::string& color, const std::string& zh, const std::string& en,
                   bool dashed = false) {
  const std::string look =
      dashed ? "height:0;border-top:2px dashed " + color : "background:" + color;
  return "<span><span class=\"swatch\" style=\"" + look + "\"></span>" + Both(zh, en) + "</span>";
}

std::string ChartLegend(const OutlookData& data, const json& report) {
  const std::string ratio = Text(Field(Field(report, "provenance"), "options"), "trend_min_ratio");
  std::string html = "<div class=\"legend\">" + Swatch("#2f6db3", "每日估计值", "daily estimate") +
                     Swatch("#9fc3e8", "90 % 区间", "90 % interval") +
                     Swatch("#333", "参考水平", "reference level", true);
  if (data.threshold) {
    html += Swatch("#b45309", "预警阈值（参考 × " + ratio + "）",
                   "alert threshold (reference × " + ratio + ")", true);
  }
  html += Swatch("#8a3b06", "预测周水平中位数", "forecast weekly level, median") +
          Swatch("#e07b39", "50 %", "50 %") + Swatch("#f0a572", "80 %", "80 %") +
          Swatch("#f6c9a8", "95 % 预测区间", "95 % forecast interval") +
          Swatch("#fff6d5", "报告周", "report week");
  if (!data.spikes.empty()) html += Swatch("#c81e1e", "突增日", "spike day");
  if (!data.dumping.empty()) html += Swatch("#7c3aed", "疑似倾倒日", "suspected dumping day");
  return html + "</div>\n";
}

std::string QuantityName(const std::string& quantity, bool chinese) {
  if (quantity == "consumption") return chinese ? "消费量" : "consumption";
  if (quantity == "mass") return chinese ? "排放负荷" : "mass load";
  return quantity;
}

std::string SeriesFacts(const json& series) {
  const std::string quantity = Text(series, "quantity");
  const std::string districts = Text(series, "district_ids");
  const std::optional<double> reference = NumberOf(Field(series, "reference_level"));
  const std::optional<double> probability = NumberOf(Field(series, "trend_probability"));
  const std::optional<double> ratio = NumberOf(Field(series, "trend_ratio"));
  const std::optional<double> ratio_low = NumberOf(Field(series, "trend_ratio_p05"));
  const std::optional<double> ratio_high = NumberOf(Field(series, "trend_ratio_p95"));
  std::string zh = QuantityName(quantity, true) + "；街道 " + districts;
  std::string en = QuantityName(quantity, false) + "; districts " + districts;
  if (reference) {
    zh += "；参考水平 " + FormatShortNumber(*reference) + " 毫克/天";
    en += "; reference level " + FormatShortNumber(*reference) + " mg/day";
  }
  if (probability) {
    zh += "；上升概率 " + Percent(*probability);
    en += "; probability of a rise " + Percent(*probability);
  }
  if (ratio && ratio_low && ratio_high) {
    const std::string interval =
        FormatShortNumber(*ratio_low) + "–" + FormatShortNumber(*ratio_high);
    zh += "；预测倍数 " + FormatShortNumber(*ratio) + "（90 % 区间 " + interval + "）";
    en += "; forecast ratio " + FormatShortNumber(*ratio) + " (90 % " + interval + ")";
  }
  return "<p class=\"facts\">" + Both(zh, en) + "</p>\n";
}

std::string SeriesBlock(const json& report, const json& series) {
  const BilingualLabel name = SeriesName(series);
  const OutlookData data = ReadOutlook(report, series);
  const std::string svg = OutlookSvg(report, series, data);
  std::string html =
      "<div class=\"series\">\n" + Heading(3, name.zh, name.en) + SeriesFacts(series);
  if (svg.empty()) {
    html += NoneNote("没有可绘制的数据", "no data to draw");
  } else {
    html += svg + "\n" + ChartLegend(data, report);
  }
  const std::string model = Text(series, "model");
  if (!model.empty()) html += "<p class=\"model\">" + Escaped(model) + "</p>\n";
  return html + "</div>\n";
}

std::string ChartsSection(const json& report) {
  std::string html = Heading(2, "预警序列：趋势与预测", "Alerted series: trend and forecast");
  std::string blocks;
  for (const json& series : List(report, "series")) {
    const json& alerted = Field(series, "alerted");
    if (alerted.is_boolean() && alerted.get<bool>()) blocks += SeriesBlock(report, series);
  }
  if (blocks.empty())
    return html + NoneNote("本周没有带风险预警的序列", "no series with a risk alert this week");
  return html + "<p>" +
         Both(
             "圆点为每日估计值及其 90 % 区间；右侧为未来 8 周每周水平的预测（嵌套的 95/80/50 % "
             "区间与中位数）。",
             "Dots are the daily estimates with their 90 % interval; on the right, the forecast "
             "of each of the next 8 weeks' level (nested 95/80/50 % intervals and the median).") +
         "</p>\n" + blocks;
}

// ---- Skipped series and provenance. ----

std::string SkippedSection(const json& report) {
  std::string html = Heading(2, "未筛查的序列", "Series not screened");
  const json& skipped = List(report, "skipped");
  if (skipped.empty()) return html + NoneNote("无", "none");
  html += "<table>\n" + HeaderRow({{"街道组", "group"}, {"药物", "drug"}, {"原因", "reason"}});
  for (const json& s : skipped) {
    html += "<tr>" + Cell(Escaped(Text(s, "group_id")), "nowrap") + Cell(Escaped(Text(s, "drug"))) +
            Cell(Escaped(Text(s, "reason"))) + "</tr>\n";
  }
  return html + "</table>\n";
}

// Nested options flattened to dotted names ("weights.spike"), in the JSON's (sorted) order.
void FlattenOptions(const json& value, const std::string& prefix, std::string* rows) {
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      FlattenOptions(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), rows);
    }
    return;
  }
  *rows += "<tr>" + Cell(Escaped(prefix)) + Cell(Escaped(Dump(value))) + "</tr>\n";
}

std::string ProvenanceSection(const json& report) {
  const json& provenance = Field(report, "provenance");
  std::string batches;
  for (const json& id : List(provenance, "batch_ids")) {
    batches += (batches.empty() ? "" : "<br>") + Escaped(TextOf(id));
  }
  std::string html = Heading(2, "数据来源", "Provenance") + "<table class=\"provenance\">\n" +
                     "<tr>" + Cell(Both("目录版本", "catalogue version")) +
                     Cell(Escaped(Text(provenance, "catalogue_version"))) + "</tr>\n<tr>" +
                     Cell(Both("实验室批次", "lab batches")) + Cell(batches) + "</tr>\n";
  if (Field(provenance, "options").is_object()) {
    std::string options;
    FlattenOptions(Field(provenance, "options"), "", &options);
    html +=
        "<tr><th colspan=\"2\">" + Both("筛查参数", "screening options") + "</th></tr>\n" + options;
  }
  return html + "</table>\n";
}

}  // namespace

std::string RenderAlertReportHtml(const nlohmann::json& report) {
  return PageStart(report) + TitleSection(report) + SummarySection(report) +
         RankingSection(report) + AlertsSection(report) + ChartsSection(report) +
         SkippedSection(report) + ProvenanceSection(report) + PageEnd();
}

}  // namespace wbe
