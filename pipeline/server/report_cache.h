#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/alerts/weekly_screening.h"
#include "models/core/civil_day.h"
#include "pipeline/store/hdf5_store.h"

namespace wbe {

struct ServerContext;

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
  explicit ReportCache(const ServerContext* context);

  // HttpError 404 without district estimates; InputError (422) for a week that has not ended.
  std::shared_ptr<const RenderedReport> Get(const std::optional<IsoWeek>& requested);

  // Computes the latest week's report of the current snapshot unless it is there, so the first
  // analyst after an upload does not wait for it; "nothing to screen" is not an error here.
  void Warm();
  size_t computed() const;  // reports rendered so far
  // Blocks until Warm has finished `count` times in all, or `timeout` passes.
  bool WaitForWarm(size_t count, std::chrono::milliseconds timeout);

 private:
  struct Entry {
    std::weak_ptr<const StoreContents> contents;
    DayIndex monday = 0;
    uint64_t serial = 0;
    std::shared_future<std::shared_ptr<const RenderedReport>> report;
  };
  static constexpr size_t kMaxEntries = 8;

  std::shared_ptr<const RenderedReport> Render(const StoreContents& contents,
                                               DayIndex monday) const;
  void Forget(uint64_t serial);

  const ServerContext* context_;
  std::string store_label_;
  mutable std::mutex mutex_;
  std::condition_variable warmed_changed_;
  std::vector<Entry> entries_;
  uint64_t last_serial_ = 0;
  size_t computed_ = 0;
  size_t warmed_ = 0;
};

}  // namespace wbe
