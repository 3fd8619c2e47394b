// libFuzzer target: long_csv batches (scripts/fuzz.sh runs it).
#include "tests/fuzz/fuzz_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return wbe::fuzz::ParseOne(wbe::BatchFormat::kLongCsv, data, size);
}
