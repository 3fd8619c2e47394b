#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include "models/core/text_files.h"
#include "pipeline/ingest/parse_options.h"
#include "pipeline/server/api_json.h"
#include "pipeline/server/api_routes.h"
#include "pipeline/server/upload_spool.h"

namespace wbe {
namespace {

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

BatchFormat FormatOf(const std::string& name) {
  if (name.empty()) return BatchFormat::kAuto;
  try {
    return ParseBatchFormat(name);
  } catch (const std::invalid_argument& e) {
    throw HttpError(422, std::string("format: ") + e.what(),
                    nlohmann::json::array({ProblemEntry("request", 0, "format", e.what())}));
  }
}

nlohmann::json UploadReply(const UploadOutcome& outcome) {
  const IngestResult& result = outcome.result;
  nlohmann::json reply = {{"batch_id", outcome.entry.batch_id},
                          {"version", outcome.entry.version},
                          {"verdict", ToString(outcome.entry.verdict)},
                          {"sha256", outcome.entry.sha256},
                          {"already_ingested", !outcome.created},
                          {"source_name", outcome.entry.source_name},
                          {"format", outcome.entry.format},
                          {"measurements", result.measurements.size()},
                          {"notes", result.notes},
                          {"unmapped_analytes", result.unmapped_analytes},
                          {"qc_report", result.quantification.report.ToJson()}};
  if (outcome.job_id) {
    reply["job"] = {{"id", *outcome.job_id}, {"url", "/api/v1/jobs/" + *outcome.job_id}};
  }
  return reply;
}

// Versions of one lab batch, oldest first; 404 when unknown, 403 for another lab's batch.
std::vector<ManifestEntry> VersionsFor(const ApiExchange& exchange, const ServerContext& context) {
  const std::string& batch_id = exchange.PathParam("batch_id");
  std::vector<ManifestEntry> versions;
  for (const ManifestEntry& entry : *context.service->Entries()) {
    if (entry.kind == UploadKind::kLabBatch && entry.batch_id == batch_id) {
      versions.push_back(entry);
    }
  }
  if (versions.empty()) throw HttpError(404, "no lab batch with id '" + batch_id + "'");
  const Principal& caller = exchange.Caller();
  if (caller.role == Role::kLab) {
    // A lab reads the versions it uploaded itself.
    versions.erase(
        std::remove_if(versions.begin(), versions.end(),
                       [&](const ManifestEntry& e) { return e.uploader != caller.name; }),
        versions.end());
    if (versions.empty()) {
      throw HttpError(403, "batch '" + batch_id + "' was uploaded by another lab");
    }
  }
  return versions;
}

// The requested version (?version=N), else the current one, else the newest.
ManifestEntry ChosenVersion(const ApiExchange& exchange,
                            const std::vector<ManifestEntry>& versions) {
  if (const auto text = exchange.Query("version")) {
    for (const ManifestEntry& entry : versions) {
      if (std::to_string(entry.version) == *text) return entry;
    }
    throw HttpError(404, "batch '" + versions.front().batch_id + "' has no version " + *text);
  }
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    if (it->verdict != Verdict::kRejected) return *it;
  }
  return versions.back();
}

void PostBatch(ApiExchange& exchange, const ServerContext& context) {
  Poco::Net::HTTPServerRequest& request = exchange.request();
  const std::optional<std::string> idempotency_key = IdempotencyKeyOf(exchange);
  const std::string content_type = request.getContentType();
  const bool multipart = StartsWith(content_type, "multipart/form-data");
  if (!multipart && !content_type.empty() && !StartsWith(content_type, "text/csv") &&
      !StartsWith(content_type, "text/plain") && !StartsWith(content_type, "application/json") &&
      !StartsWith(content_type, "application/octet-stream")) {
    throw HttpError(415,
                    "send the batch as text/csv, application/json, "
                    "application/octet-stream or multipart/form-data, not " +
                        content_type);
  }
  SpooledFile body = SpoolRequest(exchange, context);

  BatchUploadRequest upload;
  upload.uploader = exchange.Caller().name;
  upload.restrict_to_own_batches = exchange.Caller().role == Role::kLab;
  upload.idempotency_key = idempotency_key;
  std::string method_name;
  std::string format;
  MultipartUpload parts;
  const SpooledFile* batch_file = &body;
  if (multipart) {
    parts = ParseMultipart(request, body, context.spool_dir);
    const auto file = parts.files.find("file");
    if (file == parts.files.end()) {
      throw HttpError(422, "the multipart body needs a file part named 'file' holding the batch",
                      nlohmann::json::array({ProblemEntry("request", 0, "file", "missing")}));
    }
    batch_file = &file->second.file;
    upload.source_name = SafeFileName(file->second.filename, "upload");
    const auto method_file = parts.files.find("method");
    if (method_file != parts.files.end()) {
      upload.method_bytes = ReadSpooled(method_file->second.file);
      upload.method_file_name = SafeFileName(method_file->second.filename, "method.json");
    } else if (parts.fields.count("method")) {
      method_name = parts.fields["method"];
    }
    if (parts.fields.count("format")) format = parts.fields["format"];
    if (parts.fields.count("batch_id")) upload.batch_id = parts.fields["batch_id"];
  } else {
    method_name = exchange.Query("method").value_or("");
    format = exchange.Query("format").value_or("");
    upload.batch_id = exchange.Query("batch_id").value_or("");
    upload.source_name = SafeFileName(exchange.Query("filename").value_or(""), "upload");
  }
  if (batch_file->size_bytes == 0) {
    throw HttpError(422, "the batch file is empty",
                    nlohmann::json::array({ProblemEntry(upload.source_name, 0, "", "empty")}));
  }
  upload.format = FormatOf(format);
  if (upload.method_bytes.empty()) {
    if (method_name.empty()) {
      throw HttpError(422,
                      "say which quantitation method to use: ?method=NAME (GET /api/v1/methods "
                      "lists them) or a 'method' part holding the method file",
                      nlohmann::json::array({ProblemEntry("request", 0, "method", "missing")}));
    }
    const auto method = context.service->methods().Get(method_name);
    if (!method) {
      throw HttpError(
          422, "no registered method named '" + method_name + "'; GET /api/v1/methods lists them",
          nlohmann::json::array({ProblemEntry("request", 0, "method", "unknown")}));
    }
    upload.method_bytes = *method;
    upload.method_file_name = method_name + ".method.json";
  }
  upload.body_path = batch_file->path();
  exchange.audit_target = upload.source_name;
  const UploadOutcome outcome = context.service->UploadBatch(upload);
  exchange.audit_target = BatchVersionId(outcome.entry.batch_id, outcome.entry.version);
  exchange.audit_outcome = outcome.created ? "created" : "unchanged";
  exchange.audit_detail =
      std::string("verdict ") + ToString(outcome.entry.verdict) + "; " + outcome.entry.qc_summary;
  const std::string location = "/api/v1/batches/" + outcome.entry.batch_id;
  exchange.SendBytes(
      outcome.created ? 201 : 200, "application/json; charset=utf-8",
      UploadReply(outcome).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
      {{"Location", location}});
}

void ListBatches(ApiExchange& exchange, const ServerContext& context) {
  const auto entries = context.service->Entries();
  const std::map<std::string, std::string> current = CurrentVersions(*entries);
  const Principal& caller = exchange.Caller();
  const std::optional<std::string> only = exchange.Query("batch_id");
  nlohmann::json rows = nlohmann::json::array();
  for (const ManifestEntry& entry : *entries) {
    if (entry.kind != UploadKind::kLabBatch) continue;
    if (caller.role == Role::kLab && entry.uploader != caller.name) continue;
    if (only && entry.batch_id != *only) continue;
    const auto it = current.find(entry.batch_id);
    rows.push_back(ManifestEntryJson(entry, it != current.end() && it->second == entry.sha256));
  }
  if (exchange.WantsCsv()) {
    exchange.SendBytes(
        200, "text/csv; charset=utf-8",
        JsonRowsToCsv({"batch_id", "version", "current", "verdict", "qc_summary", "source_name",
                       "format", "sha256", "size_bytes", "method.file_name", "method.sha256",
                       "uploader", "uploaded_utc", "supersedes"},
                      rows));
    return;
  }
  exchange.SendJson(200, {{"batches", rows}});
}

void GetBatch(ApiExchange& exchange, const ServerContext& context) {
  const std::vector<ManifestEntry> versions = VersionsFor(exchange, context);
  const ManifestEntry chosen = ChosenVersion(exchange, versions);
  const std::map<std::string, std::string> current = CurrentVersions(*context.service->Entries());
  const auto current_it = current.find(chosen.batch_id);
  nlohmann::json list = nlohmann::json::array();
  nlohmann::json current_version = nullptr;
  for (const ManifestEntry& entry : versions) {
    const bool is_current = current_it != current.end() && current_it->second == entry.sha256;
    if (is_current) current_version = entry.version;
    list.push_back(ManifestEntryJson(entry, is_current));
  }
  const IngestResult result = context.service->Requantify(chosen);
  nlohmann::json provenance = {{"sha256", chosen.sha256},
                               {"source_name", chosen.source_name},
                               {"format", chosen.format},
                               {"uploader", chosen.uploader},
                               {"uploaded_utc", chosen.uploaded_utc},
                               {"measurements", result.measurements.size()}};
  provenance["method"] = chosen.method ? nlohmann::json{{"file_name", chosen.method->file_name},
                                                        {"sha256", chosen.method->sha256}}
                                       : nlohmann::json(nullptr);
  exchange.SendJson(200, {{"batch_id", chosen.batch_id},
                          {"current_version", current_version},
                          {"version", chosen.version},
                          {"verdict", ToString(chosen.verdict)},
                          {"versions", list},
                          {"qc_report", result.quantification.report.ToJson()},
                          {"provenance", provenance}});
}

void GetBatchRaw(ApiExchange& exchange, const ServerContext& context) {
  const ManifestEntry chosen = ChosenVersion(exchange, VersionsFor(exchange, context));
  std::string quoted;
  for (const char c : chosen.source_name) {
    if (c != '"' && c != '\\') quoted += c;
  }
  exchange.SendBytes(200, "application/octet-stream", context.service->ArchivedBytes(chosen.sha256),
                     {{"Content-Disposition", "attachment; filename=\"" + quoted + "\""},
                      {"X-Content-SHA256", chosen.sha256},
                      {"X-Batch-Version", std::to_string(chosen.version)}});
}

}  // namespace

