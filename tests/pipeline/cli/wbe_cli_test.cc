// Runs the real `wbe` binary: the CLI contract other work and checks rely on.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pipeline/archive/data_dir_lock.h"
#include "pipeline/audit/audit_log.h"
#include "pipeline/auth/api_token_store.h"
#include "pipeline/store/hdf5_store.h"
#include "tests/pipeline/cli/run_wbe.h"

namespace {

using ::wbe::testing::RunResult;
using ::wbe::testing::RunWbe;

size_t LineCount(const std::string& text) {
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  return lines + (!text.empty() && text.back() != '\n');
}

TEST(WbeCliTest, HelpForTheProgramAndEveryCommand) {
  const RunResult top = RunWbe("--help");
  EXPECT_EQ(top.exit_code, 0);
  for (const char* command : {"backcalc", "simulate", "demo", "ingest", "store", "estimate",
                              "evaluate", "advise-sites"}) {
    EXPECT_NE(top.out.find(command), std::string::npos) << command;
    const RunResult help = RunWbe(std::string(command) + " --help");
    EXPECT_EQ(help.exit_code, 0) << command;
    EXPECT_NE(help.out.find("--"), std::string::npos) << command;
  }
}

TEST(WbeCliTest, BackcalcJsonHoldsTheIssueExample) {
  const RunResult r = RunWbe(
      "backcalc --drug methamphetamine --concentration 200 --flow 500000 --population 2000000 "
      "--excretion-fraction 0.43 --draws 2000 --seed 3 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_NEAR(j["load_mg_per_day"]["point"].get<double>(), 100000.0, 1e-6);
  EXPECT_NEAR(j["normalised_load_mg_per_day_per_1000"]["point"].get<double>(), 50.0, 1e-9);
  EXPECT_NEAR(j["consumption_mg_per_day_per_1000"]["point"].get<double>(), 116.28, 0.005);
  for (const char* key : {"load_mg_per_day", "normalised_load_mg_per_day_per_1000",
                          "consumption_mg_per_day_per_1000"}) {
    ASSERT_TRUE(j[key].contains("median")) << key;
    EXPECT_LT(j[key]["p05"].get<double>(), j[key]["median"].get<double>()) << key;
    EXPECT_GT(j[key]["p95"].get<double>(), j[key]["median"].get<double>()) << key;
  }
  EXPECT_EQ(j["parameters"]["excretion_fraction"].get<double>(), 0.43);
  EXPECT_EQ(j["parameters"]["uncertainty"]["draws"].get<int>(), 2000);
  EXPECT_EQ(j["parameters"]["uncertainty"]["seed"].get<int>(), 3);
}

TEST(WbeCliTest, BackcalcWithoutDrawsHasPointValuesOnly) {
  const RunResult r = RunWbe(
      "backcalc --drug cocaine --concentration 500 --flow 200000 --population 1000000 --draws 0 "
      "--json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_FALSE(j["load_mg_per_day"].contains("median"));
  EXPECT_EQ(j["biomarker"], "benzoylecgonine");
}

TEST(WbeCliTest, BackcalcTableIsReadable) {
  const RunResult r = RunWbe(
      "backcalc --drug ketamine --concentration 30 --flow 100000 --population 500000 --draws 1000");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("consumption (parent)"), std::string::npos);
  EXPECT_NE(r.out.find("90% interval"), std::string::npos);
}

TEST(WbeCliTest, BadBackcalcInputFailsWithOneLineNamingTheProblem) {
  const std::string base = "backcalc --flow 1000 --population 1000 ";
  const struct {
    std::string args;
    std::string expected;
  } cases[] = {
      {base + "--drug unobtainium --concentration 5", "unknown drug 'unobtainium'"},
      {base + "--drug cocaine --concentration -5", "--concentration"},
      {base + "--drug cocaine --concentration abc", "--concentration"},
      {"backcalc --drug cocaine --concentration 5 --population 1000", "--flow"},
      {base + "--drug cocaine", "--concentration"},
      {base + "--drug cocaine --concentration 5 --biomarker ketamine", "biomarker"},
      {"backcalc --drug cocaine --concentration 5 --flow 0 --population 1000", "--flow"},
  };
  for (const auto& c : cases) {
    const RunResult r = RunWbe(c.args);
    EXPECT_NE(r.exit_code, 0) << c.args;
    EXPECT_EQ(LineCount(r.err), 1u) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << c.args << "\n" << r.err;
  }
}

TEST(WbeCliTest, DemoWritesAStoreWithEstimatesAndTruth) {
  const std::filesystem::path out =
      std::filesystem::path(WBE_BINARY_DIR) / "test-output" / "cli-demo";
  std::filesystem::remove_all(out);
  const RunResult r = RunWbe("demo --out " + out.string() + " --days 14 --draws 200 --seed 5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find((out / "wbe-store.h5").string()), std::string::npos) << r.out;
  const wbe::StoreContents store = wbe::Hdf5Store::Read((out / "wbe-store.h5").string());
  EXPECT_FALSE(store.site_estimates.empty());
  EXPECT_FALSE(store.measurements.empty());
  ASSERT_TRUE(store.truth.has_value());
  EXPECT_FALSE(store.truth->districts.empty());
  EXPECT_TRUE(std::filesystem::exists(out / "site-estimates.csv"));
  EXPECT_FALSE(store.district_week_estimates.empty());
  EXPECT_TRUE(std::filesystem::exists(out / "district-week-estimates.csv"));
  EXPECT_NE(r.out.find("resolved districts"), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(out / "inputs" / "flows.csv"));
  EXPECT_TRUE(std::filesystem::exists(out / "archive" / "manifest.jsonl"));
}

// The issue's loop: simulate, estimate, evaluate --json (keys median_abs_rel_error and
// coverage_90), and clear exits for a store that cannot be evaluated.
TEST(WbeCliTest, SimulateEstimateEvaluate) {
  const std::filesystem::path root =
      std::filesystem::path(WBE_BINARY_DIR) / "test-output" / "cli-estimate";
  std::filesystem::remove_all(root);
  const std::string store = (root / "sim" / "wbe-store.h5").string();
  ASSERT_EQ(RunWbe("simulate --out " + (root / "sim").string() + " --days 21 --seed 4").exit_code,
            0);
  const RunResult before = RunWbe("evaluate --store " + store);
  EXPECT_EQ(before.exit_code, 2);
  EXPECT_NE(before.err.find("wbe estimate"), std::string::npos) << before.err;

  const RunResult estimate = RunWbe("estimate --store " + store + " --draws 300");
  ASSERT_EQ(estimate.exit_code, 0) << estimate.err;
  EXPECT_NE(estimate.out.find("D + E: not separable"), std::string::npos) << estimate.out;
  const RunResult evaluate = RunWbe("evaluate --json --store " + store);
  ASSERT_EQ(evaluate.exit_code, 0) << evaluate.err;
  const nlohmann::json figures = nlohmann::json::parse(evaluate.out);
  ASSERT_TRUE(figures["median_abs_rel_error"].is_number()) << evaluate.out;
  ASSERT_TRUE(figures["coverage_90"].is_number()) << evaluate.out;
  EXPECT_LT(figures["median_abs_rel_error"].get<double>(), 0.2);
  EXPECT_GT(figures["coverage_90"].get<double>(), 0.7);

  const RunResult bad_date = RunWbe("estimate --store " + store + " --from 2026-13-01");
  EXPECT_EQ(bad_date.exit_code, 2);
  EXPECT_NE(bad_date.err.find("--from"), std::string::npos) << bad_date.err;
  const RunResult unknown_drug = RunWbe("estimate --store " + store + " --drug unobtainium");
  EXPECT_EQ(unknown_drug.exit_code, 2);
  EXPECT_NE(unknown_drug.err.find("unobtainium"), std::string::npos) << unknown_drug.err;
}

TEST(WbeCliTest, IngestExitCodesAndDryRun) {
  const std::filesystem::path root =
      std::filesystem::path(WBE_BINARY_DIR) / "test-output" / "cli-ingest";
  std::filesystem::remove_all(root);
  ASSERT_EQ(RunWbe("simulate --out " + (root / "sim").string() + " --days 7 --seed 2").exit_code,
            0);
  std::filesystem::path batch;
  for (const auto& entry :
       std::filesystem::directory_iterator(root / "sim" / "inputs" / "lab-batches")) {
    batch = entry.path();
  }
  ASSERT_FALSE(batch.empty());
  const std::string method =
      std::string(std::getenv("WBE_DATA_DIR")) + "/data-schemas/examples/wbe-demo-lab.method.json";
  const std::string data = (root / "var").string();

  const RunResult dry =
      RunWbe("ingest " + batch.string() + " --method " + method + " --data " + data + " --dry-run");
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("nothing was written"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(data));

  const RunResult accepted =
      RunWbe("ingest " + batch.string() + " --method " + method + " --data " + data + " --json");
  ASSERT_EQ(accepted.exit_code, 0) << accepted.err;
  const nlohmann::json j = nlohmann::json::parse(accepted.out);
  EXPECT_EQ(j["version"], 1);
  EXPECT_NE(j["verdict"], "rejected");
  EXPECT_TRUE(j["qc_report"].contains("analytes"));
  EXPECT_TRUE(std::filesystem::exists(root / "var" / "wbe-store.h5"));

  const RunResult again =
      RunWbe("ingest " + batch.string() + " --method " + method + " --data " + data);
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.out.find("Already ingested"), std::string::npos) << again.out;

  const std::filesystem::path garbage = root / "garbage.csv";
  {
    std::ofstream out(garbage, std::ios::binary);
    out << std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  }
  const RunResult bad =
      RunWbe("ingest " + garbage.string() + " --method " + method + " --data " + data);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("garbage.csv"), std::string::npos) << bad.err;
  EXPECT_EQ(LineCount(bad.err), 1u) << bad.err;

  const RunResult rebuild = RunWbe("store rebuild --data " + data);
  EXPECT_EQ(rebuild.exit_code, 0) << rebuild.out << rebuild.err;
  EXPECT_NE(rebuild.out.find("1 current batch versions"), std::string::npos) << rebuild.out;
}

std::string LastLine(const std::string& text) {
  const std::string trimmed = text.substr(0, text.find_last_not_of('\n') + 1);
  return trimmed.substr(trimmed.rfind('\n') + 1);
}

TEST(WbeCliTest, TokenCreateListRevokeWhileAServerHoldsTheDataDirectory) {
  const std::filesystem::path data =
      std::filesystem::path(WBE_BINARY_DIR) / "test-output" / "cli-token";
  std::filesystem::remove_all(data);
  EXPECT_NE(RunWbe("--help").out.find("token"), std::string::npos);
  // A running server holds the lock; token management must not need it.
  const wbe::DataDirLock server_lock = wbe::DataDirLock::Acquire(data.string());
  const wbe::ApiTokenStore server_store(data.string());
  EXPECT_TRUE(server_store.List().empty());

  const RunResult created =
      RunWbe("token create --data " + data.string() + " --role lab --name lab-1");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string token = LastLine(created.out);
  EXPECT_EQ(token.rfind("wbe_", 0), 0u) << created.out;
  EXPECT_NE(created.out.find("shown only once"), std::string::npos) << created.out;
  EXPECT_NE(created.out.find("lab-1"), std::string::npos) << created.out;
  const std::optional<wbe::Principal> principal = server_store.Authenticate(token);
  ASSERT_TRUE(principal.has_value()) << token;
  EXPECT_EQ(principal->name, "lab-1");
  EXPECT_EQ(principal->role, wbe::Role::kLab);

  const std::string secret = token.substr(token.rfind('_') + 1);
  const std::string token_id = token.substr(4, 12);
  const RunResult table = RunWbe("token list --data " + data.string());
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("lab-1"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(token_id), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("active"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find(secret), std::string::npos) << table.out;
  const RunResult json = RunWbe("token list --json --data " + data.string());
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const nlohmann::json tokens = nlohmann::json::parse(json.out);
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0]["role"], "lab");
  EXPECT_EQ(tokens[0]["token_id"], token_id);
  EXPECT_EQ(json.out.find(secret), std::string::npos) << json.out;
  EXPECT_EQ(json.out.find("sha256"), std::string::npos) << json.out;
  EXPECT_EQ(json.out.find("salt"), std::string::npos) << json.out;

