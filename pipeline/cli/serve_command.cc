#include "pipeline/cli/serve_command.h"

#include <filesystem>
#include <memory>

#include "pipeline/cli/ingest_command.h"
#include "pipeline/server/serve_application.h"

namespace wbe::cli {

void RegisterServeCommand(CLI::App& app) {
  struct Args {
    ServeCommandOptions command;
    std::string config_path;
    double max_body_mib = 64.0;
  };
  auto args = std::make_shared<Args>();
  ServerOptions& server = args->command.server;
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Serve the HTTP API (/api/v1) on a data directory: uploads from labs, reads for analysts. "
      "Stops cleanly on SIGTERM or Ctrl-C");
  cmd->add_option("--port", server.port, "TCP port (0: any free port, printed at start)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--bind", server.bind_address, "Address to listen on");
  cmd->add_option("--data", server.data_dir, "Data directory (archive, store, tokens, logs)");
  cmd->add_flag("--demo", args->command.demo,
                "Serve the built-in demo city (prepared in the data directory on first start, "
                "with demo tokens in DATA/demo-tokens.txt)");
  cmd->add_option(
         "--config", args->config_path,
         "JSON file of server settings (default: DATA/config/server.json when it exists; flags "
         "given on the command line win)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--max-body-mib", args->max_body_mib, "Request body limit, MiB (413 beyond)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--threads", server.threads, "Connection threads")->check(CLI::Range(2, 4096));
  cmd->add_option("--max-in-flight", server.max_in_flight,
                  "Requests handled at once (503 with Retry-After beyond)")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--request-timeout", server.request_timeout_s,
                  "Seconds a request body may take to arrive")
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--draws", server.estimate_draws,
                  "Monte Carlo draws of the background re-estimation")
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--access-log", server.access_log,
                  "Access log file (JSON lines; '-' for standard output; default "
                  "DATA/logs/access.jsonl)");
  cmd->add_option("--alerts-schedule", server.alerts_schedule,
                  "When the weekly alert report is made, in local time: a day and HH:MM like "
                  "\"MON 08:00\" (the default), or \"off\"; it goes to DATA/reports");
  cmd->add_option("--dashboard-dir", server.dashboard_dir,
                  "Folder of the dashboard's pages, served at /app/ (default: the copy the build "
                  "made)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--webhook", server.alert_webhooks,
                  "http:// URL the weekly report's JSON is POSTed to; repeatable (https is not "
                  "supported)");
  cmd->add_option("--webhook-attempts", server.webhook_attempts,
                  "Attempts per webhook and report, the first included (4)")
      ->check(CLI::Range(1, 20));
  cmd->add_option("--webhook-retry-delay-ms", server.webhook_retry_delay_ms,
                  "Wait before the second attempt, doubled before each further one (2000)")
      ->check(CLI::Range(0, 3600000));
  cmd->add_option("--webhook-timeout", server.webhook_timeout_s,
                  "Seconds a webhook may take to connect, accept the body, or answer (10)")
      ->check(CLI::Range(1, 600));
  cmd->add_option("--catalogue", args->command.catalogue_path, "Drug catalogue JSON")
      ->check(CLI::ExistingFile);
  cmd->callback([args, cmd] {
    ServeCommandOptions command = args->command;
    if (args->config_path.empty()) {
      // Without --config, the data directory's own settings apply when it has them.
      const std::string in_data_dir = args->command.server.data_dir + "/config/server.json";
      if (std::filesystem::is_regular_file(in_data_dir)) args->config_path = in_data_dir;
    }
    if (!args->config_path.empty()) {
      // The config file first, then whatever was given on the command line.
      ServerOptions from_file;
      LoadServerConfig(args->config_path, &from_file);
      const ServerOptions& flags = args->command.server;
      ServerOptions merged = from_file;
      if (cmd->count("--port")) merged.port = flags.port;
      if (cmd->count("--bind")) merged.bind_address = flags.bind_address;
      if (cmd->count("--data")) merged.data_dir = flags.data_dir;
      if (cmd->count("--threads")) merged.threads = flags.threads;
      if (cmd->count("--max-in-flight")) merged.max_in_flight = flags.max_in_flight;
      if (cmd->count("--request-timeout")) merged.request_timeout_s = flags.request_timeout_s;
      if (cmd->count("--draws")) merged.estimate_draws = flags.estimate_draws;
      if (cmd->count("--access-log")) merged.access_log = flags.access_log;
      if (cmd->count("--alerts-schedule")) merged.alerts_schedule = flags.alerts_schedule;
      if (cmd->count("--dashboard-dir")) merged.dashboard_dir = flags.dashboard_dir;
      if (cmd->count("--webhook")) merged.alert_webhooks = flags.alert_webhooks;
      if (cmd->count("--webhook-attempts")) merged.webhook_attempts = flags.webhook_attempts;
      if (cmd->count("--webhook-retry-delay-ms")) {
        merged.webhook_retry_delay_ms = flags.webhook_retry_delay_ms;
      }
      if (cmd->count("--webhook-timeout")) merged.webhook_timeout_s = flags.webhook_timeout_s;
      if (cmd->count("--max-body-mib")) {
        merged.max_body_bytes = static_cast<uint64_t>(args->max_body_mib * 1048576.0);
      }
      command.server = merged;
    } else {
      command.server.max_body_bytes = static_cast<uint64_t>(args->max_body_mib * 1048576.0);
    }
    std::string why;
    if (!command.server.Check(&why)) throw CLI::ValidationError("serve", why);
    ServeApplication application(command);
    char name[] = "wbe-serve";
    char* argv[] = {name, nullptr};
    const int status = application.run(1, argv);
    // The CLI's codes: 2 for input the user can fix, 3 for anything else.
    SetRequestedExitCode(status == Poco::Util::Application::EXIT_OK        ? 0
                         : status == Poco::Util::Application::EXIT_DATAERR ? 2
                                                                           : 3);
  });
}

}  // namespace wbe::cli
