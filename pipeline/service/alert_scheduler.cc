#include "pipeline/service/alert_scheduler.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <regex>

#include "models/core/input_error.h"
#include "pipeline/archive/durable_file.h"
#include "pipeline/jobs/ingest_job.h"

namespace wbe {
namespace fs = std::filesystem;
namespace {

constexpr const char* kDayNames[] = {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"};

int IsoWeekdayOf(const std::tm& local) { return local.tm_wday == 0 ? 7 : local.tm_wday; }

// The scheduled moment on the local calendar day `day_offset` days from `base`.
SystemTime MomentOnDay(const std::tm& base, int day_offset, int hour, int minute,
                       int* iso_weekday) {
  std::tm candidate = base;
  candidate.tm_mday += day_offset;
  candidate.tm_hour = hour;
  candidate.tm_min = minute;
  candidate.tm_sec = 0;
  candidate.tm_isdst = -1;  // let mktime decide whether DST applies that day
  const std::time_t seconds = std::mktime(&candidate);
  *iso_weekday = IsoWeekdayOf(candidate);
  return std::chrono::system_clock::from_time_t(seconds);
}

std::tm LocalTm(SystemTime time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm local{};
  localtime_r(&seconds, &local);
  return local;
}

}  // namespace

WeeklySchedule WeeklySchedule::Parse(const std::string& text) {
  std::string upper;
  for (char c : text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const auto first = upper.find_first_not_of(" \t");
  const auto last = upper.find_last_not_of(" \t");
  upper = first == std::string::npos ? "" : upper.substr(first, last - first + 1);
  WeeklySchedule schedule;
  if (upper == "OFF") {
    schedule.enabled = false;
    return schedule;
  }
  const std::string expected =
      "expected a day MON-SUN and a 24-hour local time, like \"MON 08:00\", or \"off\"";
  static const std::regex kPattern(R"(([A-Z]{3})\s+([0-9]{1,2}):([0-9]{2}))");
  std::smatch match;
  if (!std::regex_match(upper, match, kPattern)) {
    throw std::invalid_argument("schedule '" + text + "': " + expected);
  }
  const auto day = std::find(std::begin(kDayNames), std::end(kDayNames), match[1].str());
  if (day == std::end(kDayNames)) {
    throw std::invalid_argument("schedule '" + text + "': '" + match[1].str() + "' is not a day; " +
                                expected);
  }
  schedule.iso_weekday = static_cast<int>(day - std::begin(kDayNames)) + 1;
  schedule.hour = std::stoi(match[2].str());
  schedule.minute = std::stoi(match[3].str());
  if (schedule.hour > 23 || schedule.minute > 59) {
    throw std::invalid_argument("schedule '" + text + "': the time must be 00:00-23:59");
  }
  return schedule;
}

std::string WeeklySchedule::ToString() const {
  if (!enabled) return "off";
  char text[16];
  std::snprintf(text, sizeof(text), "%s %02d:%02d", kDayNames[(iso_weekday + 6) % 7], hour, minute);
  return text;
}

SystemTime WeeklySchedule::NextAfter(SystemTime now) const {
  const std::tm local = LocalTm(now);
  for (int offset = 0; offset <= 8; ++offset) {
    int weekday = 0;
    const SystemTime moment = MomentOnDay(local, offset, hour, minute, &weekday);
    if (weekday == iso_weekday && moment > now) return moment;
  }
  throw std::logic_error("WeeklySchedule::NextAfter found no moment within 8 days");
}

SystemTime WeeklySchedule::LastAtOrBefore(SystemTime now) const {
  const std::tm local = LocalTm(now);
  for (int offset = 0; offset >= -8; --offset) {
    int weekday = 0;
    const SystemTime moment = MomentOnDay(local, offset, hour, minute, &weekday);
    if (weekday == iso_weekday && moment <= now) return moment;
  }
  throw std::logic_error("WeeklySchedule::LastAtOrBefore found no moment within 8 days");
}

DayIndex LocalDayOf(SystemTime time) {
  const std::tm local = LocalTm(time);
  return DayFromCivil(local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
}

bool AlertSchedulerOptions::Check(std::string* why) const {
  const auto fail = [&](const std::string& message) {
    if (why != nullptr) *why = message;
    return false;
  };
  if (data_dir.empty()) return fail("a data directory is needed");
  if (schedule.enabled &&
      (schedule.iso_weekday < 1 || schedule.iso_weekday > 7 || schedule.hour < 0 ||
       schedule.hour > 23 || schedule.minute < 0 || schedule.minute > 59)) {
    return fail("the schedule is not a weekday and a time of day");
  }
  for (const std::string& url : webhook_urls) {
    const std::string problem = WebhookUrlProblem(url);
    if (!problem.empty()) return fail("alert_webhooks: " + problem);
  }
  if (screening_threads < 0) return fail("screening threads must be 0 (all cores) or more");
  if (ready_wait_s < 0) return fail("ready_wait_s must not be negative");
  return retry.Check(why);
}

std::string AlertSchedulerOptions::ReportsDir() const {
  return (fs::path(data_dir) / "reports").string();
}

std::string AlertSchedulerOptions::DeliveryLogPath() const {
  return (fs::path(data_dir) / "logs" / "webhooks.jsonl").string();
}

AlertScheduler::AlertScheduler(AlertSchedulerOptions options, const DrugCatalogue& catalogue,
                               AlertSchedulerHooks hooks)
    : options_(std::move(options)),
      catalogue_(catalogue),
      hooks_(std::move(hooks)),
      store_label_(DataDirLayout(options_.data_dir).store_path) {
  std::string why;
  if (!options_.Check(&why)) throw std::invalid_argument("alert scheduler: " + why);
  if (!hooks_.snapshot) throw std::invalid_argument("alert scheduler: no snapshot source");
}

AlertScheduler::~AlertScheduler() { Shutdown(); }

SystemTime AlertScheduler::Now() const {
  return hooks_.now ? hooks_.now() : std::chrono::system_clock::now();
}

void AlertScheduler::Log(const std::string& line) const {
  if (hooks_.log) hooks_.log("alerts: " + line);
}

bool AlertScheduler::stopping() const {
  std::lock_guard<std::mutex> lock(state_mutex_);
  return stopping_;
}

bool AlertScheduler::InterruptibleWait(std::chrono::milliseconds delay) {
  std::unique_lock<std::mutex> lock(state_mutex_);
  return !wake_.wait_for(lock, delay, [this] { return stopping_; });
}

bool AlertScheduler::WaitForReadyData() {
  if (!hooks_.ready) return true;
  const auto start = std::chrono::steady_clock::now();
  bool said = false;
  while (!hooks_.ready()) {
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(options_.ready_wait_s)) {
      Log("the data are still being re-estimated after " + std::to_string(options_.ready_wait_s) +
          " s; reporting on the current snapshot");
      return true;
    }
    if (!said) Log("waiting for the background re-estimation to finish before the report");
    said = true;
    // Polling the data service: its jobs have no completion callback for us to wait on.
    if (!InterruptibleWait(std::chrono::seconds(2))) return false;
  }
  return true;
}

DayIndex AlertScheduler::ReportedMonday(const StoreContents& contents,
                                        SystemTime scheduled_at) const {
  // What `wbe alerts` reports on the scheduled day: the last complete week in the data.
  return ReportMonday(contents, std::nullopt, LocalDayOf(scheduled_at), store_label_);
}

std::optional<ScheduledRun> AlertScheduler::RunDue(SystemTime now) {
  if (!options_.schedule.enabled) return std::nullopt;
  std::lock_guard<std::mutex> lock(run_mutex_);
  const SystemTime due = options_.schedule.LastAtOrBefore(now);
  if (handled_ && due <= *handled_) return std::nullopt;
  handled_ = due;
  return Run(due);
}

std::optional<ScheduledRun> AlertScheduler::CatchUp(SystemTime now) {
  if (!options_.schedule.enabled) return std::nullopt;
  std::lock_guard<std::mutex> lock(run_mutex_);
  const SystemTime due = options_.schedule.LastAtOrBefore(now);
  handled_ = due;
  ScheduledRun run;
  run.scheduled_at = due;
  if (!WaitForReadyData()) {
    run.message = "the server stopped before the catch-up report";
    return run;
  }
  try {
    const std::shared_ptr<const StoreContents> contents = hooks_.snapshot();
    const IsoWeek week = IsoWeekOf(ReportedMonday(*contents, due));
    run.week = week.ToString();
    const AlertReportFiles files = AlertReportPaths(options_.ReportsDir(), week);
    if (fs::exists(files.json)) {
      run.outcome = ScheduledRun::Outcome::kAlreadyReported;
      run.files = files;
      run.message = "the report for " + run.week + " exists; no catch-up needed";
      Log(run.message);
      return run;
    }
  } catch (const InputError& e) {
    run.outcome = ScheduledRun::Outcome::kNothingToScreen;
    run.message = std::string("no catch-up report: ") + e.what();
    Log(run.message);
    return run;
  }
  Log("the report of " + FormatUtcTime(due) + " was missed; catching up");
  return Run(due);
}

ScheduledRun AlertScheduler::Run(SystemTime scheduled_at) {
  ScheduledRun run;
  run.scheduled_at = scheduled_at;
  try {
    if (!WaitForReadyData()) {
      run.message = "the server stopped before the report";
      Log(run.message);
      return run;
    }
    const std::shared_ptr<const StoreContents> contents = hooks_.snapshot();
    const DayIndex today = LocalDayOf(scheduled_at);
    ScreeningReport report;
    try {
      const DayIndex monday = ReportedMonday(*contents, scheduled_at);
      run.week = IsoWeekOf(monday).ToString();
      AlertsJobOptions job;
      job.week = IsoWeekOf(monday);
      job.today = today;
      job.threads = options_.screening_threads;
      report = ScreenStoreWeek(*contents, catalogue_, job, store_label_);
    } catch (const InputError& e) {
      run.outcome = ScheduledRun::Outcome::kNothingToScreen;
      run.message = "no report" + (run.week.empty() ? "" : " for " + run.week) + ": " + e.what();
      Log(run.message);
      return run;
    }
    run.files = WriteAlertReport(report, options_.ReportsDir());
    run.outcome = ScheduledRun::Outcome::kReported;
    const nlohmann::json json = report.ToJson();
    run.message = "report for " + run.week + " written to " + run.files.json + " (" +
                  std::to_string(report.alerts.size()) + " alerts, " +
                  std::to_string(report.outlooks.size()) + " series)";
    Log(run.message);
    const DayIndex calendar_monday = today - IsoWeekday(today) - 7;
    if (report.monday != calendar_monday) {
      Log("note: the data end before " + IsoWeekOf(calendar_monday).ToString() +
          " ended; the last complete week in the data is " + run.week);
    }
    Deliver(json.dump(), run.week, &run);
  } catch (const std::exception& e) {
    run.outcome = ScheduledRun::Outcome::kFailed;
    run.message =
        "the report" + (run.week.empty() ? "" : " for " + run.week) + " failed: " + e.what();
    Log(run.message);
  }
  return run;
}

void AlertScheduler::Deliver(const std::string& body, const std::string& week, ScheduledRun* run) {
  if (options_.webhook_urls.empty()) return;
  const std::string log_path = options_.DeliveryLogPath();
  WebhookDeliveryHooks hooks;
  hooks.now = [this] { return Now(); };
  hooks.sleep =
      hooks_.sleep ? hooks_.sleep : InterruptibleSleep([this](std::chrono::milliseconds delay) {
        return InterruptibleWait(delay);
      });
  hooks.record = [this, &log_path](const nlohmann::json& line) {
    std::string text = "webhook " + line.value("url", "") + " " + line.value("week", "") +
                       " attempt " + std::to_string(line.value("attempt", 0)) + "/" +
                       std::to_string(line.value("attempts", 0)) + ": ";
    text += line.contains("status") ? "HTTP " + std::to_string(line.value("status", 0))
                                    : line.value("error", "");
    Log(text + " (" + line.value("outcome", "") + ")");
    try {
      CreateDirectoriesDurably(fs::path(log_path).parent_path().string());
      AppendDurably(log_path, line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } catch (const std::exception& e) {
      Log(std::string("cannot append to the webhook log: ") + e.what());
    }
  };
  for (const std::string& url : options_.webhook_urls) {
    run->deliveries.push_back(DeliverWebhook(url, body, week, options_.retry, hooks));
  }
}

void AlertScheduler::Start() {
  if (!options_.schedule.enabled || thread_.joinable()) return;
  Log("weekly report " + options_.schedule.ToString() + " local time, next at " +
      FormatUtcTime(NextRunAfter(Now())) + "; " + std::to_string(options_.webhook_urls.size()) +
      " webhooks");
  thread_ = std::thread([this] { Loop(); });
}

void AlertScheduler::Loop() {
  // Run() logs every outcome itself; the thread only decides when.
  CatchUp(Now());
  while (true) {
    const SystemTime next = NextRunAfter(Now());
    {
      std::unique_lock<std::mutex> lock(state_mutex_);
      while (!stopping_) {
        const auto remaining = next - Now();
        if (remaining <= SystemTime::duration::zero()) break;
        // At most a minute at a time, so a changed system clock is noticed.
        const auto slice = std::min<SystemTime::duration>(remaining, std::chrono::minutes(1));
        wake_.wait_for(lock, slice);
      }
      if (stopping_) return;
    }
    RunDue(Now());
  }
}

void AlertScheduler::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace wbe
