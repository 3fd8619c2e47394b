#pragma once

#include <string>
#include <string_view>

#include "calibration/batch/lab_batch.h"
#include "pipeline/ingest/analyte_alias_table.h"
#include "pipeline/ingest/parse_options.h"

namespace wbe {

// Reads our long-format batch CSV (data-schemas/long-format-batch.md): header by name (a missing,
// duplicated or unknown column is an error), one row per injection x analyte. Throws InputError
// naming the source, the line and the column of the first problem.
LabBatch ParseLongCsv(std::string_view bytes, const std::string& source_name,
                      const AnalyteAliasTable& aliases, const ParseOptions& options);

}  // namespace wbe
