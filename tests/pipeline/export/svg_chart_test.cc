#include "pipeline/export/svg_chart.h"

#include <cctype>
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/pipeline/export/markup_text.h"

namespace wbe {
namespace {

using wbe::testing::CountOf;
using wbe::testing::HasWord;

TEST(LogAxisTicks, StepsOneTwoFivePerDecade) {
  EXPECT_EQ(LogAxisTicks(3, 700), (std::vector<double>{5, 10, 20, 50, 100, 200, 500}));
}

TEST(LogAxisTicks, ThinsWideRangesToDecades) {
  EXPECT_EQ(LogAxisTicks(0.5, 20000), (std::vector<double>{1, 10, 100, 1000, 10000}));
}

TEST(LogAxisTicks, RefinesNarrowRanges) {
  const std::vector<double> ticks = LogAxisTicks(42, 61);
  ASSERT_GE(ticks.size(), 2u);
  for (double t : ticks) {
    EXPECT_GE(t, 42);
    EXPECT_LE(t, 61);
  }
}

TEST(LogAxisTicks, EmptyForRangesALogAxisCannotShow) {
  EXPECT_TRUE(LogAxisTicks(0, 10).empty());
  EXPECT_TRUE(LogAxisTicks(-1, 10).empty());
  EXPECT_TRUE(LogAxisTicks(10, 5).empty());
}

TEST(FormatShortNumber, KeepsThreeSignificantDigits) {
  EXPECT_EQ(FormatShortNumber(0.0), "0");
  EXPECT_EQ(FormatShortNumber(0.012345), "0.0123");
  EXPECT_EQ(FormatShortNumber(4.5), "4.5");
  EXPECT_EQ(FormatShortNumber(78.94), "78.9");
  EXPECT_EQ(FormatShortNumber(1234.5), "1234");
  EXPECT_EQ(FormatShortNumber(-25.3047), "-25.3");
  EXPECT_EQ(FormatShortNumber(200.0), "200");
  EXPECT_EQ(FormatShortNumber(std::nan("")), "–");
}

TEST(EscapeMarkup, EscapesEveryMarkupCharacter) {
  EXPECT_EQ(EscapeMarkup("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(EscapeMarkup("依托咪酯"), "依托咪酯");
}

TEST(SvgLogChart, SplitsShapesAtValuesItCannotDraw) {
  SvgLogChart chart(400, 200, 0, 10, 1, 100);
  chart.AddBand({{0, 1, 2}, {1, 2, 3}, {2, 0, 3}, {3, 2, 4}, {4, 2, 5}}, "band");
  chart.AddLine({{0, 5}, {1, -1}, {2, 6}, {3, 7}}, "line");
  chart.AddDots({{0, 5}, {1, 0}, {2, std::nan("")}}, 2, "dot");
  const std::string svg = chart.Render();
  EXPECT_EQ(CountOf(svg, "<polygon class=\"band\""), 2);
  EXPECT_EQ(CountOf(svg, "<polyline class=\"line\""), 2);  // {0} alone, then {2,3}
  EXPECT_EQ(CountOf(svg, "<circle class=\"dot\""), 1);
  EXPECT_FALSE(HasWord(svg, "nan"));
}

TEST(SvgLogChart, PlacesValuesOnALogScale) {
  // Plot area: y from 12 (top) to 200 - 34 = 166 (bottom); 10 is halfway between 1 and 100.
  SvgLogChart chart(400, 200, 0, 10, 1, 100);
  chart.AddHorizontalRule(10, "mid");
  const std::string svg = chart.Render();
  EXPECT_NE(svg.find("class=\"mid\" x1=\"72.0\" x2=\"384.0\" y1=\"89.0\" y2=\"89.0\""),
            std::string::npos)
      << svg;
}

TEST(SvgLogChart, LabelsAxesInBothLanguagesEscaped) {
  SvgLogChart chart(400, 200, 0, 14, 1, 100);
  chart.SetYLabel({"毫克/天", "mg/day <log>"});
  chart.SetXTicks({{7, "10-12"}, {30, "outside"}});
  const std::string svg = chart.Render();
  EXPECT_NE(svg.find(">毫克/天</text>"), std::string::npos);
  EXPECT_NE(svg.find(">mg/day &lt;log&gt;</text>"), std::string::npos);
  EXPECT_NE(svg.find(">10-12</text>"), std::string::npos);
  EXPECT_EQ(svg.find("outside"), std::string::npos);
  EXPECT_NE(svg.find(">100</text>"), std::string::npos);
}

}  // namespace
}  // namespace wbe
