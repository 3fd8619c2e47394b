#pragma once

#include <string>
#include <string_view>

#include "calibration/batch/lab_batch.h"
#include "pipeline/ingest/analyte_alias_table.h"
#include "pipeline/ingest/parse_options.h"

namespace wbe {

// Reads a batch of results a lab quantified in its own software
// (data-schemas/quantified-results.md): site_id, sampling_date, analyte, concentration, unit
// and optionally loq, one row per site-day-analyte; "<LOQ", "< 2.5" and "ND" are censored.
// Concentrations are converted to ng/L. Throws InputError naming source, line and column.
LabBatch ParseQuantifiedCsv(std::string_view bytes, const std::string& source_name,
                            const AnalyteAliasTable& aliases, const ParseOptions& options);

}  // namespace wbe
