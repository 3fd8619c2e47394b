#include "data-schemas/contracts/long_format_columns.h"

namespace wbe {

const std::vector<std::string>& LongFormatColumns() {
  static const std::vector<std::string> kColumns = {"batch_id",
                                                    "injection",
                                                    "type",
                                                    "level",
                                                    "site_id",
                                                    "sampling_date",
                                                    "analyte",
                                                    "area",
                                                    "istd_area",
                                                    "retention_time_min",
                                                    "qualifier_ratio",
                                                    "enrichment_factor",
                                                    "expected_concentration_ng_per_l"};
  return kColumns;
}

}  // namespace wbe
