// libFuzzer target: the RFC 4180 reader, the text checks and format detection.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "models/core/input_error.h"
#include "pipeline/ingest/batch_parser.h"
#include "pipeline/ingest/csv_reader.h"
#include "pipeline/ingest/text_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    wbe::ingest::CsvReader reader(bytes, "fuzz.csv");
    wbe::ingest::CsvRecord record;
    long previous_line = 0;
    size_t fields = 0;
    while (reader.Next(&record)) {
      // Lines only go forward, and every field handed out is valid UTF-8.
      if (record.line <= previous_line) __builtin_trap();
      previous_line = record.line;
      for (const std::string_view field : record.fields) {
        if (wbe::ingest::FindInvalidUtf8(field) != std::string_view::npos) __builtin_trap();
        fields += field.size();
      }
      if (!record.fields.empty()) (void)wbe::ingest::QuoteForMessage(record.fields.back());
      (void)reader.ColumnLabel(record.fields.size());
    }
    (void)fields;
  } catch (const wbe::InputError& e) {
    (void)e.what();
  }
  try {
    (void)wbe::DetectBatchFormat(bytes, "fuzz.csv");
  } catch (const wbe::InputError& e) {
    (void)e.what();
  }
  // Messages must stay valid UTF-8 whatever the input.
  if (wbe::ingest::FindInvalidUtf8(wbe::ingest::SafeText(bytes)) != std::string_view::npos) {
    __builtin_trap();
  }
  (void)wbe::ingest::ParseNumber(bytes);
  (void)wbe::ingest::ParseWholeNumber(bytes);
  return 0;
}
