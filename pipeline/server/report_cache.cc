#include "pipeline/server/report_cache.h"

#include "models/core/input_error.h"
#include "pipeline/export/alert_report_csv.h"
#include "pipeline/export/alert_report_html.h"
#include "pipeline/jobs/alerts_job.h"
#include "pipeline/jobs/ingest_job.h"
#include "pipeline/server/api_exchange.h"
#include "pipeline/server/server_context.h"

namespace wbe {

ReportCache::ReportCache(const ServerContext* context)
    : context_(context), store_label_(DataDirLayout(context->options.data_dir).store_path) {}

std::shared_ptr<const RenderedReport> ReportCache::Get(const std::optional<IsoWeek>& requested) {
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
      ++computed_;
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

void ReportCache::Warm() {
  try {
    Get(std::nullopt);
  } catch (const std::exception&) {
    // No district estimates yet, or nothing to screen: the routes will say so when asked.
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++warmed_;
  }
  warmed_changed_.notify_all();
}

size_t ReportCache::computed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return computed_;
}

bool ReportCache::WaitForWarm(size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return warmed_changed_.wait_for(lock, timeout, [&] { return warmed_ >= count; });
}

std::shared_ptr<const RenderedReport> ReportCache::Render(const StoreContents& contents,
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

void ReportCache::Forget(uint64_t serial) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->serial == serial) {
      entries_.erase(it);
      return;
    }
  }
}

}  // namespace wbe
