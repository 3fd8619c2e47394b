// Every kind of bad input the issue lists, for every format it applies to: each must fail with
// an InputError that names the file, the row (line, or JSON element) and the column.

#include <gtest/gtest.h>

#include "tests/pipeline/ingest/ingest_test_util.h"

namespace wbe {
namespace {

using testing::Catalogue;
using testing::ExpectInputError;
using testing::ReadFile;
using testing::SteroidAnalytes;
using testing::TestData;
using testing::TestOptions;

std::string LongCsv() { return ReadFile(TestData("ingest/long_small.csv")); }
std::string LongJson() { return ReadFile(TestData("ingest/long_small.json")); }
std::string Quantified() { return ReadFile(TestData("ingest/quantified_small.csv")); }
std::string MassHunter() { return ReadFile(TestData("ingest/masshunter_drugs.csv")); }

// Replaces the first `from` on 1-based line `line` with `to`.
std::string Edit(std::string text, int line, const std::string& from, const std::string& to) {
  size_t begin = 0;
  for (int i = 1; i < line; ++i) begin = text.find('\n', begin) + 1;
  const size_t at = text.find(from, begin);
  EXPECT_LT(at, text.find('\n', begin)) << "'" << from << "' not on line " << line;
  return text.replace(at, from.size(), to);
}

// Parses as `file`; auto-detection unless the options say otherwise.
std::function<void()> Parse(const std::string& bytes, const std::string& file,
                            ParseOptions options = TestOptions()) {
  return [=] { ParseBatchBytes(bytes, file, Catalogue(), options); };
}

ParseOptions WithSites() {
  ParseOptions options = TestOptions();
  options.known_sites = {"WWTP-IN", "MH-N", "MH-A"};
  return options;
}

// --- non-numeric and negative areas -------------------------------------------------------

TEST(BadInputTest, NonNumericAreaReadsLikeTheExample) {
  const std::string what = ExpectInputError(Parse(Edit(LongCsv(), 8, "4500", "12a4"), "batch.csv"),
                                            "batch.csv", 8, "area", "'12a4' is not a number");
  EXPECT_EQ(what, "batch.csv:8: area: '12a4' is not a number");
}

TEST(BadInputTest, EveryBadRowOfALongCsvIsReportedAtOnce) {
  std::string bytes = Edit(LongCsv(), 8, "4500", "12a4");
  bytes = Edit(bytes, 9, "150200", "x");
  bytes = Edit(bytes, 11, "120000", "-1");
  try {
    ParseBatchBytes(bytes, "many.csv", Catalogue(), TestOptions());
    FAIL() << "three bad rows parsed";
  } catch (const InputErrorList& e) {
    ASSERT_EQ(e.all().size(), 3u);
    EXPECT_EQ(e.all()[0].row(), 8);
    EXPECT_EQ(e.all()[0].field(), "area");
    EXPECT_EQ(e.all()[1].row(), 9);
    EXPECT_EQ(e.all()[2].row(), 11);
    EXPECT_EQ(e.row(), 8);  // the list reads as its first problem
    EXPECT_NE(std::string(e.what()).find("and 2 more problems"), std::string::npos);
  }
}

TEST(BadInputTest, NegativeOrNonNumericAreasInEveryFormat) {
  ExpectInputError(Parse(Edit(LongCsv(), 8, "4500", "-4500"), "b.csv"), "b.csv", 8, "area",
                   "must be zero or positive, got -4500");
  ExpectInputError(Parse(Edit(LongCsv(), 8, "200500", "2e5x"), "b.csv"), "b.csv", 8, "istd_area",
                   "not a number");
  ExpectInputError(Parse(Edit(LongCsv(), 8, "200500", "nan"), "b.csv"), "b.csv", 8, "istd_area",
                   "not a number");
  ExpectInputError(Parse(Edit(LongCsv(), 8, "200500", "1,000"), "b.csv"), "b.csv", 8, "column 14",
                   "fields");  // an unquoted thousands separator adds a field
  // JSON: the schema catches it and names the element.
  ExpectInputError(Parse(Edit(LongJson(), 11, "\"area\": 4500", "\"area\": -4500"), "b.json"),
                   "b.json", 0, "/rows/6/area", "");
  ExpectInputError(Parse(Edit(LongJson(), 11, "\"area\": 4500", "\"area\": \"12a4\""), "b.json"),
                   "b.json", 0, "/rows/6/area", "expected");
  // MassHunter: named by group and field.
  ExpectInputError(Parse(Edit(MassHunter(), 6, "4500", "45OO"), "mh.csv"), "mh.csv", 6,
                   "Methamphetamine Results/Area (column 8)", "'45OO' is not a number");
  ExpectInputError(Parse(Edit(MassHunter(), 6, "200500", "-200500"), "mh.csv"), "mh.csv", 6,
                   "Methamphetamine-D5 Results/Area (column 16)", "zero or positive");
  // Quantified: concentrations.
  ExpectInputError(Parse(Edit(Quantified(), 3, "45.1", "45,1"), "q.csv"), "q.csv", 3, "column 8",
                   "fields");
  ExpectInputError(Parse(Edit(Quantified(), 3, "45.1", "-45.1"), "q.csv"), "q.csv", 3,
                   "concentration", "zero or positive");
  ExpectInputError(Parse(Edit(Quantified(), 3, "45.1", "high"), "q.csv"), "q.csv", 3,
                   "concentration", "'high' is not a number");
}

// --- truncated files ----------------------------------------------------------------------

TEST(BadInputTest, TruncatedFiles) {
  const std::string csv = LongCsv();
  const std::string cut = csv.substr(0, csv.find("3.4,0.5,200"));  // inside line 12
  ExpectInputError(Parse(cut, "b.csv"), "b.csv", 12, "qualifier_ratio (column 11)", "truncated");
  const std::string quoted = csv.substr(0, csv.find("MH-N\"") + 2);  // inside a quoted cell
  ExpectInputError(Parse(quoted, "b.csv"), "b.csv", 12, "site_id (column 5)", "truncated");

  const std::string mh = MassHunter();
  ExpectInputError(Parse(mh.substr(0, mh.find("8/13/2026 10:13") + 20), "mh.csv"), "mh.csv", 8,
                   "column", "truncated");
  ExpectInputError(Parse(mh.substr(0, mh.find('\n') + 1), "mh.csv"), "mh.csv", 2, "header",
                   "truncated");

  const std::string json = LongJson().substr(0, LongJson().find("\"analyte\": \"BZE\""));
  ExpectInputError(Parse(json, "b.json"), "b.json", 6, "", "not valid JSON");  // ends in line 6

  const std::string q = Quantified();
  ExpectInputError(Parse(q.substr(0, q.size() - 8), "q.csv"), "q.csv", 7, "column", "truncated");
}

// --- wrong or missing header --------------------------------------------------------------

TEST(BadInputTest, WrongOrMissingHeader) {
  const std::string csv = LongCsv();
  ExpectInputError(Parse(Edit(csv, 1, "retention_time_min", "retention_time"), "b.csv"), "b.csv", 1,
                   "column 10",
                   "unknown column 'retention_time' (did you mean "
                   "retention_time_min?)");
  ExpectInputError(Parse(Edit(csv, 1, ",qualifier_ratio", ""), "b.csv"), "b.csv", 1, "header",
                   "missing column(s) qualifier_ratio");
  ExpectInputError(Parse(Edit(csv, 1, "qualifier_ratio", "area"), "b.csv"), "b.csv", 1, "area",
                   "appears twice (columns 8 and 11)");
  // No header at all: the first data row is not a header of any format.
  const std::string headless = csv.substr(csv.find('\n') + 1);
  ExpectInputError(Parse(headless, "b.csv"), "b.csv", 1, "header", "cannot tell the format");
  ParseOptions forced = TestOptions(BatchFormat::kLongCsv);
  ExpectInputError(Parse(headless, "b.csv", forced), "b.csv", 1, "column 1",
                   "unknown column 'LAB1-2026-W32'");

  ExpectInputError(Parse(Edit(Quantified(), 1, ",unit", ""), "q.csv"), "q.csv", 1, "header",
                   "missing column(s) unit");
  ExpectInputError(Parse(Edit(Quantified(), 1, "comment", "remarks"), "q.csv"), "q.csv", 1,
                   "remarks (column 7)", "unknown column");

  ExpectInputError(Parse(Edit(MassHunter(), 2, ",Type,", ",Kind,"), "mh.csv"), "mh.csv", 2,
                   "header", "no 'Type' column");
  // Without "Data File" the "Name" column names the injections.
  const LabBatch named = ParseBatchBytes(Edit(MassHunter(), 2, ",Data File,", ",File,"), "mh.csv",
                                         Catalogue(), TestOptions());
  EXPECT_EQ(named.injections[1].name, "Cal 1");
  ParseOptions mh = TestOptions(BatchFormat::kMassHunter);
  ExpectInputError(Parse(csv, "b.csv", mh), "b.csv", 2, "header", "no 'Data File' or 'Name'");

  ExpectInputError(Parse(R"({"format_version": 1, "batch": "x", "rows": []})", "b.json"), "b.json",
                   0, "/", "");
}

// --- duplicated injections ----------------------------------------------------------------

TEST(BadInputTest, DuplicatedInjections) {
  // Injection 5's rows pasted again at the end.
  const std::string csv = LongCsv();
  const size_t five = csv.find("LAB1-2026-W32,5,");
  const std::string twice = csv + csv.substr(five, csv.find("LAB1-2026-W32,6,") - five);
  ExpectInputError(Parse(twice, "b.csv"), "b.csv", 14, "analyte",
                   "appears twice in injection 5 (first at line 10): duplicated injection?");
  // The same injection number with another type.
  ExpectInputError(Parse(Edit(csv, 6, "LAB1-2026-W32,3,cal,2", "LAB1-2026-W32,2,cal,2"), "b.csv"),
                   "b.csv", 6, "level", "differs from line 4 (injection 2)");
  ExpectInputError(Parse(Edit(LongJson(), 6, "\"BZE\"", "\"methamphetamine\""), "b.json"), "b.json",
                   0, "/rows/1/analyte", "appears twice in injection 1");
  ExpectInputError(Parse(Edit(MassHunter(), 7, "S1.d", "Cal2.d"), "mh.csv"), "mh.csv", 7,
                   "Data File (column 3)", "'Cal2.d' appears twice (first at line 5)");
  ExpectInputError(Parse(Edit(Quantified(), 3, "BZE", "Methamphetamine"), "q.csv"), "q.csv", 3,
                   "analyte", "appears twice (first at line 2)");
}

// --- unknown analyte and unknown site -----------------------------------------------------

TEST(BadInputTest, UnknownAnalyte) {
  ExpectInputError(Parse(Edit(LongCsv(), 4, "methamphetamine", "methamfetamine"), "b.csv"), "b.csv",
                   4, "analyte",
                   "'methamfetamine' is not a catalogue biomarker, alias or method analyte");
  ExpectInputError(Parse(Edit(LongCsv(), 4, "methamphetamine", "Methamphetamine-D5"), "b.csv"),
                   "b.csv", 4, "analyte", "is the internal standard of methamphetamine");
  ExpectInputError(Parse(Edit(LongJson(), 8, "\"BZE\"", "\"Cocaine\""), "b.json"), "b.json", 0,
                   "/rows/3/analyte", "'Cocaine' is not a catalogue biomarker");
  ExpectInputError(Parse(Edit(Quantified(), 6, "Ketamine", "Ketamin3"), "q.csv"), "q.csv", 6,
                   "analyte", "'Ketamin3' is not a catalogue biomarker");
  ExpectInputError(Parse(ReadFile(TestData("masshunter/MH_ext_cal_quant_assay.csv")), "mh.csv"),
                   "mh.csv", 1, "header", "none of the compounds");
  // Two compounds that map to one biomarker.
  ExpectInputError(Parse(Edit(MassHunter(), 1, "Cocaine Results", "BZE Results"), "mh.csv"),
                   "mh.csv", 1, "BZE Results (column 27)", "both map to benzoylecgonine");
}

TEST(BadInputTest, UnknownSite) {
  ExpectInputError(Parse(Edit(LongCsv(), 10, "WWTP-IN", "WWTP-OUT"), "b.csv", WithSites()), "b.csv",
                   10, "site_id", "'WWTP-OUT' is not a known site (known: WWTP-IN, ");
  // Without a site list any site is accepted.
  EXPECT_NO_THROW(Parse(Edit(Edit(LongCsv(), 10, "WWTP-IN", "WWTP-OUT"), 11, "WWTP-IN", "WWTP-OUT"),
                        "b.csv")());
  ExpectInputError(Parse(Edit(LongJson(), 15, "\"MH-N\"", "\"MH-Z\""), "b.json", WithSites()),
                   "b.json", 0, "/rows/10/site_id", "'MH-Z' is not a known site");
  ExpectInputError(Parse(Edit(Quantified(), 5, "MH-N", "MH-Q"), "q.csv", WithSites()), "q.csv", 5,
                   "site_id", "'MH-Q' is not a known site");
  ExpectInputError(Parse(Edit(MassHunter(), 7, "WWTP-IN_", "WWTP-X_"), "mh.csv", WithSites()),
                   "mh.csv", 7, "Name (column 2)", "the site 'WWTP-X' in the sample name");
  // A site on a blank is a mistake too.
  ExpectInputError(Parse(Edit(LongCsv(), 2, ",,,2026", ",,MH-A,2026"), "b.csv"), "b.csv", 2,
                   "site_id", "must be empty for a blank");
}

// --- sampling dates ------------------------------------------------------------------------

TEST(BadInputTest, SamplingDateInTheFutureOrUnparseable) {
  ExpectInputError(Parse(Edit(LongCsv(), 10, "2026-08-03", "2026-12-03"), "b.csv"), "b.csv", 10,
                   "sampling_date", "2026-12-03 is in the future (today is 2026-11-29)");
  ExpectInputError(Parse(Edit(LongCsv(), 10, "2026-08-03", "03/08/2026"), "b.csv"), "b.csv", 10,
                   "sampling_date", "'03/08/2026' is not a date in YYYY-MM-DD form");
  ExpectInputError(Parse(Edit(LongCsv(), 10, "2026-08-03", "2026-02-30"), "b.csv"), "b.csv", 10,
                   "sampling_date", "not a date");
  ExpectInputError(Parse(Edit(LongJson(), 15, "2026-08-04", "2027-08-04"), "b.json"), "b.json", 0,
                   "/rows/10/sampling_date", "in the future");
  ExpectInputError(Parse(Edit(LongJson(), 15, "2026-08-04", "2026-8-4"), "b.json"), "b.json", 0,
                   "/rows/10/sampling_date", "");
  ExpectInputError(Parse(Edit(Quantified(), 7, "2026-08-04", "2030-01-01"), "q.csv"), "q.csv", 7,
                   "sampling_date", "in the future");
  ExpectInputError(Parse(Edit(Quantified(), 7, "2026-08-04", "yesterday"), "q.csv"), "q.csv", 7,
                   "sampling_date", "'yesterday' is not a date");
  ExpectInputError(Parse(Edit(MassHunter(), 7, "2026-08-03", "2026-12-24"), "mh.csv"), "mh.csv", 7,
                   "Name (column 2)", "is in the future");
  ExpectInputError(Parse(Edit(MassHunter(), 8, "20260804", "20261304"), "mh.csv"), "mh.csv", 8,
                   "Name (column 2)", "not a valid sampling date");
}

// --- mixed units --------------------------------------------------------------------------

TEST(BadInputTest, MixedUnits) {
  ExpectInputError(Parse(Edit(Quantified(), 6, "ng/L", "ug/L"), "q.csv"), "q.csv", 6, "unit",
                   "'ug/L' differs from 'ng/L' of line 2; a file must use one unit (mixed units)");
  ExpectInputError(Parse(Edit(Quantified(), 2, "ng/L", "mg/kg"), "q.csv"), "q.csv", 2, "unit",
                   "not an accepted unit");
  // The same unit written differently is not mixed.
  EXPECT_NO_THROW(Parse(Edit(Quantified(), 6, "ng/L", "ng/l"), "q.csv")());
  // The long format has its units in its column names; a unit column is an unknown column.
  ExpectInputError(
      Parse(Edit(Edit(LongCsv(), 1, "_ng_per_l", "_ng_per_l,unit"), 2, ",0\n", ",0,ng/L\n"),
            "b.csv"),
      "b.csv", 1, "unit (column 14)", "unknown column 'unit'");
}

// --- empty files --------------------------------------------------------------------------

TEST(BadInputTest, EmptyFiles) {
  ExpectInputError(Parse("", "e.csv"), "e.csv", 1, "header", "empty");
  ExpectInputError(Parse("\xEF\xBB\xBF\r\n\r\n", "e.csv"), "e.csv", 1, "header", "empty");
  for (const BatchFormat format : {BatchFormat::kMassHunter, BatchFormat::kLongCsv,
                                   BatchFormat::kQuantified, BatchFormat::kJson}) {
    SCOPED_TRACE(BatchFormatName(format));
    ExpectInputError(Parse("\n\n", "e.csv", TestOptions(format)), "e.csv", 1,
                     format == BatchFormat::kJson ? "/" : "header", "empty");
  }
  const std::string csv = LongCsv();
  ExpectInputError(Parse(csv.substr(0, csv.find('\n') + 1), "h.csv"), "h.csv", 1, "",
                   "holds no rows, only the header");
  const std::string q = Quantified();
  ExpectInputError(Parse(q.substr(0, q.find('\n') + 1) + ",,,,,,\n", "h.csv"), "h.csv", 2, "",
                   "holds no results");
  ExpectInputError(Parse(R"({"format_version": 1, "batch_id": "B", "rows": []})", "e.json"),
                   "e.json", 0, "/rows", "");
}

// --- binary garbage and non-UTF-8 text ----------------------------------------------------

TEST(BadInputTest, BinaryGarbage) {
  std::string png = "\x89PNG\r\n\x1A\n";
  png += std::string("\0\0\0\rIHDR", 8);
  ExpectInputError(Parse(png, "plot.csv"), "plot.csv", 3, "", "not a text file");
  std::string noise;
  for (int i = 0; i < 4096; ++i) noise += static_cast<char>((i * 7919 + 13) % 251 + 1);
  const std::string what = ExpectInputError(Parse(noise, "noise.csv"), "noise.csv", 1, "", "");
  EXPECT_TRUE(what.find("UTF-8") != std::string::npos ||
              what.find("cannot tell the format") != std::string::npos)
      << what;
  ExpectInputError(Parse(std::string("{\"a\":\0}", 7), "b.json"), "b.json", 1, "",
                   "not a text file");
}

TEST(BadInputTest, NonUtf8Text) {
  // A site name in GBK (朝阳 = D0 B3 D1 F4), as a Chinese-locale Excel saves "CSV".
  ExpectInputError(Parse(Edit(LongCsv(), 10, "WWTP-IN", "\xD0\xB3\xD1\xF4"), "b.csv"), "b.csv", 10,
                   "site_id (column 5)", "invalid UTF-8");
  ExpectInputError(Parse(Edit(Quantified(), 4, "not detected", "\xE9t\xE9"), "q.csv"), "q.csv", 4,
                   "comment (column 7)", "invalid UTF-8");
  ExpectInputError(Parse(Edit(MassHunter(), 6, "QC Low", "QC \xB5"), "mh.csv"), "mh.csv", 6,
                   "Name (column 2)", "invalid UTF-8");
  ExpectInputError(Parse(Edit(LongJson(), 5, "\"blank\"", "\"bl\xE4nk\""), "b.json"), "b.json", 5,
                   "", "not valid JSON");
  ExpectInputError(Parse(std::string("\xFF\xFE") + std::string("b\0a\0", 4), "u16.csv"), "u16.csv",
                   1, "", "UTF-16");
}

// --- per-type rules of the long format ----------------------------------------------------

TEST(BadInputTest, LongFormatTypeRules) {
  const std::string csv = LongCsv();
  ExpectInputError(Parse(Edit(csv, 4, "cal,1,", "cal,,"), "b.csv"), "b.csv", 4, "level",
                   "a cal needs its level");
  ExpectInputError(Parse(Edit(csv, 4, "cal,1,", "calibration,1,"), "b.csv"), "b.csv", 4, "type",
                   "not one of blank, cal, qc, sample");
  ExpectInputError(Parse(Edit(csv, 10, ",WWTP-IN,", ",,"), "b.csv"), "b.csv", 10, "site_id",
                   "a sample needs its site");
  ExpectInputError(Parse(Edit(csv, 4, "3.41,0.52", ",0.52"), "b.csv"), "b.csv", 4,
                   "retention_time_min", "is empty but area is not 0");
  ExpectInputError(Parse(Edit(csv, 13, ",,,200,", ",4.0,,200,"), "b.csv"), "b.csv", 13,
                   "retention_time_min", "must be empty when area is 0");
  ExpectInputError(Parse(Edit(csv, 10, ",200,", ",200,5"), "b.csv"), "b.csv", 10,
                   "expected_concentration_ng_per_l", "must be empty for a sample");
  ExpectInputError(Parse(Edit(csv, 2, ",1,0", ",1,5"), "b.csv"), "b.csv", 2,
                   "expected_concentration_ng_per_l", "must be 0 for a blank");
  ExpectInputError(Parse(Edit(csv, 11, ",200,", ",100,"), "b.csv"), "b.csv", 11,
                   "enrichment_factor", "differs from line 10 (injection 5)");
  ExpectInputError(Parse(Edit(csv, 3, "LAB1-2026-W32", "LAB2"), "b.csv"), "b.csv", 3, "batch_id",
                   "differs from 'LAB1-2026-W32'");
  ExpectInputError(Parse(Edit(csv, 2, ",1,blank", ",1.5,blank"), "b.csv"), "b.csv", 2, "injection",
                   "'1.5' is not a whole number");
}

TEST(BadInputTest, MassHunterTypeAndMarkers) {
  ExpectInputError(Parse(Edit(MassHunter(), 4, ",Cal,", ",Calibrant,"), "mh.csv"), "mh.csv", 4,
                   "Type (column 4)", "'Calibrant' is not a MassHunter sample type");
  ExpectInputError(Parse(Edit(MassHunter(), 4, ",Cal,", ",,"), "mh.csv"), "mh.csv", 4,
                   "Type (column 4)", "is empty");
  ExpectInputError(Parse(MassHunter() + "!,x,x.d,Sample,,,1,2,3\n", "mh.csv"), "mh.csv", 10,
                   "column 10", "9 fields, the header has 28: the file seems truncated");
}

}  // namespace
}  // namespace wbe
