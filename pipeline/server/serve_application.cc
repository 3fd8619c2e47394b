#include "pipeline/server/serve_application.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "models/core/input_error.h"
#include "pipeline/archive/durable_file.h"
#include "pipeline/audit/audit_log.h"
#include "pipeline/auth/api_token_store.h"
#include "pipeline/jobs/demo_server_setup.h"
#include "pipeline/server/dashboard_files.h"
#include "pipeline/server/wbe_http_server.h"
#include "pipeline/service/alert_scheduler.h"
#include "pipeline/service/data_service.h"

namespace wbe {
namespace fs = std::filesystem;
namespace {

void Say(const std::string& line) {
  std::printf("wbe serve: %s\n", line.c_str());
  std::fflush(stdout);
}

// The weekly alert report on the service's snapshots; none when the schedule is "off".
std::unique_ptr<AlertScheduler> StartAlertScheduler(const ServerOptions& options,
                                                    const DrugCatalogue& catalogue,
                                                    DataService* service) {
  AlertSchedulerOptions scheduler_options;
  scheduler_options.data_dir = options.data_dir;
  scheduler_options.schedule = WeeklySchedule::Parse(options.alerts_schedule);
  scheduler_options.webhook_urls = options.alert_webhooks;
  scheduler_options.retry.attempts = options.webhook_attempts;
  scheduler_options.retry.retry_delay_ms = options.webhook_retry_delay_ms;
  scheduler_options.retry.max_retry_delay_ms =
      std::max(scheduler_options.retry.max_retry_delay_ms, options.webhook_retry_delay_ms);
  scheduler_options.retry.timeout_ms = options.webhook_timeout_s * 1000;
  // Leave a core to requests while screening.
  scheduler_options.screening_threads =
      std::max(1, static_cast<int>(std::thread::hardware_concurrency()) - 1);
  if (!scheduler_options.schedule.enabled) {
    Say("no scheduled alert report (alerts_schedule is \"off\")");
    return nullptr;
  }
  AlertSchedulerHooks hooks;
  hooks.snapshot = [service] { return service->Snapshot(); };
  hooks.ready = [service] { return service->Ready().pending_jobs == 0; };
  hooks.log = Say;
  auto scheduler = std::make_unique<AlertScheduler>(scheduler_options, catalogue, hooks);
  scheduler->Start();
  return scheduler;
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
    std::unique_ptr<AlertScheduler> scheduler =
        StartAlertScheduler(options, catalogue, service.get());
    Say("listening on http://" + options.bind_address + ":" + std::to_string(server.port()) +
        "/api/v1 (data " + options.data_dir + "; stop with Ctrl-C or SIGTERM)");
    const DashboardFiles dashboard(options.dashboard_dir);
    Say(dashboard.available() ? "dashboard at http://" + options.bind_address + ":" +
                                    std::to_string(server.port()) + "/app/"
                              : "no dashboard: " + dashboard.root() +
                                    " has no index.html (build with Node.js and npm installed)");
    waitForTerminationRequest();
    Say("stopping: letting requests in progress finish");
    server.Stop();
    if (scheduler) scheduler->Shutdown();
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
