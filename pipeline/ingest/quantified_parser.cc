#include "pipeline/ingest/quantified_parser.h"

#include <array>
#include <map>
#include <set>
#include <tuple>

#include "models/core/input_error.h"
#include "pipeline/ingest/csv_reader.h"
#include "pipeline/ingest/text_util.h"

namespace wbe {
namespace {

using ingest::CsvReader;
using ingest::CsvRecord;
using ingest::EqualsIgnoreCase;
using ingest::QuoteForMessage;
using ingest::Trim;

enum Column : size_t {
  kSiteId,
  kSamplingDate,
  kAnalyte,
  kConcentration,
  kUnit,
  kLoq,
  kBatchId,
  kSampleId,
  kComment,
  kColumnCount,
};
constexpr size_t kRequiredColumns = kLoq;  // the first five
const std::array<const char*, kColumnCount> kNames = {"site_id",       "sampling_date", "analyte",
                                                      "concentration", "unit",          "loq",
                                                      "batch_id",      "sample_id",     "comment"};

// The unit without blanks and case; "µ" (U+00B5) and "μ" (U+03BC) read as "u".
std::string UnitKey(std::string_view unit) {
  std::string key;
  for (size_t i = 0; i < unit.size(); ++i) {
    const char c = unit[i];
    if (c == ' ') continue;
    if (unit.compare(i, 2, "\xC2\xB5") == 0 || unit.compare(i, 2, "\xCE\xBC") == 0) {
      key += 'u';
      ++i;
      continue;
    }
    key += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return key;
}

// Factor from the unit to ng/L, or 0 for a unit we do not accept.
double UnitToNgPerL(const std::string& key) {
  if (key == "ng/l" || key == "pg/ml") return 1.0;
  if (key == "ug/l" || key == "ng/ml") return 1000.0;
  return 0.0;
}

bool IsNotDetected(std::string_view text) {
  for (const char* token : {"<LOQ", "< LOQ", "<LOD", "< LOD", "ND", "n.d.", "BLQ", "BQL"}) {
    if (EqualsIgnoreCase(text, token)) return true;
  }
  return false;
}

std::string BatchIdFromName(const std::string& source) {
  std::string name = source.substr(source.find_last_of("/\\") + 1);
  const size_t dot = name.find_last_of('.');
  if (dot != std::string::npos && dot > 0) name.resize(dot);
  return name;
}

}  // namespace

LabBatch ParseQuantifiedCsv(std::string_view bytes, const std::string& source_name,
                            const AnalyteAliasTable& aliases, const ParseOptions& options) {
  CsvReader reader(bytes, source_name);
  CsvRecord record;
  if (!reader.Next(&record)) {
    throw InputError(source_name, 1, "header",
                     "the file is empty; expected the header row site_id,sampling_date,...");
  }
  std::array<size_t, kColumnCount> position;
  position.fill(SIZE_MAX);
  std::vector<std::string> labels;
  for (size_t i = 0; i < record.fields.size(); ++i) {
    const std::string_view name = Trim(record.fields[i]);
    labels.emplace_back(name);
    size_t column = 0;
    while (column < kColumnCount && !EqualsIgnoreCase(name, kNames[column])) ++column;
    if (column == kColumnCount) {
      reader.SetColumnLabels(labels);
      throw InputError(source_name, record.line, reader.ColumnLabel(i),
                       name.empty() ? std::string("header cell is empty")
                                    : "unknown column " + QuoteForMessage(name) +
                                          " in a quantified-results file (columns: site_id, "
                                          "sampling_date, analyte, concentration, unit, loq, "
                                          "batch_id, sample_id, comment)");
    }
    if (position[column] != SIZE_MAX) {
      throw InputError(source_name, record.line, kNames[column],
                       "column appears twice (columns " + std::to_string(position[column] + 1) +
                           " and " + std::to_string(i + 1) + ")");
    }
    position[column] = i;
    labels[i] = kNames[column];
  }
  std::string missing;
  for (size_t column = 0; column < kRequiredColumns; ++column) {
    if (position[column] == SIZE_MAX) {
      missing += (missing.empty() ? "" : ", ") + std::string(kNames[column]);
    }
  }
  if (!missing.empty()) {
    throw InputError(source_name, record.line, "header", "missing column(s) " + missing);
  }
  reader.SetColumnLabels(labels);
  const size_t field_count = labels.size();

  LabBatch batch;
  batch.format = "quantified";
  batch.source_name = source_name;
  const std::set<std::string, std::less<>> known_sites(options.known_sites.begin(),
                                                       options.known_sites.end());
  std::map<std::string, std::optional<AnalyteMapping>, std::less<>> analyte_cache;
  std::map<std::string, size_t> skipped;
  std::map<std::tuple<std::string, DayIndex, std::string>, long> seen;  // -> line
  std::string unit_text;                                                // as first written
  std::string unit_key;
  long unit_line = 0;
  double unit_factor = 0.0;
  std::string batch_id;

  const auto fail = [&](Column column, const std::string& message) {
    throw InputError(source_name, record.line, kNames[column], message);
  };
  const auto text = [&](Column column) {
    return position[column] == SIZE_MAX ? std::string_view()
                                        : Trim(record.fields[position[column]]);
  };

  while (reader.Next(&record)) {
    if (record.AllFieldsBlank()) continue;
    if (record.fields.size() != field_count) {
      const bool fewer = record.fields.size() < field_count;
      throw InputError(source_name, record.line,
                       reader.ColumnLabel(fewer ? record.fields.size() : field_count),
                       "row has " + std::to_string(record.fields.size()) +
                           " fields, the header has " + std::to_string(field_count) +
                           (fewer && reader.at_end() ? ": the file seems truncated" : ""));
    }
    if (position[kBatchId] != SIZE_MAX) {
      const std::string_view id = text(kBatchId);
      if (id.empty()) fail(kBatchId, "is empty");
      if (batch_id.empty()) {
        batch_id.assign(id);
      } else if (id != batch_id) {
        fail(kBatchId, QuoteForMessage(id) + " differs from '" + batch_id +
                           "' of the rows before; one file holds one batch");
      }
    }
    QuantifiedResult result;
    result.source_row = record.line;
    const std::string_view site = text(kSiteId);
    if (site.empty()) fail(kSiteId, "is empty");
    if (!known_sites.empty() && known_sites.count(site) == 0) {
      std::string known;
      for (size_t i = 0; i < options.known_sites.size() && i < 12; ++i) {
        known += (i > 0 ? ", " : "") + options.known_sites[i];
      }
      fail(kSiteId, QuoteForMessage(site) + " is not a known site (known: " + known + ")");
    }
    result.site_id.assign(site);
    const std::string_view date = text(kSamplingDate);
    try {
      result.sampling_day = ParseIsoDate(date);
    } catch (const std::invalid_argument&) {
      fail(kSamplingDate, QuoteForMessage(date) + " is not a date in YYYY-MM-DD form");
    }
    if (result.sampling_day > options.today) {
      fail(kSamplingDate,
           std::string(date) + " is in the future (today is " + FormatIsoDate(options.today) + ")");
    }

    const std::string_view unit = text(kUnit);
    if (unit.empty()) fail(kUnit, "is empty; write ng/L, ug/L, ng/mL or pg/mL");
    if (unit_text.empty()) {
      unit_key = UnitKey(unit);
      unit_factor = UnitToNgPerL(unit_key);
      if (unit_factor == 0.0) {
        fail(kUnit, QuoteForMessage(unit) + " is not an accepted unit (ng/L, ug/L, ng/mL, pg/mL)");
      }
      unit_text.assign(unit);
      unit_line = record.line;
    } else if (UnitKey(unit) != unit_key) {
      fail(kUnit, QuoteForMessage(unit) + " differs from '" + unit_text + "' of line " +
                      std::to_string(unit_line) + "; a file must use one unit (mixed units)");
    }

    std::optional<double> loq;
    if (const std::string_view loq_text = text(kLoq); !loq_text.empty()) {
      loq = ingest::ParseNumber(loq_text);
      if (!loq) fail(kLoq, QuoteForMessage(loq_text) + " is not a number");
      if (*loq <= 0) fail(kLoq, "must be positive, got " + std::string(loq_text));
    }
    const std::string_view concentration = text(kConcentration);
    if (concentration.empty()) {
      fail(kConcentration, "is empty; write a number, <LOQ or < 2.5 (the LOQ)");
    }
    if (IsNotDetected(concentration)) {
      if (!loq) {
        fail(kConcentration, QuoteForMessage(concentration) +
                                 " needs the LOQ in the loq column (or write '< 2.5')");
      }
      result.censored = true;
    } else if (concentration.front() == '<') {
      const std::string_view limit_text = Trim(concentration.substr(1));
      const std::optional<double> limit = ingest::ParseNumber(limit_text);
      if (!limit || *limit <= 0) {
        fail(kConcentration,
             QuoteForMessage(concentration) + " is not a censored value such as '< 2.5' or '<LOQ'");
      }
      if (loq && *loq != *limit) {
        fail(kConcentration,
             QuoteForMessage(concentration) + " disagrees with loq " + std::string(text(kLoq)));
      }
      loq = limit;
      result.censored = true;
    } else {
      const std::optional<double> value = ingest::ParseNumber(concentration);
      if (!value) {
        fail(kConcentration,
             QuoteForMessage(concentration) + " is not a number, '<LOQ' or '< LOQ value'");
      }
      if (*value < 0)
        fail(kConcentration, "must be zero or positive, got " + std::string(concentration));
      result.concentration_ng_per_l = *value * unit_factor;
    }
    result.loq_ng_per_l = loq ? *loq * unit_factor : 0.0;

    const std::string_view analyte = text(kAnalyte);
    if (analyte.empty()) fail(kAnalyte, "is empty");
    auto cached = analyte_cache.find(analyte);
    if (cached == analyte_cache.end()) {
      cached = analyte_cache.emplace(std::string(analyte), aliases.Find(analyte)).first;
    }
    const std::optional<AnalyteMapping>& mapping = cached->second;
    if (mapping && mapping->internal_standard) {
      fail(kAnalyte, QuoteForMessage(analyte) + " is an internal standard, not a result");
    }
    if (!mapping) {
      if (!options.skip_unknown_analytes) {
        fail(kAnalyte, QuoteForMessage(analyte) +
                           " is not a catalogue biomarker, alias or method analyte; fix the "
                           "name or add it to the alias table");
      }
      if (skipped[std::string(analyte)]++ == 0) batch.unmapped_analytes.emplace_back(analyte);
      continue;
    }
    result.analyte = mapping->analyte;
    result.lab_name.assign(analyte);
    const auto [it, inserted] = seen.emplace(
        std::make_tuple(result.site_id, result.sampling_day, result.analyte), record.line);
    if (!inserted) {
      fail(kAnalyte, result.analyte + " at " + result.site_id + " on " + std::string(date) +
                         " appears twice (first at line " + std::to_string(it->second) + ")");
    }
    batch.quantified.push_back(std::move(result));
  }
  if (batch.quantified.empty()) {
    throw InputError(
        source_name, record.line > 0 ? record.line : 1, "",
        skipped.empty() ? "holds no results, only the header" : "no row names a known analyte");
  }
  batch.batch_id = batch_id.empty() ? BatchIdFromName(source_name) : batch_id;
  size_t below_loq = 0;
  for (const QuantifiedResult& result : batch.quantified) {
    if (result.concentration_ng_per_l && *result.concentration_ng_per_l < result.loq_ng_per_l) {
      ++below_loq;
    }
  }
  if (below_loq > 0) {
    batch.warnings.push_back(std::to_string(below_loq) +
                             (below_loq == 1 ? " result is a number" : " results are numbers") +
                             " below its own LOQ; kept as reported");
  }
  if (!skipped.empty()) {
    std::string names;
    size_t shown = 0;
    for (const auto& [name, count] : skipped) {
      if (shown++ == 20) {
        names += ", ...";
        break;
      }
      names += (names.empty() ? "" : ", ") + QuoteForMessage(name) + " (" + std::to_string(count) +
               " rows)";
    }
    batch.warnings.push_back("skipped rows of analytes the alias table does not know: " + names);
  }
  return batch;
}

}  // namespace wbe
