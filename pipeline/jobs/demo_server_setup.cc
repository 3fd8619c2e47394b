#include "pipeline/jobs/demo_server_setup.h"

#include <sys/stat.h>

#include <filesystem>

#include "models/core/data_paths.h"
#include "models/core/text_files.h"
#include "pipeline/archive/durable_file.h"
#include "pipeline/auth/api_token_store.h"
#include "pipeline/jobs/demo_job.h"
#include "pipeline/jobs/ingest_job.h"
#include "pipeline/service/method_registry.h"

namespace wbe {
namespace fs = std::filesystem;

DemoServerSetup PrepareDemoDataDir(const DrugCatalogue& catalogue, const std::string& data_dir,
                                   int draws,
                                   const std::function<void(const std::string&)>& progress) {
  const auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  DemoServerSetup setup;
  setup.tokens_path = (fs::path(data_dir) / "demo-tokens.txt").string();
  const DataDirLayout layout(data_dir);
  const bool has_demo = fs::exists(fs::path(data_dir) / "SIMULATED.txt") &&
                        fs::exists(Manifest::PathFor(layout.archive_root)) &&
                        fs::exists(setup.tokens_path);
  if (has_demo) {
    say("reusing the demo data in " + data_dir);
    return setup;
  }
  say("preparing the demo city in " + data_dir + " (first start only)");
  DemoJobOptions demo;
  demo.out_dir = data_dir;
  demo.draws = draws;
  demo.lab_uploader = "demo-lab";  // the demo lab token owns the simulated batches
  RunDemoJob(catalogue, demo, progress);

  MethodRegistry(data_dir, catalogue)
      .Put("wbe-demo-lab", ReadWholeFile(DataPath("data-schemas/examples/wbe-demo-lab.method.json"),
                                         "demo method"));
  ApiTokenStore tokens(data_dir);
  std::string lines;
  for (const auto& [role, name] :
       {std::pair{Role::kLab, "demo-lab"}, std::pair{Role::kAnalyst, "demo-analyst"},
        std::pair{Role::kAdmin, "demo-admin"}}) {
    for (const ApiTokenInfo& info : tokens.List()) {
      if (info.name == name && !info.revoked) tokens.Revoke(name, "wbe serve --demo");
    }
    lines +=
        std::string(RoleName(role)) + " " + tokens.Create(name, role, "wbe serve --demo") + "\n";
  }
  WriteFileAtomically(setup.tokens_path, lines);
  ::chmod(setup.tokens_path.c_str(), 0600);
  setup.created = true;
  return setup;
}

}  // namespace wbe
