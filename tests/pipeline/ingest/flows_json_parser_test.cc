#include "pipeline/ingest/flows_json_parser.h"

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/core/input_error.h"
#include "pipeline/ingest/flows_csv_parser.h"
#include "pipeline/jobs/ingest_job.h"

namespace wbe {
namespace {

// The InputError ParseFlowsJson throws for `text`, or a failure when it throws none.
InputError ErrorOf(const std::string& text, const std::vector<std::string>& sites = {}) {
  try {
    ParseFlowsJson(text, "flows.json", sites);
  } catch (const InputError& e) {
    return e;
  }
  ADD_FAILURE() << "no InputError for " << text;
  return InputError("flows.json", -1, "-", "none");
}

// Expects an InputError naming flows.json, `row`, the JSON pointer `pointer` and a message
// containing `text`.
void ExpectError(const std::string& json, long row, const std::string& pointer,
                 const std::string& text, const std::vector<std::string>& sites = {}) {
  const InputError e = ErrorOf(json, sites);
  EXPECT_EQ(e.file(), "flows.json") << e.what();
  EXPECT_EQ(e.row(), row) << e.what();
  EXPECT_EQ(e.field(), pointer) << e.what();
  EXPECT_NE(e.message().find(text), std::string::npos)
      << "message lacks '" << text << "': " << e.what();
}

// Every field of every record, NaN compared as NaN, doubles bit-exact.
void ExpectSameFlows(const std::vector<FlowRecord>& a, const std::vector<FlowRecord>& b) {
  ASSERT_EQ(a.size(), b.size());
  const auto same = [](double x, double y) { return (std::isnan(x) && std::isnan(y)) || x == y; };
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE("record " + std::to_string(i));
    EXPECT_EQ(a[i].site_id, b[i].site_id);
    EXPECT_EQ(a[i].day, b[i].day);
    EXPECT_TRUE(same(a[i].flow_m3_per_day, b[i].flow_m3_per_day));
    EXPECT_TRUE(same(a[i].rain_mm, b[i].rain_mm));
    EXPECT_TRUE(same(a[i].cod_mg_per_l, b[i].cod_mg_per_l)) << a[i].cod_mg_per_l;
    EXPECT_TRUE(same(a[i].nh4_n_mg_per_l, b[i].nh4_n_mg_per_l)) << a[i].nh4_n_mg_per_l;
  }
}

TEST(FlowsJsonParserTest, ReadsEveryMember) {
  const std::vector<FlowRecord> flows = ParseFlowsJson(
      R"({"flows": [
          {"site_id": "WWTP-IN", "date": "2026-08-03", "flow_m3_per_day": 512000.5,
           "rain_mm": 3.5, "cod_mg_per_l": 410, "nh4_n_mg_per_l": 38.25},
          {"site_id": "MH-A", "date": "2026-08-04", "flow_m3_per_day": 11000}
        ]})",
      "flows.json", {"WWTP-IN", "MH-A"});
  ASSERT_EQ(flows.size(), 2u);
  EXPECT_EQ(flows[0].site_id, "WWTP-IN");
  EXPECT_EQ(flows[0].day, DayFromCivil(2026, 8, 3));
  EXPECT_DOUBLE_EQ(flows[0].flow_m3_per_day, 512000.5);
  EXPECT_DOUBLE_EQ(flows[0].rain_mm, 3.5);
  EXPECT_DOUBLE_EQ(flows[0].cod_mg_per_l, 410.0);
  EXPECT_DOUBLE_EQ(flows[0].nh4_n_mg_per_l, 38.25);
  EXPECT_EQ(flows[1].site_id, "MH-A");
  EXPECT_EQ(flows[1].day, DayFromCivil(2026, 8, 4));
  EXPECT_DOUBLE_EQ(flows[1].flow_m3_per_day, 11000.0);
  // Absent optional members: no rain, hydrochemistry unknown.
  EXPECT_EQ(flows[1].rain_mm, 0.0);
  EXPECT_TRUE(std::isnan(flows[1].cod_mg_per_l));
  EXPECT_TRUE(std::isnan(flows[1].nh4_n_mg_per_l));
}

