#include "pipeline/ingest/candidate_sites_parser.h"

#include <map>
#include <utility>

#include <nlohmann/json.hpp>

#include "models/core/input_error.h"
#include "models/core/text_files.h"
#include "pipeline/ingest/csv_reader.h"
#include "pipeline/ingest/text_util.h"

namespace wbe {
namespace {

bool IsMachineId(const std::string& text) {
  if (text.empty()) return false;
  for (const char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// The checks both forms share; `field` names the id and node in messages.
class CandidateChecker {
 public:
  explicit CandidateChecker(std::string source_name) : source_name_(std::move(source_name)) {}

  void Check(const CandidateSite& candidate, const std::string& id_field,
             const std::string& node_field) {
    const long row = candidate.row;
    if (candidate.id.empty()) throw InputError(source_name_, row, id_field, "is empty");
    if (!IsMachineId(candidate.id)) {
      throw InputError(source_name_, row, id_field,
                       ingest::QuoteForMessage(candidate.id) +
                           " is not a site id (letters, digits, '_', '-', '.')");
    }
    if (candidate.node.empty()) throw InputError(source_name_, row, node_field, "is empty");
    const auto [first, inserted] = first_row_.emplace(candidate.id, row);
    if (!inserted) {
      throw InputError(source_name_, row, id_field,
                       "candidate '" + candidate.id + "' is listed twice (first on row " +
                           std::to_string(first->second) + ")");
    }
  }

 private:
  std::string source_name_;
  std::map<std::string, long> first_row_;
};

}  // namespace

std::vector<CandidateSite> ParseCandidateSitesCsv(std::string_view bytes,
                                                  const std::string& source_name) {
  ingest::CsvReader reader(bytes, source_name);
  ingest::CsvRecord record;
  if (!reader.Next(&record)) {
    throw InputError(source_name, 1, "", "the file is empty; expected a header row id,node[,name]");
  }
  std::map<std::string, size_t> column;
  std::vector<std::string> labels;
  for (size_t i = 0; i < record.fields.size(); ++i) {
    labels.emplace_back(ingest::Trim(record.fields[i]));
    if (!labels.back().empty() && !column.emplace(labels.back(), i).second) {
      throw InputError(source_name, record.line, labels.back(), "the column appears twice");
    }
  }
  reader.SetColumnLabels(labels);
  for (const char* required : {"id", "node"}) {
    if (!column.count(required)) {
      throw InputError(source_name, record.line, required,
                       "required column is missing (the header must be id,node[,name])");
    }
  }
  CandidateChecker checker(source_name);
  std::vector<CandidateSite> candidates;
  InputErrorCollector problems;  // every bad row in one report
  while (reader.Next(&record)) {
    if (record.AllFieldsBlank()) continue;
    try {
      const auto cell = [&](const std::string& name) -> std::string {
        const auto it = column.find(name);
        if (it == column.end() || it->second >= record.fields.size()) return "";
        return std::string(ingest::Trim(record.fields[it->second]));
      };
      CandidateSite candidate;
      candidate.id = cell("id");
      candidate.node = cell("node");
      candidate.name = cell("name");
      candidate.origin = source_name;
      candidate.row = record.line;
      checker.Check(candidate, "id", "node");
      candidates.push_back(std::move(candidate));
    } catch (const InputError& e) {
      if (!problems.Add(e)) break;
    }
  }
  problems.ThrowIfAny();
  if (candidates.empty()) {
    throw InputError(source_name, 0, "", "the file lists no candidate sites");
  }
  return candidates;
}

std::vector<CandidateSite> ParseCandidateSitesJson(std::string_view bytes,
                                                   const std::string& source_name) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(ingest::CheckTextAndStripBom(bytes, source_name));
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(source_name, 0, "", std::string("not valid JSON: ") + e.what());
  }
  if (!document.is_array()) {
    throw InputError(source_name, 0, "",
                     "expected an array of {\"id\", \"node\", \"name\"} objects");
  }
  if (document.empty()) throw InputError(source_name, 0, "", "the file lists no candidate sites");
  CandidateChecker checker(source_name);
  std::vector<CandidateSite> candidates;
  for (size_t i = 0; i < document.size(); ++i) {
    const long row = static_cast<long>(i) + 1;
    const std::string pointer = "/" + std::to_string(i);
    const nlohmann::json& entry = document[i];
    if (!entry.is_object()) throw InputError(source_name, row, pointer, "expected an object");
    for (const auto& member : entry.items()) {
      if (member.key() != "id" && member.key() != "node" && member.key() != "name") {
        throw InputError(source_name, row, pointer + "/" + member.key(),
                         "unknown member (expected id, node and optionally name)");
      }
    }
    const auto text = [&](const char* name, bool required) -> std::string {
      if (!entry.contains(name) || entry[name].is_null()) {
        if (required) throw InputError(source_name, row, pointer + "/" + name, "is required");
        return "";
      }
      if (!entry[name].is_string()) {
        throw InputError(source_name, row, pointer + "/" + name, "must be a string");
      }
      return entry[name].get<std::string>();
    };
    CandidateSite candidate;
    candidate.id = text("id", true);
    candidate.node = text("node", true);
    candidate.name = text("name", false);
    candidate.origin = source_name;
    candidate.row = row;
    checker.Check(candidate, pointer + "/id", pointer + "/node");
    candidates.push_back(std::move(candidate));
  }
  return candidates;
}

std::vector<CandidateSite> LoadCandidateSitesFile(const std::string& path) {
  const std::string bytes = ReadWholeFile(path, "candidates file");
  const std::string_view text = ingest::CheckTextAndStripBom(bytes, path);
  const size_t first = text.find_first_not_of(" \t\r\n");
  const bool json = ingest::EndsWithIgnoreCase(path, ".json") ||
                    (first != std::string_view::npos && text[first] == '[');
  return json ? ParseCandidateSitesJson(text, path) : ParseCandidateSitesCsv(text, path);
}

}  // namespace wbe