  const RunResult duplicate =
      RunWbe("token create --data " + data.string() + " --role admin --name lab-1");
  EXPECT_EQ(duplicate.exit_code, 2);
  EXPECT_EQ(LineCount(duplicate.err), 1u) << duplicate.err;
  EXPECT_NE(duplicate.err.find("lab-1"), std::string::npos) << duplicate.err;

  const RunResult revoked = RunWbe("token revoke --data " + data.string() + " --name lab-1");
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_FALSE(server_store.Authenticate(token).has_value());
  EXPECT_NE(RunWbe("token list --data " + data.string()).out.find("revoked"), std::string::npos);
  const RunResult again = RunWbe("token revoke --data " + data.string() + " --name lab-1");
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_EQ(LineCount(again.err), 1u) << again.err;

  const std::vector<wbe::AuditRecord> audit =
      wbe::AuditLog::ReadAll(wbe::AuditLog::PathFor(data.string()));
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0].action, "token create");
  EXPECT_EQ(audit[0].target, "lab-1");
  EXPECT_EQ(audit[0].outcome, "created");
  EXPECT_EQ(audit[0].actor.rfind("cli:", 0), 0u) << audit[0].actor;
  EXPECT_EQ(audit[1].action, "token revoke");
  EXPECT_EQ(audit[1].outcome, "revoked");
  for (const auto& entry : std::filesystem::recursive_directory_iterator(data)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(secret), std::string::npos) << entry.path();
  }
}

TEST(WbeCliTest, BadTokenArgumentsFailWithOneLine) {
  const std::string data =
      (std::filesystem::path(WBE_BINARY_DIR) / "test-output" / "cli-token-bad").string();
  std::filesystem::remove_all(data);
  const struct {
    std::string args;
    std::string expected;
  } cases[] = {
      {"token create --data " + data + " --role root --name x", "--role"},
      {"token create --data " + data + " --name x", "--role"},
      {"token create --data " + data + " --role lab --name 'a b'", "a b"},
      {"token revoke --data " + data + " --name nobody", "nobody"},
  };
  for (const auto& c : cases) {
    const RunResult r = RunWbe(c.args);
    EXPECT_NE(r.exit_code, 0) << c.args;
    EXPECT_EQ(LineCount(r.err), 1u) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(r.out.find("wbe_"), std::string::npos) << c.args << "\n" << r.out;
  }
  EXPECT_FALSE(std::filesystem::exists(wbe::ApiTokenStore::PathFor(data)));
}

}  // namespace
