#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/simulation/city_simulator.h"
#include "pipeline/ingest/json_batch_parser.h"
#include "pipeline/ingest/long_csv_parser.h"
#include "tests/pipeline/ingest/ingest_test_util.h"

namespace wbe {
namespace {

using testing::Catalogue;
using testing::Dump;
using testing::ReadFile;
using testing::TestData;
using testing::TestOptions;
using testing::WithCrLfAndBom;

// The JSON twin of a long CSV batch, written straight from the simulator's rows.
std::string JsonTwin(const std::vector<const LabInjectionRow*>& rows) {
  nlohmann::json document = {{"format_version", 1}, {"batch_id", rows.front()->batch_id}};
  nlohmann::json items = nlohmann::json::array();
  const auto optional = [](double value) {
    return std::isnan(value) ? nlohmann::json(nullptr) : nlohmann::json(value);
  };
  for (const LabInjectionRow* row : rows) {
    nlohmann::json item = {
        {"injection", row->injection},
        {"type", row->type},
        {"sampling_date", FormatIsoDate(row->sampling_date)},
        {"analyte", row->analyte},
        {"area", row->area},
        {"istd_area", row->istd_area},
        {"retention_time_min", optional(row->retention_time_min)},
        {"qualifier_ratio", optional(row->qualifier_ratio)},
        {"enrichment_factor", row->enrichment_factor},
        {"expected_concentration_ng_per_l", optional(row->expected_concentration_ng_per_l)}};
    if (row->level > 0) item["level"] = row->level;
    if (!row->site_id.empty()) item["site_id"] = row->site_id;
    items.push_back(item);
  }
  document["rows"] = items;
  return document.dump();
}

// Dump without the format line differences (format is not in Dump).
TEST(LongFormatParserTest, ReadsTheSmallExample) {
  ParseOptions options = TestOptions();
  options.known_sites = {"WWTP-IN", "MH-N"};
  const LabBatch batch = ParseBatchFile(TestData("ingest/long_small.csv"), Catalogue(), options);
  EXPECT_EQ(batch.format, "long-csv");
  EXPECT_EQ(batch.batch_id, "LAB1-2026-W32");
  EXPECT_EQ(*batch.analysis_day, DayFromCivil(2026, 8, 11));
  ASSERT_EQ(batch.injections.size(), 6u);
  EXPECT_TRUE(batch.unmapped_analytes.empty());
  EXPECT_TRUE(batch.warnings.empty());

  const Injection& blank = batch.injections[0];
  EXPECT_EQ(blank.name, "1");
  EXPECT_EQ(blank.type, InjectionType::kBlank);
  EXPECT_FALSE(blank.sampling_day.has_value());  // a blank's date is the analysis date
  ASSERT_EQ(blank.responses.size(), 2u);
  EXPECT_EQ(blank.responses[1].analyte, "benzoylecgonine");
  EXPECT_EQ(blank.responses[1].lab_name, "BZE");
  EXPECT_DOUBLE_EQ(*blank.responses[0].area, 0.0);  // a measured zero stays 0
  EXPECT_FALSE(blank.responses[0].retention_time_min.has_value());
  EXPECT_DOUBLE_EQ(*blank.responses[0].expected_concentration, 0.0);

  const Injection& cal = batch.injections[2];
  EXPECT_EQ(cal.type, InjectionType::kCalibrator);
  EXPECT_EQ(cal.level, "2");
  EXPECT_DOUBLE_EQ(*cal.responses[0].expected_concentration, 2000);
  EXPECT_DOUBLE_EQ(*cal.responses[0].retention_time_min, 3.40);
  EXPECT_DOUBLE_EQ(*cal.responses[0].qualifier_ratio, 0.51);
  EXPECT_EQ(cal.responses[0].source_row, 6);

  const Injection& sample = batch.injections[5];
  EXPECT_EQ(sample.type, InjectionType::kSample);
  EXPECT_EQ(sample.site_id, "MH-N");  // was quoted
  EXPECT_EQ(*sample.sampling_day, DayFromCivil(2026, 8, 4));
  EXPECT_DOUBLE_EQ(*sample.enrichment_factor, 200);
  EXPECT_DOUBLE_EQ(*sample.responses[0].area, 12000);  // 1.2e4
  EXPECT_DOUBLE_EQ(*sample.responses[0].istd_area, 130000);
  EXPECT_FALSE(sample.responses[0].expected_concentration.has_value());
}

TEST(LongFormatParserTest, JsonTwinReadsTheSame) {
  const LabBatch csv =
      ParseBatchFile(TestData("ingest/long_small.csv"), Catalogue(), TestOptions());
  const LabBatch json =
      ParseBatchFile(TestData("ingest/long_small.json"), Catalogue(), TestOptions());
  EXPECT_EQ(json.format, "json");
  // Same content; JSON rows are numbered by their index in "rows", so are CSV rows minus one.
  EXPECT_EQ(Dump(json), Dump(csv));
  EXPECT_EQ(json.injections[2].responses[0].source_row + 1,
            csv.injections[2].responses[0].source_row);
}

TEST(LongFormatParserTest, CrLfAndBomReadExactlyLikeLf) {
  const std::string csv = ReadFile(TestData("ingest/long_small.csv"));
  const std::string json = ReadFile(TestData("ingest/long_small.json"));
  const ParseOptions options = TestOptions();
  EXPECT_EQ(Dump(ParseBatchBytes(WithCrLfAndBom(csv), "b.csv", Catalogue(), options)),
            Dump(ParseBatchBytes(csv, "b.csv", Catalogue(), options)));
  EXPECT_EQ(Dump(ParseBatchBytes(WithCrLfAndBom(json), "b.json", Catalogue(), options)),
            Dump(ParseBatchBytes(json, "b.json", Catalogue(), options)));
}

TEST(LongFormatParserTest, ReadsEverySimulatedBatchAndItsJsonTwin) {
  SimulationOptions simulation;
  simulation.days = 14;
  const SimulatedCity city = SimulateCity(Catalogue(), simulation);
  const std::string dir = std::string(WBE_BINARY_DIR) + "/test-ingest-simulated-batches";
  std::filesystem::remove_all(dir);
  WriteLabBatchesCsv(city, dir);

  std::map<std::string, std::vector<const LabInjectionRow*>> rows_by_batch;
  for (const LabInjectionRow& row : city.lab_rows) rows_by_batch[row.batch_id].push_back(&row);
  ASSERT_GE(rows_by_batch.size(), 2u);

  ParseOptions options = TestOptions();
  for (const SamplingSite& site : city.city.sites) options.known_sites.push_back(site.id);
  const BatchParser parser(Catalogue(), options);
  for (const auto& [batch_id, rows] : rows_by_batch) {
    SCOPED_TRACE(batch_id);
    const LabBatch csv = parser.ParseFile(dir + "/" + batch_id + ".csv");
    EXPECT_EQ(csv.batch_id, batch_id);
    EXPECT_TRUE(csv.unmapped_analytes.empty());
    size_t responses = 0;
    for (const Injection& injection : csv.injections) responses += injection.responses.size();
    EXPECT_EQ(responses, rows.size());
    // Every value reads back exactly (the writer prints shortest round-trip decimals).
    size_t i = 0;
    for (const Injection& injection : csv.injections) {
      for (const AnalyteResponse& r : injection.responses) {
        const LabInjectionRow& row = *rows[i++];
        ASSERT_EQ(injection.name, std::to_string(row.injection));
        ASSERT_EQ(r.lab_name, row.analyte);
        ASSERT_EQ(*r.area, row.area);
        ASSERT_EQ(*r.istd_area, row.istd_area);
        ASSERT_EQ(injection.site_id, row.site_id);
        if (row.type == "sample") {
          ASSERT_EQ(*injection.sampling_day, row.sampling_date);
        }
        ASSERT_EQ(r.retention_time_min.has_value(), !std::isnan(row.retention_time_min));
      }
    }
    const LabBatch json = parser.ParseBytes(JsonTwin(rows), batch_id + ".json");
    EXPECT_EQ(Dump(json), Dump(csv));
  }
}

TEST(LongFormatParserTest, UnknownAnalytesCanBeSkippedWithAWarning) {
  std::string csv = ReadFile(TestData("ingest/long_small.csv"));
  for (size_t at = csv.find(",BZE,"); at != std::string::npos; at = csv.find(",BZE,", at)) {
    csv.replace(at, 5, ",Benzoylecgonin-X,");
  }
  ParseOptions options = TestOptions();
  EXPECT_THROW(ParseBatchBytes(csv, "b.csv", Catalogue(), options), InputError);
  options.skip_unknown_analytes = true;
  const LabBatch batch = ParseBatchBytes(csv, "b.csv", Catalogue(), options);
  EXPECT_EQ(batch.unmapped_analytes, (std::vector<std::string>{"Benzoylecgonin-X"}));
  ASSERT_EQ(batch.warnings.size(), 1u);
  EXPECT_NE(batch.warnings[0].find("'Benzoylecgonin-X' (6 rows)"), std::string::npos);
  EXPECT_EQ(batch.injections[0].responses.size(), 1u);
}

TEST(LongFormatParserTest, ColumnsMayComeInAnyOrder) {
  const std::string csv =
      "analyte,batch_id,injection,type,level,site_id,sampling_date,area,istd_area,"
      "retention_time_min,qualifier_ratio,enrichment_factor,expected_concentration_ng_per_l\n"
      "METH,B1,3,sample,,MH-A,2026-08-03,10,100,3.4,0.5,200,\n";
  const LabBatch batch = ParseBatchBytes(csv, "b.csv", Catalogue(), TestOptions());
  ASSERT_EQ(batch.injections.size(), 1u);
  EXPECT_EQ(batch.injections[0].responses[0].analyte, "methamphetamine");
  EXPECT_FALSE(batch.analysis_day.has_value());  // samples only
}

}  // namespace
}  // namespace wbe
