#include "services/core/text/simhash.h"

#include <gtest/gtest.h>

namespace newsflow::text {
namespace {

constexpr const char* kText =
    "The port authority said on Wednesday that container volumes rose for a third month in a "
    "row, helped by strong demand for electronics and a recovery in car exports. Officials "
    "expect the trend to continue into the spring as new shipping routes open.";

TEST(SimHashTest, StableAndIgnoresCasePunctuationAndSpacing) {
  uint64_t base = SimHash(kText);
  EXPECT_NE(base, 0u);
  EXPECT_EQ(SimHash(kText), base);
  std::string shouted(kText);
  for (char& c : shouted) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(SimHash(shouted), base);
  std::string respaced(kText);
  respaced.replace(respaced.find("said on"), 7, "said,  on");
  EXPECT_EQ(SimHash(respaced), base);
}

TEST(SimHashTest, SmallEditIsCloseUnrelatedTextIsFar) {
  std::string edited(kText);
  edited.replace(edited.find("third"), 5, "fourth");
  EXPECT_LE(HammingDistance(SimHash(kText), SimHash(edited)), 10);
  EXPECT_GT(HammingDistance(SimHash(kText),
                            SimHash("Heavy rain flooded several streets in the old town overnight "
                                    "and firefighters pumped water out of dozens of basements.")),
            12);
}

TEST(SimHashTest, ChineseCharactersAreTokens) {
  uint64_t a = SimHash("周一，英伟达股价在该模型发布后大幅下跌，市值蒸发近六千亿美元。");
  uint64_t b = SimHash("周一，英伟达股价在该模型发布后大幅下跌，市值蒸发近六千亿美元");
  EXPECT_NE(a, 0u);
  EXPECT_EQ(a, b);  // punctuation is not a token
}

TEST(SimHashTest, EdgeCases) {
  EXPECT_EQ(SimHash(""), 0u);
  EXPECT_EQ(SimHash("  ,.;  "), 0u);
  EXPECT_NE(SimHash("one"), 0u);
  EXPECT_NE(SimHash("\xff\xfe invalid bytes"), 0u);
}

TEST(BodyFingerprintTest, ExactBytes) {
  EXPECT_EQ(BodyFingerprint("abc"), BodyFingerprint("abc"));
  EXPECT_NE(BodyFingerprint("abc"), BodyFingerprint("abd"));
  EXPECT_NE(BodyFingerprint(""), BodyFingerprint(std::string(1, '\0')));
}

}  // namespace
}  // namespace newsflow::text
