#include "pipeline/auth/api_token_store.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <stdexcept>
#include <utility>

#include "models/core/input_error.h"
#include "pipeline/archive/batch_manifest.h"
#include "pipeline/archive/durable_file.h"
#include "pipeline/archive/json_lines.h"
#include "pipeline/archive/log_file_lock.h"

namespace wbe {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

constexpr std::size_t kTokenIdBytes = 6;  // 12 hex digits
constexpr std::size_t kSecretBytes = 32;
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kSha256Bytes = 32;
constexpr std::size_t kMaxNameLength = 64;
constexpr std::string_view kTokenPrefix = "wbe_";

[[noreturn]] void ThrowErrno(const std::string& path, const std::string& what, int error) {
  throw std::runtime_error(path + ": " + what + ": " + std::strerror(error));
}

bool IsLowerHex(std::string_view text, std::size_t bytes) {
  return text.size() == 2 * bytes && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string ToHex(const std::string& bytes) {
  return Poco::DigestEngine::digestToHex(Poco::DigestEngine::Digest(bytes.begin(), bytes.end()));
}

// `hex` must already have passed IsLowerHex.
std::string FromHex(std::string_view hex) {
  const Poco::DigestEngine::Digest bytes = Poco::DigestEngine::digestFromHex(std::string(hex));
  return std::string(bytes.begin(), bytes.end());
}

// The kernel's CSPRNG; a short read or a missing device is an error, never a weaker fallback.
std::string RandomBytes(std::size_t count) {
  static const char kDevice[] = "/dev/urandom";
  const int fd = ::open(kDevice, O_RDONLY | O_CLOEXEC);
  if (fd < 0) ThrowErrno(kDevice, "cannot open", errno);
  std::string bytes(count, '\0');
  std::size_t filled = 0;
  while (filled < count) {
    const ssize_t n = ::read(fd, bytes.data() + filled, count - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : EIO;
      ::close(fd);
      ThrowErrno(kDevice, "cannot read random bytes", error);
    }
    filled += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return bytes;
}

std::vector<unsigned char> SaltedSha256(const std::string& salt, const std::string& secret) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(salt.data(), static_cast<unsigned>(salt.size()));
  engine.update(secret.data(), static_cast<unsigned>(secret.size()));
  return engine.digest();
}

bool IsTokenNameCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '@' || c == '-';
}

bool IsTokenName(const std::string& name) {
  return !name.empty() && name.size() <= kMaxNameLength &&
         std::all_of(name.begin(), name.end(), IsTokenNameCharacter);
}

// A name fit to quote in a one-line message, whatever the user typed.
std::string Printable(const std::string& text) {
  std::string shown;
  for (char c : text.substr(0, 80)) {
    shown.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  return text.size() > 80 ? shown + "..." : shown;
}

const char* const kNameRule =
    "must be 1 to 64 characters, each a letter, a digit, '.', '_', '@' or '-'";

std::string Dump(const OrderedJson& line) {
  // Replace, not throw, on invalid UTF-8 (e.g. a strange $USER): the event must be recorded.
  return line.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// The parts of a presented token, or none when it does not have the token's shape.
struct TokenParts {
  std::string token_id;
  std::string secret;  // raw bytes
};

std::optional<TokenParts> SplitToken(std::string_view token) {
  const std::size_t id_start = kTokenPrefix.size();
  const std::size_t secret_start = id_start + 2 * kTokenIdBytes + 1;
  if (token.size() != secret_start + 2 * kSecretBytes) return std::nullopt;
  if (token.substr(0, id_start) != kTokenPrefix || token[secret_start - 1] != '_') {
    return std::nullopt;
  }
  const std::string_view token_id = token.substr(id_start, 2 * kTokenIdBytes);
  const std::string_view secret = token.substr(secret_start);
  if (!IsLowerHex(token_id, kTokenIdBytes) || !IsLowerHex(secret, kSecretBytes)) {
    return std::nullopt;
  }
  return TokenParts{std::string(token_id), FromHex(secret)};
}

// Typed access to one log line, naming the file, line and field on any mismatch.
class LineReader {
 public:
  LineReader(const Json& j, const std::string& path, long line) : j_(j), path_(path), line_(line) {}

  [[noreturn]] void Fail(const std::string& field, const std::string& message) const {
    throw InputError(path_, line_, field, message);
  }

  void OnlyFields(std::initializer_list<const char*> allowed) const {
    for (const auto& item : j_.items()) {
      if (std::none_of(allowed.begin(), allowed.end(),
                       [&](const char* f) { return item.key() == f; })) {
        // Refuse rather than ignore: a newer wbe may have recorded something that matters,
        // such as an expiry.
        Fail(item.key(), "unknown field");
      }
    }
  }

  std::string String(const std::string& field) const {
    const auto it = j_.find(field);
    if (it == j_.end()) Fail(field, "missing");
    if (!it->is_string()) Fail(field, "must be a string");
    return it->get<std::string>();
  }

  std::string Hex(const std::string& field, std::size_t bytes) const {
    const std::string value = String(field);
    if (!IsLowerHex(value, bytes)) {
      Fail(field, "must be " + std::to_string(2 * bytes) + " lower-case hex digits, got '" +
                      Printable(value) + "'");
    }
    return value;
  }

  std::string Name() const {
    const std::string name = String("name");
    if (!IsTokenName(name))
      Fail("name", std::string(kNameRule) + ", got '" + Printable(name) + "'");
    return name;
  }

  std::string Time(const std::string& field) const {
    const std::string value = String(field);
    if (!IsIso8601Utc(value)) {
      Fail(field, "not an ISO 8601 UTC time like 2026-03-09T08:00:00Z: '" + Printable(value) + "'");
    }
    return value;
  }

 private:
  const Json& j_;
  const std::string& path_;
  long line_;
};

}  // namespace

const char* RoleName(Role role) {
  switch (role) {
    case Role::kLab:
      return "lab";
    case Role::kAnalyst:
      return "analyst";
    case Role::kAdmin:
      return "admin";
  }
  return "?";
}

std::optional<Role> ParseRole(const std::string& text) {
  for (Role role : {Role::kLab, Role::kAnalyst, Role::kAdmin}) {
    if (text == RoleName(role)) return role;
  }
  return std::nullopt;
}

nlohmann::json ToJson(const ApiTokenInfo& info) {
  return {{"name", info.name},
          {"role", RoleName(info.role)},
          {"token_id", info.token_id},
          {"created_utc", info.created_utc},
          {"created_by", info.created_by},
          {"revoked", info.revoked},
          {"revoked_utc", info.revoked ? Json(info.revoked_utc) : Json(nullptr)},
          {"revoked_by", info.revoked ? Json(info.revoked_by) : Json(nullptr)}};
}

bool ApiTokenStore::FileStamp::operator==(const FileStamp& other) const {
  return exists == other.exists && device == other.device && inode == other.inode &&
         size_bytes == other.size_bytes && modified_ns == other.modified_ns;
}

std::string ApiTokenStore::PathFor(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "config" / "tokens.jsonl").string();
}

ApiTokenStore::ApiTokenStore(std::string data_dir)
    : data_dir_(std::move(data_dir)), path_(PathFor(data_dir_)) {}

ApiTokenStore::FileStamp ApiTokenStore::StampOf(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return FileStamp{};
    ThrowErrno(path, "cannot stat the token log", errno);
  }
  FileStamp stamp;
  stamp.exists = true;
  stamp.device = static_cast<uint64_t>(info.st_dev);
  stamp.inode = static_cast<uint64_t>(info.st_ino);
  stamp.size_bytes = static_cast<int64_t>(info.st_size);
  stamp.modified_ns = static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
  return stamp;
}

