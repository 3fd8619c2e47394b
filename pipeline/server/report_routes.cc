// The weekly screening over HTTP: alerts, forecasts and whole reports, computed from the current
// snapshot with the functions `wbe alerts` uses (ScreenStoreWeek, AlertsCsv,
// RenderAlertReportHtml), so the API and the command line give the same report.

#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <vector>

#include "models/core/input_error.h"
#include "pipeline/export/alert_report_csv.h"
#include "pipeline/export/alert_report_html.h"
#include "pipeline/jobs/alerts_job.h"
#include "pipeline/jobs/ingest_job.h"
#include "pipeline/server/api_routes.h"

namespace wbe {
namespace {

// One week's report of one snapshot, in every form the routes send.
struct RenderedReport {
  ScreeningReport report;
  nlohmann::json json;
  std::string json_text;  // byte-identical to the alerts-WEEK.json `wbe alerts` writes
  std::string alerts_csv;
  std::string html;
};

// Reports by (week, snapshot). A screening takes seconds, so each is computed once per snapshot
// even when requests for it arrive together; a new snapshot (after an upload's re-estimation)
// retires the old entries. Failures that depend only on the data (nothing to screen) are
// remembered too.
class ReportCache {
 public:
  explicit ReportCache(const ServerContext* context)
      : context_(context), store_label_(DataDirLayout(context->options.data_dir).store_path) {}

  std::shared_ptr<const RenderedReport> Get(const std::optional<IsoWeek>& requested) {
    const std::shared_ptr<const StoreContents> contents = context_->service->Snapshot();
    if (contents->district_estimates.empty()) {
      throw HttpError(404,
                      "no district estimates yet, so no weekly report: the server estimates "
                      "districts in the background after uploads (see GET /api/v1/ready)");
    }
    // 422 (InputError) for a week that has not ended, in time or in the data.
    const DayIndex monday = ReportMonday(*contents, requested, TodayUtc(), store_label_);
    std::promise<std::shared_ptr<const RenderedReport>> promise;
    std::shared_future<std::shared_ptr<const RenderedReport>> report;
    bool compute = false;
    uint64_t serial = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto it = entries_.begin(); it != entries_.end();) {
        it = it->contents.lock() == contents ? it + 1 : entries_.erase(it);
      }
      for (const Entry& entry : entries_) {
        if (entry.monday == monday) report = entry.report;
      }
      if (!report.valid()) {
        report = promise.get_future().share();
        if (entries_.size() >= kMaxEntries) entries_.erase(entries_.begin());
        serial = ++last_serial_;
        entries_.push_back({contents, monday, serial, report});
        compute = true;
      }
    }
    if (compute) {
      try {
        promise.set_value(Render(*contents, monday));
      } catch (const InputError&) {
        promise.set_exception(std::current_exception());  // the data's answer: keep it
      } catch (...) {
        promise.set_exception(std::current_exception());
        Forget(serial);  // perhaps passing (memory, a bug): let the next request retry
      }
    }
    return report.get();
  }

 private:
  struct Entry {
    std::weak_ptr<const StoreContents> contents;
    DayIndex monday = 0;
    uint64_t serial = 0;
    std::shared_future<std::shared_ptr<const RenderedReport>> report;
  };
  static constexpr size_t kMaxEntries = 8;

  std::shared_ptr<const RenderedReport> Render(const StoreContents& contents,
                                               DayIndex monday) const {
    auto rendered = std::make_shared<RenderedReport>();
    AlertsJobOptions options;
    options.week = IsoWeekOf(monday);
    options.today = TodayUtc();
    rendered->report =
        ScreenStoreWeek(contents, context_->service->catalogue(), options, store_label_);
    rendered->json = rendered->report.ToJson();
    rendered->json_text = rendered->json.dump(2) + "\n";
    rendered->alerts_csv = AlertsCsv(rendered->report);
    rendered->html = RenderAlertReportHtml(rendered->json);
    return rendered;
  }

  void Forget(uint64_t serial) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->serial == serial) {
        entries_.erase(it);
        return;
      }
    }
  }

  const ServerContext* context_;
  std::string store_label_;
  std::mutex mutex_;
  std::vector<Entry> entries_;
  uint64_t last_serial_ = 0;
};

IsoWeek ParseWeek(const std::string& text, const std::string& where) {
  try {
    return ParseIsoWeek(text);
  } catch (const std::exception& e) {
    const std::string message = where + ": " + e.what() + " (expected an ISO week like 2026-W48)";
    throw HttpError(422, message,
                    nlohmann::json::array({ProblemEntry("query", 0, where, message)}));
  }
}