TEST(FlowsJsonParserTest, NullOptionalMembersAreMissing) {
  const std::vector<FlowRecord> flows = ParseFlowsJson(
      R"({"flows": [{"site_id": "A", "date": "2026-08-03", "flow_m3_per_day": 10,
                     "rain_mm": null, "cod_mg_per_l": null, "nh4_n_mg_per_l": null}]})",
      "flows.json");
  ASSERT_EQ(flows.size(), 1u);
  EXPECT_EQ(flows[0].rain_mm, 0.0);
  EXPECT_TRUE(std::isnan(flows[0].cod_mg_per_l));
  EXPECT_TRUE(std::isnan(flows[0].nh4_n_mg_per_l));
}

TEST(FlowsJsonParserTest, EmptyFlowsArrayGivesNoRecords) {
  EXPECT_TRUE(ParseFlowsJson(R"({"flows": []})", "flows.json").empty());
}

TEST(FlowsJsonParserTest, DocumentErrorsNameThePointer) {
  ExpectError("{\"flows\": [", 0, "", "not valid JSON");
  ExpectError("site_id,date\nA,2026-08-03\n", 0, "", "not valid JSON");
  ExpectError("", 0, "", "not valid JSON");
  ExpectError(R"({"flow": []})", 0, "/flows", "\"flows\" array");
  ExpectError(R"({"flows": {"site_id": "A"}})", 0, "/flows", "\"flows\" array");
  ExpectError(R"([{"site_id": "A", "date": "2026-08-03", "flow_m3_per_day": 1}])", 0, "/flows",
              "\"flows\" array");
}

TEST(FlowsJsonParserTest, EntryErrorsNameRowAndPointer) {
  const std::string good = R"({"site_id": "A", "date": "2026-08-03", "flow_m3_per_day": 10})";
  const auto doc = [&](const std::string& second) {
    return "{\"flows\": [" + good + ", " + second + "]}";
  };
  ExpectError(doc("17"), 2, "/flows/1", "expected an object");
  ExpectError(doc(R"({"date": "2026-08-04", "flow_m3_per_day": 10})"), 2, "/flows/1/site_id",
              "non-empty string");
  ExpectError(doc(R"({"site_id": "", "date": "2026-08-04", "flow_m3_per_day": 10})"), 2,
              "/flows/1/site_id", "non-empty string");
  ExpectError(doc(R"({"site_id": 4, "date": "2026-08-04", "flow_m3_per_day": 10})"), 2,
              "/flows/1/site_id", "non-empty string");
  ExpectError(doc(R"({"site_id": "A", "date": "2026-02-30", "flow_m3_per_day": 10})"), 2,
              "/flows/1/date", "YYYY-MM-DD");
  ExpectError(doc(R"({"site_id": "A", "date": "04/08/2026", "flow_m3_per_day": 10})"), 2,
              "/flows/1/date", "YYYY-MM-DD");
  ExpectError(doc(R"({"site_id": "A", "flow_m3_per_day": 10})"), 2, "/flows/1/date",
              "non-empty string");
  ExpectError(doc(R"({"site_id": "A", "date": "2026-08-04"})"), 2, "/flows/1/flow_m3_per_day",
              "is required");
  ExpectError(doc(R"({"site_id": "A", "date": "2026-08-04", "flow_m3_per_day": null})"), 2,
              "/flows/1/flow_m3_per_day", "is required");
  ExpectError(doc(R"({"site_id": "A", "date": "2026-08-04", "flow_m3_per_day": "10"})"), 2,
              "/flows/1/flow_m3_per_day", "must be a number");
  ExpectError(doc(R"({"site_id": "A", "date": "2026-08-04", "flow_m3_per_day": -3})"), 2,
              "/flows/1/flow_m3_per_day", "must not be negative");
  ExpectError(doc(R"({"site_id": "A", "date": "2026-08-04", "flow_m3_per_day": 0})"), 2,
              "/flows/1/flow_m3_per_day", "must be positive");
  ExpectError(
      doc(R"({"site_id": "A", "date": "2026-08-04", "flow_m3_per_day": 1, "rain_mm": -0.5})"), 2,
      "/flows/1/rain_mm", "must not be negative");
  ExpectError(
      doc(R"({"site_id": "A", "date": "2026-08-04", "flow_m3_per_day": 1, "cod_mg_per_l": true})"),
      2, "/flows/1/cod_mg_per_l", "must be a number");
  // The same site-day twice: the second one is named.
  ExpectError(doc(R"({"site_id": "A", "date": "2026-08-03", "flow_m3_per_day": 11})"), 2,
              "/flows/1/date", "two flows for 2026-08-03");
  // A site the city does not have.
  ExpectError(doc(R"({"site_id": "B", "date": "2026-08-03", "flow_m3_per_day": 11})"), 2,
              "/flows/1/site_id", "unknown site 'B'", {"A"});
  // The first entry is row 1.
  ExpectError(R"({"flows": [{"site_id": "A", "date": "2026-13-01", "flow_m3_per_day": 1}]})", 1,
              "/flows/0/date", "YYYY-MM-DD");
}

