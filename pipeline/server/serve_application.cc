#include "pipeline/server/serve_application.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "models/core/input_error.h"
#include "pipeline/archive/durable_file.h"
#include "pipeline/audit/audit_log.h"
#include "pipeline/auth/api_token_store.h"
#include "pipeline/jobs/demo_server_setup.h"
#include "pipeline/server/wbe_http_server.h"
#include "pipeline/service/data_service.h"

namespace wbe {
namespace fs = std::filesystem;
namespace {

void Say(const std::string& line) {
  std::printf("wbe serve: %s\n", line.c_str());
  std::fflush(stdout);
}

}  // namespace

int ServeApplication::main(const std::vector<std::string>&) {
  try {
    const ServerOptions& options = options_.server;
    const DrugCatalogue catalogue = options_.catalogue_path.empty()
                                        ? DrugCatalogue::LoadDefault()
                                        : DrugCatalogue::LoadFromFile(options_.catalogue_path);
    if (options_.demo) {
      const DemoServerSetup setup =
          PrepareDemoDataDir(catalogue, options.data_dir, options.estimate_draws, Say);
      Say("demo API tokens (role token): " + setup.tokens_path);
    }
    // Threads inherit the signal mask. Blocked here, before the first long-lived thread (the
    // data service's worker, its solvers' OpenMP threads, the HTTP pool), SIGINT and SIGTERM can
    // only reach waitForTerminationRequest's sigwait; a worker that left them unblocked could
    // take one and die of it, skipping the clean stop.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGQUIT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    DataServiceOptions service_options;
    service_options.data_dir = options.data_dir;
    service_options.estimate_draws = options.estimate_draws;
    std::unique_ptr<DataService> service = DataService::Open(service_options, catalogue, Say);
    ApiTokenStore tokens(options.data_dir);
    AuditLog audit(AuditLog::PathFor(options.data_dir));
    WbeHttpServer server(options, service.get(), &tokens, &audit);
    server.Start();
    const nlohmann::json run = {{"port", server.port()},
                                {"pid", static_cast<int>(::getpid())},
                                {"bind_address", options.bind_address}};
    CreateDirectoriesDurably((fs::path(options.data_dir) / "run").string());
    WriteFileAtomically((fs::path(options.data_dir) / "run" / "server.json").string(),
                        run.dump() + "\n");
    if (tokens.List().empty()) {
      Say("no API tokens yet: create one with `wbe token create --data " + options.data_dir +
          " --role admin --name NAME`");
    }
    Say("listening on http://" + options.bind_address + ":" + std::to_string(server.port()) +
        "/api/v1 (data " + options.data_dir + "; stop with Ctrl-C or SIGTERM)");
    waitForTerminationRequest();
    Say("stopping: letting requests in progress finish");
    server.Stop();
    service->Shutdown();
    Say("stopped cleanly");
    return Application::EXIT_OK;
  } catch (const InputError& e) {
    std::fprintf(stderr, "wbe: error: %s\n", e.what());
    return Application::EXIT_DATAERR;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wbe: error: %s\n", e.what());
    return Application::EXIT_SOFTWARE;
  }
}

}  // namespace wbe
