#include "pipeline/ingest/batch_parser.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/pipeline/ingest/ingest_test_util.h"

namespace wbe {
namespace {

using testing::Catalogue;
using testing::Dump;
using testing::ExpectInputError;
using testing::ReadFile;
using testing::SteroidAnalytes;
using testing::TestData;
using testing::TestOptions;
using testing::WithCrLfAndBom;

std::string BuildPath(const std::string& name) {
  return std::string(WBE_BINARY_DIR) + "/test-ingest-" + name;
}

TEST(BatchParserTest, DetectsTheFormatFromTheContent) {
  const auto detect = [](const std::string& relative) {
    return DetectBatchFormat(ReadFile(TestData(relative)), relative);
  };
  EXPECT_EQ(detect("ingest/long_small.csv"), BatchFormat::kLongCsv);
  EXPECT_EQ(detect("ingest/long_small.json"), BatchFormat::kJson);
  EXPECT_EQ(detect("ingest/quantified_small.csv"), BatchFormat::kQuantified);
  EXPECT_EQ(detect("ingest/masshunter_drugs.csv"), BatchFormat::kMassHunter);
  EXPECT_EQ(detect("masshunter/QuantLCMS_Example_MassHunter.csv"), BatchFormat::kMassHunter);
  EXPECT_EQ(detect("masshunter/MH_ext_cal_quant_assay.csv"), BatchFormat::kMassHunter);
  EXPECT_EQ(DetectBatchFormat("\xEF\xBB\xBF \r\n {\"rows\": []}", "x"), BatchFormat::kJson);
  EXPECT_EQ(DetectBatchFormat(" Batch_ID , Injection,AREA\n", "x"), BatchFormat::kLongCsv);
  // The file name does not matter, only the content.
  const LabBatch batch = ParseBatchBytes(ReadFile(TestData("ingest/long_small.json")), "batch.csv",
                                         Catalogue(), TestOptions());
  EXPECT_EQ(batch.format, "json");
}

TEST(BatchParserTest, FormatNamesRoundTrip) {
  for (const BatchFormat format :
       {BatchFormat::kAuto, BatchFormat::kMassHunter, BatchFormat::kLongCsv, BatchFormat::kJson,
        BatchFormat::kQuantified}) {
    EXPECT_EQ(ParseBatchFormat(BatchFormatName(format)), format);
  }
  EXPECT_THROW(ParseBatchFormat("xlsx"), std::invalid_argument);
}

TEST(BatchParserTest, OptionsAreChecked) {
  ParseOptions options = TestOptions();
  std::string why;
  EXPECT_TRUE(options.Check(&why));
  options.known_sites = {"MH-A", " "};
  EXPECT_FALSE(options.Check(&why));
  EXPECT_NE(why.find("known_sites"), std::string::npos);
  EXPECT_THROW(BatchParser(Catalogue(), options), std::invalid_argument);
  options = TestOptions();
  options.max_bytes = 0;
  EXPECT_THROW(BatchParser(Catalogue(), options), std::invalid_argument);
}

TEST(BatchParserTest, RealMassHunterFileWithCrLfAndBomReadsTheSame) {
  ParseOptions options = TestOptions();
  options.method_analytes = SteroidAnalytes();
  const BatchParser parser(Catalogue(), options);
  for (const char* name : {"QuantLCMS_Example_MassHunter.csv", "MH_ext_cal_quant_assay.csv"}) {
    SCOPED_TRACE(name);
    // The real exports come with CRLF line ends; compare them with LF and with CRLF + BOM.
    const std::string crlf = ReadFile(TestData(std::string("masshunter/") + name));
    ASSERT_NE(crlf.find("\r\n"), std::string::npos);
    std::string lf = crlf;
    lf.erase(std::remove(lf.begin(), lf.end(), '\r'), lf.end());
    const LabBatch plain = parser.ParseBytes(lf, name);
    EXPECT_EQ(Dump(parser.ParseBytes(crlf, name)), Dump(plain));
    const LabBatch windows = parser.ParseBytes(WithCrLfAndBom(lf), name);
    EXPECT_EQ(Dump(windows), Dump(plain));
    EXPECT_EQ(windows.injections.back().source_row, plain.injections.back().source_row);
  }
  const std::string drugs = ReadFile(TestData("ingest/masshunter_drugs.csv"));
  EXPECT_EQ(Dump(parser.ParseBytes(WithCrLfAndBom(drugs), "d.csv")),
            Dump(parser.ParseBytes(drugs, "d.csv")));
}

TEST(BatchParserTest, FilesThatCannotBeRead) {
  ExpectInputError([] { ParseBatchFile("/nonexistent/b.csv", Catalogue(), TestOptions()); },
                   "/nonexistent/b.csv", 0, "", "cannot open");
  ExpectInputError([] { ParseBatchFile(WBE_TEST_DATA_DIR, Catalogue(), TestOptions()); },
                   WBE_TEST_DATA_DIR, 0, "", "is a directory");
  const std::string empty = BuildPath("empty.csv");
  std::ofstream(empty).close();
  ExpectInputError([&] { ParseBatchFile(empty, Catalogue(), TestOptions()); }, empty, 1, "header",
                   "empty (0 bytes)");
}

TEST(BatchParserTest, RefusesAFileAboveTheLimitBeforeReadingIt) {
  // 600 MB sparse file: no disk used, and refused from its size alone.
  const std::string path = BuildPath("huge-sparse.csv");
  {
    std::ofstream out(path, std::ios::binary);
    out << "batch_id,injection\n";
  }
  std::filesystem::resize_file(path, 600ull * 1000 * 1000);
  const auto start = std::chrono::steady_clock::now();
  const std::string what =
      ExpectInputError([&] { ParseBatchFile(path, Catalogue(), TestOptions()); }, path, 0, "",
                       "file is 572.2 MiB, more than the limit of 512.0 MiB");
  EXPECT_NE(what.find("ParseOptions::max_bytes"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  std::filesystem::remove(path);

  // In-memory input and JSON have their limits too.
  ParseOptions options = TestOptions();
  options.max_bytes = 1000;
  ExpectInputError([&] { ParseBatchBytes(std::string(1001, ' '), "b.csv", Catalogue(), options); },
                   "b.csv", 0, "", "more than the limit of 1000 bytes");
  options = TestOptions();
  options.max_json_bytes = 100;
  ExpectInputError(
      [&] {
        ParseBatchBytes(ReadFile(TestData("ingest/long_small.json")), "b.json", Catalogue(),
                        options);
      },
      "b.json", 0, "", "send large batches as CSV");
}

TEST(BatchParserTest, ParsesAFiftyMegabyteLongCsv) {
  const std::string path = BuildPath("large-long.csv");
  const char* analytes[] = {"methamphetamine", "amphetamine", "MDMA",    "ketamine",
                            "norketamine",     "morphine",    "codeine", "benzoylecgonine"};
  size_t rows = 0;
  {
    std::ofstream out(path, std::ios::binary);
    out << "batch_id,injection,type,level,site_id,sampling_date,analyte,area,istd_area,"
           "retention_time_min,qualifier_ratio,enrichment_factor,"
           "expected_concentration_ng_per_l\n";
    for (int injection = 1; out.tellp() < 50'000'000; ++injection) {
      for (int a = 0; a < 8; ++a) {
        out << "BIG-1," << injection << ",sample,,MH-" << injection % 7 << ",2026-08-0"
            << 1 + injection % 9 << ',' << analytes[a] << ',' << 1000.25 + injection << ','
            << 150000 + a << ",3.41,0.52,200,\n";
        ++rows;
      }
    }
  }
  const auto start = std::chrono::steady_clock::now();
  const LabBatch batch = ParseBatchFile(path, Catalogue(), TestOptions());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  size_t responses = 0;
  for (const Injection& injection : batch.injections) responses += injection.responses.size();
  EXPECT_EQ(responses, rows);
  EXPECT_EQ(batch.injections.size(), rows / 8);
  std::printf("parsed %zu rows (%.0f MB) in %.2f s\n", rows, std::filesystem::file_size(path) / 1e6,
              seconds);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace wbe
