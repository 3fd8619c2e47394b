#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "models/core/civil_day.h"

namespace wbe {

enum class BatchFormat {
  kAuto,        // decide from the content (batch_parser.h)
  kMassHunter,  // Agilent MassHunter Quant wide CSV export
  kLongCsv,     // data-schemas/long-format-batch.md
  kJson,        // the same as JSON (data-schemas/long-format-batch.schema.json)
  kQuantified,  // data-schemas/quantified-results.md
};
const char* BatchFormatName(BatchFormat format);  // "auto", "masshunter", "long-csv", ...
// Parses those names; throws std::invalid_argument listing them otherwise.
BatchFormat ParseBatchFormat(const std::string& name);

// How to read a batch and what to check it against.
struct ParseOptions {
  BatchFormat format = BatchFormat::kAuto;
  // Site ids a sample may name (the city file's). Empty: any site is accepted.
  std::vector<std::string> known_sites;
  // Sampling dates after this day are refused (a composite cannot come from the future).
  DayIndex today = TodayUtc();
  // Larger inputs are refused before they are read.
  size_t max_bytes = size_t{512} << 20;
  // JSON is parsed into memory whole (about ten times its size), so it has its own lower limit.
  size_t max_json_bytes = size_t{64} << 20;
  // Analyte names of the quantitation method (as in its file): the method may measure things
  // the catalogue does not know (e.g. corticosteroids), which then map to themselves.
  std::vector<std::string> method_analytes;
  // Method analyte -> its internal standard's compound name, for ISTDs named unconventionally.
  std::map<std::string, std::string> method_internal_standards;
  // Extra alias file read after the shipped one (pipeline/ingest/analyte_aliases.json);
  // empty: none.
  std::string extra_alias_file;
  // Long CSV, JSON and quantified rows whose analyte maps to nothing are an error by default
  // (a typo must not silently lose data); true skips them with a warning and lists them in
  // LabBatch::unmapped_analytes. MassHunter exports always skip unknown compounds that way,
  // since they routinely carry compounds of other assays.
  bool skip_unknown_analytes = false;

  bool Check(std::string* why = nullptr) const;
};

}  // namespace wbe
