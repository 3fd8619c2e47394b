#pragma once

#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "models/catalogue/drug_catalogue.h"
#include "models/core/input_error.h"
#include "pipeline/ingest/batch_parser.h"

namespace wbe::testing {

inline const DrugCatalogue& Catalogue() {
  static const DrugCatalogue catalogue = DrugCatalogue::LoadDefault();
  return catalogue;
}

inline std::string TestData(const std::string& relative) {
  return std::string(WBE_TEST_DATA_DIR) + "/" + relative;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Options every test starts from: a fixed "today" so dates do not age into the future.
inline ParseOptions TestOptions(BatchFormat format = BatchFormat::kAuto) {
  ParseOptions options;
  options.format = format;
  options.today = DayFromCivil(2026, 11, 29);
  return options;
}

inline std::vector<std::string> SteroidAnalytes() {
  return {"Corticosterone", "Cortisol", "Cortisone", "Aldosterone"};
}

// LF -> CRLF, with a UTF-8 byte-order mark in front.
inline std::string WithCrLfAndBom(const std::string& text) {
  std::string out = "\xEF\xBB\xBF";
  for (const char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

// Everything a parser produced except where it came from, doubles bit-exact, so two parses
// compare as strings.
inline std::string Dump(const LabBatch& batch) {
  std::ostringstream out;
  char buffer[64];
  const auto number = [&](const std::optional<double>& value) {
    if (value) {
      std::snprintf(buffer, sizeof(buffer), "%a", *value);
      out << buffer << ',';
    } else {
      out << "-,";
    }
  };
  out << batch.batch_id << '|' << (batch.analysis_day ? *batch.analysis_day : -1) << '\n';
  for (const Injection& injection : batch.injections) {
    out << injection.name << ',' << InjectionTypeName(injection.type) << ',' << injection.level
        << ',' << injection.site_id << ','
        << (injection.sampling_day ? *injection.sampling_day : -1) << ',';
    number(injection.enrichment_factor);
    out << '\n';
    for (const AnalyteResponse& r : injection.responses) {
      out << "  " << r.analyte << ',' << r.lab_name << ',';
      number(r.area);
      number(r.istd_area);
      number(r.response_ratio);
      number(r.retention_time_min);
      number(r.qualifier_ratio);
      number(r.expected_concentration);
      number(r.vendor_concentration);
      out << r.outlier_flagged << '\n';
    }
  }
  for (const QuantifiedResult& q : batch.quantified) {
    out << q.site_id << ',' << q.sampling_day << ',' << q.analyte << ',' << q.lab_name << ',';
    number(q.concentration_ng_per_l);
    out << q.censored << ',';
    number(q.loq_ng_per_l);
    out << '\n';
  }
  for (const std::string& name : batch.unmapped_analytes) out << "unmapped " << name << '\n';
  for (const std::string& warning : batch.warnings) out << "warning " << warning << '\n';
  return out.str();
}

// Runs `parse`, expects an InputError naming `file`, `row` and a field containing `column`,
// and a message containing `text`; returns what() for further checks.
inline std::string ExpectInputError(const std::function<void()>& parse, const std::string& file,
                                    long row, const std::string& column, const std::string& text) {
  try {
    parse();
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), file) << e.what();
    EXPECT_EQ(e.row(), row) << e.what();
    EXPECT_NE(e.field().find(column), std::string::npos)
        << "field '" << e.field() << "' lacks '" << column << "': " << e.what();
    EXPECT_NE(e.message().find(text), std::string::npos)
        << "message lacks '" << text << "': " << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no InputError (expected " << file << ":" << row << ": " << column << ": "
                << text << ")";
  return "";
}

}  // namespace wbe::testing
