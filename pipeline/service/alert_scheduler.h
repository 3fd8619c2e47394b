#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "models/catalogue/drug_catalogue.h"
#include "models/core/civil_day.h"
#include "pipeline/jobs/alerts_job.h"
#include "pipeline/service/webhook_delivery.h"
#include "pipeline/store/hdf5_store.h"

namespace wbe {

using SystemTime = std::chrono::system_clock::time_point;

// A weekly moment in the machine's local time zone: "MON 08:00" (day MON..SUN, any case, then
// HH:MM on a 24-hour clock), or "off" for none.
struct WeeklySchedule {
  bool enabled = true;
  int iso_weekday = 1;  // 1 = Monday ... 7 = Sunday
  int hour = 8;
  int minute = 0;

  // Throws std::invalid_argument saying what is wrong and what is expected.
  static WeeklySchedule Parse(const std::string& text);
  std::string ToString() const;  // "MON 08:00" or "off"

  // The first scheduled moment strictly after `now`, and the last one at or before it (local
  // time; a moment a DST jump skips is taken as mktime normalises it). Enabled only.
  SystemTime NextAfter(SystemTime now) const;
  SystemTime LastAtOrBefore(SystemTime now) const;
};

// The calendar day of `time` in the machine's local time zone.
DayIndex LocalDayOf(SystemTime time);

struct AlertSchedulerOptions {
  std::string data_dir;  // reports go to DATA_DIR/reports, deliveries to DATA_DIR/logs
  WeeklySchedule schedule;
  std::vector<std::string> webhook_urls;
  WebhookRetryPolicy retry;
  int screening_threads = 0;  // 0: all cores
  // Before a run, wait at most this long for the data service to finish re-estimating.
  int ready_wait_s = 1800;

  bool Check(std::string* why = nullptr) const;
  std::string ReportsDir() const;       // DATA_DIR/reports
  std::string DeliveryLogPath() const;  // DATA_DIR/logs/webhooks.jsonl
};

// What the scheduler reads and how it tells time; everything but `snapshot` has a default.
struct AlertSchedulerHooks {
  std::function<std::shared_ptr<const StoreContents>()> snapshot;  // e.g. DataService::Snapshot
  std::function<SystemTime()> now;                                 // default: the system clock
  // Whether the data are settled (no re-estimation queued or running); default: always.
  std::function<bool()> ready;
  // The wait between webhook attempts; default: a wait that Shutdown cuts short.
  InterruptibleSleep sleep;
  std::function<void(const std::string&)> log;  // the server log
};

struct ScheduledRun {
  enum class Outcome { kReported, kNothingToScreen, kAlreadyReported, kFailed };
  Outcome outcome = Outcome::kFailed;
  SystemTime scheduled_at;
  std::string week;     // "" when no week could be chosen
  std::string message;  // what happened, for the log
  AlertReportFiles files;
  std::vector<WebhookResult> deliveries;  // one per webhook URL, in order
};

// The weekly alert report of a running server: at each scheduled moment, screens the last
// complete ISO week of the current snapshot (what `wbe alerts` would report on that day), writes
// the report into DATA_DIR/reports and POSTs its JSON to every webhook, logging each attempt to
// DATA_DIR/logs/webhooks.jsonl and the server log. A moment missed while the server was down
// is caught up at start when that week's report file is missing.
//
// Tests drive it without a thread: CatchUp(now), RunDue(now), NextRunAfter(now). Start() runs
// the same calls on a thread that waits on a condition variable for the next moment; Shutdown()
// wakes it and cuts webhook retry waits short (a screening in progress is finished first).
class AlertScheduler {
 public:
  AlertScheduler(AlertSchedulerOptions options, const DrugCatalogue& catalogue,
                 AlertSchedulerHooks hooks);
  ~AlertScheduler();
  AlertScheduler(const AlertScheduler&) = delete;
  AlertScheduler& operator=(const AlertScheduler&) = delete;

  SystemTime NextRunAfter(SystemTime now) const { return options_.schedule.NextAfter(now); }

  // Runs the latest scheduled moment at or before `now` unless it was handled already; none when
  // nothing is due.
  std::optional<ScheduledRun> RunDue(SystemTime now);
  // At start: the latest scheduled moment at or before `now` counts as handled; it is run only
  // when its week's report file does not exist yet.
  std::optional<ScheduledRun> CatchUp(SystemTime now);
  // One run for the moment `scheduled_at`, due or not.
  ScheduledRun Run(SystemTime scheduled_at);

  void Start();
  // Wakes the thread and joins it. Idempotent.
  void Shutdown();
  bool stopping() const;

 private:
  void Loop();
  bool WaitForReadyData();
  // The Monday reported at `scheduled_at`; InputError when the store has nothing to report.
  DayIndex ReportedMonday(const StoreContents& contents, SystemTime scheduled_at) const;
  void Deliver(const std::string& body, const std::string& week, ScheduledRun* run);
  void Log(const std::string& line) const;
  bool InterruptibleWait(std::chrono::milliseconds delay);
  SystemTime Now() const;

  AlertSchedulerOptions options_;
  const DrugCatalogue& catalogue_;
  AlertSchedulerHooks hooks_;
  std::string store_label_;

  std::mutex run_mutex_;               // one run at a time
  std::optional<SystemTime> handled_;  // the latest scheduled moment run or skipped

  mutable std::mutex state_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace wbe
