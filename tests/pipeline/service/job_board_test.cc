#include "pipeline/service/job_board.h"

#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pipeline/archive/batch_manifest.h"

namespace wbe {
namespace {

TEST(JobBoardTest, IdsAreUniqueAndFoundAgain) {
  JobBoard board;
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    const std::string id = board.Add("batch B" + std::to_string(i) + "@v1", i);
    EXPECT_TRUE(ids.insert(id).second) << id;
    const auto job = board.Find(id);
    ASSERT_TRUE(job.has_value()) << id;
    EXPECT_EQ(job->id, id);
    EXPECT_EQ(job->cause, "batch B" + std::to_string(i) + "@v1");
    EXPECT_EQ(job->site_days, static_cast<size_t>(i));
  }
  EXPECT_EQ(board.Pending(), 50u);
}

TEST(JobBoardTest, IdsAreUniqueUnderConcurrentAdds) {
  JobBoard board;
  std::vector<std::vector<std::string>> ids(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < ids.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) ids[t].push_back(board.Add("c", 1));
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<std::string> all;
  for (const auto& list : ids) all.insert(list.begin(), list.end());
  EXPECT_EQ(all.size(), 800u);
  EXPECT_EQ(board.Pending(), 800u);
}

TEST(JobBoardTest, IdsOfAnotherBoardAreNotFound) {
  // Two boards made at once stand for two server starts within the same second.
  JobBoard first;
  JobBoard second;
  const std::string a = first.Add("first", 1);
  const std::string b = second.Add("second", 1);
  EXPECT_NE(a, b);
  EXPECT_FALSE(second.Find(a).has_value()) << a;
  EXPECT_FALSE(first.Find(b).has_value()) << b;
  // Marking another board's id does nothing.
  second.MarkFinished(a, true, 3, "");
  EXPECT_EQ(second.Find(b)->state, JobState::kQueued);
  EXPECT_EQ(first.Find(a)->state, JobState::kQueued);
}

TEST(JobBoardTest, MalformedIdsAreNotFound) {
  JobBoard board;
  const std::string id = board.Add("c", 1);
  const std::string prefix = id.substr(0, id.size() - 1);  // the id ends in the number 1
  ASSERT_EQ(id.back(), '1');
  EXPECT_TRUE(board.Find(prefix + "1").has_value());
  for (const std::string& bad :
       {std::string(), std::string("1"), prefix, prefix + "x", prefix + "1x", prefix + "-1",
        prefix + "01x", prefix + "2", prefix + "99999999999999999999999", id + " ", "x" + id}) {
    EXPECT_FALSE(board.Find(bad).has_value()) << "'" << bad << "'";
  }
  board.MarkRunning(prefix + "2");  // unknown: ignored
  EXPECT_EQ(board.Find(id)->state, JobState::kQueued);
}

TEST(JobBoardTest, StatesMoveFromQueuedToRunningToDoneOrFailed) {
  JobBoard board;
  const std::string ok = board.Add("batch W1@v1", 4);
  const std::string bad = board.Add("city", 9);
  const std::string skipped = board.Add("flows f.csv", 2);
  EXPECT_EQ(board.Pending(), 3u);
  auto job = board.Find(ok);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->state, JobState::kQueued);
  EXPECT_EQ(job->kind, "re-estimate");
  EXPECT_TRUE(IsIso8601Utc(job->created_utc)) << job->created_utc;
  EXPECT_TRUE(job->started_utc.empty());
  EXPECT_TRUE(job->finished_utc.empty());
  nlohmann::json json = job->ToJson();
  EXPECT_EQ(json["state"], "queued");
  EXPECT_EQ(json["site_days"], 4);
  EXPECT_FALSE(json.contains("started_utc"));
  EXPECT_FALSE(json.contains("message"));

  board.MarkRunning(ok);
  board.MarkRunning(bad);
  EXPECT_EQ(board.Pending(), 3u);
  job = board.Find(ok);
  EXPECT_EQ(job->state, JobState::kRunning);
  EXPECT_TRUE(IsIso8601Utc(job->started_utc)) << job->started_utc;
  EXPECT_TRUE(job->finished_utc.empty());
  EXPECT_EQ(job->ToJson()["state"], "running");