ApiTokenStore::State ApiTokenStore::Parse(const std::string& text, const std::string& path) {
  State state;
  ForEachJsonLine(text, path, [&](const Json& j, long line_number) {
    const LineReader r(j, path, line_number);
    if (!j.is_object()) r.Fail("", "a token log line must be a JSON object");
    const std::string event = r.String("event");
    if (event == "create") {
      r.OnlyFields(
          {"event", "name", "role", "token_id", "salt", "sha256", "created_utc", "created_by"});
      StoredToken token;
      token.info.name = r.Name();
      const std::string role = r.String("role");
      const auto parsed_role = ParseRole(role);
      if (!parsed_role) {
        r.Fail("role", "must be lab, analyst or admin, got '" + Printable(role) + "'");
      }
      token.info.role = *parsed_role;
      token.info.token_id = r.Hex("token_id", kTokenIdBytes);
      token.salt = FromHex(r.Hex("salt", kSaltBytes));
      const std::string sha256 = FromHex(r.Hex("sha256", kSha256Bytes));
      token.sha256.assign(sha256.begin(), sha256.end());
      token.info.created_utc = r.Time("created_utc");
      token.info.created_by = r.String("created_by");
      if (state.by_token_id.count(token.info.token_id) != 0) {
        r.Fail("token_id", "'" + token.info.token_id + "' was created before");
      }
      if (const auto active = state.active_by_name.find(token.info.name);
          active != state.active_by_name.end()) {
        r.Fail("name", "'" + token.info.name + "' already has an unrevoked token (token_id " +
                           active->second + ")");
      }
      state.active_by_name[token.info.name] = token.info.token_id;
      state.creation_order.push_back(token.info.token_id);
      state.by_token_id.emplace(token.info.token_id, std::move(token));
    } else if (event == "revoke") {
      r.OnlyFields({"event", "name", "token_id", "revoked_utc", "revoked_by"});
      const std::string name = r.Name();
      const std::string token_id = r.Hex("token_id", kTokenIdBytes);
      const auto it = state.by_token_id.find(token_id);
      if (it == state.by_token_id.end()) {
        r.Fail("token_id", "no token '" + token_id + "' was created before this line");
      }
      ApiTokenInfo& info = it->second.info;
      if (info.name != name) {
        r.Fail("name",
               "token '" + token_id + "' belongs to '" + info.name + "', not '" + name + "'");
      }
      if (info.revoked) r.Fail("token_id", "token '" + token_id + "' was revoked before");
      info.revoked = true;
      info.revoked_utc = r.Time("revoked_utc");
      info.revoked_by = r.String("revoked_by");
      state.active_by_name.erase(name);
    } else {
      r.Fail("event", "must be create or revoke, got '" + Printable(event) + "'");
    }
  });
  return state;
}