std::optional<std::string> IdempotencyKeyOf(const ApiExchange& exchange) {
  const std::string key = exchange.Header("Idempotency-Key");
  if (key.empty()) return std::nullopt;
  bool printable = key.size() <= 200;
  for (const char c : key) printable = printable && c >= 0x21 && c <= 0x7e;
  if (!printable) {
    throw HttpError(
        422, "Idempotency-Key must be 1-200 printable ASCII characters",
        nlohmann::json::array({ProblemEntry("request", 0, "Idempotency-Key", "malformed")}));
  }
  return key;
}

void AddBatchRoutes(RouteTable* routes, const ServerContext* context) {
  routes->Add({"POST", "/api/v1/batches", false, {Role::kLab}, [context](ApiExchange& e) {
                 PostBatch(e, *context);
               }});
  routes->Add(
      {"GET", "/api/v1/batches", false, {Role::kLab, Role::kAnalyst}, [context](ApiExchange& e) {
         ListBatches(e, *context);
       }});
  routes->Add({"GET",
               "/api/v1/batches/{batch_id}",
               false,
               {Role::kLab, Role::kAnalyst},
               [context](ApiExchange& e) { GetBatch(e, *context); }});
  routes->Add({"GET",
               "/api/v1/batches/{batch_id}/raw",
               false,
               {Role::kLab, Role::kAnalyst},
               [context](ApiExchange& e) { GetBatchRaw(e, *context); }});
}

}  // namespace wbe
