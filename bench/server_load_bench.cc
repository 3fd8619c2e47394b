// Load on the HTTP API: the real server in-process on a loopback port over a simulated data
// directory (28 days), driven by concurrent keep-alive clients.
//   (a) reads:   GET /measurements (one site, one week), /estimates (one site, one week,
//                methamphetamine), /batches, /health, mixed; requests/s and latency
//   (b) uploads: POST /batches of new distinct lab batches (the batch id of a simulated weekly
//                long-format CSV rewritten); batches/s and latency
// Prints a table and a one-line JSON summary; exits 1 when any request failed (reads: anything
// but 200; uploads: anything but 201), 2 on bad flags.
//
//   ./build/bench/bench_server_load [--seconds 10] [--clients 32] [--draws 2000] [--keep]
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "models/catalogue/drug_catalogue.h"
#include "models/core/civil_day.h"
#include "models/core/data_paths.h"
#include "models/core/text_files.h"
#include "pipeline/audit/audit_log.h"
#include "pipeline/auth/api_token_store.h"
#include "pipeline/jobs/simulate_job.h"
#include "pipeline/server/server_options.h"
#include "pipeline/server/wbe_http_server.h"
#include "pipeline/service/data_service.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr char kMethodName[] = "wbe-demo-lab";

struct Flags {
  double seconds = 10.0;
  int clients = 32;
  int draws = 2000;  // ServerOptions' default
  bool keep = false;
};

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const bool has_value = i + 1 < argc;
    if (flag == "--seconds" && has_value) {
      flags->seconds = std::atof(argv[++i]);
    } else if (flag == "--clients" && has_value) {
      flags->clients = std::atoi(argv[++i]);
    } else if (flag == "--draws" && has_value) {
      flags->draws = std::atoi(argv[++i]);
    } else if (flag == "--keep") {
      flags->keep = true;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--seconds S] [--clients N] [--draws D] [--keep]\n"
                   "unknown or incomplete flag: %s\n",
                   argv[0], flag.c_str());
      return false;
    }
  }
  if (!(flags->seconds > 0.0) || flags->clients < 1 || flags->clients > 1024 || flags->draws < 0) {
    std::fprintf(stderr, "--seconds must be > 0, --clients 1-1024, --draws >= 0\n");
    return false;
  }
  return true;
}

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// One client's keep-alive connection; reconnects after a failure or when the server closed it.
class Client {
 public:
  explicit Client(uint16_t port) : session_("127.0.0.1", port) {
    session_.setKeepAlive(true);
    session_.setTimeout(Poco::Timespan(60, 0));
  }

  // The status, or -1 after an exception (its text in *error).
  int Call(const std::string& method, const std::string& uri, const std::string& token,
           const std::string& body, const std::string& content_type, std::string* reply,
           std::string* error) {
    if (reconnect_) {
      previous_connection_requests_ = on_connection_;
      on_connection_ = 0;
      reconnect_ = false;
    }
    ++on_connection_;
    try {
      Poco::Net::HTTPRequest request(method, uri, Poco::Net::HTTPMessage::HTTP_1_1);
      request.setKeepAlive(true);
      if (!token.empty()) request.set("Authorization", "Bearer " + token);
      if (method == "POST" || method == "PUT") {
        request.setContentType(content_type);
        request.setContentLength64(static_cast<Poco::Int64>(body.size()));
      }
      std::ostream& out = session_.sendRequest(request);
      out.write(body.data(), static_cast<std::streamsize>(body.size()));
      Poco::Net::HTTPResponse response;
      std::istream& in = session_.receiveResponse(response);
      reply->clear();
      Poco::StreamCopier::copyToString(in, *reply);
      reconnect_ = !response.getKeepAlive();  // the server closes the connection after this
      return static_cast<int>(response.getStatus());
    } catch (const std::exception& e) {
      *error = e.what();
      session_.reset();
      reconnect_ = true;
      return -1;
    }
  }

