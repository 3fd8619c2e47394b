#include "pipeline/auth/api_token_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "models/core/input_error.h"
#include "tests/pipeline/archive/archive_test_util.h"

namespace wbe {
namespace {

using testing_util::AppendBytes;
using testing_util::FileBytes;
using testing_util::MessageOf;
using testing_util::ScratchDir;
using testing_util::WriteBytes;

// A valid create line with a known token_id whose secret nobody knows.
std::string CreateLine(const std::string& name, const std::string& role,
                       const std::string& token_id) {
  return R"({"event":"create","name":")" + name + R"(","role":")" + role + R"(","token_id":")" +
         token_id + R"(","salt":")" + std::string(32, 'a') + R"(","sha256":")" +
         std::string(64, 'b') + R"(","created_utc":"2026-03-09T08:00:00Z","created_by":"test"})" +
         "\n";
}

void WriteLog(const ScratchDir& dir, const std::string& text) {
  std::filesystem::create_directories(dir.Sub("config"));
  WriteBytes(ApiTokenStore::PathFor(dir.Str()), text);
}

TEST(ApiTokenStoreTest, CreatedTokenAuthenticatesAsItsNameAndRole) {
  ScratchDir dir;
  ApiTokenStore store(dir.Str());
  const std::string token = store.Create("lab-1", Role::kLab, "cli:alice");
  EXPECT_TRUE(std::regex_match(token, std::regex("wbe_[0-9a-f]{12}_[0-9a-f]{64}"))) << token;

  const std::optional<Principal> principal = store.Authenticate(token);
  ASSERT_TRUE(principal.has_value());
  EXPECT_EQ(principal->name, "lab-1");
  EXPECT_EQ(principal->role, Role::kLab);

  const std::vector<ApiTokenInfo> tokens = store.List();
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].name, "lab-1");
  EXPECT_EQ(tokens[0].token_id, token.substr(4, 12));
  EXPECT_EQ(tokens[0].created_by, "cli:alice");
  EXPECT_FALSE(tokens[0].created_utc.empty());
  EXPECT_FALSE(tokens[0].revoked);
}

TEST(ApiTokenStoreTest, TwoTokensAreDifferent) {
  ScratchDir dir;
  ApiTokenStore store(dir.Str());
  const std::string a = store.Create("a", Role::kAnalyst, "test");
  const std::string b = store.Create("b", Role::kAnalyst, "test");
  EXPECT_NE(a.substr(4, 12), b.substr(4, 12));
  EXPECT_NE(a.substr(17), b.substr(17));
  EXPECT_EQ(store.Authenticate(a)->name, "a");
  EXPECT_EQ(store.Authenticate(b)->name, "b");
}

TEST(ApiTokenStoreTest, WrongUnknownMalformedAndRevokedTokensAreRefused) {
  ScratchDir dir;
  ApiTokenStore store(dir.Str());
  const std::string token = store.Create("analyst-1", Role::kAnalyst, "test");
  ASSERT_TRUE(store.Authenticate(token).has_value());

  std::string wrong_secret = token;
  wrong_secret.back() = wrong_secret.back() == '0' ? '1' : '0';
  EXPECT_FALSE(store.Authenticate(wrong_secret).has_value());

  std::string unknown_id = token;
  unknown_id[4] = unknown_id[4] == '0' ? '1' : '0';
  EXPECT_FALSE(store.Authenticate(unknown_id).has_value());

  std::string upper_case = token;
  for (char& c : upper_case) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string malformed[] = {
      "",
      "wbe_",
      token.substr(0, token.size() - 1),
      token + "0",
      token + "\n",
      " " + token,
      "xbe_" + token.substr(4),
      token.substr(0, 16) + "-" + token.substr(17),
      upper_case,
      "wbe_" + token.substr(4, 12) + "_" + std::string(64, 'g'),
  };
  for (const std::string& text : malformed) {
    EXPECT_FALSE(store.Authenticate(text).has_value()) << "'" << text << "'";
  }

  store.Revoke("analyst-1", "test");
  EXPECT_FALSE(store.Authenticate(token).has_value());
}

