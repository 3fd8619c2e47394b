#include "pipeline/ingest/batch_parser.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "models/core/input_error.h"
#include "pipeline/ingest/csv_reader.h"
#include "pipeline/ingest/json_batch_parser.h"
#include "pipeline/ingest/long_csv_parser.h"
#include "pipeline/ingest/masshunter_parser.h"
#include "pipeline/ingest/quantified_parser.h"
#include "pipeline/ingest/text_util.h"

namespace wbe {
namespace {

using ingest::FormatByteSize;

// A read-only memory map of a whole file, unmapped and closed on destruction.
class MappedFile {
 public:
  MappedFile(const std::string& path, size_t max_bytes) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) Fail("cannot open");
    struct stat info {};
    if (::fstat(fd_, &info) != 0) Fail("cannot stat");
    if (S_ISDIR(info.st_mode)) throw InputError(path_, 0, "", "is a directory, not a batch file");
    if (!S_ISREG(info.st_mode)) throw InputError(path_, 0, "", "is not a regular file");
    size_ = static_cast<size_t>(info.st_size);
    if (size_ > max_bytes) {
      throw InputError(path_, 0, "",
                       "file is " + FormatByteSize(size_) + ", more than the limit of " +
                           FormatByteSize(max_bytes) +
                           " (ParseOptions::max_bytes); split the batch or raise the limit");
    }
    if (size_ == 0) return;
    void* data = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (data == MAP_FAILED) Fail("cannot map into memory");
    data_ = static_cast<const char*>(data);
    ::madvise(data, size_, MADV_SEQUENTIAL);  // one pass, front to back
  }
  ~MappedFile() {
    if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
    if (fd_ >= 0) ::close(fd_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view bytes() const { return std::string_view(data_, size_); }

 private:
  [[noreturn]] void Fail(const char* what) {
    const int error = errno;
    throw InputError(path_, 0, "", std::string(what) + ": " + std::strerror(error));
  }

  std::string path_;
  int fd_ = -1;
  const char* data_ = nullptr;
  size_t size_ = 0;
};

std::string ColumnKey(std::string_view name) {
  std::string key;
  for (const char c : ingest::Trim(name)) {
    if (c == ' ') continue;
    key += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return key;
}

}  // namespace

const char* BatchFormatName(BatchFormat format) {
  switch (format) {
    case BatchFormat::kAuto:
      return "auto";
    case BatchFormat::kMassHunter:
      return "masshunter";
    case BatchFormat::kLongCsv:
      return "long-csv";
    case BatchFormat::kJson:
      return "json";
    case BatchFormat::kQuantified:
      return "quantified";
  }
  return "auto";
}

BatchFormat ParseBatchFormat(const std::string& name) {
  for (const BatchFormat format :
       {BatchFormat::kAuto, BatchFormat::kMassHunter, BatchFormat::kLongCsv, BatchFormat::kJson,
        BatchFormat::kQuantified}) {
    if (name == BatchFormatName(format)) return format;
  }
  throw std::invalid_argument("unknown batch format '" + name +
                              "' (auto, masshunter, long-csv, json, quantified)");
}

bool ParseOptions::Check(std::string* why) const {
  std::string problem;
  if (max_bytes == 0) problem = "max_bytes must be positive";
  if (max_json_bytes == 0) problem = "max_json_bytes must be positive";
  for (const std::string& site : known_sites) {
    if (ingest::Trim(site).empty()) problem = "known_sites holds an empty site id";
  }
  for (const std::string& analyte : method_analytes) {
    if (ingest::Trim(analyte).empty()) problem = "method_analytes holds an empty name";
  }
  if (why != nullptr) *why = problem;
  return problem.empty();
}

BatchFormat DetectBatchFormat(std::string_view bytes, const std::string& source_name) {
  const std::string_view text = ingest::CheckTextAndStripBom(bytes, source_name);
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    throw InputError(source_name, 1, "header", "the file is empty");
  }
  if (text[first] == '{' || text[first] == '[') return BatchFormat::kJson;
  // Only the first record matters; stop it from scanning a huge file for a closing quote.
  ingest::CsvReader reader(text.substr(0, size_t{1} << 20), source_name);
  ingest::CsvRecord record;
  try {
    reader.Next(&record);
  } catch (const InputError&) {
    record.fields.clear();
  }
  bool batch_id = false, injection = false, area = false;
  bool site_id = false, sampling_date = false, concentration = false;
  for (const std::string_view cell : record.fields) {
    const std::string_view trimmed = ingest::Trim(cell);
    if (ingest::EndsWithIgnoreCase(trimmed, "Results") ||
        ingest::EndsWithIgnoreCase(trimmed, "Method")) {
      return BatchFormat::kMassHunter;
    }
    const std::string key = ColumnKey(cell);
    batch_id = batch_id || key == "batch_id";
    injection = injection || key == "injection";
    area = area || key == "area";
    site_id = site_id || key == "site_id";
    sampling_date = sampling_date || key == "sampling_date";
    concentration = concentration || key == "concentration";
  }
  if (batch_id && injection && area) return BatchFormat::kLongCsv;
  if (site_id && sampling_date && concentration) return BatchFormat::kQuantified;
  throw InputError(
      source_name, 1, "header",
      "cannot tell the format from the first line " +
          ingest::QuoteForMessage(text.substr(first, text.find_first_of("\r\n", first) - first)) +
          ": expected a long-format header (batch_id,injection,...), a "
          "quantified-results header (site_id,sampling_date,analyte,"
          "concentration,unit), MassHunter's '<Compound> Results' group row, or "
          "JSON");
}

BatchParser::BatchParser(const DrugCatalogue& catalogue, ParseOptions options)
    : options_(std::move(options)), aliases_(catalogue) {
  std::string why;
  if (!options_.Check(&why)) throw std::invalid_argument("ParseOptions: " + why);
  aliases_.AddAliasFile(AnalyteAliasTable::DefaultAliasPath());
  if (!options_.extra_alias_file.empty()) aliases_.AddAliasFile(options_.extra_alias_file);
  aliases_.AddMethodAnalytes(options_.method_analytes, options_.method_internal_standards);
}

LabBatch BatchParser::ParseFile(const std::string& path) const {
  const MappedFile file(path, options_.max_bytes);
  LabBatch batch = ParseBytes(file.bytes(), path);
  batch.source_name = path.substr(path.find_last_of('/') + 1);
  return batch;
}

LabBatch BatchParser::ParseBytes(std::string_view bytes, const std::string& source_name) const {
  if (bytes.size() > options_.max_bytes) {
    throw InputError(source_name, 0, "",
                     "input is " + FormatByteSize(bytes.size()) + ", more than the limit of " +
                         FormatByteSize(options_.max_bytes) + " (ParseOptions::max_bytes)");
  }
  if (bytes.empty()) {
    throw InputError(source_name, 1, "header", "the file is empty (0 bytes)");
  }
  BatchFormat format = options_.format;
  if (format == BatchFormat::kAuto) format = DetectBatchFormat(bytes, source_name);
  switch (format) {
    case BatchFormat::kMassHunter:
      return ParseMassHunterCsv(bytes, source_name, aliases_, options_);
    case BatchFormat::kLongCsv:
      return ParseLongCsv(bytes, source_name, aliases_, options_);
    case BatchFormat::kJson:
      return ParseJsonBatch(bytes, source_name, aliases_, options_);
    case BatchFormat::kQuantified:
      return ParseQuantifiedCsv(bytes, source_name, aliases_, options_);
    case BatchFormat::kAuto:
      break;
  }
  throw std::logic_error("unhandled batch format");
}

LabBatch ParseBatchFile(const std::string& path, const DrugCatalogue& catalogue,
                        const ParseOptions& options) {
  return BatchParser(catalogue, options).ParseFile(path);
}

LabBatch ParseBatchBytes(std::string_view bytes, const std::string& source_name,
                         const DrugCatalogue& catalogue, const ParseOptions& options) {
  return BatchParser(catalogue, options).ParseBytes(bytes, source_name);
}

}  // namespace wbe