  // Where the last call went, for error reports.
  std::string ConnectionNote() const {
    std::string note = "request " + std::to_string(on_connection_) + " on its connection";
    if (previous_connection_requests_ > 0) {
      note += "; the client's previous connection ended after " +
              std::to_string(previous_connection_requests_) + " requests";
    }
    return note;
  }

 private:
  Poco::Net::HTTPClientSession session_;
  bool reconnect_ = false;
  size_t on_connection_ = 0;
  size_t previous_connection_requests_ = 0;
};

struct PhaseResult {
  std::string name;
  size_t requests = 0;
  size_t errors = 0;
  double seconds = 0.0;
  double p50_ms = 0.0;
  double p99_ms = 0.0;
  double max_ms = 0.0;
  std::map<std::string, size_t> by_kind;
  std::string first_error;

  double Rate() const { return seconds > 0.0 ? static_cast<double>(requests) / seconds : 0.0; }
};

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0.0;
  const size_t at = std::min(sorted.size() - 1, static_cast<size_t>(q * sorted.size()));
  return sorted[at];
}

// What each worker collects; merged when the phase ends.
struct WorkerTally {
  std::vector<double> latencies_ms;
  size_t errors = 0;
  std::map<std::string, size_t> by_kind;
  std::string first_error;
};

// Runs `clients` threads for `seconds`; each calls `one(client_index, request_index, tally)`
// until the time is up.
template <typename OneRequest>
PhaseResult RunPhase(const std::string& name, int clients, double seconds, OneRequest one) {
  std::vector<WorkerTally> tallies(static_cast<size_t>(clients));
  const Clock::time_point start = Clock::now();
  const Clock::time_point stop =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      WorkerTally& tally = tallies[static_cast<size_t>(c)];
      for (size_t i = 0; Clock::now() < stop; ++i) one(c, i, &tally);
    });
  }
  for (std::thread& thread : threads) thread.join();
  PhaseResult result;
  result.name = name;
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (const WorkerTally& tally : tallies) {
    all.insert(all.end(), tally.latencies_ms.begin(), tally.latencies_ms.end());
    result.errors += tally.errors;
    for (const auto& [kind, count] : tally.by_kind) result.by_kind[kind] += count;
    if (result.first_error.empty()) result.first_error = tally.first_error;
  }
  std::sort(all.begin(), all.end());
  result.requests = all.size();
  result.p50_ms = Percentile(all, 0.50);
  result.p99_ms = Percentile(all, 0.99);
  result.max_ms = all.empty() ? 0.0 : all.back();
  return result;
}

// Times one call and books it: an error unless the status is `expected`.
void Book(Client* client, WorkerTally* tally, const std::string& kind, int expected,
          const std::string& method, const std::string& uri, const std::string& token,
          const std::string& body = "", const std::string& content_type = "") {
  std::string reply;
  std::string error;
  const Clock::time_point before = Clock::now();
  const int status = client->Call(method, uri, token, body, content_type, &reply, &error);
  tally->latencies_ms.push_back(
      std::chrono::duration<double, std::milli>(Clock::now() - before).count());
  ++tally->by_kind[kind];
  if (status != expected) {
    ++tally->errors;
    if (tally->first_error.empty()) {
      tally->first_error = method + " " + uri + ": " +
                           (status < 0 ? "exception: " + error
                                       : std::to_string(status) + " " + reply.substr(0, 300)) +
                           " (" + client->ConnectionNote() + ")";
    }
  }
}

nlohmann::json PhaseJson(const PhaseResult& r, const char* rate_name) {
  return {{"requests", r.requests}, {rate_name, r.Rate()}, {"p50_ms", r.p50_ms},
          {"p99_ms", r.p99_ms},     {"max_ms", r.max_ms},  {"errors", r.errors},
          {"seconds", r.seconds}};
}

