#include "pipeline/ingest/candidate_sites_parser.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/core/input_error.h"

namespace wbe {
namespace {

using ::testing::HasSubstr;

InputError CsvRefusal(const std::string& text) {
  try {
    ParseCandidateSitesCsv(text, "cands.csv");
  } catch (const InputError& e) {
    return e;
  }
  ADD_FAILURE() << "accepted:\n" << text;
  return InputError("none");
}

InputError JsonRefusal(const std::string& text) {
  try {
    ParseCandidateSitesJson(text, "cands.json");
  } catch (const InputError& e) {
    return e;
  }
  ADD_FAILURE() << "accepted:\n" << text;
  return InputError("none");
}

TEST(CandidateSitesParserTest, ReadsCsvWithQuotedNamesAndAnyColumnOrder) {
  const std::vector<CandidateSite> candidates = ParseCandidateSitesCsv(
      "\xEF\xBB\xBFnode, id ,name,note\r\n"
      "j_south,C1,\"south trunk, by the park\",x\r\n"
      "\r\n"
      "out_D,C2,,\r\n"
      ",,,\r\n"
      "out_H,C3,H街道检查井,\r\n",
      "cands.csv");
  ASSERT_EQ(candidates.size(), 3u);
  EXPECT_EQ(candidates[0].id, "C1");
  EXPECT_EQ(candidates[0].node, "j_south");
  EXPECT_EQ(candidates[0].name, "south trunk, by the park");
  EXPECT_EQ(candidates[0].origin, "cands.csv");
  EXPECT_EQ(candidates[0].row, 2);
  EXPECT_EQ(candidates[1].name, "");
  EXPECT_EQ(candidates[1].row, 4);
  EXPECT_EQ(candidates[2].name, "H街道检查井");
  EXPECT_EQ(candidates[2].row, 6);
}

TEST(CandidateSitesParserTest, ReadsAJsonArray) {
  const std::vector<CandidateSite> candidates = ParseCandidateSitesJson(
      R"([{"id": "C1", "node": "j_south", "name": "south"}, {"id": "C2", "node": "out_D"},
          {"id": "C3", "node": "out_H", "name": null}])",
      "cands.json");
  ASSERT_EQ(candidates.size(), 3u);
  EXPECT_EQ(candidates[0].name, "south");
  EXPECT_EQ(candidates[1].row, 2);
  EXPECT_EQ(candidates[2].id, "C3");
  EXPECT_EQ(candidates[2].name, "");
}

TEST(CandidateSitesParserTest, CsvProblemsNameTheFileRowAndField) {
  {
    const InputError e = CsvRefusal("id,name\nC1,x\n");
    EXPECT_EQ(e.file(), "cands.csv");
    EXPECT_EQ(e.row(), 1);
    EXPECT_EQ(e.field(), "node");
  }
  {
    const InputError e = CsvRefusal("id,node\nC1,j_south\nC2,\n");
    EXPECT_EQ(e.row(), 3);
    EXPECT_EQ(e.field(), "node");
    EXPECT_THAT(e.what(), HasSubstr("cands.csv:3"));
  }
  {
    const InputError e = CsvRefusal("id,node\nC1,j_south\nC2,out_D\nC1,out_H\n");
    EXPECT_EQ(e.row(), 4);
    EXPECT_EQ(e.field(), "id");
    EXPECT_THAT(e.what(), HasSubstr("listed twice (first on row 2)"));
  }
  {
    const InputError e = CsvRefusal("id,node\nC 1,j_south\n");
    EXPECT_EQ(e.row(), 2);
    EXPECT_EQ(e.field(), "id");
    EXPECT_THAT(e.what(), HasSubstr("not a site id"));
  }
  EXPECT_THAT(CsvRefusal("").what(), HasSubstr("empty"));
  EXPECT_THAT(CsvRefusal("id,node\n").what(), HasSubstr("no candidate sites"));
  EXPECT_EQ(CsvRefusal("id,node,id\nC1,x,y\n").field(), "id");
  EXPECT_THAT(CsvRefusal("id,node\nC1,\"j_south\n").what(), HasSubstr("cands.csv"));
  // Every bad row at once.
  const InputError many = CsvRefusal("id,node\n,a\nC2,\nC3,b\n");
  EXPECT_THAT(many.what(), HasSubstr("and 1 more"));
}

TEST(CandidateSitesParserTest, JsonProblemsNameTheFileRowAndPointer) {
  {
    const InputError e = JsonRefusal(R"([{"id": "C1", "node": "a"}, {"id": "C2"}])");
    EXPECT_EQ(e.file(), "cands.json");
    EXPECT_EQ(e.row(), 2);
    EXPECT_EQ(e.field(), "/1/node");
  }
  {
    const InputError e = JsonRefusal(R"([{"id": "C1", "node": 3}])");
    EXPECT_EQ(e.field(), "/0/node");
    EXPECT_THAT(e.what(), HasSubstr("string"));
  }
  {
    const InputError e = JsonRefusal(R"([{"id": "C1", "node": "a", "nodes": "b"}])");
    EXPECT_EQ(e.field(), "/0/nodes");
  }
  {
    const InputError e = JsonRefusal(R"([{"id": "C1", "node": "a"}, {"id": "C1", "node": "b"}])");
    EXPECT_EQ(e.row(), 2);
    EXPECT_EQ(e.field(), "/1/id");
  }
  EXPECT_THAT(JsonRefusal(R"({"id": "C1"})").what(), HasSubstr("array"));
  EXPECT_THAT(JsonRefusal("[").what(), HasSubstr("not valid JSON"));
  EXPECT_THAT(JsonRefusal("[]").what(), HasSubstr("no candidate sites"));
  EXPECT_EQ(JsonRefusal(R"([7])").field(), "/0");
}

TEST(CandidateSitesParserTest, LoadPicksTheFormatFromTheFile) {
  const std::string dir = std::string(WBE_TEST_DATA_DIR) + "/advise-sites/";
  const std::vector<CandidateSite> csv = LoadCandidateSitesFile(dir + "candidates.csv");
  EXPECT_EQ(csv.size(), 14u);
  EXPECT_EQ(csv[0].id, "C-NORTH");
  EXPECT_EQ(csv[0].name, "north trunk junction (sees A, B, C)");
  EXPECT_EQ(csv[0].origin, dir + "candidates.csv");
  const std::vector<CandidateSite> json = LoadCandidateSitesFile(dir + "candidates.json");
  ASSERT_EQ(json.size(), 3u);
  EXPECT_EQ(json[1].node, "out_D");
  try {
    LoadCandidateSitesFile(dir + "no-such-file.csv");
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no-such-file.csv"));
  }
}

}  // namespace
}  // namespace wbe
