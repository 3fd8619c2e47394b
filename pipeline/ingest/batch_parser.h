#pragma once

#include <string>
#include <string_view>

#include "calibration/batch/lab_batch.h"
#include "models/catalogue/drug_catalogue.h"
#include "pipeline/ingest/analyte_alias_table.h"
#include "pipeline/ingest/parse_options.h"

namespace wbe {

// Which format the content is (ParseOptions::format = kAuto), from its first bytes:
//  1. first non-blank character '{' or '['                          -> kJson
//  2. first CSV record has a cell ending in "Results" or "Method"  -> kMassHunter
//  3. first record has batch_id, injection and area columns          -> kLongCsv
//  4. first record has site_id, sampling_date and concentration      -> kQuantified
// (column names compared ignoring case and blanks). Anything else is an InputError that names
// the source and line 1. A UTF-8 byte-order mark is ignored.
BatchFormat DetectBatchFormat(std::string_view bytes, const std::string& source_name);

// Reads lab batches of every format into LabBatch. Build it once (it loads the alias table)
// and use it for many files; Parse* are const and can run on several threads at once.
class BatchParser {
 public:
  // Throws std::invalid_argument when !options.Check(), InputError when an alias file is bad.
  BatchParser(const DrugCatalogue& catalogue, ParseOptions options);

  // Refuses a file larger than options.max_bytes before reading it (its size is on the disk);
  // otherwise maps it into memory read-only, so memory stays bounded by that limit.
  LabBatch ParseFile(const std::string& path) const;
  // `source_name` is the file name used in messages and LabBatch::source_name.
  LabBatch ParseBytes(std::string_view bytes, const std::string& source_name) const;

  const ParseOptions& options() const { return options_; }
  const AnalyteAliasTable& aliases() const { return aliases_; }

 private:
  ParseOptions options_;
  AnalyteAliasTable aliases_;
};

// One-off helpers around BatchParser. Every error is an InputError whose what() begins
// "<file>:<line>: <column>: <message>", e.g. "batch.csv:17: area: '12a4' is not a number".
LabBatch ParseBatchFile(const std::string& path, const DrugCatalogue& catalogue,
                        const ParseOptions& options);
LabBatch ParseBatchBytes(std::string_view bytes, const std::string& source_name,
                         const DrugCatalogue& catalogue, const ParseOptions& options);

}  // namespace wbe
