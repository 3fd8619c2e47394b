#include "pipeline/ingest/csv_reader.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pipeline/ingest/text_util.h"
#include "tests/pipeline/ingest/ingest_test_util.h"

namespace wbe::ingest {
namespace {

using wbe::testing::ExpectInputError;

struct Parsed {
  std::vector<std::vector<std::string>> records;
  std::vector<long> lines;
};

Parsed ReadAll(const std::string& text) {
  CsvReader reader(text, "t.csv");
  CsvRecord record;
  Parsed parsed;
  while (reader.Next(&record)) {
    parsed.records.emplace_back(record.fields.begin(), record.fields.end());
    parsed.lines.push_back(record.line);
  }
  return parsed;
}

using Rows = std::vector<std::vector<std::string>>;

TEST(CsvReaderTest, ReadsQuotedFieldsWithCommasQuotesAndLineBreaks) {
  const Parsed parsed = ReadAll(
      "a,b,c\n"
      "\"3,4-MDMA Results\",\"say \"\"hi\"\"\",\"two\nlines\"\n"
      "\"\",x,\n");
  EXPECT_EQ(
      parsed.records,
      (Rows{{"a", "b", "c"}, {"3,4-MDMA Results", "say \"hi\"", "two\nlines"}, {"", "x", ""}}));
  // The record after a two-line field starts on physical line 4.
  EXPECT_EQ(parsed.lines, (std::vector<long>{1, 2, 4}));
}

TEST(CsvReaderTest, SeveralEscapedQuotesInOneField) {
  EXPECT_EQ(ReadAll("\"\"\"a\"\"b\"\"\"\n").records, (Rows{{"\"a\"b\""}}));
  EXPECT_EQ(ReadAll("\"\"\"\"").records, (Rows{{"\""}}));
}

TEST(CsvReaderTest, AcceptsLfCrLfAndLoneCrAndSkipsBlankLines) {
  const Rows expected = {{"a", "b"}, {"1", "2"}, {"3", "4"}};
  EXPECT_EQ(ReadAll("a,b\n1,2\n3,4\n").records, expected);
  EXPECT_EQ(ReadAll("a,b\r\n1,2\r\n3,4").records, expected);
  EXPECT_EQ(ReadAll("a,b\r1,2\r3,4\r").records, expected);
  const Parsed blank = ReadAll("a,b\n\n1,2\r\n\r\n3,4\n\n");
  EXPECT_EQ(blank.records, expected);
  EXPECT_EQ(blank.lines, (std::vector<long>{1, 3, 5}));
}

TEST(CsvReaderTest, StripsUtf8ByteOrderMarkAndKeepsUtf8Text) {
  const Parsed parsed = ReadAll("\xEF\xBB\xBFsite,name\nMH-A,\xE6\x9C\x9D\xE9\x98\xB3\n");
  EXPECT_EQ(parsed.records, (Rows{{"site", "name"}, {"MH-A", "\xE6\x9C\x9D\xE9\x98\xB3"}}));
}

TEST(CsvReaderTest, InvalidUtf8NamesLineAndColumn) {
  // "朝阳" in GBK is D0 B3 D1 F4: not UTF-8.
  const std::string text = "site_id,area\nMH-A,1\n\xD0\xB3\xD1\xF4,2\n";
  ExpectInputError(
      [&] {
        CsvReader reader(text, "gbk.csv");
        CsvRecord record;
        reader.Next(&record);
        reader.SetColumnLabels({"site_id", "area"});
        while (reader.Next(&record)) {
        }
      },
      "gbk.csv", 3, "site_id (column 1)", "invalid UTF-8");
  // Without labels the column is named by number.
  ExpectInputError([&] { ReadAll("a,b\n1,\xFF\n"); }, "t.csv", 2, "column 2", "GBK");
  // Overlong encodings and surrogates are not UTF-8 either.
  EXPECT_NE(FindInvalidUtf8("\xC0\xAF"), std::string::npos);
  EXPECT_NE(FindInvalidUtf8("\xED\xA0\x80"), std::string::npos);
  EXPECT_NE(FindInvalidUtf8("\xF4\x90\x80\x80"), std::string::npos);
  EXPECT_NE(FindInvalidUtf8("ab\xE6\x9C"), std::string::npos);  // cut short
  EXPECT_EQ(FindInvalidUtf8("\xF0\x9F\x98\x80 \xCE\xBCg/L"), std::string::npos);
}

TEST(CsvReaderTest, RefusesBinaryAndUtf16Early) {
  ExpectInputError([] { ReadAll(std::string("a,b\n1,2\n\x01\x00\x02", 11)); }, "t.csv", 3, "",
                   "not a text file");
  ExpectInputError(
      [] {
        ReadAll(
            std::string("\xFF\xFE"
                        "a\0,\0",
                        6));
      },
      "t.csv", 1, "", "UTF-16");
}

TEST(CsvReaderTest, UnterminatedQuoteIsATruncatedFile) {
  ExpectInputError([] { ReadAll("a,b\n1,\"unfinished\n2,3\n"); }, "t.csv", 2, "column 2",
                   "truncated");
}

TEST(CsvReaderTest, TextAfterClosingQuoteIsAnError) {
  ExpectInputError([] { ReadAll("a,b\n\"x\"y,1\n"); }, "t.csv", 2, "column 1",
                   "after a closing quote");
}

TEST(CsvReaderTest, AllBlankRecordsAreRecognised) {
  CsvReader reader(",, ,\n", "t.csv");
  CsvRecord record;
  ASSERT_TRUE(reader.Next(&record));
  EXPECT_EQ(record.fields.size(), 4u);
  EXPECT_TRUE(record.AllFieldsBlank());
  EXPECT_FALSE(reader.Next(&record));
}

}  // namespace
}  // namespace wbe::ingest
