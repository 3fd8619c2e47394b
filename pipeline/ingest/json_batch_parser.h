#pragma once

#include <string>
#include <string_view>

#include "calibration/batch/lab_batch.h"
#include "pipeline/ingest/analyte_alias_table.h"
#include "pipeline/ingest/parse_options.h"

namespace wbe {

// Reads the JSON form of the long-format batch (data-schemas/long-format-batch.md, "JSON form";
// schema data-schemas/long-format-batch.schema.json). The document is checked against the
// schema, then every row gets the CSV's rules. Errors name the source and the JSON path of the
// value ("batch.json: /rows/17/area: ..."); syntax errors name the line.
LabBatch ParseJsonBatch(std::string_view bytes, const std::string& source_name,
                        const AnalyteAliasTable& aliases, const ParseOptions& options);

}  // namespace wbe
