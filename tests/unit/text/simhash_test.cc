#include "services/core/text/simhash.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "services/core/text/hygiene.h"

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

// A deterministic text of 3,000 tokens: more than 2,040 features, so the counter's per-lane
// flushes are exercised too.
std::string LongText() {
  std::string t;
  uint32_t x = 12345;
  for (int i = 0; i < 3000; ++i) {
    x = x * 1103515245u + 12345u;
    t += "w" + std::to_string((x >> 16) % 500);
    t += (i % 17 == 16) ? ". " : " ";
  }
  return t;
}

// Signatures are stored in the duplicate index's changelog and compared with those of articles
// normalized by other versions: any change to tokenization, feature hashing or bit counting
// must show here. The values were computed by the first released implementation.
TEST(SimHashTest, SignaturesAreStableAcrossVersions) {
  EXPECT_EQ(SimHash(kText), 0xb167f587ba118440ull);
  EXPECT_EQ(SimHash(""), 0u);
  EXPECT_EQ(SimHash("one two"), 0xdca64757e7aece67ull);
  EXPECT_EQ(SimHash("星期一Nvidia發言人告訴CNBC,DeepSeek是一個傑出的進化。"),
            0xcab3387d55f00850ull);
  EXPECT_EQ(SimHash("Café déjà vu — naïve résumé, Zürich 2024."), 0x0d0a1a9d03cc883cull);
  EXPECT_EQ(SimHash("\xff\xfe" "abc def\xc3"), 0x8d05c2ba2b6b9356ull);
  EXPECT_EQ(SimHash(LongText()), 0x9f4765fda142bf68ull);
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

// normalize takes the word count and the exact fingerprint from SimHash's pass instead of passes
// of their own: they must be WordCount's and BodyFingerprint's, on every kind of word boundary
// WordCount knows and every path of the tokenizer (ASCII runs, separators, multi-byte and invalid
// sequences, text ending in each).
TEST(SimHashTest, FingerprintsFromOnePassEqualTheSeparateFunctions) {
  const std::vector<std::string> texts = {
      "",
      "  \t ",
      kText,
      "Nvidia shares fell 17%",
      "state-owned ... -- !",
      "Акции Nvidia упали",
      "don't stop, it\u2019s the U.S. economy: $1,000.50 or 3.5%",
      "'quoted' end. a.b.c ,x, x,, x'',y",
      "Cafe\xCC\x81 ok caf\xC3\xA9x",
      "\u0939\u093F\u0928\u094D\u0926\u0940 \u092D\u093E\u0937\u093E HIV-\u0935\u093E",
      "\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645",
      "英伟达Nvidia股价周一下跌17%。「、。」 ひらがな ラーメン 한국어 뉴스",
      "ab\xff cd \xe2\x82 ef\xC3",
  };
  for (const std::string& text : texts) {
    const TextFingerprints fingerprints = Fingerprints(text);
    EXPECT_EQ(fingerprints.word_count, WordCount(text)) << text;
    EXPECT_EQ(fingerprints.simhash, SimHash(text)) << text;
    EXPECT_EQ(fingerprints.body, BodyFingerprint(text)) << text;
  }
}

// BodyFingerprint is stored in the duplicate index's changelog like the signature: fixed values.
TEST(BodyFingerprintTest, StableAcrossVersions) {
  EXPECT_EQ(BodyFingerprint(""), 0xf52a15e9a9b5e89bull);
  EXPECT_EQ(BodyFingerprint(kText), 0x2e13a5e656d2ebecull);
  EXPECT_EQ(BodyFingerprint("星期一Nvidia發言人告訴CNBC"), 0x56578f76d4a38a57ull);
  EXPECT_EQ(Fingerprints(kText).body, BodyFingerprint(kText));
}

}  // namespace
}  // namespace newsflow::text