void ApiTokenStore::RefreshLocked() const {
  const FileStamp now = StampOf(path_);
  if (stamp_ && *stamp_ == now) return;
  // Stamp before reading: a line appended in between is read now and read again next time,
  // never missed. On a malformed line the old stamp stays, so every call reports it.
  State fresh = Parse(ReadWholeLines(path_).text, path_);
  state_ = std::move(fresh);
  stamp_ = now;
}

std::string ApiTokenStore::Create(const std::string& name, Role role,
                                  const std::string& created_by) {
  if (!IsTokenName(name)) {
    throw InputError("token name '" + Printable(name) + "': " + kNameRule);
  }
  const std::lock_guard<std::mutex> lock(mutex_);
  CreateDirectoriesDurably(std::filesystem::path(path_).parent_path().string());
  const LogFileLock file_lock(path_, 0600);
  RefreshLocked();
  if (const auto active = state_.active_by_name.find(name); active != state_.active_by_name.end()) {
    throw InputError("token name '" + name + "': already has an unrevoked token (token_id " +
                     active->second + "); revoke it first");
  }
  std::string token_id;
  do {
    token_id = ToHex(RandomBytes(kTokenIdBytes));
  } while (state_.by_token_id.count(token_id) != 0);
  const std::string secret = RandomBytes(kSecretBytes);
  const std::string salt = RandomBytes(kSaltBytes);
  const std::vector<unsigned char> sha256 = SaltedSha256(salt, secret);

  OrderedJson line;
  line["event"] = "create";
  line["name"] = name;
  line["role"] = RoleName(role);
  line["token_id"] = token_id;
  line["salt"] = ToHex(salt);
  line["sha256"] = Poco::DigestEngine::digestToHex(sha256);
  line["created_utc"] = UtcNowIso8601();
  line["created_by"] = created_by;
  AppendDurably(path_, Dump(line));
  stamp_.reset();  // the next call reads the line back like any other
  return std::string(kTokenPrefix) + token_id + "_" + ToHex(secret);
}

void ApiTokenStore::Revoke(const std::string& name, const std::string& revoked_by) {
  const std::lock_guard<std::mutex> lock(mutex_);
  if (StampOf(path_).exists) {
    const LogFileLock file_lock(path_, 0600);
    RefreshLocked();
    if (const auto active = state_.active_by_name.find(name);
        active != state_.active_by_name.end()) {
      OrderedJson line;
      line["event"] = "revoke";
      line["name"] = name;
      line["token_id"] = active->second;
      line["revoked_utc"] = UtcNowIso8601();
      line["revoked_by"] = revoked_by;
      AppendDurably(path_, Dump(line));
      stamp_.reset();
      return;
    }
  }
  throw InputError("token name '" + Printable(name) + "': no unrevoked token has this name (" +
                   path_ + ")");
}

std::optional<Principal> ApiTokenStore::Authenticate(std::string_view token) const {
  const std::optional<TokenParts> parts = SplitToken(token);
  if (!parts) return std::nullopt;
  const std::lock_guard<std::mutex> lock(mutex_);
  RefreshLocked();
  const auto it = state_.by_token_id.find(parts->token_id);
  if (it == state_.by_token_id.end() || it->second.info.revoked) return std::nullopt;
  const StoredToken& stored = it->second;
  if (!Poco::DigestEngine::constantTimeEquals(SaltedSha256(stored.salt, parts->secret),
                                              stored.sha256)) {
    return std::nullopt;
  }
  return Principal{stored.info.name, stored.info.role};
}

std::vector<ApiTokenInfo> ApiTokenStore::List() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  RefreshLocked();
  std::vector<ApiTokenInfo> tokens;
  tokens.reserve(state_.creation_order.size());
  for (const std::string& token_id : state_.creation_order) {
    tokens.push_back(state_.by_token_id.at(token_id).info);
  }
  return tokens;
}

}  // namespace wbe