TEST(ApiTokenStoreTest, LogHoldsNeitherTokenNorSecretAndIsPrivate) {
  ScratchDir dir;
  ApiTokenStore store(dir.Str());
  const std::string token = store.Create("admin", Role::kAdmin, "test");
  const std::string path = ApiTokenStore::PathFor(dir.Str());
  EXPECT_EQ(path, dir.Sub("config/tokens.jsonl"));
  const std::string log = FileBytes(path);
  EXPECT_NE(log.find(token.substr(4, 12)), std::string::npos) << log;
  EXPECT_EQ(log.find(token), std::string::npos) << log;
  EXPECT_EQ(log.find(token.substr(17)), std::string::npos) << log;
  EXPECT_EQ(log.find(token.substr(17, 16)), std::string::npos) << "part of the secret: " << log;
  EXPECT_NE(log.find("\"sha256\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"salt\""), std::string::npos) << log;

  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
}

TEST(ApiTokenStoreTest, ReadingCreatesNothing) {
  ScratchDir dir;
  const std::string data_dir = dir.Sub("data");
  const ApiTokenStore store(data_dir);
  EXPECT_TRUE(store.List().empty());
  EXPECT_FALSE(store.Authenticate("wbe_" + std::string(12, 'a') + "_" + std::string(64, 'a')));
  EXPECT_FALSE(std::filesystem::exists(data_dir));
}

TEST(ApiTokenStoreTest, SecondStoreSeesTheFirstOnesChangesWithoutReconstruction) {
  ScratchDir dir;
  ApiTokenStore writer(dir.Str());
  const ApiTokenStore server(dir.Str());
  EXPECT_TRUE(server.List().empty());  // read before anything exists

  const std::string first = writer.Create("lab-1", Role::kLab, "cli:alice");
  const std::optional<Principal> principal = server.Authenticate(first);
  ASSERT_TRUE(principal.has_value());
  EXPECT_EQ(principal->name, "lab-1");

  // Already read once with one line: a second line must be picked up too.
  const std::string second = writer.Create("lab-2", Role::kLab, "cli:alice");
  EXPECT_TRUE(server.Authenticate(second).has_value());
  EXPECT_EQ(server.List().size(), 2u);

  writer.Revoke("lab-1", "cli:alice");
  EXPECT_FALSE(server.Authenticate(first).has_value());
  EXPECT_TRUE(server.Authenticate(second).has_value());
}

TEST(ApiTokenStoreTest, DuplicateActiveNameIsRefusedButAllowedAfterRevoke) {
  ScratchDir dir;
  ApiTokenStore store(dir.Str());
  const std::string old_token = store.Create("lab-1", Role::kLab, "test");
  const std::string message =
      MessageOf<InputError>([&] { store.Create("lab-1", Role::kAdmin, "test"); });
  EXPECT_NE(message.find("lab-1"), std::string::npos) << message;
  EXPECT_NE(message.find("revoke"), std::string::npos) << message;
  EXPECT_EQ(store.List().size(), 1u);

  store.Revoke("lab-1", "test");
  const std::string new_token = store.Create("lab-1", Role::kAdmin, "test");
  EXPECT_FALSE(store.Authenticate(old_token).has_value());
  ASSERT_TRUE(store.Authenticate(new_token).has_value());
  EXPECT_EQ(store.Authenticate(new_token)->role, Role::kAdmin);

  const std::vector<ApiTokenInfo> tokens = store.List();
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_TRUE(tokens[0].revoked);
  EXPECT_EQ(tokens[0].revoked_by, "test");
  EXPECT_FALSE(tokens[0].revoked_utc.empty());
  EXPECT_FALSE(tokens[1].revoked);
  EXPECT_EQ(tokens[1].token_id, new_token.substr(4, 12));
}