  board.MarkFinished(ok, true, 37, "");
  board.MarkFinished(bad, false, 0, "no city");
  // Finished without running (the server stopped first): it still gets a start time.
  board.MarkFinished(skipped, false, 0, "stopped");
  EXPECT_EQ(board.Pending(), 0u);
  job = board.Find(ok);
  EXPECT_EQ(job->state, JobState::kDone);
  EXPECT_EQ(job->estimates, 37u);
  EXPECT_TRUE(IsIso8601Utc(job->finished_utc)) << job->finished_utc;
  json = job->ToJson();
  EXPECT_EQ(json["state"], "done");
  EXPECT_EQ(json["estimates"], 37);
  EXPECT_TRUE(json.contains("finished_utc"));
  job = board.Find(bad);
  EXPECT_EQ(job->state, JobState::kFailed);
  EXPECT_EQ(job->message, "no city");
  EXPECT_EQ(job->ToJson()["message"], "no city");
  EXPECT_EQ(job->ToJson()["state"], "failed");
  job = board.Find(skipped);
  EXPECT_EQ(job->state, JobState::kFailed);
  EXPECT_FALSE(job->started_utc.empty());
}

TEST(JobBoardTest, StateNames) {
  EXPECT_STREQ(JobStateName(JobState::kQueued), "queued");
  EXPECT_STREQ(JobStateName(JobState::kRunning), "running");
  EXPECT_STREQ(JobStateName(JobState::kDone), "done");
  EXPECT_STREQ(JobStateName(JobState::kFailed), "failed");
}

TEST(JobBoardTest, CapacityForgetsOldFinishedJobs) {
  JobBoard board(3);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(board.Add("c", 1));
    board.MarkFinished(ids.back(), true, 1, "");
  }
  ids.push_back(board.Add("c", 1));
  // The oldest finished job is forgotten; the three newest are kept.
  EXPECT_FALSE(board.Find(ids[0]).has_value());
  for (size_t i = 1; i < ids.size(); ++i) EXPECT_TRUE(board.Find(ids[i]).has_value()) << i;
}

TEST(JobBoardTest, CapacityKeepsUnfinishedJobs) {
  JobBoard board(2);
  const std::string queued = board.Add("queued", 1);
  const std::string running = board.Add("running", 1);
  board.MarkRunning(running);
  std::vector<std::string> finished;
  for (int i = 0; i < 5; ++i) {
    finished.push_back(board.Add("finished", 1));
    board.MarkFinished(finished.back(), true, 1, "");
  }
  const std::string last = board.Add("last", 1);
  // Unfinished jobs are never forgotten, however old.
  EXPECT_TRUE(board.Find(queued).has_value());
  EXPECT_TRUE(board.Find(running).has_value());
  EXPECT_TRUE(board.Find(last).has_value());
  EXPECT_EQ(board.Pending(), 3u);
  // Finished jobs beyond the capacity are forgotten even behind an unfinished oldest job.
  for (const std::string& id : finished) EXPECT_FALSE(board.Find(id).has_value()) << id;

  // Once they finish, they are forgotten in turn.
  board.MarkFinished(queued, true, 1, "");
  board.MarkFinished(running, true, 1, "");
  board.MarkFinished(last, true, 1, "");
  const std::string newest = board.Add("newest", 1);
  EXPECT_FALSE(board.Find(queued).has_value());
  EXPECT_FALSE(board.Find(running).has_value());
  EXPECT_TRUE(board.Find(last).has_value());
  EXPECT_TRUE(board.Find(newest).has_value());
  EXPECT_EQ(board.Pending(), 1u);
}

TEST(JobBoardTest, MoreUnfinishedJobsThanCapacityAreAllKept) {
  JobBoard board(2);
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(board.Add("c", 1));
  for (const std::string& id : ids) EXPECT_TRUE(board.Find(id).has_value()) << id;
  EXPECT_EQ(board.Pending(), 6u);
}

}  // namespace
}  // namespace wbe