TEST(FlowsJsonParserTest, WhatNamesFileRowAndPointer) {
  const InputError e =
      ErrorOf(R"({"flows": [{"site_id": "A", "date": "2026-08-03", "flow_m3_per_day": -1}]})");
  const std::string what = e.what();
  EXPECT_NE(what.find("flows.json"), std::string::npos) << what;
  EXPECT_NE(what.find(":1"), std::string::npos) << what;
  EXPECT_NE(what.find("/flows/0/flow_m3_per_day"), std::string::npos) << what;
}

TEST(FlowsJsonParserTest, CsvAndJsonUploadsGiveTheSameRecords) {
  const std::string csv =
      "site_id,date,flow_m3_per_day,rain_mm,cod_mg_per_l,nh4_n_mg_per_l\n"
      "WWTP-IN,2026-08-03,512000.5,0,,\n"
      "MH-A,2026-08-03,11000,12.5,410,38\n"
      "MH-A,2026-08-04,10500.25,,395.5,\n";
  const std::string json = R"({"flows": [
      {"site_id": "WWTP-IN", "date": "2026-08-03", "flow_m3_per_day": 512000.5, "rain_mm": 0},
      {"site_id": "MH-A", "date": "2026-08-03", "flow_m3_per_day": 11000, "rain_mm": 12.5,
       "cod_mg_per_l": 410, "nh4_n_mg_per_l": 38},
      {"site_id": "MH-A", "date": "2026-08-04", "flow_m3_per_day": 10500.25, "rain_mm": null,
       "cod_mg_per_l": 395.5}]})";
  const std::vector<std::string> sites = {"WWTP-IN", "MH-A"};
  const std::vector<FlowRecord> from_csv = ParseFlowsUpload(csv, "flows_csv", "f.csv", sites);
  const std::vector<FlowRecord> from_json = ParseFlowsUpload(json, "flows_json", "f.json", sites);
  ASSERT_EQ(from_csv.size(), 3u);
  ExpectSameFlows(from_csv, from_json);
  ExpectSameFlows(from_json, ParseFlowsJson(json, "f.json", sites));
  ExpectSameFlows(from_csv, ParseFlowsCsv(csv, "f.csv", sites));
}

TEST(FlowsJsonParserTest, UnknownUploadFormatIsRefused) {
  try {
    ParseFlowsUpload(R"({"flows": []})", "flows_xml", "f.xml", {});
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "format");
    EXPECT_NE(e.message().find("flows_xml"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace wbe