TEST(ApiTokenStoreTest, RevokingWithoutAnActiveTokenIsAnInputError) {
  ScratchDir dir;
  ApiTokenStore store(dir.Str());
  EXPECT_NE(MessageOf<InputError>([&] { store.Revoke("nobody", "test"); }).find("nobody"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(ApiTokenStore::PathFor(dir.Str())));
  store.Create("lab-1", Role::kLab, "test");
  store.Revoke("lab-1", "test");
  EXPECT_NE(MessageOf<InputError>([&] { store.Revoke("lab-1", "test"); }).find("lab-1"),
            std::string::npos);
}

TEST(ApiTokenStoreTest, MalformedNamesAreRefused) {
  ScratchDir dir;
  ApiTokenStore store(dir.Str());
  const std::string bad_names[] = {
      "", std::string(65, 'a'), "a b", "a/b", "a\nb", "名字", "a:b", "a,b", "\"a\"",
  };
  for (const std::string& name : bad_names) {
    const std::string message =
        MessageOf<InputError>([&] { store.Create(name, Role::kLab, "test"); });
    EXPECT_NE(message.find("64 characters"), std::string::npos) << name << ": " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
  EXPECT_TRUE(store.List().empty());
  for (const std::string& name :
       {std::string(64, 'z'), std::string("Lab_1.x-y@z"), std::string("0")}) {
    EXPECT_TRUE(store.Authenticate(store.Create(name, Role::kLab, "test")).has_value()) << name;
  }
}

TEST(ApiTokenStoreTest, TornLastLineIsIgnoredAndThenCutOff) {
  ScratchDir dir;
  ApiTokenStore store(dir.Str());
  const std::string first = store.Create("lab-1", Role::kLab, "test");
  AppendBytes(ApiTokenStore::PathFor(dir.Str()), R"({"event":"create","name":"half)");

  const ApiTokenStore reader(dir.Str());
  EXPECT_TRUE(reader.Authenticate(first).has_value());
  ASSERT_EQ(reader.List().size(), 1u);

  const std::string second = store.Create("lab-2", Role::kLab, "test");
  EXPECT_TRUE(reader.Authenticate(second).has_value());
  EXPECT_TRUE(reader.Authenticate(first).has_value());
  EXPECT_EQ(FileBytes(ApiTokenStore::PathFor(dir.Str())).find("half"), std::string::npos);
}

TEST(ApiTokenStoreTest, MalformedCompleteLineThrowsNamingFileLineAndField) {
  const std::string good = CreateLine("lab-1", "lab", "0123456789ab");
  const struct {
    std::string second_line;
    std::string field;
  } cases[] = {
      {CreateLine("lab-2", "superuser", "0123456789ac"), "role"},
      {CreateLine("lab 2", "lab", "0123456789ac"), "name"},
      {CreateLine("lab-2", "lab", "0123456789AC"), "token_id"},
      {CreateLine("lab-2", "lab", "0123456789ab"), "token_id"},  // id used twice
      {CreateLine("lab-1", "lab", "0123456789ac"), "name"},      // two active tokens
      {"not json\n", "not JSON"},
      {"[1,2]\n", "JSON object"},
      {R"({"event":"delete","name":"lab-1"})"
       "\n",
       "event"},
      {R"({"event":"revoke","name":"lab-1","token_id":"ffffffffffff","revoked_utc":"2026-03-09T08:00:00Z","revoked_by":"x"})"
       "\n",
       "token_id"},
      {R"({"event":"revoke","name":"lab-1","token_id":"0123456789ab","revoked_utc":"yesterday","revoked_by":"x"})"
       "\n",
       "revoked_utc"},
      {R"({"event":"revoke","name":"lab-1","token_id":"0123456789ab","revoked_utc":"2026-03-09T08:00:00Z","revoked_by":"x","expires":1})"
       "\n",
       "expires"},
  };
  for (const auto& c : cases) {
    ScratchDir dir;
    WriteLog(dir, good + c.second_line);
    const ApiTokenStore store(dir.Str());
    const std::string message = MessageOf<InputError>([&] { store.List(); });
    EXPECT_NE(message.find(ApiTokenStore::PathFor(dir.Str()) + ":2:"), std::string::npos)
        << message;
    EXPECT_NE(message.find(c.field), std::string::npos) << c.second_line << message;
    // Every entry point reports it, not only the first call.
    EXPECT_THROW(store.Authenticate("wbe_0123456789ab_" + std::string(64, '0')), InputError);
  }
}

TEST(ApiTokenStoreTest, RevokeLineFromAnotherWriterIsRead) {
  ScratchDir dir;
  WriteLog(
      dir,
      CreateLine("lab-1", "lab", "0123456789ab") +
          R"({"event":"revoke","name":"lab-1","token_id":"0123456789ab","revoked_utc":"2026-03-10T08:00:00Z","revoked_by":"admin"})"
          "\n");
  const ApiTokenStore store(dir.Str());
  const std::vector<ApiTokenInfo> tokens = store.List();
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_TRUE(tokens[0].revoked);
  EXPECT_EQ(tokens[0].revoked_utc, "2026-03-10T08:00:00Z");
  EXPECT_EQ(tokens[0].revoked_by, "admin");
  EXPECT_EQ(tokens[0].created_utc, "2026-03-09T08:00:00Z");
}

TEST(ApiTokenStoreTest, RolesRoundTrip) {
  for (Role role : {Role::kLab, Role::kAnalyst, Role::kAdmin}) {
    const std::optional<Role> parsed = ParseRole(RoleName(role));
    ASSERT_TRUE(parsed.has_value()) << RoleName(role);
    EXPECT_EQ(*parsed, role);
  }
  EXPECT_STREQ(RoleName(Role::kLab), "lab");
  EXPECT_STREQ(RoleName(Role::kAnalyst), "analyst");
  EXPECT_STREQ(RoleName(Role::kAdmin), "admin");
  EXPECT_FALSE(ParseRole("Admin").has_value());
  EXPECT_FALSE(ParseRole("").has_value());
  EXPECT_FALSE(ParseRole("root").has_value());

  ScratchDir dir;
  ApiTokenStore store(dir.Str());
  for (Role role : {Role::kLab, Role::kAnalyst, Role::kAdmin}) {
    const std::string token = store.Create(std::string("user-") + RoleName(role), role, "test");
    EXPECT_EQ(ApiTokenStore(dir.Str()).Authenticate(token)->role, role);
  }
  const std::vector<ApiTokenInfo> tokens = ApiTokenStore(dir.Str()).List();
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(tokens[0].role, Role::kLab);
  EXPECT_EQ(tokens[1].role, Role::kAnalyst);
  EXPECT_EQ(tokens[2].role, Role::kAdmin);
}

TEST(ApiTokenStoreTest, InfoJsonHasNoSecrets) {
  ApiTokenInfo info;
  info.name = "lab-1";
  info.role = Role::kLab;
  info.token_id = "0123456789ab";
  info.created_utc = "2026-03-09T08:00:00Z";
  info.created_by = "cli:alice";
  nlohmann::json j = ToJson(info);
  EXPECT_EQ(j["role"], "lab");
  EXPECT_EQ(j["revoked"], false);
  EXPECT_TRUE(j["revoked_utc"].is_null());
  EXPECT_FALSE(j.contains("salt"));
  EXPECT_FALSE(j.contains("sha256"));
  info.revoked = true;
  info.revoked_utc = "2026-03-10T08:00:00Z";
  j = ToJson(info);
  EXPECT_EQ(j["revoked_utc"], "2026-03-10T08:00:00Z");
}

TEST(ApiTokenStoreTest, AuthenticateFromManyThreadsWhileAnotherCreates) {
  ScratchDir dir;
  ApiTokenStore store(dir.Str());
  const std::string base = store.Create("base", Role::kAnalyst, "test");

  std::mutex published_mutex;
  std::vector<std::string> published;  // tokens the writer has finished creating
  std::atomic<bool> writer_done{false};
  std::atomic<int> failures{0};
  std::atomic<long> checks{0};

  constexpr int kTokensToCreate = 12;
  std::thread writer([&] {
    for (int i = 0; i < kTokensToCreate; ++i) {
      const std::string token = store.Create("t" + std::to_string(i), Role::kLab, "test");
      const std::lock_guard<std::mutex> lock(published_mutex);
      published.push_back(token);
    }
    writer_done = true;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&] {
      // At least one round after the writer finished, so every token is checked once.
      bool last_round = false;
      while (!last_round) {
        last_round = writer_done.load();
        std::vector<std::string> snapshot;
        {
          const std::lock_guard<std::mutex> lock(published_mutex);
          snapshot = published;
        }
        snapshot.push_back(base);
        for (const std::string& token : snapshot) {
          const std::optional<Principal> p = store.Authenticate(token);
          if (!p) ++failures;
          ++checks;
        }
        std::string forged = base;
        forged.back() = forged.back() == '0' ? '1' : '0';
        if (store.Authenticate(forged)) ++failures;
      }
    });
  }
  writer.join();
  for (std::thread& t : readers) t.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_GE(checks.load(), 4L * (kTokensToCreate + 1));
  EXPECT_EQ(store.List().size(), static_cast<std::size_t>(kTokensToCreate + 1));
}

}  // namespace
}  // namespace wbe
