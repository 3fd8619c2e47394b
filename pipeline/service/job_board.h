#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace wbe {

enum class JobState { kQueued, kRunning, kDone, kFailed };
const char* JobStateName(JobState state);  // "queued", "running", "done", "failed"

struct JobStatus {
  std::string id;
  std::string kind = "re-estimate";
  JobState state = JobState::kQueued;
  std::string cause;  // e.g. "batch W10@v2"
  std::string created_utc;
  std::string started_utc;
  std::string finished_utc;
  size_t site_days = 0;
  size_t estimates = 0;
  std::string message;

  nlohmann::json ToJson() const;
};

// The states of background jobs, for GET /jobs/{id}. Kept in memory: after a restart the
// service re-runs what was pending (it knows from the store), under new ids. Ids carry the
// service's start time so that they are not reused across restarts. Old finished jobs are
// forgotten beyond `capacity`. Thread-safe.
class JobBoard {
 public:
  explicit JobBoard(size_t capacity = 10000);

  // Registers a queued job and returns its id.
  std::string Add(const std::string& cause, size_t site_days);
  void MarkRunning(const std::string& id);
  void MarkFinished(const std::string& id, bool ok, size_t estimates, const std::string& message);
  std::optional<JobStatus> Find(const std::string& id) const;
  size_t Pending() const;  // queued or running

 private:
  mutable std::mutex mutex_;
  size_t capacity_;
  std::string prefix_;
  unsigned long long next_ = 1;
  std::map<unsigned long long, JobStatus> jobs_;
};

}  // namespace wbe
