#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "models/catalogue/drug_catalogue.h"
#include "models/core/input_error.h"
#include "pipeline/ingest/batch_parser.h"

namespace wbe::fuzz {

// One parser per process, built on first use: a fixed "today", the demo city's sites and the
// steroids of the real MassHunter seeds as method analytes, so every check has work to do.
inline const BatchParser& Parser(BatchFormat format) {
  static const DrugCatalogue catalogue = DrugCatalogue::LoadDefault();
  static const BatchParser* parsers[5] = {};  // by BatchFormat; libFuzzer runs one thread
  const BatchParser*& parser = parsers[static_cast<int>(format)];
  if (parser == nullptr) {
    ParseOptions options;
    options.format = format;
    options.today = DayFromCivil(2026, 11, 29);
    options.known_sites = {"WWTP-IN", "MH-N", "MH-AB", "MH-A", "MH-DE"};
    options.method_analytes = {"Corticosterone", "Cortisol", "Cortisone", "Aldosterone"};
    options.max_bytes = size_t{8} << 20;
    parser = new BatchParser(catalogue, options);
  }
  return *parser;
}

// Bad input must end in InputError; any other exception escapes and libFuzzer reports it.
inline int ParseOne(BatchFormat format, const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const LabBatch batch = Parser(format).ParseBytes(bytes, "fuzz.csv");
    (void)batch;
  } catch (const InputError& e) {
    (void)e.what();
  }
  return 0;
}

}  // namespace wbe::fuzz
