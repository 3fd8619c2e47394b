#include "calibration/curve/number_text.h"

#include <gtest/gtest.h>

namespace wbe {
namespace {

TEST(NumberTextTest, FourSignificantFiguresWithoutExponentsForEverydayValues) {
  EXPECT_EQ(NumberText(206431.2), "206431");
  EXPECT_EQ(NumberText(160000), "160000");
  EXPECT_EQ(NumberText(0.8674), "0.8674");
  EXPECT_EQ(NumberText(4.110), "4.11");
  EXPECT_EQ(NumberText(25.7333), "25.73");
  EXPECT_EQ(NumberText(-0.1611), "-0.1611");
  EXPECT_EQ(NumberText(1.0), "1");
  EXPECT_EQ(NumberText(0.0), "0");
  EXPECT_EQ(NumberText(3.1e-5), "3.1e-05");
  EXPECT_EQ(NumberText(2.5e12), "2.5e+12");
  EXPECT_EQ(PercentText(80.66), "80.7");
}

}  // namespace
}  // namespace wbe
