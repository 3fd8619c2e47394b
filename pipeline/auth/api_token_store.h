#pragma once

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

// API tokens for the HTTP service: who may call it and with which role. The tokens live in
// DATA_DIR/config/tokens.jsonl, an append-only JSON-lines log (mode 0600) of "create" and
// "revoke" events; a token's secret is never written anywhere, only a salted SHA-256 of it.

namespace wbe {

// What a caller may do: labs upload batches, analysts read estimates, admins manage tokens.
enum class Role { kLab, kAnalyst, kAdmin };

// "lab", "analyst", "admin".
const char* RoleName(Role role);
// The role with exactly that (lower-case) name, or none.
std::optional<Role> ParseRole(const std::string& text);

// Who a request acts as.
struct Principal {
  std::string name;
  Role role = Role::kAnalyst;
};

// One token as an administrator sees it: everything but the salt and hash.
struct ApiTokenInfo {
  std::string name;
  Role role = Role::kAnalyst;
  std::string token_id;  // 12 lower-case hex digits, the public part of the token
  std::string created_utc;
  std::string created_by;
  bool revoked = false;
  std::string revoked_utc;  // empty unless revoked
  std::string revoked_by;   // empty unless revoked
};

// {"name", "role", "token_id", "created_utc", "created_by", "revoked", "revoked_utc",
// "revoked_by"}; the last two are null unless revoked.
nlohmann::json ToJson(const ApiTokenInfo& info);

// The token log of one data directory, shared by the HTTP server and `wbe token`.
//
// Token text is "wbe_<token_id>_<secret>": token_id is 12 random lower-case hex digits, secret
// is 32 random bytes as 64 lower-case hex digits. The log keeps per token a random 16-byte salt
// and SHA-256(salt bytes || secret bytes), both as hex.
//
// Thread-safe. Several processes may share the log: writers serialise on an flock(2) of the
// log itself (not the DataDirLock, so `wbe token` works while `wbe serve` runs), and every call
// first re-reads the log when its size or modification time changed since the last read, so a
// token created by another process is usable at once. A malformed complete line makes every
// call throw InputError naming the file, the line and the field; a torn last line (a crash
// mid-append) is ignored.
class ApiTokenStore {
 public:
  // DATA_DIR/config/tokens.jsonl.
  static std::string PathFor(const std::string& data_dir);

  // Reads lazily; nothing is created on disk until the first Create.
  explicit ApiTokenStore(std::string data_dir);

  ApiTokenStore(const ApiTokenStore&) = delete;
  ApiTokenStore& operator=(const ApiTokenStore&) = delete;

  const std::string& path() const { return path_; }

  // Creates a token for `name` (1-64 characters of A-Z a-z 0-9 . _ @ -) with `role` and returns
  // the token text, which is stored nowhere: the caller must hand it over now. InputError when
  // the name is malformed or an unrevoked token already has it.
  std::string Create(const std::string& name, Role role, const std::string& created_by);

  // Revokes the unrevoked token of `name`; InputError when there is none.
  void Revoke(const std::string& name, const std::string& revoked_by);

  // The principal a presented token acts as; none when the token is malformed, unknown,
  // revoked or has the wrong secret. The hash comparison takes constant time.
  std::optional<Principal> Authenticate(std::string_view token) const;

  // Every token ever created, in creation order, revoked ones marked.
  std::vector<ApiTokenInfo> List() const;

 private:
  struct StoredToken {
    ApiTokenInfo info;
    std::string salt;                   // raw bytes
    std::vector<unsigned char> sha256;  // raw bytes
  };
  // What the log looked like when it was last read; any difference means "read it again".
  struct FileStamp {
    bool exists = false;
    uint64_t device = 0;
    uint64_t inode = 0;
    int64_t size_bytes = 0;
    int64_t modified_ns = 0;
    bool operator==(const FileStamp& other) const;
  };
  struct State {
    std::vector<std::string> creation_order;  // token_ids
    std::unordered_map<std::string, StoredToken> by_token_id;
    std::unordered_map<std::string, std::string> active_by_name;  // name -> token_id
  };

  static FileStamp StampOf(const std::string& path);
  static State Parse(const std::string& text, const std::string& path);

  // Re-reads the log if it changed since the last read; the caller holds mutex_.
  void RefreshLocked() const;

  std::string data_dir_;
  std::string path_;
  mutable std::mutex mutex_;
  mutable std::optional<FileStamp> stamp_;  // none: never read, or invalidated by our own write
  mutable State state_;
};

}  // namespace wbe
