#include "pipeline/service/job_board.h"

#include <chrono>
#include <cstdio>
#include <iterator>
#include <random>

#include "pipeline/archive/batch_manifest.h"

namespace wbe {

const char* JobStateName(JobState state) {
  switch (state) {
    case JobState::kQueued:
      return "queued";
    case JobState::kRunning:
      return "running";
    case JobState::kDone:
      return "done";
    case JobState::kFailed:
      return "failed";
  }
  return "failed";
}

nlohmann::json JobStatus::ToJson() const {
  nlohmann::json json = {{"id", id},
                         {"kind", kind},
                         {"state", JobStateName(state)},
                         {"cause", cause},
                         {"created_utc", created_utc},
                         {"site_days", site_days},
                         {"estimates", estimates}};
  if (!started_utc.empty()) json["started_utc"] = started_utc;
  if (!finished_utc.empty()) json["finished_utc"] = finished_utc;
  if (!message.empty()) json["message"] = message;
  return json;
}

JobBoard::JobBoard(size_t capacity) : capacity_(capacity) {
  const auto start = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  // The start second alone repeats when the service restarts within a second: a random tag
  // keeps one board's ids from naming another board's jobs.
  std::random_device random;
  char tag[16];
  std::snprintf(tag, sizeof(tag), "%08x", static_cast<unsigned>(random()));
  prefix_ = "j" + std::to_string(start) + "-" + tag + "-";
}

std::string JobBoard::Add(const std::string& cause, size_t site_days) {
  std::lock_guard<std::mutex> lock(mutex_);
  JobStatus job;
  const unsigned long long number = next_++;
  job.id = prefix_ + std::to_string(number);
  job.cause = cause;
  job.site_days = site_days;
  job.created_utc = UtcNowIso8601();
  jobs_[number] = job;
  // Forgets the oldest finished jobs; unfinished ones are kept however old.
  for (auto it = jobs_.begin(); it != jobs_.end() && jobs_.size() > capacity_;) {
    const bool finished =
        it->second.state == JobState::kDone || it->second.state == JobState::kFailed;
    it = finished ? jobs_.erase(it) : std::next(it);
  }
  return job.id;
}

namespace {

std::optional<unsigned long long> NumberOf(const std::string& id, const std::string& prefix) {
  if (id.size() <= prefix.size() || id.compare(0, prefix.size(), prefix) != 0) return {};
  unsigned long long number = 0;
  for (size_t i = prefix.size(); i < id.size(); ++i) {
    if (id[i] < '0' || id[i] > '9' || i - prefix.size() > 18) return {};
    number = number * 10 + static_cast<unsigned>(id[i] - '0');
  }
  return number;
}

}  // namespace

void JobBoard::MarkRunning(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto number = NumberOf(id, prefix_);
  if (!number || !jobs_.count(*number)) return;
  JobStatus& job = jobs_[*number];
  job.state = JobState::kRunning;
  job.started_utc = UtcNowIso8601();
}

void JobBoard::MarkFinished(const std::string& id, bool ok, size_t estimates,
                            const std::string& message) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto number = NumberOf(id, prefix_);
  if (!number || !jobs_.count(*number)) return;
  JobStatus& job = jobs_[*number];
  job.state = ok ? JobState::kDone : JobState::kFailed;
  if (job.started_utc.empty()) job.started_utc = UtcNowIso8601();
  job.finished_utc = UtcNowIso8601();
  job.estimates = estimates;
  job.message = message;
}

std::optional<JobStatus> JobBoard::Find(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto number = NumberOf(id, prefix_);
  if (!number) return {};
  const auto it = jobs_.find(*number);
  if (it == jobs_.end()) return {};
  return it->second;
}

size_t JobBoard::Pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t pending = 0;
  for (const auto& [number, job] : jobs_) {
    pending += job.state == JobState::kQueued || job.state == JobState::kRunning ? 1 : 0;
  }
  return pending;
}

}  // namespace wbe
