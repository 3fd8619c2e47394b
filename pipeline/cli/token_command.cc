#include "pipeline/cli/token_command.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "pipeline/audit/audit_log.h"
#include "pipeline/auth/api_token_store.h"

namespace wbe::cli {
namespace {

std::string CliActor() {
  const char* user = std::getenv("USER");
  if (user == nullptr || *user == '\0') {
    // Services and containers often run without $USER; the account still says who it was.
    const passwd* account = ::getpwuid(::geteuid());
    user = account != nullptr ? account->pw_name : nullptr;
  }
  return std::string("cli:") + (user != nullptr && *user != '\0' ? user : "unknown");
}

// Records a change that already happened; a failure here must say so, or the user would
// think nothing changed.
void AuditDone(const std::string& data_dir, const std::string& action, const std::string& target,
               const std::string& outcome, const std::string& detail, const std::string& undo) {
  AuditRecord record;
  record.actor = CliActor();
  record.action = action;
  record.target = target;
  record.outcome = outcome;
  record.detail = detail;
  try {
    AuditLog(AuditLog::PathFor(data_dir)).Append(record);
  } catch (const std::exception& e) {
    throw std::runtime_error(action + " '" + target +
                             "' done, but the audit log was not written (" + e.what() + ")" + undo);
  }
}

std::string TokenIdOfActive(const ApiTokenStore& store, const std::string& name) {
  const std::vector<ApiTokenInfo> tokens = store.List();
  const auto it = std::find_if(tokens.rbegin(), tokens.rend(),
                               [&](const ApiTokenInfo& t) { return t.name == name && !t.revoked; });
  return it == tokens.rend() ? "?" : it->token_id;
}

std::string StateOf(const ApiTokenInfo& token) {
  return token.revoked ? "revoked " + token.revoked_utc + " by " + token.revoked_by : "active";
}

void PrintTable(const std::vector<ApiTokenInfo>& tokens) {
  using Row = std::array<std::string, 6>;
  std::vector<Row> rows = {{"NAME", "ROLE", "TOKEN_ID", "CREATED", "CREATED_BY", "STATE"}};
  for (const ApiTokenInfo& t : tokens) {
    rows.push_back({t.name, RoleName(t.role), t.token_id, t.created_utc, t.created_by, StateOf(t)});
  }
  const Row::size_type columns = rows.front().size();
  std::array<std::size_t, 6> widths{};
  for (const Row& row : rows) {
    for (Row::size_type c = 0; c < columns; ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  for (const Row& row : rows) {
    std::string line;
    for (Row::size_type c = 0; c < columns; ++c) {
      line += row[c];
      if (c + 1 < columns) line += std::string(widths[c] - row[c].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

}  // namespace

void RegisterTokenCommand(CLI::App& app) {
  CLI::App* token = app.add_subcommand(
      "token", "Manage the API tokens of the HTTP service (works while `wbe serve` runs)");
  token->require_subcommand(1);

  struct CreateArgs {
    std::string data_dir = "var";
    std::string role;
    std::string name;
  };
  auto create_args = std::make_shared<CreateArgs>();
  CLI::App* create = token->add_subcommand(
      "create", "Create a token; the token is printed once, as the last line, and stored nowhere");
  create->add_option("--data", create_args->data_dir, "Data directory");
  create
      ->add_option("--role", create_args->role,
                   "lab: upload batches; analyst: read estimates; admin: everything")
      ->required()
      ->check(CLI::IsMember({"lab", "analyst", "admin"}));
  create
      ->add_option("--name", create_args->name,
                   "Who holds the token (1-64 of A-Z a-z 0-9 . _ @ -), unique among active "
                   "tokens")
      ->required();
  create->callback([create_args] {
    const CreateArgs& a = *create_args;
    const Role role = *ParseRole(a.role);  // IsMember let only valid names through
    ApiTokenStore store(a.data_dir);
    const std::string token = store.Create(a.name, role, CliActor());
    const std::string token_id = TokenIdOfActive(store, a.name);
    AuditDone(a.data_dir, "token create", a.name, "created",
              "role " + a.role + ", token_id " + token_id,
              "; revoke it with `wbe token revoke --data " + a.data_dir + " --name " + a.name +
                  "` and create it again");
    std::printf("created token '%s' with role %s (token_id %s)\n", a.name.c_str(), a.role.c_str(),
                token_id.c_str());
    std::printf("store it now: it is shown only once\n");
    std::printf("%s\n", token.c_str());
  });

  struct ListArgs {
    std::string data_dir = "var";
    bool json = false;
  };
  auto list_args = std::make_shared<ListArgs>();
  CLI::App* list = token->add_subcommand(
      "list", "List every token ever created, revoked ones included (never the secrets)");
  list->add_option("--data", list_args->data_dir, "Data directory");
  list->add_flag("--json", list_args->json, "Print a JSON array");
  list->callback([list_args] {
    const ApiTokenStore store(list_args->data_dir);
    const std::vector<ApiTokenInfo> tokens = store.List();
    if (list_args->json) {
      nlohmann::json array = nlohmann::json::array();
      for (const ApiTokenInfo& t : tokens) array.push_back(ToJson(t));
      std::cout << array.dump(2) << "\n";
    } else if (tokens.empty()) {
      std::printf("no tokens in %s\n", store.path().c_str());
    } else {
      PrintTable(tokens);
    }
  });

  struct RevokeArgs {
    std::string data_dir = "var";
    std::string name;
  };
  auto revoke_args = std::make_shared<RevokeArgs>();
  CLI::App* revoke = token->add_subcommand(
      "revoke", "Revoke the active token of a name; the server refuses it from the next request");
  revoke->add_option("--data", revoke_args->data_dir, "Data directory");
  revoke->add_option("--name", revoke_args->name, "Name of the token to revoke")->required();
  revoke->callback([revoke_args] {
    const RevokeArgs& a = *revoke_args;
    ApiTokenStore store(a.data_dir);
    const std::string token_id = TokenIdOfActive(store, a.name);
    store.Revoke(a.name, CliActor());
    AuditDone(a.data_dir, "token revoke", a.name, "revoked", "token_id " + token_id, "");
    std::printf("revoked token '%s' (token_id %s)\n", a.name.c_str(), token_id.c_str());
  });
}

}  // namespace wbe::cli
