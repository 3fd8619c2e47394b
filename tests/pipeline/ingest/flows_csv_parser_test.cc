#include "pipeline/ingest/flows_csv_parser.h"

#include <cmath>

#include <gtest/gtest.h>

#include "models/core/input_error.h"

namespace wbe {
namespace {

std::string ErrorOf(const std::string& text, const std::vector<std::string>& sites = {}) {
  try {
    ParseFlowsCsv(text, "flows.csv", sites);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(FlowsCsvParserTest, ReadsRowsWithOptionalColumns) {
  const std::vector<FlowRecord> flows = ParseFlowsCsv(
      "\xEF\xBB\xBFsite_id,date,flow_m3_per_day,rain_mm,cod_mg_per_l,nh4_n_mg_per_l\r\n"
      "WWTP-IN,2026-08-03,512000.5,0,,\r\n"
      "MH-A,2026-08-03,11000,12.5,410,38\r\n",
      "flows.csv");
  ASSERT_EQ(flows.size(), 2u);
  EXPECT_EQ(flows[0].site_id, "WWTP-IN");
  EXPECT_EQ(flows[0].day, DayFromCivil(2026, 8, 3));
  EXPECT_DOUBLE_EQ(flows[0].flow_m3_per_day, 512000.5);
  EXPECT_TRUE(std::isnan(flows[0].cod_mg_per_l));
  EXPECT_DOUBLE_EQ(flows[1].rain_mm, 12.5);
  EXPECT_DOUBLE_EQ(flows[1].nh4_n_mg_per_l, 38.0);
}

TEST(FlowsCsvParserTest, BadRowsNameFileLineAndColumn) {
  const std::string header = "site_id,date,flow_m3_per_day\n";
  EXPECT_EQ(ErrorOf(""), "flows.csv:1: the file is empty");
  EXPECT_EQ(ErrorOf("site,date\nA,2026-01-01\n"),
            "flows.csv:1: site_id: required column is missing");
  EXPECT_EQ(ErrorOf(header + "A,2026-01-01,12x\n"),
            "flows.csv:2: flow_m3_per_day: '12x' is not a number");
  EXPECT_NE(ErrorOf(header + "A,2026-02-30,10\n").find("flows.csv:2: date:"), std::string::npos);
  EXPECT_NE(ErrorOf(header + "A,2026-01-01,0\n").find("must be positive"), std::string::npos);
  EXPECT_NE(ErrorOf(header + "A,2026-01-01,-3\n").find("must not be negative"), std::string::npos);
  EXPECT_NE(ErrorOf(header + "A,2026-01-01,10\nA,2026-01-01,11\n").find("flows.csv:3: date:"),
            std::string::npos);
  EXPECT_NE(ErrorOf(header + "B,2026-01-01,10\n", {"A"}).find("unknown site 'B'"),
            std::string::npos);
}

}  // namespace
}  // namespace wbe