std::optional<IsoWeek> QueryWeek(const ApiExchange& exchange) {
  const std::optional<std::string> week = exchange.Query("week");
  if (!week || week->empty()) return std::nullopt;  // the last complete week in the data
  return ParseWeek(*week, "week");
}

nlohmann::json WeekHeader(const nlohmann::json& report) {
  return {{"week", report.at("week")},
          {"monday", report.at("monday")},
          {"sunday", report.at("sunday")}};
}

// The group id itself, or one of the districts in it (district_ids is "D,E").
bool SeriesMatchesGroup(const nlohmann::json& series, const std::string& group) {
  if (series.value("group_id", "") == group) return true;
  const nlohmann::json& ids =
      series.contains("district_ids") ? series.at("district_ids") : nlohmann::json();
  if (!ids.is_string()) return false;
  return ("," + ids.get<std::string>() + ",").find("," + group + ",") != std::string::npos;
}

void GetAlerts(ApiExchange& exchange, ReportCache& cache) {
  const std::shared_ptr<const RenderedReport> rendered = cache.Get(QueryWeek(exchange));
  nlohmann::json body = WeekHeader(rendered->json);
  for (const char* part : {"summary", "ranking", "alerts"}) body[part] = rendered->json.at(part);
  exchange.SendJson(200, body);
}

void GetForecasts(ApiExchange& exchange, ReportCache& cache) {
  const std::optional<std::string> group = exchange.Query("group");
  const std::optional<std::string> drug = exchange.Query("drug");
  const std::shared_ptr<const RenderedReport> rendered = cache.Get(QueryWeek(exchange));
  const nlohmann::json& report = rendered->json;
  const auto selected = [&](const nlohmann::json& item) {
    return (!drug || item.value("drug", "") == *drug) &&
           (!group || SeriesMatchesGroup(item, *group));
  };
  nlohmann::json series = nlohmann::json::array();
  for (const nlohmann::json& item : report.at("series")) {
    if (selected(item)) series.push_back(item);
  }
  nlohmann::json skipped = nlohmann::json::array();
  for (const nlohmann::json& item : report.at("skipped")) {
    if (selected(item)) skipped.push_back(item);
  }
  if (group && series.empty() && skipped.empty()) {
    bool known = false;
    for (const nlohmann::json& item : report.at("series"))
      known |= SeriesMatchesGroup(item, *group);
    for (const nlohmann::json& item : report.at("skipped"))
      known |= SeriesMatchesGroup(item, *group);
    if (!known) throw HttpError(404, "no district or district group '" + *group + "' was screened");
  }
  nlohmann::json body = WeekHeader(report);
  body["series"] = std::move(series);
  body["skipped"] = std::move(skipped);
  exchange.SendJson(200, body);
}

void GetReport(ApiExchange& exchange, ReportCache& cache) {
  const IsoWeek week = ParseWeek(exchange.PathParam("week"), "week");
  std::string format = exchange.Query("format").value_or("");
  if (format.empty()) format = exchange.WantsCsv() ? "csv" : "json";
  if (format != "json" && format != "csv" && format != "html") {
    throw HttpError(422, "format must be 'json', 'csv' or 'html', got '" + format + "'");
  }
  const std::shared_ptr<const RenderedReport> rendered = cache.Get(week);
  if (format == "csv") {
    exchange.SendBytes(200, "text/csv; charset=utf-8", rendered->alerts_csv);
  } else if (format == "html") {
    exchange.SendBytes(200, "text/html; charset=utf-8", rendered->html);
  } else {
    exchange.SendBytes(200, "application/json; charset=utf-8", rendered->json_text);
  }
}

}  // namespace

void AddReportRoutes(RouteTable* routes, const ServerContext* context) {
  // Shared by the three routes and alive as long as the route table.
  auto cache = std::make_shared<ReportCache>(context);
  routes->Add({"GET", "/api/v1/alerts", false, {Role::kAnalyst}, [cache](ApiExchange& e) {
                 GetAlerts(e, *cache);
               }});
  routes->Add({"GET", "/api/v1/forecasts", false, {Role::kAnalyst}, [cache](ApiExchange& e) {
                 GetForecasts(e, *cache);
               }});
  routes->Add({"GET", "/api/v1/reports/{week}", false, {Role::kAnalyst}, [cache](ApiExchange& e) {
                 GetReport(e, *cache);
               }});
}

}  // namespace wbe