int Run(const Flags& flags) {
  const wbe::DrugCatalogue catalogue = wbe::DrugCatalogue::LoadDefault();
  const fs::path data_dir =
      fs::temp_directory_path() / ("wbe-bench-server-load-" + std::to_string(::getpid()));
  fs::remove_all(data_dir);

  // A simulated city, 28 days, ingested: the data directory the server opens.
  const Clock::time_point setup_start = Clock::now();
  wbe::SimulateJobOptions simulate;
  simulate.out_dir = data_dir.string();
  simulate.seed = 1;
  simulate.days = 28;
  const wbe::SimulateJobSummary summary = wbe::RunSimulateJob(catalogue, simulate);
  std::vector<std::pair<std::string, std::string>> weekly;  // batch id, CSV bytes
  for (const auto& entry : fs::directory_iterator(fs::path(summary.inputs_dir) / "lab-batches")) {
    if (entry.path().extension() != ".csv") continue;
    weekly.emplace_back(entry.path().stem().string(),
                        wbe::ReadWholeFile(entry.path().string(), "simulated batch"));
  }
  std::sort(weekly.begin(), weekly.end());
  if (weekly.empty()) throw std::runtime_error("the simulation wrote no lab batches");

  wbe::ApiTokenStore tokens(data_dir.string());
  const std::string analyst = tokens.Create("bench-analyst", wbe::Role::kAnalyst, "bench");
  wbe::AuditLog audit(wbe::AuditLog::PathFor(data_dir.string()));

  wbe::ServerOptions options;  // defaults: max_in_flight 32, threads 64
  options.port = 0;
  options.data_dir = data_dir.string();
  options.estimate_draws = flags.draws;
  wbe::DataServiceOptions service_options;
  service_options.data_dir = options.data_dir;
  service_options.estimate_draws = options.estimate_draws;
  std::unique_ptr<wbe::DataService> service = wbe::DataService::Open(service_options, catalogue);
  service->methods().Put(
      kMethodName, wbe::ReadWholeFile(
                       wbe::DataPath("data-schemas/examples/wbe-demo-lab.method.json"), "method"));
  // The start-up re-estimation (if any) finishes first, so reads see estimates.
  service->WaitUntilIdle();

  // Each read client asks about one site and one week.
  std::vector<std::string> sites;
  wbe::DayIndex first_day = 0;
  wbe::DayIndex last_day = 0;
  {
    const auto snapshot = service->Snapshot();
    for (const wbe::SamplingSite& site : snapshot->city.sites) sites.push_back(site.id);
    bool any = false;
    for (const wbe::Measurement& m : snapshot->measurements) {
      first_day = any ? std::min(first_day, m.day) : m.day;
      last_day = any ? std::max(last_day, m.day) : m.day;
      any = true;
    }
    if (sites.empty() || !any) throw std::runtime_error("the simulated store holds no data");
    std::printf("data: %zu sites, %s..%s, %zu measurements, %zu site estimates, %zu batches\n",
                sites.size(), wbe::FormatIsoDate(first_day).c_str(),
                wbe::FormatIsoDate(last_day).c_str(), snapshot->measurements.size(),
                snapshot->site_estimates.size(), weekly.size());
  }
  const int weeks = std::max(1, static_cast<int>((last_day - first_day + 1) / 7));

  wbe::WbeHttpServer server(options, service.get(), &tokens, &audit);
  server.Start();
  const uint16_t port = server.port();
  std::printf("server: 127.0.0.1:%u, threads %d, max_in_flight %d, draws %d; setup %.1f s\n",
              static_cast<unsigned>(port), options.threads, options.max_in_flight,
              options.estimate_draws,
              std::chrono::duration<double>(Clock::now() - setup_start).count());
  std::fflush(stdout);

  // (a) reads.
  std::vector<std::unique_ptr<Client>> clients;
  for (int c = 0; c < flags.clients; ++c) clients.push_back(std::make_unique<Client>(port));
  const PhaseResult reads =
      RunPhase("reads", flags.clients, flags.seconds, [&](int c, size_t i, WorkerTally* tally) {
        const std::string& site = sites[(static_cast<size_t>(c) + i) % sites.size()];
        const wbe::DayIndex from =
            first_day + 7 * static_cast<wbe::DayIndex>((static_cast<size_t>(c) + i / 4) % weeks);
        const std::string range =
            "&from=" + wbe::FormatIsoDate(from) + "&to=" + wbe::FormatIsoDate(from + 6);
        Client* client = clients[static_cast<size_t>(c)].get();
        switch ((static_cast<size_t>(c) + i) % 4) {
          case 0:
            Book(client, tally, "measurements", 200, "GET",
                 "/api/v1/measurements?site=" + site + range, analyst);
            break;
          case 1:
            Book(client, tally, "estimates", 200, "GET",
                 "/api/v1/estimates?site=" + site + "&drug=methamphetamine" + range, analyst);
            break;
          case 2:
            Book(client, tally, "batches", 200, "GET", "/api/v1/batches", analyst);
            break;
          default:
            Book(client, tally, "health", 200, "GET", "/api/v1/health", "");
            break;
        }
      });

  // (b) uploads: every client its own lab token and new batch ids.
  std::vector<std::string> lab_tokens;
  for (int c = 0; c < flags.clients; ++c) {
    lab_tokens.push_back(tokens.Create("bench-lab-" + std::to_string(c), wbe::Role::kLab, "bench"));
  }
  const PhaseResult uploads =
      RunPhase("uploads", flags.clients, flags.seconds, [&](int c, size_t i, WorkerTally* tally) {
        const auto& [base_id, base_csv] = weekly[(static_cast<size_t>(c) + i) % weekly.size()];
        const std::string batch_id =
            base_id + "-bench-c" + std::to_string(c) + "n" + std::to_string(i);
        Book(
            clients[static_cast<size_t>(c)].get(), tally, "upload", 201, "POST",
            std::string("/api/v1/batches?method=") + kMethodName + "&filename=" + batch_id + ".csv",
            lab_tokens[static_cast<size_t>(c)], ReplaceAll(base_csv, base_id, batch_id),
            "text/csv");
      });
  const wbe::ReadyState ready = service->Ready();

  clients.clear();
  server.Stop();
  const Clock::time_point shutdown_start = Clock::now();
  service->Shutdown();
  const double shutdown_s = std::chrono::duration<double>(Clock::now() - shutdown_start).count();
  service.reset();
  if (!flags.keep) fs::remove_all(data_dir);

  std::printf("\n%-8s %9s %10s %9s %9s %9s %7s\n", "phase", "requests", "per second", "p50 ms",
              "p99 ms", "max ms", "errors");
  for (const PhaseResult* r : {&reads, &uploads}) {
    std::printf("%-8s %9zu %10.1f %9.2f %9.2f %9.2f %7zu\n", r->name.c_str(), r->requests,
                r->Rate(), r->p50_ms, r->p99_ms, r->max_ms, r->errors);
  }
  std::printf("reads by kind:");
  for (const auto& [kind, count] : reads.by_kind) std::printf(" %s %zu", kind.c_str(), count);
  std::printf(
      "\nafter uploads: manifest_seq %lld, store_seq on disk %lld, %zu jobs pending; "
      "shutdown (current job + store write) %.1f s\n",
      static_cast<long long>(ready.manifest_seq), static_cast<long long>(ready.store_seq_on_disk),
      ready.pending_jobs, shutdown_s);
  for (const PhaseResult* r : {&reads, &uploads}) {
    if (!r->first_error.empty()) {
      std::printf("first %s error: %s\n", r->name.c_str(), r->first_error.c_str());
    }
  }
  const nlohmann::json line = {{"bench", "server_load"},
                               {"clients", flags.clients},
                               {"seconds", flags.seconds},
                               {"draws", flags.draws},
                               {"reads", PhaseJson(reads, "requests_per_s")},
                               {"uploads", PhaseJson(uploads, "batches_per_s")}};
  std::printf("%s\n", line.dump().c_str());
  if (flags.keep) std::printf("data directory kept: %s\n", data_dir.string().c_str());
  return reads.errors + uploads.errors == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) return 2;
  try {
    return Run(flags);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_server_load: error: %s\n", e.what());
    return 1;
  }
}
