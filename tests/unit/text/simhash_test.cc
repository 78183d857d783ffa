#include "services/core/text/simhash.h"

#include <gtest/gtest.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <array>
#include <string>
#include <vector>

#include "services/core/text/hygiene.h"
#include "tests/support/xorshift.h"

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
  EXPECT_EQ(SimHash("\xff\xfe"
                    "abc def\xc3"),
            0x8d05c2ba2b6b9356ull);
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

// SimHash as its header describes it, written plainly (a feature at a time, one counter per bit):
// the stored signatures must not depend on how the implementation batches or counts.
uint64_t ReferenceSimHash(std::string_view text) {
  constexpr uint64_t kOffset = 14695981039346656037ull, kPrime = 1099511628211ull;
  auto mix = [](uint64_t x) {
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  };
  std::vector<uint64_t> tokens;
  uint64_t token = kOffset;
  bool in_token = false;
  auto end_token = [&] {
    if (in_token) tokens.push_back(token);
    token = kOffset;
    in_token = false;
  };
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c < 0 || !u_isalnum(c)) {
      end_token();
      continue;
    }
    if (c < 0x80) c = static_cast<UChar32>(std::tolower(c));
    UErrorCode status = U_ZERO_ERROR;
    const UScriptCode script = uscript_getScript(c, &status);
    const bool dense = c >= 0x2E80 && (script == USCRIPT_HAN || script == USCRIPT_HIRAGANA ||
                                       script == USCRIPT_KATAKANA || script == USCRIPT_HANGUL);
    if (dense) {
      end_token();
      tokens.push_back((kOffset ^ static_cast<uint64_t>(c)) * kPrime);
      continue;
    }
    token = (token ^ static_cast<uint64_t>(c)) * kPrime;
    in_token = true;
  }
  end_token();
  if (tokens.empty()) return 0;
  std::vector<uint64_t> features;
  for (size_t k = 0; k < tokens.size(); ++k) {
    features.push_back(mix(tokens[k] ^ 0x5bd1e995ull));
    if (k >= 2) features.push_back(mix(tokens[k - 2] * 31 * 31 + tokens[k - 1] * 31 + tokens[k]));
  }
  if (tokens.size() < 3) {
    const uint64_t w1 = tokens.size() == 2 ? tokens[0] : 0;
    features.push_back(mix(w1 * 31 + tokens.back()));
  }
  std::array<uint64_t, 64> ones{};
  for (uint64_t f : features) {
    for (int bit = 0; bit < 64; ++bit) ones[bit] += (f >> bit) & 1;
  }
  uint64_t signature = 0;
  for (int bit = 0; bit < 64; ++bit) {
    if (2 * ones[bit] > features.size()) signature |= uint64_t{1} << bit;
  }
  return signature;
}

TEST(SimHashTest, EqualsThePlainDefinition) {
  EXPECT_EQ(ReferenceSimHash(kText), 0xb167f587ba118440ull);  // the reference itself is right
  EXPECT_EQ(ReferenceSimHash(LongText()), 0x9f4765fda142bf68ull);
  const std::vector<std::string> pieces = {
      "word",     "Word",     "w0rd",   "42",     " ",
      "  ",       ", ",       ". ",     "\n\n",   "-",
      "'",        "\t",       "Café",   "naïve",  "Zürich",
      "—",        "“",        "”",      "英伟达", "股",
      "ひらがな", "ラーメン", "한국어", "Акции",  "\u0939\u093F\u0928",
      "\xff",     "\xe2\x82", "\xc3",   "\u200d", "\u00a0"};
  testing::XorShift32 next(88172645u);
  for (int round = 0; round < 400; ++round) {
    std::string text;
    // From a handful of tokens (the fewer-than-3 case) to thousands (many counter blocks and
    // per-lane flushes).
    const uint32_t count = round < 100 ? next() % 8 : next() % (round < 390 ? 600 : 6000);
    for (uint32_t k = 0; k < count; ++k) text += pieces[next() % pieces.size()];
    EXPECT_EQ(SimHash(text), ReferenceSimHash(text)) << text;
    EXPECT_EQ(Fingerprints(text).simhash, ReferenceSimHash(text)) << text;
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
