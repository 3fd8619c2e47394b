#pragma once

#include <string>
#include <string_view>

#include "calibration/batch/lab_batch.h"
#include "pipeline/ingest/analyte_alias_table.h"
#include "pipeline/ingest/parse_options.h"

namespace wbe {

// Reads an Agilent MassHunter Quant wide CSV export (data-schemas/masshunter-export.md): row 1
// holds group headers ("<Compound> Results", "<Compound> Method", "Qualifier (a -> b) Results",
// "<ISTD> Results"), row 2 the field names, then one row per injection. Columns are mapped by
// position under their group. Compounds the alias table does not know are skipped and listed
// in LabBatch::unmapped_analytes; internal standards fill istd_area of their analyte. Throws
// InputError naming the source, the line and the column ("Cortisol Results/Area (column 16)").
LabBatch ParseMassHunterCsv(std::string_view bytes, const std::string& source_name,
                            const AnalyteAliasTable& aliases, const ParseOptions& options);

}  // namespace wbe
