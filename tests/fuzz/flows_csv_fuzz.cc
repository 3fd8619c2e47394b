// libFuzzer target: flows CSV files (scripts/fuzz.sh runs it). Bad input must end in an
// InputError, never in a crash or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "models/core/input_error.h"
#include "pipeline/ingest/flows_csv_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    wbe::ParseFlowsCsv(bytes, "fuzz.csv", {"WWTP-IN", "MH-A"});
  } catch (const wbe::InputError&) {
    // Refusing bad input with a message is the expected outcome.
  }
  return 0;
}
