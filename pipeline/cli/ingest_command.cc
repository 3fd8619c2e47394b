#include "pipeline/cli/ingest_command.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "pipeline/jobs/ingest_job.h"

namespace wbe::cli {
namespace {

int requested_exit_code = 0;

std::string DefaultUploader() {
  const char* user = std::getenv("USER");
  return user != nullptr && *user != '\0' ? user : "cli";
}

DrugCatalogue LoadCatalogue(const std::string& path) {
  return path.empty() ? DrugCatalogue::LoadDefault() : DrugCatalogue::LoadFromFile(path);
}

}  // namespace

int RequestedExitCode() { return requested_exit_code; }
void SetRequestedExitCode(int code) { requested_exit_code = code; }

void RegisterIngestCommand(CLI::App& app) {
  struct Args {
    std::string file;
    IngestOptions options;
    std::string format = "auto";
    std::string catalogue_path;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  args->options.uploader = DefaultUploader();
  CLI::App* cmd = app.add_subcommand(
      "ingest",
      "Ingest one lab batch: parse, calibrate, QC, archive the raw file and update the store. "
      "Exit 0 when accepted (fully or with flags), 1 when rejected, 2 when unreadable");
  cmd->add_option("FILE", args->file, "Batch file (MassHunter CSV, long CSV, JSON, quantified)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--method", args->options.method_path,
                  "Quantitation method JSON (see data-schemas/examples/)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--format", args->format, "Batch format")
      ->check(CLI::IsMember({"auto", "masshunter", "long-csv", "json", "quantified"}));
  cmd->add_option("--data", args->options.data_dir,
                  "Data directory (archive and store; shared with `wbe serve`)");
  cmd->add_option("--batch-id", args->options.batch_id,
                  "Batch id when the file has none (default: the file name without extension)");
  cmd->add_option("--uploader", args->options.uploader, "Who uploads (recorded in the manifest)");
  cmd->add_flag("--dry-run", args->options.dry_run,
                "Parse, calibrate and judge, but change nothing on disk");
  cmd->add_option("--catalogue", args->catalogue_path, "Drug catalogue JSON")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--json", args->json, "Print the result and QC report as one JSON object");
  cmd->callback([args] {
    const DrugCatalogue catalogue = LoadCatalogue(args->catalogue_path);
    IngestOptions options = args->options;
    options.format = ParseBatchFormat(args->format);
    const IngestResult result = BatchIngestor(catalogue).IngestFile(args->file, options);
    if (args->json) {
      std::cout << result.ToJson().dump(2) << "\n";
    } else {
      std::cout << result.ToText();
    }
    requested_exit_code = result.accepted() ? 0 : 1;
  });
}

void RegisterStoreCommand(CLI::App& app) {
  CLI::App* store = app.add_subcommand("store", "Manage the data directory's derived store");
  store->require_subcommand(1);

  auto rebuild_data = std::make_shared<std::string>("var");
  auto catalogue_path = std::make_shared<std::string>();
  CLI::App* rebuild = store->add_subcommand(
      "rebuild",
      "Rebuild the HDF5 store from the raw archive alone (city, flows, and the current version "
      "of every lab batch, re-quantified with its archived method)");
  rebuild->add_option("--data", *rebuild_data, "Data directory");
  rebuild->add_option("--catalogue", *catalogue_path, "Drug catalogue JSON")
      ->check(CLI::ExistingFile);
  rebuild->callback([rebuild_data, catalogue_path] {
    const StoreRebuildSummary summary = RebuildStore(*rebuild_data, LoadCatalogue(*catalogue_path));
    std::printf("%s\nstore: %s\n", summary.BriefReport().c_str(),
                DataDirLayout(*rebuild_data).store_path.c_str());
    for (const std::string& problem : summary.problems) {
      std::printf("problem: %s\n", problem.c_str());
    }
    if (!summary.problems.empty()) requested_exit_code = 1;
  });

  struct ImportArgs {
    std::string file;
    std::string data_dir = "var";
    std::string uploader = DefaultUploader();
    std::string catalogue_path;
  };
  const auto add_import = [&](const char* name, const char* help, bool city) {
    auto args = std::make_shared<ImportArgs>();
    CLI::App* cmd = store->add_subcommand(name, help);
    cmd->add_option("FILE", args->file, city ? "City JSON" : "Flows CSV")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--data", args->data_dir, "Data directory");
    cmd->add_option("--uploader", args->uploader, "Who uploads");
    cmd->add_option("--catalogue", args->catalogue_path, "Drug catalogue JSON")
        ->check(CLI::ExistingFile);
    cmd->callback([args, city] {
      const DrugCatalogue catalogue = LoadCatalogue(args->catalogue_path);
      const InputUploadResult r =
          city ? IngestCityFile(args->file, args->data_dir, args->uploader, catalogue)
               : IngestFlowsFile(args->file, args->data_dir, args->uploader, catalogue);
      std::printf("%s %zu records (sha256 %s)%s\n", city ? "city:" : "flows:", r.records,
                  r.sha256.c_str(), r.already_ingested ? ", already archived" : "");
    });
  };
  add_import("import-city", "Archive a city file (districts, sewer network, sites) and apply it",
             true);
  add_import("import-flows", "Archive a flows CSV (daily flow per site) and apply it", false);
}

}  // namespace wbe::cli
