#pragma once

#include <string>
#include <vector>

namespace wbe {

// The columns of the long-format lab batch CSV, in order (data-schemas/long-format-batch.md).
// The simulator writes them and the ingest parser reads them: one list for both sides.
const std::vector<std::string>& LongFormatColumns();

}  // namespace wbe
